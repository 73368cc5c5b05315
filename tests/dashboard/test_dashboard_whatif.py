"""The what-if keeps the annuity consistent with the amount, the duration and the current application's rate."""

from __future__ import annotations

import pytest

from dashboard import whatif

# Client 100005's application in the issue: 661,500 over an annuity that the data gives, duration unknown.
AMOUNT, PAYMENT = 661_500.0, 32_274.0


def test_the_current_application_implies_a_duration_and_a_rate_that_give_back_its_annuity():
    terms = whatif.current_terms(AMOUNT, PAYMENT, "Cash loans")
    assert terms.months == 24  # the shortest usual duration that repays 661,500 with 32,274 a month
    assert terms.monthly_rate == pytest.approx(0.0130296, abs=1e-7)
    assert whatif.annuity(AMOUNT, terms.monthly_rate, terms.months) == pytest.approx(PAYMENT, abs=1e-6)
    assert terms.annual_rate == pytest.approx((1 + terms.monthly_rate) ** 12 - 1)


@pytest.mark.parametrize(("term", "rate"), [(6, 0.02), (12, 0.022), (24, 0.015), (36, 0.008), (48, 0.01)])
def test_the_generators_loans_are_recovered_exactly(term, rate):
    """warehouse/synth draws these durations and monthly rates: the estimate finds both back."""
    payment = whatif.annuity(100_000.0, rate, term)
    terms = whatif.current_terms(100_000.0, payment, "Cash loans")
    assert (terms.months, round(terms.monthly_rate, 9)) == (term, rate)


def test_halving_the_amount_halves_the_annuity_and_a_longer_duration_lowers_it():
    terms = whatif.current_terms(AMOUNT, PAYMENT, "Cash loans")
    initial = {"AMT_CREDIT": AMOUNT, "AMT_ANNUITY": PAYMENT}
    half = whatif.follow_annuity(initial, {"AMT_CREDIT": AMOUNT / 2, "AMT_ANNUITY": PAYMENT}, terms, 24, False)
    assert half["AMT_ANNUITY"] == round(PAYMENT / 2, 2)
    longer = whatif.follow_annuity(initial, {"AMT_CREDIT": AMOUNT, "AMT_ANNUITY": PAYMENT}, terms, 48, False)
    assert longer["AMT_ANNUITY"] == round(whatif.annuity(AMOUNT, terms.monthly_rate, 48), 2)
    assert longer["AMT_ANNUITY"] < PAYMENT
    # annuity x months - amount = the interest, at the same rate: more interest over a longer time
    assert longer["AMT_ANNUITY"] * 48 - AMOUNT > PAYMENT * 24 - AMOUNT


def test_unchanged_amount_and_duration_keep_the_exact_annuity_and_the_advanced_option_keeps_the_typed_one():
    terms = whatif.current_terms(AMOUNT, PAYMENT, "Cash loans")
    initial = {"AMT_CREDIT": AMOUNT, "AMT_ANNUITY": PAYMENT, "AMT_INCOME_TOTAL": 1.0}
    same = whatif.follow_annuity(initial, {**initial, "AMT_INCOME_TOTAL": 2.0}, terms, 24, False)
    assert same["AMT_ANNUITY"] == PAYMENT
    typed = whatif.follow_annuity(initial, {**initial, "AMT_CREDIT": 1000.0, "AMT_ANNUITY": 5.0}, terms, 24, True)
    assert typed["AMT_ANNUITY"] == 5.0


def test_revolving_credits_keep_their_share_and_missing_amounts_imply_nothing():
    terms = whatif.current_terms(100_000.0, 5_000.0, "Revolving loans")
    assert (terms.months, terms.monthly_rate, terms.annuity_share) == (None, None, 0.05)
    assert whatif.new_annuity(terms, 40_000.0, None) == 2_000.0
    assert whatif.current_terms(None, 5_000.0, "Cash loans") is None
    assert whatif.implied_rate(100_000.0, 1_000.0, 24) is None  # 24 x 1,000 does not repay 100,000
    with pytest.raises(ValueError, match="at least one month"):
        whatif.annuity(1.0, 0.01, 0)


def test_the_terms_are_shown_in_french():
    terms = whatif.current_terms(AMOUNT, PAYMENT, "Cash loans")
    assert whatif.terms_sentence(terms, AMOUNT, PAYMENT) == (
        "Demande actuelle\u00a0: 661\u202f500\u00a0€, mensualité 32\u202f274\u00a0€, durée estimée 24\u00a0mois, "
        "taux implicite 1,30\u00a0% par mois (16,8\u00a0% par an). Changez le montant ou la durée\u00a0: "
        "la mensualité est recalculée à ce taux.")
