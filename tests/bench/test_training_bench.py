"""The training benchmark: its verdicts on hand-made run summaries and the preparation steps it runs."""

from __future__ import annotations

import copy

import pytest

from bench import training as bench
from bench.training import report_lines
from dbt_project.pipeline.build import Measured


def _candidate(name: str, cost: float, auc: float) -> dict:
    return {"name": name, "oof_cost_per_applicant": cost, "cv_roc_auc_mean": auc,
            "holdout_cost_per_applicant": cost + 0.01, "holdout_roc_auc": auc - 0.005}


SUMMARY = {
    "threshold": 0.12,
    "champion": {"name": "lightgbm/none/x", "oof": _candidate("lightgbm/none/x", 0.46, 0.79),
                 "holdout": {"cost_per_applicant": 0.47, "roc_auc": 0.785}},
    "candidates": [_candidate("dummy/none", 0.81, 0.5), _candidate("logistic/none/C=0.01", 0.48, 0.77),
                   _candidate("logistic/none/C=0.001", 0.47, 0.78), _candidate("lightgbm/none/x", 0.46, 0.79)],
    "oracle": {"oracle_roc_auc": 0.80, "oracle_cost_per_applicant": 0.45, "auc_ratio": 0.981, "cost_ratio": 1.044},
}


def test_all_targets_met_at_full_size():
    lines, ok = report_lines(SUMMARY, 1800.0, 5000.0, "full", 356_255)
    assert ok
    assert "best logistic    0.4700  0.7800        0.4800       0.7750" in lines
    assert [line.strip() for line in lines if line.strip().startswith("[")] == [
        "[met] beats the Dummy on CV cost and AUC", "[met] beats the best logistic regression on CV cost and AUC",
        "[met] AUC ratio >= 0.98", "[met] cost ratio <= 1.05", "[met] wall time <= 45 min"]


@pytest.mark.parametrize(("change", "missed"), [
    (lambda s: s["champion"]["oof"].update(cv_roc_auc_mean=0.775), "beats the best logistic regression on CV cost and AUC"),
    (lambda s: s["oracle"].update(auc_ratio=0.979), "AUC ratio >= 0.98"),
    (lambda s: s["oracle"].update(cost_ratio=1.051), "cost ratio <= 1.05"),
])
def test_each_missed_target_is_reported(change, missed):
    summary = copy.deepcopy(SUMMARY)
    change(summary)
    lines, ok = report_lines(summary, 1800.0, 5000.0, "full", 356_255)
    assert not ok
    assert [line.strip() for line in lines if "NOT MET" in line] == [f"[NOT MET] {missed}"]


def test_time_budget_and_size_specific_floors():
    lines, ok = report_lines(SUMMARY, 481.0, 1700.0, "standard", 50_000)
    assert not ok
    assert "  [NOT MET] wall time <= 8 min" in lines
    assert "  [met] AUC ratio >= 0.95" in lines
    assert not any("cost ratio <=" in line for line in lines)  # the cost floor applies at full size only


def _record_steps(monkeypatch, fail_step: str | None = None) -> list[str]:
    steps: list[str] = []

    def fake_run(args, env, prefix):
        steps.append(prefix.rstrip(" |"))
        return Measured(3 if steps[-1] == fail_step else 0, 1.0, 10.0, 1.0)

    monkeypatch.setattr(bench, "run_measured", fake_run)
    return steps


def test_prepare_loads_the_warehouse_before_building_features_then_only_regenerates(tmp_path, monkeypatch):
    steps = _record_steps(monkeypatch)
    bench.prepare(tmp_path, 1_000, 1, {})
    assert steps == ["synth", "load", "features"]
    steps.clear()
    bench.prepare(tmp_path, 1_000, 1, {})
    assert steps == ["synth"]  # --reuse keeps the files; warehouse and features are already published


def test_an_interrupted_preparation_is_redone(tmp_path, monkeypatch):
    steps = _record_steps(monkeypatch, fail_step="features")
    with pytest.raises(SystemExit, match="bench preparation step 'features' failed \\(exit 3\\)"):
        bench.prepare(tmp_path, 1_000, 1, {})
    assert not (tmp_path / bench.PREPARED_STAMP).exists()
    steps = _record_steps(monkeypatch)
    bench.prepare(tmp_path, 1_000, 1, {})
    assert steps == ["synth", "load", "features"]
