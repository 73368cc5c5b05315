"""A small LightGBM champion registered exactly the way `python -m training` registers one, in seconds.

The full `python -m training --profile quick` searches a dozen candidates (about 90 s on 4,000 clients); the API
tests need one registered model with the same class (`training.registered_model.CreditScorer`), signature, metadata and
version tags, so this fits a single LightGBM candidate with training's own building blocks and registers it
with `training.register.register_champion`.
"""

from __future__ import annotations

from pathlib import Path

import mlflow
import numpy as np

from training.calibration import fit as fit_calibration
from training.candidates import Candidate, build_pipeline, skewed_columns
from training.data import load_training_data
from training.explain import Explainer
from training.register import register_champion, setup_experiment, synthetic_example
from training.registered_model import CreditScorer

LGBM_PARAMS = {"n_estimators": 60, "learning_rate": 0.1, "num_leaves": 7, "min_child_samples": 40,
               "validation_fraction": 0.0}


def register_small_champion(duckdb_path: Path, tracking_uri: str, feature_version: str | None = None,
                            threshold: float | None = None) -> tuple[str, str]:
    """Fit one LightGBM pipeline on the train clients and register it as credit-scoring@champion.

    Returns:
        (model version, feature version).
    """
    data = load_training_data(duckdb_path, feature_version)
    candidate = Candidate("lightgbm", "class_weight", dict(LGBM_PARAMS))
    pipeline = build_pipeline(candidate, data.numeric, data.categorical, skewed_columns(data.X, data.numeric), 0)
    pipeline.fit(data.X, data.y)
    explainer = Explainer(pipeline, data.numeric + data.categorical, X_background=data.X)
    explainer.fit_global(data.X.head(500))
    raw = pipeline.predict_proba(data.X)[:, 1]
    # class weights inflate the probabilities: a sigmoid map brings them back, as training's calibration step does
    calibration = fit_calibration("sigmoid", data.y, raw)
    if threshold is None:  # the median score: about half the clients on each side of the decision
        threshold = float(np.median(calibration(raw)))
    scorer = CreditScorer(pipeline, threshold, data.numeric, data.categorical, explainer,
                          {"candidate": candidate.name, "feature_version": data.version.feature_version},
                          calibration=calibration)
    setup_experiment(tracking_uri)
    tags = {"feature_version": data.version.feature_version, "git_commit": "test", "profile": "test",
            "data_fingerprint": data.fingerprint, "cost_fn": 10.0, "cost_fp": 1.0, "cost_ratio": 10.0,
            "candidate": candidate.name}
    with mlflow.start_run(run_name="api-test-champion") as run:
        mlflow.log_metrics({"champion_holdout_roc_auc": 0.75, "champion_holdout_cost_per_applicant": 0.5,
                            "champion_holdout_recall": 0.6, "champion_holdout_precision": 0.2,
                            "champion_holdout_approval_rate": 0.5})
        version, _ = register_champion(scorer, synthetic_example(data.X, data.numeric, data.categorical),
                                       {**tags, "run_id": run.info.run_id}, column_types=data.column_types)
    return version, data.version.feature_version
