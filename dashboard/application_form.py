"""The application fields an adviser edits (what-if) or fills in (new application), in French and in plain units.

The API takes the raw Kaggle fields (`AMT_CREDIT`, `DAYS_BIRTH` as negative days, `FLAG_OWN_CAR` as Y/N...);
advisers think in amounts, years and words. `to_raw` and `from_raw` convert between the two (pure functions).
The categories offered come from the API's own OpenAPI schema, so the form never offers a value the API refuses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DAYS_PER_YEAR = 365.25
NOT_EMPLOYED = 365243  # the Kaggle placeholder of DAYS_EMPLOYED for people without a job (pensioners...)


@dataclass(frozen=True)
class FormField:
    """One field of the form: Kaggle name, French label, kind and bounds in the adviser's units."""

    name: str
    label: str
    kind: str  # amount | count | years | score | category | yes_no
    low: float = 0.0
    high: float = 1e9
    step: float = 1.0
    help: str = ""


ACTIONABLE = (
    FormField("AMT_CREDIT", "Montant du crédit demandé", "amount", 1_000, 1e8, 5_000),
    FormField("AMT_ANNUITY", "Mensualité (remboursement par mois)", "amount", 0, 1e7, 500),
    FormField("AMT_GOODS_PRICE", "Prix du bien financé", "amount", 0, 1e8, 5_000),
    FormField("NAME_CONTRACT_TYPE", "Type de contrat", "category"),
)
# The what-if's own fields: the adviser changes the amount, the duration and the goods price; the annuity follows
# (dashboard/whatif.py), typed by hand only under "Avancé".
CREDIT = (ACTIONABLE[0], ACTIONABLE[2], ACTIONABLE[3])
ANNUITY = ACTIONABLE[1]
DURATION = FormField("DURATION_MONTHS", "Durée du crédit (mois)", "count", 1, 480, 1,
                     "La mensualité est recalculée pour cette durée, au taux implicite de la demande actuelle.")
SITUATION = (
    FormField("AMT_INCOME_TOTAL", "Revenu annuel déclaré", "amount", 1_000, 1e9, 1_000),
    FormField("NAME_INCOME_TYPE", "Type de revenu", "category"),
    FormField("DAYS_EMPLOYED", "Ancienneté dans l'emploi (années)", "employment", 0, 60, 0.5,
              "0 si la personne n'a pas d'emploi (retraite, sans emploi)."),
    FormField("OCCUPATION_TYPE", "Profession", "category"),
    FormField("NAME_EDUCATION_TYPE", "Niveau d'études", "category"),
    FormField("NAME_FAMILY_STATUS", "Situation familiale", "category"),
    FormField("CNT_CHILDREN", "Nombre d'enfants", "count", 0, 30, 1),
    FormField("CNT_FAM_MEMBERS", "Taille du foyer", "count", 1, 40, 1),
    FormField("NAME_HOUSING_TYPE", "Type de logement", "category"),
    FormField("FLAG_OWN_REALTY", "Possède un logement", "yes_no"),
    FormField("FLAG_OWN_CAR", "Possède une voiture", "yes_no"),
)
IDENTITY = (
    FormField("DAYS_BIRTH", "Âge (années)", "years", 18, 100, 1),
    FormField("CODE_GENDER", "Genre", "category"),
)
EXTERNAL = tuple(FormField(f"EXT_SOURCE_{i}", f"Score externe n° {i} (0 à 1, vide si inconnu)", "score", 0, 1, 0.01,
                           "Note fournie par un organisme extérieur : plus elle est haute, plus le risque est faible.")
                 for i in (1, 2, 3))
ALL_FIELDS = ACTIONABLE + SITUATION + IDENTITY + EXTERNAL
LABELS = {f.name: f.label for f in ALL_FIELDS}

FALLBACK_CATEGORIES = {  # used when the API's schema does not list the categories of a field
    "NAME_CONTRACT_TYPE": ["Cash loans", "Revolving loans"],
    "CODE_GENDER": ["F", "M"],
}

# A typical new application, in the form's units: the starting point of the new-application form.
NEW_APPLICATION: dict[str, Any] = {
    "AMT_CREDIT": 450_000.0, "AMT_ANNUITY": 22_500.0, "AMT_GOODS_PRICE": 450_000.0, "NAME_CONTRACT_TYPE": "Cash loans",
    "AMT_INCOME_TOTAL": 157_500.0, "NAME_INCOME_TYPE": "Working", "DAYS_EMPLOYED": 6.0, "OCCUPATION_TYPE": "Laborers",
    "NAME_EDUCATION_TYPE": "Secondary / secondary special", "NAME_FAMILY_STATUS": "Married", "CNT_CHILDREN": 0,
    "CNT_FAM_MEMBERS": 2, "NAME_HOUSING_TYPE": "House / apartment", "FLAG_OWN_REALTY": True, "FLAG_OWN_CAR": False,
    "DAYS_BIRTH": 38.0, "CODE_GENDER": "F", "EXT_SOURCE_1": None, "EXT_SOURCE_2": 0.55, "EXT_SOURCE_3": 0.5,
}


def _days_from_years(years: float) -> int:
    return -int(round(years * DAYS_PER_YEAR))


def to_raw(values: dict[str, Any]) -> dict[str, Any]:
    """The form's values as the API's raw fields (years -> negative days, yes/no -> Y/N)."""
    raw: dict[str, Any] = {}
    kinds = {f.name: f.kind for f in ALL_FIELDS}
    for name, value in values.items():
        kind = kinds.get(name)
        if value is None or kind is None:
            raw[name] = value
        elif kind == "years":
            raw[name] = _days_from_years(value)
        elif kind == "employment":
            raw[name] = NOT_EMPLOYED if value <= 0 else _days_from_years(value)
        elif kind == "yes_no":
            raw[name] = "Y" if value else "N"
        elif kind == "count":
            raw[name] = int(value)
        elif kind in ("amount", "score"):
            raw[name] = float(value)
        else:
            raw[name] = value
    return raw


def from_raw(raw: dict[str, Any]) -> dict[str, Any]:
    """The API's raw fields in the form's units (the inverse of `to_raw`, to one decimal of a year)."""
    values: dict[str, Any] = {}
    for field in ALL_FIELDS:
        value = raw.get(field.name)
        if value is None:
            values[field.name] = None
        elif field.kind == "years":
            values[field.name] = round(-float(value) / DAYS_PER_YEAR, 1)
        elif field.kind == "employment":
            values[field.name] = 0.0 if value == NOT_EMPLOYED or value > 0 else round(-float(value) / DAYS_PER_YEAR, 1)
        elif field.kind == "yes_no":
            values[field.name] = value == "Y"
        else:
            values[field.name] = value
    return values


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """(label, before, after) of every field of `after` (the fields shown) whose value differs."""
    return [(f.label, before.get(f.name), after[f.name]) for f in ALL_FIELDS
            if f.name in after and before.get(f.name) != after[f.name]]


def categories_from_schema(schema: dict) -> dict[str, list[str]]:
    """The allowed values of every text field of the API's `Application` schema (enum or Literal)."""
    components = schema.get("components", {}).get("schemas", {})
    application = components.get("Application", {})
    out: dict[str, list[str]] = {}
    for name, prop in application.get("properties", {}).items():
        options = prop.get("enum")
        if options is None:
            for alternative in prop.get("anyOf", []):
                if "enum" in alternative:
                    options = alternative["enum"]
                elif "const" in alternative:
                    options = [*(options or []), alternative["const"]]
        if options:
            out[name] = [o for o in options if isinstance(o, str)]
    return {**FALLBACK_CATEGORIES, **out}
