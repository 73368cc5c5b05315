"""What-if on the amount and the duration: the annuity follows, at the rate implied by the current application.

An adviser changes a credit's amount or duration, not its annuity alone (halving the amount with the annuity
unchanged describes a shorter, heavier loan). The application holds the amount `P` and the monthly annuity `A`
but not the duration, so the current duration is estimated as the shortest usual duration (months) that repays
`P` with `A` at a non-negative rate, and the monthly rate `r` is the one that makes the annuity formula
`A = P r / (1 - (1 + r)^-n)` exact for that duration. A new amount or duration keeps `r`. Revolving credits
have no duration: their annuity stays the same share of the amount. Pure functions, tested without Streamlit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from dashboard import formatting as fmt

USUAL_MONTHS = (6, 10, 12, 18, 24, 30, 36, 48, 60, 72, 84, 96, 120, 180, 240, 300, 360)
REVOLVING = "Revolving loans"


@dataclass(frozen=True)
class CurrentTerms:
    """What the current application implies: duration (months, estimated), monthly rate, or the revolving share."""

    months: int | None
    monthly_rate: float | None
    annuity_share: float | None = None  # revolving credits: annuity / amount

    @property
    def annual_rate(self) -> float | None:
        """The equivalent yearly rate, (1 + r)^12 - 1."""
        return None if self.monthly_rate is None else (1 + self.monthly_rate) ** 12 - 1


def annuity(amount: float, monthly_rate: float, months: int) -> float:
    """The constant monthly payment that repays `amount` in `months` at `monthly_rate`."""
    if months <= 0:
        raise ValueError("the duration must be at least one month")
    if monthly_rate == 0:
        return amount / months
    return amount * monthly_rate / (1 - (1 + monthly_rate) ** -months)


def implied_rate(amount: float, payment: float, months: int) -> float | None:
    """The monthly rate at which `payment` for `months` repays `amount` (None when it cannot: payment too small)."""
    if amount <= 0 or payment <= 0 or payment * months < amount:
        return None
    low, high = 0.0, 1.0
    for _ in range(100):  # bisection: the annuity grows with the rate
        middle = (low + high) / 2
        if annuity(amount, middle, months) < payment:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def current_terms(amount: float | None, payment: float | None, contract_type: str | None) -> CurrentTerms | None:
    """The duration and rate implied by the current application (None without an amount and an annuity)."""
    if not amount or not payment or amount <= 0 or payment <= 0:
        return None
    if contract_type == REVOLVING:
        return CurrentTerms(None, None, payment / amount)
    months = next((m for m in USUAL_MONTHS if payment * m >= amount), math.ceil(amount / payment))
    return CurrentTerms(months, implied_rate(amount, payment, months))


def new_annuity(terms: CurrentTerms, amount: float, months: int | None) -> float:
    """The annuity of a credit of `amount` over `months` on the current application's terms (to the cent)."""
    if terms.annuity_share is not None:
        return round(amount * terms.annuity_share, 2)
    return round(annuity(amount, terms.monthly_rate or 0.0, int(months or terms.months or 1)), 2)


def follow_annuity(initial: dict, edited: dict, terms: CurrentTerms | None, months: int | None,
                   annuity_by_hand: bool) -> dict:
    """The edited application fields with the annuity following the amount and the duration.

    Unchanged when the adviser typed the annuity (`annuity_by_hand`, the "avancé" option) or when the current
    application implies no terms; the current annuity, exactly, when neither the amount nor the duration changed.
    """
    if annuity_by_hand or terms is None:
        return dict(edited)
    amount = edited.get("AMT_CREDIT")
    if amount is None:
        return dict(edited)
    if amount == initial.get("AMT_CREDIT") and (months is None or months == terms.months):
        return {**edited, "AMT_ANNUITY": initial.get("AMT_ANNUITY")}
    return {**edited, "AMT_ANNUITY": new_annuity(terms, float(amount), months)}


def terms_sentence(terms: CurrentTerms | None, amount: float | None, payment: float | None) -> str:
    """The current application's terms in one French sentence (what the recomputed annuities rest on)."""
    if terms is None:
        return ("La demande actuelle n'indique pas de montant et de mensualité : la mensualité se saisit "
                "directement (« Avancé »).")
    head = f"Demande actuelle{fmt.NBSP}: {fmt.number(amount)}{fmt.NBSP}€, mensualité {fmt.number(payment)}{fmt.NBSP}€"
    if terms.annuity_share is not None:
        return (f"{head} (crédit renouvelable{fmt.NBSP}: {fmt.percent(terms.annuity_share)} du montant par mois). "
                "La mensualité suit le montant dans cette proportion.")
    rate = "taux implicite non calculable" if terms.monthly_rate is None else (
        f"taux implicite {fmt.percent(terms.monthly_rate, 2)} par mois ({fmt.percent(terms.annual_rate)} par an)")
    return (f"{head}, durée estimée {terms.months}{fmt.NBSP}mois, {rate}. Changez le montant ou la durée{fmt.NBSP}: "
            "la mensualité est recalculée à ce taux.")
