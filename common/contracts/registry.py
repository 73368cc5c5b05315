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
