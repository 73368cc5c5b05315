import numpy as np
import pandas as pd
import pytest

from training.candidates import Candidate, build_pipeline
from training.explain import BASE, Explainer, format_value_fr
from training.labels_fr import french_label


@pytest.fixture(scope="module")
def frame():
    rng = np.random.default_rng(0)
    n = 800
    X = pd.DataFrame({"ext_source_2": rng.random(n), "amt_credit": rng.lognormal(12, 0.5, n),
                      "days_birth": -rng.uniform(8000, 25000, n),
                      "name_income_type": rng.choice(["Working", "Pensioner", "State servant"], n).astype(object)})
    X.loc[::9, "ext_source_2"] = np.nan
    logit = -2 - 2 * X["ext_source_2"].fillna(0.5) + 0.5 * (X["name_income_type"] == "Pensioner")
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int).to_numpy()
    return X, y


@pytest.mark.parametrize("family", ["lightgbm", "logistic"])
def test_contributions_add_up_to_the_log_odds_per_input_feature(frame, family):
    X, y = frame
    params = {"learning_rate": 0.1, "num_leaves": 4} if family == "lightgbm" else {"C": 1.0}
    pipe = build_pipeline(Candidate(family, "none", params), ["ext_source_2", "amt_credit", "days_birth"],
                          ["name_income_type"], ["amt_credit"]).fit(X, y)
    explainer = Explainer(pipe, list(X.columns), X_background=X)
    contrib = explainer.contributions(X.head(50))
    assert list(contrib.columns) == [*X.columns, BASE]  # one-hot children summed back to name_income_type
    p = pipe.predict_proba(X.head(50))[:, 1]
    np.testing.assert_allclose(contrib.sum(axis=1), np.log(p / (1 - p)), atol=1e-6)


def test_reasons_are_french_sentences_ordered_by_strength(frame):
    X, y = frame
    pipe = build_pipeline(Candidate("lightgbm", "none", {"learning_rate": 0.1, "num_leaves": 4}),
                          ["ext_source_2", "amt_credit", "days_birth"], ["name_income_type"], []).fit(X, y)
    explainer = Explainer(pipe, list(X.columns))
    reasons = explainer.reasons(X.head(3), top_k=2)
    assert [len(r) for r in reasons] == [2, 2, 2]
    first = reasons[0]
    assert abs(first[0]["contribution"]) >= abs(first[1]["contribution"])
    for reason in first:
        verb = "augmente" if reason["contribution"] > 0 else "diminue"
        assert reason["text"].endswith(f"cela {verb} le risque estimé.")
        assert reason["direction"] == ("hausse" if reason["contribution"] > 0 else "baisse")
    importance = explainer.fit_global(X)
    assert importance["feature"].iloc[0] == "ext_source_2"
    assert importance["label_fr"].iloc[0] == "score externe n° 2"


def test_french_labels_and_values():
    assert french_label("EXT_SOURCE_3") == "score externe n° 3"
    assert french_label("bureau_count_active_credits") == "crédits au bureau de crédit : nombre de crédits actifs"
    assert french_label("installments_mean_days_late") == "échéances passées : jours de retard (moyenne)"
    assert french_label("ext_source_mean") == "scores externes (moyenne)"
    assert french_label("previous_sum_approved_amount_granted_last_12_months") == (
        "demandes précédentes : montant accordé sur 12 mois (total, acceptées)")
    assert french_label("installments_count_payments_over_30_days_late") == (
        "échéances passées : nombre de paiements à plus de 30 jours de retard")
    assert french_label("flag_document_3") == "document n° 3 fourni"
    assert format_value_fr("days_birth", -15706.0) == "43,0 ans"
    assert format_value_fr("amt_credit", 1234567.0) == "1\u202f234\u202f567"
    assert format_value_fr("ext_source_2", 0.153) == "0,15"
    assert format_value_fr("ext_source_1", float("nan")) == "non renseigné"
