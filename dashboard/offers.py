"""What the bank could lend a refused client (the API's counter-offer) and the letter to the client, in French:
pure functions, tested without Streamlit.

The counter-offer (`GET /v1/clients/{id}/counter-offer`) has two options, each found by the API with the rest of
the application unchanged and the annuity recomputed at the rate the application implies: the largest amount the
model accepts at the application's term, and the longest term it accepts for the requested amount. An option is
`possible: false` with a reason when there is none. The letter (`GET /v1/clients/{id}/letter`) is a whole HTML
document; the page shows its body, its headings moved under the page's own, without its styles or scripts.
"""

from __future__ import annotations

from html import escape
from html.parser import HTMLParser

import pandas as pd

from dashboard import formatting as fmt

OPTIONS = {"amount": "Montant le plus élevé accepté", "term": "Durée la plus longue acceptée (montant demandé)"}
REQUESTED = "Demande actuelle"
OFFER_COLUMNS = ["Proposition", "Montant", "Durée", "Mensualité", "Probabilité de défaut", "Décision du modèle"]
NO_OPTION = {  # the API's reason codes, when it gives no French sentence of its own (`reason_text`)
    "accepted_as_requested": "La demande est acceptée telle quelle : aucune contre-proposition n'est nécessaire.",
    "no_accepted_amount": "Aucun montant plus faible n'est accepté par le modèle.",
    "no_accepted_term": "Aucune durée n'est acceptée par le modèle pour le montant demandé.",
    "revolving_no_term": "Un crédit renouvelable n'a pas de durée : seule une proposition de montant est possible.",
}


def euros(value: float | None) -> str:
    """An amount in euros: `312 000 €`."""
    return "non renseigné" if fmt.is_missing(value) else f"{fmt.number(value)}{fmt.NBSP}€"


def months(value: int | None) -> str:
    """A term: `24 mois`, or `sans durée` (revolving credit)."""
    return "sans durée (crédit renouvelable)" if value is None else f"{int(value)}{fmt.NBSP}mois"


def why_not(option: dict) -> str:
    """Why an option is not possible: one French sentence (the API's, else the dashboard's for its reason code)."""
    return option.get("reason_text") or NO_OPTION.get(option.get("reason") or "", "Aucune proposition trouvée.")


def _row(name: str, item: dict) -> tuple[str, str, str, str, str, str]:
    return (name, euros(item.get("credit_amount")), months(item.get("term_months")), euros(item.get("annuity")),
            fmt.percent(item.get("probability_default")), fmt.decision_words(item["decision"])[0])


def offer_table(answer: dict) -> pd.DataFrame:
    """The application as it stands and each option of the counter-offer (or why there is none)."""
    rows = [_row(REQUESTED, answer["requested"])]
    for key, name in OPTIONS.items():
        option = answer.get(key) or {"possible": False}
        if option.get("possible"):
            rows.append(_row(name, option))
        else:
            rows.append((name, "—", "—", "—", "—", f"Aucune proposition. {why_not(option)}"))
    return pd.DataFrame(rows, columns=OFFER_COLUMNS).set_index(OFFER_COLUMNS[0])


def offer_sentences(answer: dict) -> list[str]:
    """One plain sentence per option, for the advisor to tell the client."""
    sentences = []
    amount, term = answer.get("amount") or {}, answer.get("term") or {}
    if amount.get("possible"):
        sentences.append(f"Le modèle accepterait un crédit de {euros(amount['credit_amount'])} sur "
                         f"{months(amount.get('term_months'))}, soit une mensualité de {euros(amount['annuity'])}.")
    else:
        sentences.append(why_not(amount))
    if term.get("possible"):
        sentences.append(f"Ou le montant demandé, {euros(term['credit_amount'])}, sur "
                         f"{months(term.get('term_months'))}, soit une mensualité de {euros(term['annuity'])}.")
    else:
        sentences.append(why_not(term))
    return list(dict.fromkeys(sentences))  # « accepted as requested » is said once


def rate_sentence(rate: dict) -> str:
    """The rate the annuities are recomputed at, in French (the API's own `text` is in English)."""
    if rate.get("source") == "revolving" or rate.get("instalment_share") is not None:
        return (f"Crédit renouvelable : la mensualité reste {fmt.percent(rate.get('instalment_share'))} du montant, "
                "comme dans la demande.")
    taux = (f"{fmt.percent(rate.get('monthly_rate'), 2)} par mois ({fmt.percent(rate.get('annual_rate'))} par an, "
            "taux nominal)")
    term = months(rate.get("term_months"))
    if rate.get("source") == "given":
        return f"Mensualités recalculées au taux de la demande, {taux}, pour sa durée de {term}."
    return (f"Mensualités recalculées au taux implicite de la demande, {taux}, pour une durée estimée à {term} "
            "(la demande n'indique pas sa durée).")


def letter_about(decision: str | None, decided_by: str | None, labels: dict[str, str]) -> str:
    """Which decision the letter is about (the API says it in the letter's headers), in one sentence."""
    if decision not in labels:
        return "La lettre porte sur la dernière décision enregistrée pour ce client."
    if decided_by == "model":
        return (f"La lettre porte sur la décision du modèle, « {labels[decision]} » : aucune décision de conseiller "
                "n'est enregistrée pour ce client.")
    return f"La lettre porte sur la décision de conseiller en vigueur, « {labels[decision]} »."


def letter_file_name(client_id: int) -> str:
    """The PDF's file name."""
    return f"lettre-client-{client_id}.pdf"


def is_pdf(data: bytes) -> bool:
    """Whether `data` starts like a PDF file."""
    return data[:5] == b"%PDF-"


class _LetterBody(HTMLParser):
    """Keeps the body of an HTML document, its headings moved `shift` levels down, without style or script."""

    SKIP = {"head", "style", "script", "title", "noscript", "template"}
    LANDMARKS = {"main", "header", "footer", "nav", "aside"}  # the page has its own: the letter's become plain blocks
    VOID = {"br", "hr", "img", "meta", "link", "input", "wbr", "col", "area", "source"}

    def __init__(self, shift: int) -> None:
        super().__init__(convert_charrefs=True)
        self.shift = shift
        self.out: list[str] = []
        self.skipping = 0

    def _tag(self, tag: str) -> str:
        if len(tag) == 2 and tag[0] == "h" and tag[1].isdigit():
            return f"h{min(int(tag[1]) + self.shift, 6)}"
        return "div" if tag in self.LANDMARKS else tag

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skipping += tag not in self.VOID
            return
        if self.skipping or tag in ("html", "body", "link", "meta"):
            return
        attributes = "".join(f' {name}="{escape(value or "", quote=True)}"' for name, value in attrs
                             if not name.startswith("on") and name != "style")
        self.out.append(f"<{self._tag(tag)}{attributes}>")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(self.skipping - 1, 0)
            return
        if self.skipping or tag in ("html", "body") or tag in self.VOID:
            return
        self.out.append(f"</{self._tag(tag)}>")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.out.append(escape(data, quote=False))


def letter_fragment(document: str, shift: int = 2) -> str:
    """The letter's body for the page: headings `shift` levels down (the letter's title becomes a sub-heading of
    « Lettre au client »), landmarks as plain blocks (the page has its own `main`), no style, script or event
    attribute (they would reach the whole page)."""
    parser = _LetterBody(shift)
    parser.feed(document)
    parser.close()
    return "".join(parser.out).strip()
