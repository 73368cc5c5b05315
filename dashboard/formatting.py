"""French wording of numbers, decisions and charts: pure functions, so every sentence shown can be tested.

Text alternatives of the charts (WCAG 1.1.1) are written here too: each says what the chart shows and its key
numbers, so a screen-reader user gets the same information as a sighted one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

NBSP = "\u00a0"  # before % and : in French typography
THIN = "\u202f"  # thousands separator

DECISIONS = {  # words + icon (Material icons: bundled with Streamlit, hidden from screen readers, the words carry it)
    "accepted": ("Crédit accordé", ":material/check_circle:"),
    "refused": ("Crédit refusé", ":material/block:"),
}

# The client's descriptive variables (names of the API's client profile), in the order they are shown.
PROFILE_LABELS = {
    "gender": "Genre",
    "age_years": "Âge (ans)",
    "family_status": "Situation familiale",
    "children_count": "Nombre d'enfants",
    "family_members_count": "Taille du foyer",
    "education": "Niveau d'études",
    "income_type": "Type de revenu",
    "occupation": "Profession",
    "organization_type": "Secteur de l'employeur",
    "years_employed": "Ancienneté dans l'emploi (ans)",
    "housing_type": "Type de logement",
    "owns_car": "Possède une voiture",
    "owns_realty": "Possède un logement",
    "contract_type": "Type de contrat",
    "annual_income": "Revenu annuel",
    "credit_amount": "Montant du crédit",
    "annuity_amount": "Annuité",
    "goods_price": "Prix du bien financé",
    "region_rating": "Note de la région",
    "region_rating_with_city": "Note de la région et de la ville",
}

# Kaggle codes shown to advisers in French: the API's one table (`GET /v1/labels`, from common/contracts/labels_fr.json),
# loaded by `use_labels` when the app starts; filled in place so that every page sees it.
VALUE_WORDS: dict[str, str] = {"yes": "oui", "no": "non"}


def use_labels(values: Mapping[str, str]) -> None:
    """Adopt the API's French labels of the category values (raw value -> label)."""
    VALUE_WORDS.update(values)


TABLE_STYLE = (  # plain HTML tables: light for the browser (st.table renders every cell as Markdown), wrap at 200 %
    "<style>.hc-table{border-collapse:collapse;width:100%;margin:0.25rem 0 0.75rem;font-size:0.95rem}"
    ".hc-table caption{text-align:left;font-weight:600;padding:0.25rem 0;caption-side:top}"
    ".hc-table th,.hc-table td{border:1px solid #c8c9cc;padding:0.3rem 0.5rem;text-align:left;vertical-align:top;"
    "overflow-wrap:anywhere}.hc-table thead th{background:#f0f2f6}.hc-table tbody th{font-weight:normal}</style>")


def html_table(table: Any, caption: str) -> str:
    """A DataFrame as an accessible HTML table: a caption, column headers and row headers with their scope."""
    columns = [table.index.name or "", *table.columns]
    head = "".join(f'<th scope="col">{escape(str(c))}</th>' for c in columns)
    rows = "".join(
        f'<tr><th scope="row">{escape(str(index))}</th>' + "".join(f"<td>{escape(str(v))}</td>" for v in values) + "</tr>"
        for index, values in zip(table.index, table.itertuples(index=False), strict=True))
    return (f'{TABLE_STYLE}<table class="hc-table"><caption>{escape(caption)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")


def is_missing(value: object) -> bool:
    """None, NaN or an empty string."""
    return value is None or (isinstance(value, float) and math.isnan(value)) or value == ""


def number(value: float | int | None, decimals: int = 0) -> str:
    """`135 000`, `2,5`: French separators; `non renseigné` when missing."""
    if is_missing(value):
        return "non renseigné"
    text = f"{float(value):,.{decimals}f}"
    return text.replace(",", THIN).replace(".", ",")


def percent(probability: float | None, decimals: int = 1) -> str:
    """A probability as a French percentage: 0.1234 -> `12,3 %`."""
    if is_missing(probability):
        return "non renseigné"
    return f"{number(100 * float(probability), decimals)}{NBSP}%"


def points(difference: float, decimals: int = 1) -> str:
    """A difference of probabilities in percentage points: 0.031 -> `3,1 points`."""
    value = abs(100 * difference)
    unit = "point" if round(value, decimals) < 2 else "points"
    return f"{number(value, decimals)}{NBSP}{unit}"


def value_text(value: object, decimals: int = 1) -> str:
    """Any profile value in French: codes translated, booleans as oui/non, numbers with separators."""
    if is_missing(value):
        return "non renseigné"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, str):
        return VALUE_WORDS.get(value, value)
    number_value = float(value)
    if number_value == int(number_value) or abs(number_value) >= 100:
        return number(number_value)
    return number(number_value, decimals)


def feature_value(feature: str, value: object) -> str:
    """A model feature's value for a person: day counts (`days_*`, negative before the application) in years."""
    if not is_missing(value) and not isinstance(value, str | bool) and feature.lower().startswith("days_"):
        return f"{number(abs(float(value)) / 365.25, 1)} ans"
    return value_text(value, 2)


def decision_words(decision: str) -> tuple[str, str]:
    """(`Crédit accordé`, icon) or (`Crédit refusé`, icon) for the API's `accepted` / `refused`."""
    return DECISIONS[decision]


def threshold_sentence(probability: float, threshold: float, decision: str) -> str:
    """How far the probability is from the threshold, in one plain sentence ending with the API's decision."""
    gap = probability - threshold
    if abs(gap) < 0.0005:
        where = "exactement au niveau du seuil"
    elif gap > 0:
        where = f"{points(gap)} au-dessus du seuil"
    else:
        where = f"{points(gap)} sous le seuil"
    verdict = "le crédit est accordé" if decision == "accepted" else "le crédit est refusé"
    return (f"La probabilité de défaut estimée est de {percent(probability)}, soit {where} de {percent(threshold)}{NBSP}: "
            f"{verdict}.")


def score_alt(probability: float, threshold: float, decision: str) -> str:
    """Text alternative of the score gauge."""
    words, _ = decision_words(decision)
    return (f"Jauge horizontale de la probabilité de défaut{NBSP}: {percent(probability)} pour ce client, "
            f"seuil de décision à {percent(threshold)} (trait vertical). {words}.")


def contributions_alt(rows: Sequence[Mapping]) -> str:
    """Text alternative of the contributions chart: the factors that raise and lower the risk, strongest first."""
    up = [r["label"] for r in rows if r["contribution"] > 0]
    down = [r["label"] for r in rows if r["contribution"] < 0]
    parts = [f"Barres horizontales des {len(rows)} facteurs qui pèsent le plus sur le score de ce client."]
    if up:
        parts.append(f"Augmentent le risque{NBSP}: {', '.join(up)}.")
    if down:
        parts.append(f"Diminuent le risque{NBSP}: {', '.join(down)}.")
    return " ".join(parts)


def distribution_alt(variable_label: str, group: str, count: int, client_value: object, client_share_below: float | None,
                     median: object | None = None) -> str:
    """Text alternative of a distribution chart with the client's position."""
    text = f"Répartition de «{NBSP}{variable_label}{NBSP}» pour {group} ({number(count)} clients)."
    if median is not None and not is_missing(median):
        text += f" Médiane{NBSP}: {value_text(median)}."
    if not is_missing(client_value):
        text += f" Valeur du client{NBSP}: {value_text(client_value)} (losange noir)."
        if client_share_below is not None:
            text += f" {percent(client_share_below, 0)} des clients du groupe ont une valeur inférieure."
    return text


def scatter_alt(x_label: str, y_label: str, count: int, accepted: int, refused: int, client: Mapping | None) -> str:
    """Text alternative of the scatter plot of two variables."""
    text = (f"Nuage de points{NBSP}: {y_label} en fonction de {x_label} pour {number(count)} clients "
            f"({number(accepted)} accordés, ronds bleus{NBSP}; {number(refused)} refusés, triangles vermillon).")
    if client:
        text += (f" Le client (losange noir étiqueté) a {x_label.lower()} {value_text(client.get('x'))} "
                 f"et {y_label.lower()} {value_text(client.get('y'))}.")
    return text


def importance_alt(rows: Sequence[Mapping]) -> str:
    """Text alternative of the global importance chart."""
    names = ", ".join(r["label"] for r in rows[:5])
    return (f"Barres horizontales de l'importance globale des {len(rows)} variables les plus utilisées par le modèle. "
            f"Les cinq premières{NBSP}: {names}.")


def whatif_alt(before: float, after: float, threshold: float) -> str:
    """Text alternative of the before/after chart of the what-if page."""
    return (f"Deux barres horizontales{NBSP}: probabilité de défaut avant modification {percent(before)}, "
            f"après modification {percent(after)}, seuil {percent(threshold)} (trait vertical).")


def change_sentence(before: Mapping, after: Mapping) -> str:
    """What changed between two scores (probability, decision), in one sentence."""
    delta = after["probability_default"] - before["probability_default"]
    if abs(delta) < 0.0005:
        move = "ne change presque pas"
    elif delta > 0:
        move = f"augmente de {points(delta)}"
    else:
        move = f"diminue de {points(delta)}"
    text = (f"La probabilité de défaut {move} ({percent(before['probability_default'])} → "
            f"{percent(after['probability_default'])}).")
    if before["decision"] != after["decision"]:
        text += f" La décision change{NBSP}: {decision_words(after['decision'])[0].lower()}."
    else:
        text += f" La décision reste la même{NBSP}: {decision_words(after['decision'])[0].lower()}."
    return text
