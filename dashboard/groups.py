"""Pure helpers of the comparison page: groups, filters and the API's population answers as chart-ready tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard import formatting as fmt
from dashboard.charts import UNKNOWN_WORDS as UNKNOWN_DECISION

ALL, SIMILAR, GROUP = "Tous les clients", "Les clients similaires", "Un groupe choisi avec des filtres"
AGE_BANDS = {  # label -> (age_min, age_max), inclusive as the API reads them
    "18 à 25 ans": (18, 25), "25 à 35 ans": (25, 35), "35 à 45 ans": (35, 45), "45 à 55 ans": (45, 55),
    "55 à 65 ans": (55, 65), "65 ans et plus": (65, 120),
}
FILTER_VARIABLES = ("gender", "contract_type", "income_type", "education", "family_status", "housing_type")
# Amounts skewed to the right (a few incomes of 100 million): shown on a logarithmic axis.
SKEWED = ("annual_income", "credit_amount", "annuity_amount", "goods_price")
SIMILARITY_VARIABLES = ("age_years", "annual_income", "credit_amount", "annuity_amount", "years_employed", "children_count")


def label(variable: str, api_label: str | None = None) -> str:
    """French label of a descriptive variable of the population endpoints."""
    return fmt.PROFILE_LABELS.get(variable, api_label or variable)


def filter_params(choices: dict[str, str | None], age_band: str | None) -> dict[str, str | float]:
    """Query parameters of the API's group filters (None = no filter on that variable)."""
    params: dict[str, str | float] = {name: value for name, value in choices.items() if value is not None}
    if age_band is not None:
        params["age_min"], params["age_max"] = AGE_BANDS[age_band]
    return params


def group_words(mode: str, choices: dict[str, str | None], age_band: str | None) -> str:
    """The compared group in words, for headings and text alternatives."""
    if mode == ALL:
        return "tous les clients"
    if mode == SIMILAR:
        return "les clients les plus proches du client"
    parts = [fmt.value_text(v) for v in choices.values() if v is not None] + ([age_band] if age_band else [])
    return "le groupe " + ", ".join(parts) if parts else "tous les clients (aucun filtre choisi)"


TOO_SMALL = "Groupe trop petit pour être affiché"  # the API withholds any statistic of fewer than 20 clients


def histogram_frame(histogram: list[dict]) -> pd.DataFrame:
    """The API's bins (low, high, count) as the chart's columns (start, end, count); a withheld count (a bin of
    too few clients) is missing: no bar is drawn for it."""
    return pd.DataFrame([{"start": b["low"], "end": b["high"], "count": b["count"]} for b in histogram],
                        columns=["start", "end", "count"])


def counts_frame(counts: list[dict]) -> pd.DataFrame:
    """The API's category counts with French category names (the categories of too few clients, withheld by the
    API, are left out: see `withheld_note`)."""
    return pd.DataFrame([{"category": fmt.value_text(c["value"]), "count": c["count"], "default_rate": c.get("default_rate")}
                         for c in counts if not c.get("suppressed")], columns=["category", "count", "default_rate"])


def count_text(count: float | None) -> str:
    """A count of clients for a table, or the words of a withheld one."""
    return "moins de 20" if count is None or pd.isna(count) else fmt.number(count, 0)


def withheld_note(items: list[dict]) -> str | None:
    """The sentence under a chart some of whose categories or bars the API withheld, else None."""
    n = sum(1 for item in items if item.get("suppressed"))
    if not n:
        return None
    return (f"{TOO_SMALL} : {n} {'catégorie ou tranche' if n == 1 else 'catégories ou tranches'} de moins de 20 "
            "clients, non détaillée(s) pour ne pas permettre de reconnaître quelqu'un.")


def local_histogram(values: list[float | None], bins: int = 10, log: bool = False) -> pd.DataFrame:
    """Equal-width bins of a few values (the similar clients; equal width in log10 when `log`), missing values
    (and, in log, values of 0 or less) left out."""
    x = np.array([v for v in values if v is not None and (not log or v > 0)], dtype=float)
    if x.size == 0:
        return pd.DataFrame(columns=["start", "end", "count"])
    if log and np.ptp(x) > 0:
        counts, edges = np.histogram(x, bins=np.geomspace(x.min(), x.max(), bins + 1))
        return pd.DataFrame({"start": edges[:-1], "end": edges[1:], "count": counts.astype(int)})
    counts, edges = np.histogram(x, bins=bins if np.ptp(x) > 0 else 1)
    return pd.DataFrame({"start": edges[:-1], "end": edges[1:], "count": counts.astype(int)})


def share_below(values: list[float | None], value: float | None) -> float | None:
    """Share of the values strictly below `value` (None when unknown)."""
    x = [v for v in values if v is not None]
    if value is None or not x:
        return None
    return sum(v < value for v in x) / len(x)


def neighbours_frame(neighbours: list[dict], x: str, y: str) -> pd.DataFrame:
    """The similar clients' two chosen variables and their decision in words (when the API gives it)."""
    rows = []
    for n in neighbours:
        decision = n.get("decision")
        words = fmt.decision_words(decision)[0] if decision in fmt.DECISIONS else UNKNOWN_DECISION
        rows.append({"client_id": n["client_id"], "x": n.get(x), "y": n.get(y), "decision": words})
    return pd.DataFrame(rows, columns=["client_id", "x", "y", "decision"]).dropna(subset=["x", "y"])
