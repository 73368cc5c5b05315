"""The main reasons: distinct, in human units, never a protected attribute (pure functions, no API)."""

from __future__ import annotations

from api.reasons import human_label, human_value, main_reasons

LABELS = {
    "ext_source_mean": "scores externes : moyenne", "ext_source_3": "score externe n° 3",
    "ext_source_min": "scores externes : minimum", "ext_source_2": "score externe n° 2",
    "days_birth": "âge", "age_years": "âge (années)", "credit_to_income_ratio": "crédit / revenu",
    "amt_credit": "montant du crédit demandé", "code_gender": "genre", "name_family_status": "situation familiale",
    "name_income_type": "type de revenu", "days_last_phone_change": "ancienneté du numéro de téléphone",
    "annuity_to_income_ratio": "annuité / revenu", "amt_income_total": "revenu déclaré",
}
VALUES = {
    "ext_source_mean": 0.16, "ext_source_3": 0.12, "ext_source_min": 0.09, "ext_source_2": 0.2,
    "days_birth": -8766.0, "age_years": 24.0, "credit_to_income_ratio": 4.9, "amt_credit": 661500.0,
    "code_gender": "M", "name_family_status": "Single / not married", "name_income_type": "Working",
    "days_last_phone_change": -120.0, "annuity_to_income_ratio": 0.153, "amt_income_total": 135000.0,
}
# A client whose external scores dominate: four of the six strongest contributions are external scores.
CONTRIBUTIONS = [
    ("ext_source_mean", 0.62), ("ext_source_3", 0.41), ("code_gender", 0.30), ("ext_source_min", 0.28),
    ("days_birth", 0.25), ("ext_source_2", 0.21), ("age_years", 0.2), ("name_family_status", 0.19),
    ("amt_credit", 0.15), ("credit_to_income_ratio", 0.14), ("name_income_type", -0.12),
    ("days_last_phone_change", 0.05),
]


def test_top_reasons_are_distinct_when_the_external_scores_dominate() -> None:
    reasons = main_reasons(CONTRIBUTIONS, VALUES, LABELS)
    assert [r["feature"] for r in reasons] == ["ext_source_mean", "days_birth", "amt_credit", "name_income_type"]
    assert reasons[0]["covers"] == ["ext_source_3", "ext_source_min", "ext_source_2"]
    assert reasons[1]["covers"] == ["age_years"]
    assert reasons[2]["covers"] == ["credit_to_income_ratio"]  # a ratio and its part say the same thing
    assert [r["direction"] for r in reasons] == ["hausse", "hausse", "hausse", "baisse"]


def test_reasons_are_french_sentences_in_human_units() -> None:
    texts = [r["text"] for r in main_reasons(CONTRIBUTIONS, VALUES, LABELS)]
    assert texts == [
        "Scores externes : moyenne\u00a0: 0,16 sur 1\u00a0; cela augmente le risque estimé.",
        "Âge\u00a0: 24,0\u00a0ans\u00a0; cela augmente le risque estimé.",
        "Montant du crédit demandé\u00a0: 661\u202f500\u00a0€\u00a0; cela augmente le risque estimé.",
        "Type de revenu\u00a0: Salarié\u00a0; cela diminue le risque estimé.",
    ]


def test_protected_attributes_are_never_reasons() -> None:
    only_protected = [("code_gender", 0.9), ("name_family_status", 0.5), ("cnt_children", 0.4), ("ext_source_2", 0.1)]
    reasons = main_reasons(only_protected, {"ext_source_2": 0.3}, {"ext_source_2": "score externe n° 2"})
    assert [r["feature"] for r in reasons] == ["ext_source_2"]


def test_human_values() -> None:
    assert human_value("days_last_phone_change", -120.0) == "4\u00a0mois"
    assert human_value("days_employed", -20.0) == "20\u00a0jours"
    assert human_value("annuity_to_income_ratio", 0.153) == "15\u00a0%"
    assert human_value("credit_to_income_ratio", 4.9) == "4,9\u00a0fois"
    assert human_value("installments_mean_days_late", 3.25) == "3,2\u00a0jours"
    assert human_value("bureau_count_active_credits", 2.0) == "2"
    assert human_value("amt_req_credit_bureau_qrt", 1.0) == "1"  # a count of enquiries despite its AMT_ prefix
    assert human_value("organization_type", "Business Entity Type 3") == "Entreprise (type 3)"
    assert human_value("amt_annuity", None) == "non renseigné"
    assert human_label("bureau_mean_days_credit", "crédits au bureau de crédit : ancienneté du crédit (jours)") == (
        "crédits au bureau de crédit : ancienneté du crédit")
