"""Alert rules of a comparison: drifted share, importance-weighted share, score PSI."""

from __future__ import annotations

import pandas as pd
import pytest

from monitoring.compare import Thresholds, drift_alerts, summarise

THRESHOLDS = Thresholds(drift_share=0.3, missing_share=0.1, score_psi=0.2, p_value=0.01, importance_share=0.3)
FEATURES = [f"f{i}" for i in range(10)]


def table(drifted: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"rank": range(1, 11), "column": FEATURES, "method": "Wasserstein distance (normed)",
                         "threshold": 0.1, "score": 0.05, "evidently_drifted": [f in drifted for f in FEATURES],
                         "p_value": 0.5, "value_drifted": [f in drifted for f in FEATURES],
                         "reference_missing": 0.0, "current_missing": 0.0, "delta": 0.0, "missing_p_value": 1.0,
                         "missing_drifted": False, "kind": "numerical", "drifted": [f in drifted for f in FEATURES]})


def test_one_feature_carrying_most_of_the_importance_raises_the_alert() -> None:
    importance = {f: (4.0 if f == "f0" else 1.0) for f in FEATURES}  # f0 carries 4 / 13 = 31%
    summary = summarise(table(["f0"]), FEATURES, None, THRESHOLDS, {"count": 1, "share": 0.1}, 1000, 500, importance)
    assert summary["drifted_share"] == pytest.approx(0.1)
    assert summary["drifted_importance_share"] == pytest.approx(4 / 13)
    [alert] = summary["alerts"]
    assert alert["kind"] == "feature_drift" and alert["columns"] == ["f0"]
    assert "share 0.10 < 0.30, 31% of the monitored importance >= 30%" in alert["message"]


def test_a_minor_feature_alone_raises_nothing_and_three_of_ten_do() -> None:
    importance = {f: (4.0 if f == "f0" else 1.0) for f in FEATURES}
    quiet = summarise(table(["f9"]), FEATURES, None, THRESHOLDS, {"count": 1, "share": 0.1}, 1000, 500, importance)
    assert quiet["alerts"] == []
    loud = summarise(table(["f7", "f8", "f9"]), FEATURES, None, THRESHOLDS, {"count": 3, "share": 0.3}, 1000, 500)
    assert loud["drifted_importance_share"] is None  # no importance given: the count rule alone
    assert [a["kind"] for a in loud["alerts"]] == ["feature_drift"]


def test_score_shift_alert_on_psi() -> None:
    summary = {"drifted_share": 0.0, "drifted_features": [], "features": FEATURES,
               "score": {"psi": 0.25, "reference_mean": 0.08, "current_mean": 0.11}}
    [alert] = drift_alerts(summary, THRESHOLDS)
    assert alert["kind"] == "score_shift" and alert["value"] == 0.25
    assert drift_alerts({**summary, "score": {**summary["score"], "psi": 0.19}}, THRESHOLDS) == []


def test_a_feature_with_no_value_in_the_window_is_reported_not_a_crash() -> None:
    import numpy as np

    from monitoring.compare import compare

    rng = np.random.default_rng(0)
    reference = pd.DataFrame({"a": rng.normal(size=3000), "b": rng.normal(size=3000),
                              "c": rng.choice(np.array(["x", "y"], dtype=object), 3000), "probability": rng.random(3000)})
    current = pd.DataFrame({"a": np.nan, "b": rng.normal(size=500), "c": pd.Series([None] * 500, dtype=object),
                            "probability": rng.random(500)})
    result = compare(reference, current, ["a", "b", "c"], THRESHOLDS)  # Evidently alone raises on "a" and "c"
    assert result.summary["drifted_features"] == ["a", "c"]
    assert result.summary["missing_drifted"] == ["a", "c"]
    rows = result.table.set_index("column")
    assert rows.loc["a", "method"] == "not compared: no value on one side"
    assert rows.loc["b", "method"] == "Wasserstein distance (normed)"
    assert [a["kind"] for a in result.summary["alerts"]] == ["feature_drift"]
