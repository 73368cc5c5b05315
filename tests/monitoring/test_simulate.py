"""The drift injected by the simulation: realistic, within the API's bounds, and deterministic."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from monitoring.simulate import inject_drift, payload, verdict


@pytest.fixture
def apps() -> pd.DataFrame:
    rng = np.random.default_rng(4)
    n = 2000
    ext1 = rng.beta(5, 4, n)
    ext1[rng.random(n) < 0.56] = np.nan
    employed = -rng.exponential(2000, n).round()
    employed[rng.random(n) < 0.18] = 365243  # pensioners
    return pd.DataFrame({"SK_ID_CURR": np.arange(100001, 100001 + n), "AMT_INCOME_TOTAL": rng.lognormal(11.9, 0.5, n),
                         "DAYS_BIRTH": -(rng.uniform(21, 69, n) * 365.25).round().astype("int64"),
                         "DAYS_EMPLOYED": employed, "EXT_SOURCE_1": ext1, "EXT_SOURCE_2": rng.beta(5, 3, n),
                         "EXT_SOURCE_3": rng.beta(4, 3, n), "CNT_CHILDREN": rng.poisson(0.4, n)})


def test_injected_drift_moves_the_named_fields_and_nothing_else(apps: pd.DataFrame) -> None:
    drifted = inject_drift(apps, seed=0)
    assert drifted["AMT_INCOME_TOTAL"].to_numpy() == pytest.approx(1.5 * apps["AMT_INCOME_TOTAL"].to_numpy(), rel=1e-6)
    age_before, age_after = -apps["DAYS_BIRTH"] / 365.25, -drifted["DAYS_BIRTH"] / 365.25
    assert (age_before - age_after).median() == pytest.approx(10, abs=0.01)
    assert age_after.min() > 18  # the API refuses applicants under 18
    working = apps["DAYS_EMPLOYED"] <= 0
    assert (drifted.loc[working, "DAYS_EMPLOYED"] >= drifted.loc[working, "DAYS_BIRTH"] + 16 * 365.25 - 1).all()
    assert (drifted.loc[~working, "DAYS_EMPLOYED"] == 365243).all()
    assert drifted["EXT_SOURCE_2"].between(0, 1).all() and drifted["EXT_SOURCE_3"].between(0, 1).all()
    assert apps["EXT_SOURCE_2"].mean() - drifted["EXT_SOURCE_2"].mean() == pytest.approx(0.12, abs=0.01)
    assert apps["EXT_SOURCE_1"].isna().mean() == pytest.approx(0.56, abs=0.03)
    assert drifted["EXT_SOURCE_1"].isna().mean() == pytest.approx(0.56 + 0.44 * 0.7, abs=0.03)
    assert drifted["CNT_CHILDREN"].equals(apps["CNT_CHILDREN"])
    assert inject_drift(apps, seed=0).equals(drifted)


def test_payload_leaves_out_missing_values_and_the_id(apps: pd.DataFrame) -> None:
    row = apps.to_dict("records")[0] | {"EXT_SOURCE_1": np.nan}
    body = payload(row)
    assert "SK_ID_CURR" not in body and "EXT_SOURCE_1" not in body
    assert isinstance(body["CNT_CHILDREN"], int) and body["CNT_CHILDREN"] == apps.loc[0, "CNT_CHILDREN"]


def test_verdict_needs_a_quiet_first_pass_and_named_features_in_the_second() -> None:
    quiet, loud = {"alerts": []}, {"alerts": [{"kind": "feature_drift", "columns": ["ext_source_2"]}]}
    assert verdict(quiet, loud)["ok"] is True
    assert verdict(loud, loud)["ok"] is False
    assert verdict(quiet, {"alerts": [{"kind": "score_shift", "columns": ["probability"]}]})["ok"] is False
