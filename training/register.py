"""MLflow: tracking URI and experiment, nested candidate runs, logging and registering the champion."""

from __future__ import annotations

import logging
import math
import subprocess
import warnings
from importlib.metadata import version
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd
from mlflow import MlflowClient
from mlflow.data.dataset_source_registry import resolve_dataset_source
from mlflow.data.meta_dataset import MetaDataset
from mlflow.models import ModelSignature, infer_signature
from mlflow.types.schema import AnyType, ColSpec, Schema

from common.contracts.registry import CHAMPION, EXPERIMENT, MODEL_NAME
from training.data import TrainingData
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


# Feature table types (training.data.feature_types) -> MLflow types, as `duckdb ... .df()` hands the rows over:
# integers stay integers; an integer column that holds NULL comes as pandas Int64 with <NA>, which no MLflow
# column type accepts, so it is declared `any`; HUGEINT sums come as float64.
MLFLOW_TYPES = {"BIGINT": "long", "UBIGINT": "long", "INTEGER": "integer", "SMALLINT": "integer", "TINYINT": "integer",
                "UINTEGER": "long", "USMALLINT": "integer", "UTINYINT": "integer", "BOOLEAN": "boolean",
                "VARCHAR": "string"}


def input_type(column_type: str | None, text: bool):
    """The MLflow type of one feature (`double` / `string` when the feature table's type is unknown)."""
    if column_type is None:
        return "string" if text else "double"
    kind, nullable = column_type.split(" ")[0], column_type.endswith(" NULL")
    if nullable and kind in MLFLOW_TYPES and MLFLOW_TYPES[kind] in ("long", "integer"):
        return AnyType()
    return MLFLOW_TYPES.get(kind, "string" if text else "double")


def signature_for(scorer: CreditScorer, example: pd.DataFrame, column_types: dict[str, str] | None = None) -> ModelSignature:
    """Inputs: every feature optional, typed as the feature table gives it (integers as integers, see
    MLFLOW_TYPES); outputs inferred from a prediction."""
    types = column_types or {}
    categorical = set(scorer.categorical)
    inputs = Schema([ColSpec(input_type(types.get(c), c in categorical), c, required=False) for c in scorer.features])
    outputs = infer_signature(example, scorer.predict(None, example)).outputs
    return ModelSignature(inputs=inputs, outputs=outputs)


def synthetic_example(X: pd.DataFrame, numeric: list[str], categorical: list[str]) -> pd.DataFrame:
    """The model's input example: one made-up row, not a client's. The median of every numeric feature and the
    most frequent value of every text feature over the development clients (a statistic of many)."""
    row = {c: float(X[c].median()) if X[c].notna().any() else None for c in numeric}
    row |= {c: (X[c].mode(dropna=True).iloc[0] if X[c].notna().any() else None) for c in categorical}
    return pd.DataFrame([row], columns=numeric + categorical)


def as_read(example: pd.DataFrame, signature: ModelSignature) -> pd.DataFrame:
    """The example rows with the integer types the signature declares (the training frame holds floats)."""
    out = example.copy()
    for spec in signature.inputs.inputs:
        kind = getattr(spec.type, "name", None)
        if kind in ("long", "integer") and spec.name in out and out[spec.name].notna().all():
            out[spec.name] = out[spec.name].astype("int64" if kind == "long" else "int32")
    return out


def version_description(scorer: CreditScorer, tags: dict) -> str:
    """What the registered version is and how it was chosen (shown in the MLflow UI)."""
    fv = tags.get("feature_version", "?")
    return (
        f"Credit-scoring model: {tags.get('candidate', 'unknown candidate')}, preprocessing and model in one pyfunc "
        f"(training.registered_model.CreditScorer). predict() returns per client the probability of default, the decision "
        f"(refuse at or above the threshold, else accept) and the threshold ({scorer.threshold:.4f}).\n\n"
        f"Trained on feature version {fv} (marts.client_features__{fv}, the train clients; run "
        f"{tags.get('run_id', '?')}, profile {tags.get('profile', '?')}, code {str(tags.get('git_commit', '?'))[:12]}). "
        f"Chosen among the cross-validated candidates by the lowest business cost, {tags.get('cost_fn', '?')} per "
        f"missed defaulter and {tags.get('cost_fp', '?')} per good client refused; the threshold minimises the same "
        f"cost on calibrated out-of-fold probabilities. Input: rows of marts.client_features__{fv} as read with DuckDB "
        f"(extra columns such as client_id are ignored). The run's model_card.md explains the choice.")


def register_champion(scorer: CreditScorer, example: pd.DataFrame, version_tags: dict,
                      name: str = MODEL_NAME, alias: str = CHAMPION, column_types: dict[str, str] | None = None) -> tuple[str, str]:
    """Log the scorer in the active run, register it with a description and move the alias to it.

    Args:
        column_types: each feature's type in the feature table (`TrainingData.column_types`), for the signature.

    Returns:
        (model version, model URI by alias).
    """
    signature = signature_for(scorer, example, column_types)
    example = as_read(example, signature)
    info = mlflow.pyfunc.log_model(
        name="model", python_model=scorer, code_paths=[str(PACKAGE_DIR)],
        signature=signature, input_example=example,
        pip_requirements=[f"{p}=={version(p)}" for p in RUNTIME],
        metadata={"threshold": scorer.threshold, **{k: str(v) for k, v in version_tags.items()}},
        registered_model_name=name,
    )
    model_version = str(info.registered_model_version)
    client = MlflowClient()
    client.set_registered_model_alias(name, alias, model_version)
    client.update_model_version(name, model_version, description=version_description(scorer, version_tags))
    for key, value in {"threshold": repr(scorer.threshold), **version_tags}.items():
        client.set_model_version_tag(name, model_version, key, str(value))
    log.info("registered %s version %s as @%s (threshold %s)", name, model_version, alias, scorer.threshold)
    return model_version, f"models:/{name}@{alias}"


def feature_dataset(data: TrainingData, duckdb_path: Path) -> MetaDataset:
    """The training rows as an MLflow dataset (metadata only: the rows stay in the warehouse), for `log_input`.

    Name: the feature version's table; digest: the content hash of the rows read (`TrainingData.fingerprint`);
    source: the warehouse file (the table is in the name); schema: the feature table's own types.
    """
    source = _local_source(duckdb_path)
    schema = Schema([ColSpec(input_type(t, t.startswith("VARCHAR")), c, required=False) for c, t in data.column_types.items()])
    return MetaDataset(source, name=f"client_features__{data.version.feature_version}", digest=data.fingerprint,
                       schema=schema)


def _local_source(path: Path) -> Any:
    with warnings.catch_warnings():  # "no source type given, resolved from the path": as intended
        warnings.simplefilter("ignore")
        return resolve_dataset_source(str(Path(path).resolve()))
