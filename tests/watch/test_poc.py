"""End to end: the EBM proof of concept (quick profile) against a quick champion on 5,000 synthetic clients."""

from __future__ import annotations

import math
import os

import mlflow
import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient

from tests.training.trained import TrainedRun, isolated_tracking, trained_run
from watch.config import EXPERIMENT, PROFILES
from watch.ebm import contributions, log_odds

ROWS = ("oof_cost_per_applicant", "threshold", "holdout_cost_per_applicant", "holdout_roc_auc", "holdout_pr_auc",
        "fit_seconds", "predict_ms_one_client", "model_kb", "explain_ms_one_client", "explanation_max_abs_error")


POC_CLIENTS = 5_000  # the size issue 9 names for the quick test


@pytest.fixture(scope="module")
def trained() -> TrainedRun:
    """The quick champion the PoC is compared with (its own 5,000-client store and MLflow registry)."""
    return trained_run(POC_CLIENTS)


@pytest.fixture(scope="module")
def poc(trained: TrainedRun, tmp_path_factory):
    """One quick PoC run on the trained run's store and MLflow registry; the note goes to a temporary docs/."""
    from watch.run import run

    out = tmp_path_factory.mktemp("docs") / "methodology.md"
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    with isolated_tracking():
        return run(trained.settings, PROFILES["quick"], out)


def test_same_holdout_folds_and_cost_as_the_champion(poc, trained):
    recorded = pd.read_csv(mlflow.artifacts.download_artifacts(
        run_id=trained.summary["run_id"], artifact_path="holdout_predictions.csv",
        tracking_uri=trained.settings.mlflow_tracking_uri))
    assert np.array_equal(np.sort(poc.split.hold_pseudonyms), np.sort(recorded["client_pseudonym"].to_numpy()))
    assert len(poc.split.hold) == trained.summary["n_holdout"] and len(poc.split.dev) == trained.summary["n_dev"]
    assert len(poc.split.folds) == trained.summary["n_splits"] == 5
    assert (poc.split.cost_fn, poc.split.cost_fp) == (10.0, 1.0)
    assert poc.champion.run_id == trained.summary["run_id"]
    table = poc.table.set_index("key")
    assert table.loc["threshold", "champion"] == trained.summary["threshold"]
    assert table.loc["holdout_roc_auc", "champion"] == pytest.approx(trained.summary["champion"]["holdout"]["roc_auc"])


def test_ebm_local_explanations_sum_to_its_log_odds(poc):
    X = poc.split.X_hold
    terms = contributions(poc.model, X)
    error = np.abs(terms.sum(axis=1).to_numpy() - log_odds(poc.model.predict_proba(X)[:, 1]))
    assert error.max() < 1e-6
    assert poc.table.set_index("key").loc["explanation_max_abs_error", "ebm"] < 1e-6
    assert poc.summary["fidelity"]["explain_local_max_abs_error"] < 1e-6


def test_comparison_table_has_every_row_with_finite_numbers_and_intervals(poc):
    table = poc.table.set_index("key")
    assert tuple(table.index) == ROWS
    for key in ROWS:
        for column in ("champion", "ebm", "difference"):
            assert math.isfinite(table.loc[key, column]), (key, column)
    for key in ("holdout_cost_per_applicant", "holdout_roc_auc", "holdout_pr_auc"):
        low, high = table.loc[key, "difference_low"], table.loc[key, "difference_high"]
        assert low <= table.loc[key, "difference"] <= high, key
        assert table.loc[key, "ebm_low"] <= table.loc[key, "ebm_high"]
    assert table.loc["model_kb", "ebm"] > 0 and table.loc["predict_ms_one_client", "ebm"] > 0
    assert poc.verdict in ("adopt", "keep as challenger", "reject") and poc.reason


def test_methodology_note_is_written_with_the_run_numbers(poc, trained):
    text = poc.note.read_text()
    hold = trained.summary["champion"]["holdout"]
    assert f"ROC AUC {hold['roc_auc']:.4f}" in text
    assert f"| holdout ROC AUC [95% CI] | {hold['roc_auc']:.4f} [" in text
    assert f"Champion threshold `{trained.summary['threshold']:.4f}`" in text
    assert f"version {poc.champion.version}, run `{poc.champion.run_id}`" in text
    assert f"run `{poc.run_id}`" in text
    assert f"**Conclusion: {poc.verdict}**" in text
    assert "| holdout ROC AUC [95% CI] |" in text and "| oracle |" in text
    assert "## 10. Data drift\n\nNot run" in text
    assert "$" not in text  # every placeholder filled
    for figure in ("ebm_shape_functions.png", "local_explanation.png", "champion_shap_summary.png"):
        assert f"(figures/{figure})" in text
        assert (poc.note.parent / "figures" / figure).stat().st_size > 1000


def test_mlflow_experiment_has_the_run_with_metrics_and_artifacts(poc, trained):
    client = MlflowClient(tracking_uri=trained.settings.mlflow_tracking_uri)
    run = client.get_run(poc.run_id)
    assert client.get_experiment(run.info.experiment_id).name == EXPERIMENT
    table = poc.table.set_index("key")
    assert run.data.metrics["holdout_roc_auc_ebm"] == pytest.approx(table.loc["holdout_roc_auc", "ebm"])
    assert run.data.metrics["holdout_cost_per_applicant_difference_high"] == pytest.approx(
        table.loc["holdout_cost_per_applicant", "difference_high"])
    assert run.data.params["champion_run_id"] == trained.summary["run_id"]
    assert run.data.tags["verdict"] == poc.verdict
    artifacts = {a.path for a in client.list_artifacts(poc.run_id)}
    assert {"comparison.csv", "comparison.md", "poc_summary.json", "ebm_search.csv", "methodology.md"} <= artifacts
    children = client.search_runs([run.info.experiment_id], f"tags.mlflow.parentRunId = '{poc.run_id}'")
    assert len(children) == len(PROFILES["quick"].grid)
    assert all("oof_cost_per_applicant" in c.data.metrics for c in children)
