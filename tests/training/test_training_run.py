"""End to end: one quick training run on a synthetic feature store (shared fixture `trained`)."""

import re
from pathlib import Path

import mlflow
import pandas as pd
from mlflow import MlflowClient

from common.contracts.registry import CHAMPION, MODEL_NAME


def _client(trained) -> MlflowClient:
    mlflow.set_tracking_uri(trained.settings.mlflow_tracking_uri)
    return MlflowClient()


def test_candidates_go_from_dummy_to_lightgbm_and_every_imbalance_strategy_is_compared(trained):
    names = [c["name"] for c in trained.summary["candidates"]]
    assert names[0] == "dummy/none"
    for family in ("logistic", "lightgbm"):
        strategies = {n.split("/")[1] for n in names if n.startswith(family + "/")}
        assert strategies == {"none", "class_weight", "undersample", "smote"}
    assert any(n.startswith("random_forest/") for n in names)
    assert any(c["stage"] == "refine" for c in trained.summary["candidates"])
    costs = {c["name"]: c["oof_cost_per_applicant"] for c in trained.summary["candidates"]}
    champion = trained.summary["champion"]
    assert champion["oof"]["oof_cost_per_applicant"] == min(costs.values())
    assert champion["oof"]["oof_cost_per_applicant"] < costs["dummy/none"]


def test_every_candidate_has_cost_threshold_auc_times_and_holdout(trained):
    needed = {"oof_cost_per_applicant", "oof_relative_cost", "threshold", "cv_roc_auc_mean", "cv_roc_auc_std",
              "cv_pr_auc_mean", "oof_accuracy", "oof_recall", "oof_precision", "oof_approval_rate",
              "fit_seconds_mean", "predict_ms_per_1000", "overfit_gap_auc", "holdout_roc_auc",
              "holdout_cost_per_applicant"}
    for candidate in trained.summary["candidates"]:
        assert needed <= set(candidate), candidate["name"]


def test_mlflow_parent_run_nested_runs_tags_and_artifacts(trained):
    client = _client(trained)
    parent = client.get_run(trained.summary["run_id"])
    for tag in ("feature_version", "git_commit", "data_fingerprint", "suspicious_auc", "threshold"):
        assert parent.data.tags[tag], tag
    assert parent.data.tags["feature_version"] == "v1"
    children = client.search_runs([parent.info.experiment_id],
                                  f"tags.mlflow.parentRunId = '{parent.info.run_id}'", max_results=500)
    assert len(children) == len(trained.summary["candidates"])
    assert all("oof_cost_per_applicant" in r.data.metrics for r in children)
    figures = {a.path for a in client.list_artifacts(parent.info.run_id, "model_card")}
    assert figures == {f"model_card/{n}.png" for n in ("roc_pr_holdout", "roc_pr_oof", "cost_vs_threshold",
                                                         "confusion_holdout", "calibration_holdout",
                                                         "shap_summary", "coefficient_path")}
    top = {a.path for a in client.list_artifacts(parent.info.run_id)}
    assert {"model_card.md", "holdout_predictions.csv", "global_importance.csv", "leakage.csv",
            "training_summary.json"} <= top


def test_champion_alias_version_tags_and_threshold_match_the_model_card(trained):
    client = _client(trained)
    version = client.get_model_version_by_alias(MODEL_NAME, CHAMPION)
    assert str(version.version) == trained.summary["model_version"]
    card = (trained.settings.reports_dir / "model_card.md").read_text()
    card_threshold = float(re.search(r"Decision threshold: `([^`]+)`", card).group(1))
    assert card_threshold == trained.summary["threshold"]
    assert float(version.tags["threshold"]) == card_threshold
    assert float(version.tags["cost_ratio"]) == 10.0
    assert version.tags["feature_version"] == "v1"
    assert "## Oracle (synthetic data only" in card and "ratio champion / oracle" in card
    assert "## Fairness" in card and "| gender | F |" in card


def test_model_card_lists_every_candidate_and_the_leakage_provenance(trained):
    card = (trained.settings.reports_dir / "model_card.md").read_text()
    for candidate in trained.summary["candidates"]:
        assert f"| {candidate['name']} |" in card
    assert "external scores from outside bureaus" in card
    importance = pd.read_csv(mlflow.artifacts.download_artifacts(
        run_id=trained.summary["run_id"], artifact_path="global_importance.csv",
        tracking_uri=trained.settings.mlflow_tracking_uri))
    assert list(importance.columns) == ["feature", "label_fr", "mean_abs_shap"]
    assert importance["mean_abs_shap"].is_monotonic_decreasing


def test_model_card_names_the_champion_and_its_reasons(trained):
    card = (trained.settings.reports_dir / "model_card.md").read_text()
    assert f"`{trained.summary['champion']['name']}`" in card
    assert "Why: lowest out-of-fold business cost" in card


def test_the_first_model_passes_the_gate_and_the_card_and_description_say_so(trained):
    """A fresh registry: the run's version is registered as challenger, then becomes champion (no one to beat)."""
    assert trained.summary["gate"]["promoted"] is True
    assert trained.summary["gate"]["reason"] == "first model: credit-scoring had no champion"
    card = (trained.settings.reports_dir / "model_card.md").read_text()
    assert (f"## Promotion gate: promoted to champion\nVersion {trained.summary['model_version']} was promoted: first "
            "model: credit-scoring had no champion.") in card
    version = _client(trained).get_model_version_by_alias(MODEL_NAME, CHAMPION)
    assert version.description.endswith("\n\nPromotion gate: promoted to champion: first model: credit-scoring had no "
                                        "champion.")
    assert (version.tags["gate"], version.tags["promotion"], version.tags["profile"]) == ("promoted", "gate", "quick")
    assert version.aliases == [CHAMPION]


def test_the_model_cards_images_resolve_among_the_runs_artifacts(trained):
    """MLflow shows model_card.md from the run's artifact root: each image link must be an artifact of the run."""
    client = _client(trained)
    run_id = trained.summary["run_id"]
    card = Path(mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="model_card.md",
                                                    tracking_uri=trained.settings.mlflow_tracking_uri)).read_text()
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", card)
    assert len(links) >= 5
    artifacts = {a.path for folder in {link.rsplit("/", 1)[0] for link in links}
                 for a in client.list_artifacts(run_id, folder)}
    assert sorted(set(links) - artifacts) == []


def test_the_feature_version_is_the_runs_logged_input(trained):
    run = _client(trained).get_run(trained.summary["run_id"])
    (logged,) = run.inputs.dataset_inputs
    assert logged.dataset.name == "client_features__v1"
    assert logged.dataset.digest == trained.summary["data_fingerprint"]
    assert str(trained.settings.duckdb_path.resolve()) in logged.dataset.source
    assert {t.key: t.value for t in logged.tags}["mlflow.data.context"] == "training"
    assert '{"type": "long", "name": "cnt_children", "required": false}' in logged.dataset.schema


def test_the_registered_version_says_what_it_is_and_how_it_was_chosen(trained):
    version = _client(trained).get_model_version_by_alias(MODEL_NAME, CHAMPION)
    champion = trained.summary["champion"]["name"]
    assert version.description.startswith(f"Credit-scoring model: {champion}, preprocessing and model in one pyfunc")
    assert "feature version v1 (marts.client_features__v1" in version.description
    assert f"({trained.summary['threshold']:.4f})" in version.description
    assert "lowest business cost, 10.0 per missed defaulter and 1.0 per good client refused" in version.description


def test_the_announced_candidate_count_is_the_number_cross_validated(trained):
    """`candidate k of N` in the training log: N is what the coarse stage really runs."""
    from training.config import PROFILES
    from training.search import coarse_count

    coarse = [c for c in trained.summary["candidates"] if c["stage"] == "coarse"]
    assert coarse_count(PROFILES[trained.summary["profile"]]) == len(coarse)


def test_no_client_row_or_id_in_the_published_artefacts(trained) -> None:
    """The model's input example is a made-up row (medians and modes); artefacts carry pseudonyms, never ids."""
    client = _client(trained)
    version = client.get_model_version_by_alias(MODEL_NAME, CHAMPION)
    model = mlflow.pyfunc.load_model(f"models:/{MODEL_NAME}@{CHAMPION}")
    example = model.metadata.load_input_example(mlflow.artifacts.download_artifacts(version.source))
    assert len(example) == 1
    features = trained.features.drop(columns=["client_id", "split", "target"])
    numeric = [c for c in features if pd.api.types.is_numeric_dtype(features[c])]
    matches = (features[numeric].sub(example[numeric].astype(float).iloc[0]).abs() < 1e-12).all(axis=1)
    assert not matches.any(), "the input example is a client's row"
    holdout = pd.read_csv(mlflow.artifacts.download_artifacts(
        run_id=trained.summary["run_id"], artifact_path="holdout_predictions.csv",
        tracking_uri=trained.settings.mlflow_tracking_uri))
    assert "client_id" not in holdout and holdout["client_pseudonym"].str.fullmatch("[0-9a-f]{24}").all()
    assert not set(holdout["client_pseudonym"]) & {str(i) for i in trained.features["client_id"]}
