"""Delayed labels: realised AUC and business cost on a hand-made window, exact values, and their alerts."""

from __future__ import annotations

import pandas as pd
import pytest

from monitoring.labels import label_alerts, performance, read_labels, realised

# ten labelled clients scored at threshold 0.3: TP 1, 3; FP 2, 4; FN 5, 8; TN 6, 7, 9, 10
WINDOW = pd.DataFrame({
    "client_id": pd.array([1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, None], dtype="Int64"),
    "probability": [0.05, 0.9, 0.8, 0.7, 0.4, 0.25, 0.2, 0.15, 0.1, 0.05, 0.02, 0.6, 0.7],
    "decision": ["accept", "refuse", "refuse", "refuse", "refuse", "accept", "accept", "accept", "accept", "accept",
                 "accept", "refuse", "refuse"],
    "threshold": [0.3] * 13,
})
LABELS = pd.DataFrame({"client_id": list(range(1, 11)), "target": [1, 0, 1, 0, 1, 0, 0, 1, 0, 0]})


def test_realised_metrics_on_a_hand_made_window() -> None:
    # client 1's earlier event is replaced by its latest; 11 has no outcome yet; the posted application has no id
    got = realised(WINDOW, LABELS, cost_fn=10, cost_fp=1)
    # positives 0.9, 0.7, 0.25, 0.1 against negatives 0.8, 0.4, 0.2, 0.15, 0.05, 0.02: 6 + 5 + 4 + 2 = 17 of 24 pairs
    assert got["roc_auc"] == pytest.approx(17 / 24)
    assert (got["n"], got["n_positive"], got["tp"], got["fp"], got["tn"], got["fn"]) == (10, 4, 2, 2, 4, 2)
    assert got["cost"] == 22.0  # 10 x 2 missed defaulters + 1 x 2 refused good clients
    assert got["cost_per_client"] == pytest.approx(2.2)


def test_decisions_fall_back_to_the_threshold_when_not_logged() -> None:
    without = WINDOW.drop(columns="decision")
    assert realised(without, LABELS, 10, 1)["cost"] == 22.0


def test_performance_counts_and_a_single_class() -> None:
    got = performance([0, 0, 1], [0.1, 0.5, 0.4], [False, True, True], cost_fn=10, cost_fp=1)
    assert (got["tp"], got["fp"], got["tn"], got["fn"], got["cost"]) == (1, 1, 1, 0, 1.0)
    assert got["roc_auc"] == pytest.approx(0.5)
    assert pd.isna(performance([0, 0], [0.1, 0.2], [False, False], 10, 1)["roc_auc"])


def test_degradation_alerts_and_the_minimum_number_of_labels() -> None:
    now = realised(WINDOW, LABELS, 10, 1)
    baseline = {"roc_auc": 0.78, "cost_per_client": 0.5}
    alerts = label_alerts(now, baseline, auc_drop=0.05, cost_increase=0.25, min_labels=10)
    assert [a["kind"] for a in alerts] == ["auc_drop", "cost_increase"]
    assert alerts[0]["value"] == pytest.approx(17 / 24) and alerts[0]["threshold"] == pytest.approx(0.73)
    assert alerts[1]["value"] == pytest.approx(2.2) and alerts[1]["threshold"] == pytest.approx(0.625)
    assert label_alerts(now, baseline, 0.05, 0.25, min_labels=11) == []
    assert label_alerts(now, {"roc_auc": 0.72, "cost_per_client": 2.0}, 0.05, 0.25, min_labels=10) == []


def test_read_labels_accepts_the_oracle_layout(tmp_path) -> None:
    path = tmp_path / "oracle.csv"
    pd.DataFrame({"SK_ID_CURR": [5, 6, 6], "p_default": [0.1, 0.2, 0.3], "TARGET": [0, 1, 0]}).to_csv(path, index=False)
    labels = read_labels(path)
    assert labels.to_dict("list") == {"client_id": [5, 6], "target": [0, 0]}
    pd.DataFrame({"id": [1]}).to_csv(path, index=False)
    with pytest.raises(ValueError, match="SK_ID_CURR"):
        read_labels(path)
