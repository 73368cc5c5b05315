"""What the bank could lend a refused client: the largest amount, and separately the longest term, the model accepts.

Every candidate is a variant of the client's application with only the credit amount, or only the term, changed and
the annuity recomputed from amount and term at the rate the application implies; the goods price and every other
field stay as they are. The candidates go through the same dbt SQL and model as a posted application, all at once
(`ApplicationFeatures.compute_variants`: one query, one model call), so the offer posted back to `POST /v1/score`
gets exactly the score given here.

**The rate.** A Kaggle application has an amount and an annuity (monthly instalment) but no term. With the term of
the application (`term_months`, as the advisor knows it) the monthly rate is the one at which that annuity repays
that amount in that many months. Without it, the term is taken as the shortest of the usual terms
(`USUAL_TERMS`) at which the annuity repays the amount at a rate of zero or more, and the answer says so. Revolving
loans have no term: their instalment stays the same share of the credit.

**The search, and the model's non-monotonicity.** A gradient-boosted model is not monotone in the amount or the term
(its splits on ratios such as credit/income and credit/goods price can make a larger amount look safer), so no
bisection is trusted. The amounts form a grid from `FLOOR_SHARE` of the requested amount upwards, each point 2 %
above the previous one (rounded to the euro), up to the first point at or above the requested amount; the offer is
the largest grid point the model accepts whose next point (2 % more) it refuses. So "2 % more is refused" holds by
construction, and the answer says whether the decisions along the grid changed more than once (`grid_decision_changes`). The
terms are every whole month from `MIN_TERM` to `MAX_TERM`: the offer is the longest accepted one (so every longer
term on the grid is refused).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from api.application import is_missing
from api.service import DECISIONS, ScoringService

STEP = 0.02  # an amount offer is refused 2 % higher
FLOOR_SHARE = 0.05  # amounts searched down to 5 % of the requested one
MIN_TERM, MAX_TERM = 3, 120  # months
USUAL_TERMS = (6, 10, 12, 18, 24, 30, 36, 42, 48, 60, 72, 84, 96, 120)
REVOLVING = "Revolving loans"


class CounterOfferError(ValueError):
    """The application cannot be varied as asked (an English message naming the field)."""


@dataclass(frozen=True)
class Terms:
    """How the annuity follows amount and term for this application."""

    monthly_rate: float | None  # None for a revolving loan
    term_months: int | None
    source: str  # given | inferred | revolving
    instalment_share: float | None = None  # revolving: annuity / credit

    def annuity(self, amount: float, term: int | None = None) -> float:
        """The monthly instalment of `amount` over `term` months (the application's term by default), to the cent."""
        if self.instalment_share is not None:
            return round(amount * self.instalment_share, 2)
        return annuity(amount, self.monthly_rate or 0.0, term or self.term_months or 1)


def annuity(amount: float, monthly_rate: float, term: int) -> float:
    """The constant monthly instalment repaying `amount` in `term` months at `monthly_rate`, to the cent."""
    if monthly_rate <= 0:
        return round(amount / term, 2)
    return round(amount * monthly_rate / (1 - (1 + monthly_rate) ** -term), 2)


def implied_rate(amount: float, instalment: float, term: int) -> float:
    """The monthly rate at which `instalment` repays `amount` in `term` months (0 when it repays it without interest).

    Raises:
        CounterOfferError: the instalments do not even repay the amount.
    """
    if instalment * term < amount * (1 - 1e-9):
        raise CounterOfferError(f"term_months {term}: {term} instalments of {instalment} do not repay the credit "
                                f"amount {amount}")
    if instalment * term <= amount * (1 + 1e-9):
        return 0.0
    low, high = 0.0, 1.0
    for _ in range(100):  # bisection: the instalment grows with the rate
        middle = (low + high) / 2
        if amount * middle / (1 - (1 + middle) ** -term) > instalment:
            high = middle
        else:
            low = middle
    return low


def application_terms(application: dict[str, Any], term_months: int | None) -> Terms:
    """The rate and term of an application (see the module docstring).

    Raises:
        CounterOfferError: no annuity or amount, or a term too short to repay the amount.
    """
    amount, instalment = application.get("AMT_CREDIT"), application.get("AMT_ANNUITY")
    if is_missing(amount) or is_missing(instalment) or not amount or not instalment:
        raise CounterOfferError("the application has no AMT_CREDIT or AMT_ANNUITY: no rate can be implied")
    if application.get("NAME_CONTRACT_TYPE") == REVOLVING:
        return Terms(None, None, "revolving", instalment / amount)
    if term_months is not None:
        return Terms(implied_rate(amount, instalment, term_months), term_months, "given")
    usual = next((t for t in USUAL_TERMS if instalment * t >= amount), None)
    if usual is None:
        raise CounterOfferError(f"AMT_ANNUITY {instalment} repays AMT_CREDIT {amount} in more than {USUAL_TERMS[-1]} "
                                "months: give term_months")
    return Terms(implied_rate(amount, instalment, usual), usual, "inferred")


def next_amount(amount: float) -> float:
    """The grid point after `amount`: 2 % more, to the euro."""
    return float(max(round(amount * (1 + STEP)), amount + 1))


def amount_grid(requested: float) -> list[float]:
    """From FLOOR_SHARE of the requested amount up to the first point at or above it, each 2 % above the last."""
    grid = [float(max(round(requested * FLOOR_SHARE), 1))]
    while grid[-1] < requested:
        grid.append(next_amount(grid[-1]))
    return grid


def largest_with_refused_next(accepted: list[bool]) -> int | None:
    """Index of the largest accepted grid point whose next point is refused (the last point only checks the one
    before it), or None."""
    for i in range(len(accepted) - 2, -1, -1):
        if accepted[i] and not accepted[i + 1]:
            return i
    return None


def switches(accepted: list[bool]) -> int:
    """How many times the decision changes along a grid (1 for a monotone model with an answer inside the grid)."""
    return sum(a != b for a, b in zip(accepted, accepted[1:], strict=False))


class CounterOfferSearch:
    """The counter-offer of one application (with the history of its client when given)."""

    def __init__(self, service: ScoringService) -> None:
        self.service = service

    def _score(self, application: dict[str, Any], client_id: int | None,
               changes: dict[str, list[float]]) -> tuple[np.ndarray, list[bool]]:
        """Probabilities and accepted flags of the variants, in one feature query and one model call."""
        service = self.service
        rows = service.features.compute_variants(service.cursors.get(), application, client_id, changes)
        numeric, categorical = service.runtime.blocks(rows)
        probabilities = service.runtime.probability(service.runtime.transform(numeric, categorical))
        return probabilities, [DECISIONS.get(service.runtime.decide(float(p))) == "accepted" for p in probabilities]

    def search(self, application: dict[str, Any], client_id: int | None, term_months: int | None) -> dict[str, Any]:
        """The requested application's score, the rate used, and the amount and term options.

        Raises:
            CounterOfferError: no rate can be implied from the application (422).
        """
        terms = application_terms(application, term_months)
        requested = float(application["AMT_CREDIT"])
        amounts = amount_grid(requested)
        term_grid = [] if terms.term_months is None else list(range(MIN_TERM, max(MAX_TERM, terms.term_months) + 1))
        credits = [requested] + amounts + [requested] * len(term_grid)
        instalments = ([float(application["AMT_ANNUITY"])] + [terms.annuity(a) for a in amounts]
                       + [terms.annuity(requested, t) for t in term_grid])
        probabilities, accepted = self._score(application, client_id,
                                              {"AMT_CREDIT": credits, "AMT_ANNUITY": instalments})
        k = len(amounts) + 1
        option = _Options(probabilities, accepted, credits, instalments)
        body: dict[str, Any] = {
            "client_id": client_id, "requested": option.at(0, terms.term_months), "rate": _rate(terms),
            "candidates_scored": len(credits), "threshold": self.service.model.threshold,
            "model_name": self.service.model.facts.name, "model_version": self.service.model.facts.version,
            "feature_version": self.service.version.feature_version,
            "grid_decision_changes": {"amount": switches(accepted[1:k]), "term": switches(accepted[k:])}}
        if accepted[0]:
            refused = _impossible("accepted_as_requested", "La demande est acceptée telle quelle : aucune "
                                  "contre-proposition n'est nécessaire.")
            return body | {"amount": refused, "term": refused}
        return body | {"amount": option.amount(range(1, k), terms), "term": option.term(range(k, len(credits)),
                                                                                        term_grid, terms)}


@dataclass
class _Options:
    """The scored candidates, read as options."""

    probabilities: np.ndarray
    accepted: list[bool]
    credits: list[float]
    instalments: list[float]

    def at(self, i: int, term: int | None) -> dict[str, Any]:
        p = float(self.probabilities[i])
        return {"credit_amount": self.credits[i], "term_months": term, "annuity": self.instalments[i],
                "probability_default": p, "decision": "accepted" if self.accepted[i] else "refused"}

    def amount(self, rows: range, terms: Terms) -> dict[str, Any]:
        found = largest_with_refused_next([self.accepted[i] for i in rows])
        if found is None:
            floor = self.credits[rows[0]]
            return _impossible("no_accepted_amount", "Aucun montant n'est accepté par le modèle, même réduit à "
                               f"{_euros(floor)} (les autres éléments de la demande restant identiques).")
        i = rows[found]
        return {"possible": True, **self.at(i, terms.term_months), "next_step": self.at(i + 1, terms.term_months)}

    def term(self, rows: range, term_grid: list[int], terms: Terms) -> dict[str, Any]:
        if terms.term_months is None:
            return _impossible("revolving_no_term", "Un crédit renouvelable n'a pas de durée : seule une "
                               "proposition de montant est possible.")
        accepted = [self.accepted[i] for i in rows]
        if not any(accepted):
            return _impossible("no_accepted_term", f"Aucune durée de {MIN_TERM} à {term_grid[-1]} mois n'est "
                               "acceptée par le modèle pour ce montant.")
        j = max(j for j, a in enumerate(accepted) if a)
        i = rows[j]
        after = None if j + 1 == len(term_grid) else self.at(i + 1, term_grid[j + 1])
        return {"possible": True, **self.at(i, term_grid[j]), "next_step": after}


def _impossible(reason: str, text: str) -> dict[str, Any]:
    return {"possible": False, "reason": reason, "reason_text": text}


def _rate(terms: Terms) -> dict[str, Any]:
    if terms.source == "revolving":
        return {"source": "revolving", "monthly_rate": None, "annual_rate": None, "term_months": None,
                "instalment_share": terms.instalment_share,
                "text": "Revolving loan: the instalment stays the same share of the credit as in the application."}
    how = ("the term given" if terms.source == "given" else
           "the shortest usual term at which the application's annuity repays its amount (the application has no term)")
    return {"source": terms.source, "monthly_rate": terms.monthly_rate, "annual_rate": 12 * terms.monthly_rate,
            "term_months": terms.term_months, "instalment_share": None,
            "text": f"Monthly rate at which the application's annuity repays its amount over {terms.term_months} "
                    f"months ({how}); nominal annual rate = 12 x monthly rate."}


def _euros(amount: float) -> str:
    return f"{amount:,.0f}".replace(",", "\u202f") + "\u00a0€" if math.isfinite(amount) else "?"
