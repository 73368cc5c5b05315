"""The model registry: the registered model's name, its aliases, its version tags, and where the registry is.

Written by training (`python -m training` registers every run's model and moves the aliases); read by the API (it
serves `<MODEL_NAME>@<CHAMPION>`), monitoring (the champion's run artifacts) and the technology watch.
"""

from __future__ import annotations

import os

MODEL_NAME = "credit-scoring"
EXPERIMENT = "credit-scoring"
CHAMPION = "champion"  # the version the API serves
CHALLENGER = "challenger"  # the latest trained version, until it earns the champion alias

# Version tags every registered version carries (training writes them, the API and monitoring read them).
TAG_FEATURE_VERSION = "feature_version"
TAG_THRESHOLD = "threshold"
TAG_RUN_ID = "run_id"
TAG_CALIBRATION = "calibration"
TAG_PROFILE = "profile"  # the training profile (quick, standard, full)

# The promotion gate and its overrides (training/gate.py, training/promotion.py), as version tags.
TAG_GATE = "gate"  # GATE_PROMOTED or GATE_KEPT: what the gate decided for this version when it was trained
TAG_GATE_REASON = "gate_reason"
TAG_GATE_CHAMPION = "gate_compared_with"  # the champion version the gate compared this one with
TAG_GATE_COST_DIFF = "gate_cost_difference"  # 95% interval (challenger - champion), cost per applicant, "low,high"
GATE_PROMOTED, GATE_KEPT = "promoted", "kept"
TAG_PROMOTION = "promotion"  # how this version last became champion: PROMOTED_BY_GATE, _FORCED or _ROLLBACK
PROMOTED_BY_GATE, PROMOTED_FORCED, PROMOTED_ROLLBACK = "gate", "forced", "rollback"
TAG_PROMOTED_BY = "promoted_by"
TAG_PROMOTED_AT = "promoted_at"
TAG_PROMOTION_REASON = "promotion_reason"
TAG_ROLLED_BACK_BY = "rolled_back_by"  # on a champion a rollback moved away from
TAG_ROLLED_BACK_AT = "rolled_back_at"
TAG_ROLLBACK_REASON = "rollback_reason"
# Registered model tag: the versions that held the champion alias, oldest first, as a JSON list (a rollback pops).
TAG_CHAMPION_HISTORY = "champion_history"

# Artifacts of a training run that the readers download.
HOLDOUT_PREDICTIONS = "holdout_predictions.csv"
GLOBAL_IMPORTANCE = "global_importance.csv"
TRAINING_SUMMARY = "training_summary.json"


def tracking_uri(default: str) -> str:
    """The MLflow tracking URI every stage uses: `MLFLOW_TRACKING_URI` when set, else `default` (the settings')."""
    return os.environ.get("MLFLOW_TRACKING_URI") or default


def model_uri(alias: str = CHAMPION, name: str = MODEL_NAME) -> str:
    """`models:/<name>@<alias>`."""
    return f"models:/{name}@{alias}"
