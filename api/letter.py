"""The letter to the client about the latest decision on their credit application: what it says, in French.

The decision is the human one in force (`decisions` table) when an advisor has decided on one of the client's
scorings, else the model's on the stored application. The reasons are the explanation's own reasons
(`ScoringService.explain`, `api.reasons.main_reasons`: distinct, in human units, never gender, family status or
children), less those a client can neither act on nor should be given as a reason (`NOT_FOR_THE_CLIENT`: age, the
hour and day the application was filed, who came with the client, the region's population); at most 4. A refused
client is offered the counter-offer (`api.counter_offer`) when the model accepts a smaller amount or a longer term.
Every letter says that the client may ask for a person to review the decision, and how.

`letter_content` gathers the facts; `render_html` (accessible: `lang="fr"`, headings, contrast >= 4.5:1) and
`api.letter_pdf.render_pdf` lay them out.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from api.counter_offer import CounterOfferError, CounterOfferSearch
from api.decisions import DecisionStore
from api.reasons import NBSP, THIN
from api.service import ScoringService
from common.contracts.decisions import MODEL_DECISIONS

LETTER_REASONS = 4
# features a reason to a client never names: not protected by api.reasons but not the client's to act on (age is a
# protected ground in EU non-discrimination law; who came with the client speaks of family)
NOT_FOR_THE_CLIENT = ("days_birth", "age_years", "hour_appr_process_start", "weekday_appr_process_start",
                      "name_type_suite", "region_population_relative")
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")
REVIEW_DAYS = 60
HEADLINES = {
    "accepted": "Votre demande de crédit est acceptée.",
    "refused": "Nous ne pouvons pas donner une suite favorable à votre demande de crédit.",
    "referred": "Votre demande de crédit est transmise à un analyste crédit, qui l'examinera.",
}


@dataclass
class Letter:
    """What the letter says (French text, except the machine fields)."""

    client_id: int
    decision: str  # accepted | refused | referred
    decided_by: str  # advisor | model
    decided_at: datetime
    reference: str  # the decision id, or the scoring's request id, or the client id
    headline: str
    who_decided: str
    reasons_against: list[str] = field(default_factory=list)
    reasons_for: list[str] = field(default_factory=list)
    reason_features: list[str] = field(default_factory=list)
    options: list[str] = field(default_factory=list)
    review: list[str] = field(default_factory=list)

    @property
    def date_text(self) -> str:
        """`3 décembre 2026`."""
        return french_date(self.decided_at.date())

    def public(self) -> dict[str, Any]:
        """The machine-readable summary (response headers and tests)."""
        return {"client_id": self.client_id, "decision": self.decision, "decided_by": self.decided_by,
                "decided_at": self.decided_at.isoformat(), "reference": self.reference,
                "reason_features": self.reason_features}


def french_date(day: date) -> str:
    """`1er mars 2026`, `3 décembre 2026`."""
    return f"{'1er' if day.day == 1 else day.day} {MONTHS[day.month - 1]} {day.year}"


def for_the_client(reasons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The explanation's reasons a letter gives, in their order, at most LETTER_REASONS."""
    return [r for r in reasons if r["feature"].lower() not in NOT_FOR_THE_CLIENT][:LETTER_REASONS]


def _euros(amount: float) -> str:
    return f"{amount:,.0f}".replace(",", THIN) + f"{NBSP}€"


def counter_offer_options(answer: dict[str, Any]) -> list[str]:
    """The counter-offer in plain French (nothing when the model accepts no variant)."""
    lines = []
    amount, term = answer["amount"], answer["term"]
    if amount.get("possible"):
        duration = f" sur {amount['term_months']}{NBSP}mois" if amount["term_months"] else ""
        lines.append(f"Un crédit d'un montant de {_euros(amount['credit_amount'])}{duration}, soit des mensualités "
                     f"de {_euros(amount['annuity'])}, pourrait vous être proposé.")
    if term.get("possible"):
        lines.append(f"Le montant demandé ({_euros(term['credit_amount'])}) pourrait vous être proposé sur "
                     f"{term['term_months']}{NBSP}mois, soit des mensualités de {_euros(term['annuity'])}.")
    return lines


def letter_content(service: ScoringService, client_id: int, now: datetime | None = None) -> Letter:
    """The letter about the client's latest decision.

    Raises:
        ClientNotFoundError: no such client in the served feature version (404).
    """
    scored = service.score_client(client_id)
    human, newest = DecisionStore(service.events.engine).latest(client_id)
    if human is not None:
        decision, decided_by, at, reference = human["decision"], "advisor", human["created_at"], human["decision_id"]
        who = "Cette décision a été prise par votre conseiller, qui a examiné votre dossier et l'évaluation du risque."
    else:
        decision = MODEL_DECISIONS.get(scored.decision, scored.decision)
        decided_by = "model"
        at = newest["created_at"] if newest is not None else (now or datetime.now(UTC))
        reference = newest["request_id"] if newest is not None else str(client_id)
        who = ("Cette décision résulte d'une évaluation automatique du risque de votre demande ; elle n'a pas encore "
               "été examinée par un conseiller.")
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    reasons = for_the_client(service.explain(scored, 1)["reasons"])
    letter = Letter(client_id, decision, decided_by, at, reference, HEADLINES[decision], who,
                    reasons_against=[r["text"] for r in reasons if r["direction"] == "hausse"],
                    reasons_for=[r["text"] for r in reasons if r["direction"] == "baisse"],
                    reason_features=[r["feature"] for r in reasons])
    if decision == "refused":
        try:
            letter.options = counter_offer_options(CounterOfferSearch(service).search(
                service.application(client_id), client_id, None))
        except CounterOfferError:
            letter.options = []
        letter.options.append("Vous pouvez aussi nous transmettre tout justificatif (revenus complémentaires, garant, "
                              "apport personnel) ou signaler une information inexacte : votre demande sera réexaminée.")
    elif decision == "referred":
        letter.options = ["Un analyste crédit vous recontactera ; vous pouvez lui transmettre tout justificatif utile."]
    letter.review = [
        f"Vous avez le droit de demander qu'une personne de la banque réexamine cette décision, de présenter votre "
        f"point de vue et de la contester. Pour cela, répondez à ce courrier ou adressez-vous à votre agence, "
        f"dans un délai de {REVIEW_DAYS}{NBSP}jours, en rappelant la référence {reference}.",
        "Le réexamen est fait par un conseiller qui n'a pas pris la décision ; il vous répondra par écrit.",
    ]
    return letter


CSS = """
body { font-family: Arial, Helvetica, sans-serif; color: #1a1a1a; background: #ffffff; max-width: 42rem;
       margin: 2rem auto; line-height: 1.5; font-size: 1rem; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 1.5rem; }
.meta { color: #3d3d3d; }
strong { color: #0b3d91; }
"""


def render_html(letter: Letter) -> str:
    """The letter as one accessible HTML page (French, headings in order, dark text on white)."""
    e = html.escape

    def items(lines: list[str]) -> str:
        return "<ul>" + "".join(f"<li>{e(line)}</li>" for line in lines) + "</ul>"

    parts = [f"<h1>Votre demande de crédit : décision du {e(letter.date_text)}</h1>",
             f'<p class="meta">Référence : {e(letter.reference)} — client n° {letter.client_id}</p>',
             "<h2>La décision</h2>", f"<p><strong>{e(letter.headline)}</strong></p>", f"<p>{e(letter.who_decided)}</p>",
             "<h2>Les principales raisons</h2>"]
    if letter.reasons_against:
        parts += ["<h3>Ce qui a pesé défavorablement</h3>", items(letter.reasons_against)]
    if letter.reasons_for:
        parts += ["<h3>Ce qui a joué en votre faveur</h3>", items(letter.reasons_for)]
    if not letter.reasons_against and not letter.reasons_for:
        parts.append("<p>Aucun élément ne se détache particulièrement.</p>")
    if letter.options:
        parts += ["<h2>Ce que vous pouvez faire</h2>", items(letter.options)]
    parts += ["<h2>Votre droit à un réexamen par une personne</h2>", "".join(f"<p>{e(p)}</p>" for p in letter.review)]
    body = "\n".join(parts)
    return (f'<!DOCTYPE html>\n<html lang="fr">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>Décision sur votre demande de crédit — {e(letter.date_text)}</title>\n<style>{CSS}</style>\n"
            f"</head>\n<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n")
