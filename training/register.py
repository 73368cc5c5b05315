"""MLflow: tracking URI and experiment, nested candidate runs, logging and registering the champion."""

from __future__ import annotations

import logging
import math
import subprocess
from importlib.metadata import version
from pathlib import Path

import mlflow
import pandas as pd
from mlflow import MlflowClient
from mlflow.models import ModelSignature, infer_signature
from mlflow.types.schema import ColSpec, Schema

from common.contracts.registry import CHAMPION, EXPERIMENT, MODEL_NAME
from training.registered_model import CreditScorer
from training.search import CVResult

log = logging.getLogger(__name__)
PACKAGE_DIR = Path(__file__).resolve().parent
RUNTIME = ["mlflow", "scikit-learn", "imbalanced-learn", "lightgbm", "pandas", "numpy", "scipy", "cloudpickle",
           "shap"]


def setup_experiment(uri: str, name: str = EXPERIMENT) -> str:
    """Point MLflow at `uri`; create the experiment with local artifacts next to a sqlite database."""
    mlflow.set_tracking_uri(uri)
    existing = mlflow.get_experiment_by_name(name)
    if existing is None:
        location = None
        if uri.startswith("sqlite:///"):
            location = (Path(uri.removeprefix("sqlite:///")).resolve().parent / "mlartifacts").as_uri()
        mlflow.create_experiment(name, artifact_location=location)
    return mlflow.set_experiment(name).experiment_id


def git_commit() -> str:
    """The current commit of the repository (`unknown` outside git)."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True,
                             cwd=PACKAGE_DIR)
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def finite(metrics: dict) -> dict:
    """Metrics MLflow can store: numbers only, infinities and NaN left out."""
    return {k: float(v) for k, v in metrics.items()
            if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(float(v))}


def log_candidate(result: CVResult, tags: dict) -> None:
    """One nested run per candidate: its configuration, every metric, and a suspicious-AUC tag."""
    c = result.candidate
    with mlflow.start_run(run_name=c.name[:250], nested=True):
        mlflow.log_params({"family": c.family, "imbalance": c.imbalance, "stage": c.stage,
                           **{f"model.{k}": v for k, v in c.params.items()}})
        mlflow.log_metrics(finite(result.metrics))
        mlflow.set_tags({**tags, "candidate": c.name[:5000], "threshold": repr(result.choice.threshold),
                         "suspicious_auc": str(bool(result.metrics.get("suspicious_auc", False))).lower()})


def signature_for(scorer: CreditScorer, example: pd.DataFrame) -> ModelSignature:
    """Inputs: every feature optional (double or string); outputs inferred from a prediction."""
    inputs = Schema([ColSpec("double", c, required=False) for c in scorer.numeric]
                    + [ColSpec("string", c, required=False) for c in scorer.categorical])
    outputs = infer_signature(example, scorer.predict(None, example)).outputs
    return ModelSignature(inputs=inputs, outputs=outputs)


def synthetic_example(X: pd.DataFrame, numeric: list[str], categorical: list[str]) -> pd.DataFrame:
    """The model's input example: one made-up row, not a client's. The median of every numeric feature and the
    most frequent value of every text feature over the development clients (a statistic of many)."""
    row = {c: float(X[c].median()) if X[c].notna().any() else None for c in numeric}
    row |= {c: (X[c].mode(dropna=True).iloc[0] if X[c].notna().any() else None) for c in categorical}
    return pd.DataFrame([row], columns=numeric + categorical)


def register_champion(scorer: CreditScorer, example: pd.DataFrame, version_tags: dict,
                      name: str = MODEL_NAME, alias: str = CHAMPION) -> tuple[str, str]:
    """Log the scorer in the active run, register it and move the alias to it.

    Returns:
        (model version, model URI by alias).
    """
    info = mlflow.pyfunc.log_model(
        name="model", python_model=scorer, code_paths=[str(PACKAGE_DIR)],
        signature=signature_for(scorer, example), input_example=example,
        pip_requirements=[f"{p}=={version(p)}" for p in RUNTIME],
        metadata={"threshold": scorer.threshold, **{k: str(v) for k, v in version_tags.items()}},
        registered_model_name=name,
    )
    model_version = str(info.registered_model_version)
    client = MlflowClient()
    client.set_registered_model_alias(name, alias, model_version)
    for key, value in {"threshold": repr(scorer.threshold), **version_tags}.items():
        client.set_model_version_tag(name, model_version, key, str(value))
    log.info("registered %s version %s as @%s (threshold %s)", name, model_version, alias, scorer.threshold)
    return model_version, f"models:/{name}@{alias}"
