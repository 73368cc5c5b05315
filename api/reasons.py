"""The main reasons of a score, for people: distinct, in human units, never a protected attribute.

Pure functions over the explanation's contributions (strongest first):
- **distinct**: features that say the same thing count once, the strongest speaking for them: the external scores
  and their summaries (`ext_source_*`), a duration in days and in years (`days_birth` / `age_years`), a ratio and
  its parts (`credit_to_income_ratio` with `amt_credit` or `amt_income_total`), per-table variants of one measure
  (`..._last_12_months`);
- **human units**: durations in years or months (days counted back from the application are negative in the data),
  amounts in euros with French separators, ratios as a percentage or "n fois", shares as a percentage, scores
  "sur 1", category values by their French label (`common/contracts/labels_fr.json`);
- **never a protected attribute** (gender, family situation, children): the model may use them, but they are
  not reasons given to a person, whichever way they push.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from common.contracts.labels import label_of

REASONS = 4
NBSP = "\u00a0"
THIN = "\u202f"
PROTECTED = frozenset({"code_gender", "name_family_status", "cnt_children", "cnt_fam_members",
                       "children_to_family_members_ratio"})
# One concept per application quantity: two features about the same concepts say the same thing.
CONCEPTS = {
    "amt_credit": "credit", "amt_annuity": "annuity", "amt_income_total": "income", "amt_goods_price": "goods_price",
    "days_birth": "age", "age_years": "age", "days_employed": "employed", "years_employed": "employed",
    "flag_days_employed_sentinel": "employed", "days_registration": "registration", "days_id_publish": "id_publish",
    "days_last_phone_change": "phone_change", "own_car_age": "car_age",
}
RATIO = re.compile(r"^(?P<a>.+?)_to_(?P<b>.+?)_ratio$")
WORD_CONCEPTS = {"credit": "credit", "annuity": "annuity", "income": "income", "goods_price": "goods_price",
                 "age": "age", "employed": "employed", "registration": "registration", "id_publish": "id_publish",
                 "phone_change": "phone_change", "car_age": "car_age"}
COUNT_WORDS = ("count", "number", "documents", "months_balance", "installments_left")
AMOUNT_WORDS = ("amt_", "amount", "income", "annuity", "price", "debt", "balance", "limit", "receivable", "drawings",
                "payment", "paid", "owed", "credit_sum")
DAY_COUNTS = ("days_late", "days_early", "days_past_due", "days_overdue", "days_late_")


def concepts(feature: str) -> frozenset[str]:
    """What a feature measures, as a set of concepts; two features with nested sets say the same thing."""
    name = feature.lower()
    if name.startswith("ext_source"):
        return frozenset({"ext_source"})
    if name in CONCEPTS:
        return frozenset({CONCEPTS[name]})
    if (m := RATIO.match(name)) and m["a"] in WORD_CONCEPTS and m["b"] in WORD_CONCEPTS:
        return frozenset({WORD_CONCEPTS[m["a"]], WORD_CONCEPTS[m["b"]]})
    if name == "credit_term_in_annuities":
        return frozenset({"credit", "annuity"})
    if name == "credit_minus_goods_price":
        return frozenset({"credit", "goods_price"})
    # history aggregates: the same measure over the last 12 months or as a share/count is one thing
    base = re.sub(r"_last_12_months$", "", name)
    return frozenset({base})


def same_thing(a: frozenset[str], b: frozenset[str]) -> bool:
    """A ratio and its parts, or two features about exactly the same concepts."""
    return a <= b or b <= a


def _number(value: float, decimals: int = 0) -> str:
    return f"{value:,.{decimals}f}".replace(",", THIN).replace(".", ",")


def _duration(days: float) -> str:
    days = abs(days)
    if days >= 365.25:
        return f"{_number(days / 365.25, 1)}{NBSP}ans"
    if days >= 30.4:
        return f"{_number(days / 30.44)}{NBSP}mois"
    return f"{_number(days)}{NBSP}jours"


def human_value(feature: str, value: Any) -> str:
    """A feature's value for a person (see the module docstring); `non renseigné` when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "non renseigné"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, str):
        return str(label_of(value, feature))
    name, v = feature.lower(), float(value)
    if name.startswith("ext_source") and "count" not in name:
        return f"{_number(v, 2)} sur 1"
    if name.startswith("flag_") or name.endswith("_flag"):
        return "oui" if v else "non"
    if name.endswith("_ratio") or name.startswith("share_") or "_share_" in name:
        return f"{_number(100 * v, 0 if abs(v) >= 0.1 else 1)}{NBSP}%" if abs(v) < 1 or "share" in name \
            else f"{_number(v, 1)}{NBSP}fois"
    if any(w in name for w in DAY_COUNTS):
        return f"{_number(abs(v), 0 if abs(v) >= 10 or v == int(v) else 1)}{NBSP}jours"
    if name.startswith("days_") or "_days_" in name:
        return _duration(v)
    if name.startswith("years_") or name.endswith("_years") or name == "own_car_age":
        return f"{_number(abs(v), 1 if v != int(v) else 0)}{NBSP}ans"
    if "count" in name or name.startswith(("cnt_", "amt_req_")):  # AMT_REQ_*: enquiries counted, not amounts
        return _number(v, 0 if v == int(v) else 1)
    if any(w in name for w in AMOUNT_WORDS):
        return f"{_number(v)}{NBSP}€"
    return _number(v, 0 if v == int(v) or abs(v) >= 100 else 2)


def human_label(feature: str, label: str) -> str:
    """The label without the unit of the raw data (a duration in days is shown in years or months)."""
    if feature.lower().startswith("days_") or "_days_" in feature.lower():
        label = label.replace(" (jours)", "").replace("jours depuis", "temps depuis").replace("jours jusqu'à", "temps jusqu'à")
    return label.replace(" (années)", "")


def sentence(label: str, value_text: str, contribution: float) -> str:
    """`Âge : 24,0 ans ; cela augmente le risque estimé.`"""
    verb = "augmente" if contribution > 0 else "diminue"
    return f"{label[:1].upper()}{label[1:]}{NBSP}: {value_text}{NBSP}; cela {verb} le risque estimé."


def main_reasons(contributions: Iterable[tuple[str, float]], values: Mapping[str, Any], labels: Mapping[str, str],
                 count: int = REASONS) -> list[dict[str, Any]]:
    """The `count` strongest distinct reasons, in French.

    Args:
        contributions: (feature, signed contribution), strongest first.
        values: the client's feature values.
        labels: French feature labels.
        count: how many reasons.

    Returns:
        One dict per reason: feature, label, text, contribution, direction (`hausse` / `baisse`),
        value_text and `covers` (the features it speaks for among those passed over).
    """
    chosen: list[dict[str, Any]] = []
    for feature, contribution in contributions:
        if contribution == 0 or feature.lower() in PROTECTED:
            continue
        mine = concepts(feature)
        twin = next((r for r in chosen if same_thing(r["_concepts"], mine)), None)
        if twin is not None:
            twin["covers"].append(feature)
            continue
        if len(chosen) == count:
            continue
        label = human_label(feature, labels.get(feature, feature))
        text_value = human_value(feature, values.get(feature))
        chosen.append({"feature": feature, "label": label, "value_text": text_value, "contribution": contribution,
                       "direction": "hausse" if contribution > 0 else "baisse",
                       "text": sentence(label, text_value, contribution), "covers": [], "_concepts": mine})
    for reason in chosen:
        del reason["_concepts"]
    return chosen
