"""The served model: `credit-scoring@champion` from the MLflow registry, or a folder written by `export_model`.

The registered model is training's `CreditScorer` (an MLflow pyfunc holding the fitted pipeline, the
threshold chosen under the business cost and the explainer). Its registry facts (version, tags such as the
feature version and the costs, the run's headline metrics) travel with it: read from the registry, or from
`registry.json` beside an exported copy, so a host without the MLflow database serves the same thing.
"""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import mlflow.artifacts
import mlflow.pyfunc
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from common.contracts.registry import tracking_uri
from common.settings import Settings

log = logging.getLogger(__name__)
REGISTRY_FILE = "registry.json"
MODEL_SUBDIR = "model"
HEADLINE_METRICS = {  # run metric -> name in GET /v1/model
    "champion_holdout_roc_auc": "holdout_roc_auc",
    "champion_holdout_pr_auc": "holdout_pr_auc",
    "champion_holdout_cost_per_applicant": "holdout_cost_per_applicant",
    "champion_holdout_relative_cost": "holdout_relative_cost",
    "champion_holdout_recall": "holdout_recall",
    "champion_holdout_precision": "holdout_precision",
    "champion_holdout_approval_rate": "holdout_approval_rate",
    "champion_holdout_false_refusal_rate": "holdout_false_refusal_rate",
    "champion_oof_cv_roc_auc_mean": "cv_roc_auc_mean",
    "oracle_roc_auc": "oracle_roc_auc",
}


class ModelLoadError(RuntimeError):
    """The model cannot be found or read (the message says where it was looked for)."""


@dataclass
class RegistryFacts:
    """What the registry knows about the served version."""

    name: str
    version: str
    alias: str | None
    run_id: str | None
    tags: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    source: str = ""


@dataclass
class LoadedModel:
    """The scorer object and its registry facts."""

    scorer: Any
    facts: RegistryFacts
    input_schema: list[tuple[str, str]]

    @property
    def feature_version(self) -> str | None:
        """The feature version the model was trained on (version tag, else the scorer's own record)."""
        return self.facts.tags.get("feature_version") or (getattr(self.scorer, "info", {}) or {}).get("feature_version")

    @property
    def threshold(self) -> float:
        """The decision threshold (the scorer's own: the one place it is defined)."""
        return float(self.scorer.threshold)


def headline(metrics: dict[str, float]) -> dict[str, float]:
    """The headline metrics under their API names."""
    return {name: float(metrics[key]) for key, name in HEADLINE_METRICS.items() if key in metrics}


def _schema(pyfunc_model: Any) -> list[tuple[str, str]]:
    schema = pyfunc_model.metadata.get_input_schema()
    if schema is None:
        return []
    return [(spec.name, getattr(spec.type, "name", str(spec.type))) for spec in schema.inputs]


def _wrap(pyfunc_model: Any, facts: RegistryFacts) -> LoadedModel:
    scorer = pyfunc_model.unwrap_python_model()
    return LoadedModel(scorer, facts, _schema(pyfunc_model))


def registry_facts(settings: Settings) -> RegistryFacts:
    """Version, tags and run metrics of `<model_name>@<model_alias>` in the MLflow registry."""
    uri = tracking_uri(settings.mlflow_tracking_uri)
    client = MlflowClient(tracking_uri=uri)
    try:
        version = client.get_model_version_by_alias(settings.model_name, settings.model_alias)
    except MlflowException as error:
        raise ModelLoadError(f"no model {settings.model_name}@{settings.model_alias} in the MLflow registry at {uri} "
                             f"({str(error).splitlines()[0]}): train one (`make train`) or set HC_MODEL_DIR "
                             "to a folder written by `make export-model`") from None
    metrics = dict(client.get_run(version.run_id).data.metrics) if version.run_id else {}
    source = client.get_model_version_download_uri(settings.model_name, version.version)
    return RegistryFacts(settings.model_name, str(version.version), settings.model_alias, version.run_id,
                         dict(version.tags), metrics, source)


def alias_version(settings: Settings, alias: str) -> str | None:
    """The version `<model_name>@<alias>` points to now (a cheap registry query, for polling), None without one;
    with HC_MODEL_DIR, the exported folder's version for the served alias (None for any other)."""
    if settings.model_dir is not None:
        info = Path(settings.model_dir) / REGISTRY_FILE
        if alias != settings.model_alias or not info.is_file():
            return None
        return str(json.loads(info.read_text(encoding="utf-8")).get("version"))
    client = MlflowClient(tracking_uri=tracking_uri(settings.mlflow_tracking_uri))
    try:
        return str(client.get_model_version_by_alias(settings.model_name, alias).version)
    except MlflowException:
        return None


def load_from_registry(settings: Settings) -> LoadedModel:
    """Load `<model_name>@<model_alias>` from the MLflow registry (`HC_MLFLOW_TRACKING_URI`)."""
    facts = registry_facts(settings)
    model = mlflow.pyfunc.load_model(facts.source)
    return _wrap(model, facts)


def load_from_dir(folder: Path) -> LoadedModel:
    """Load a model exported by `export_model` (no MLflow database needed)."""
    info_path = Path(folder) / REGISTRY_FILE
    if not info_path.is_file():
        raise ModelLoadError(f"{folder} holds no exported model ({REGISTRY_FILE} missing): run `make export-model`")
    data = json.loads(info_path.read_text(encoding="utf-8"))
    facts = RegistryFacts(**{k: data[k] for k in RegistryFacts.__dataclass_fields__ if k in data})
    try:
        model = mlflow.pyfunc.load_model(str(Path(folder) / MODEL_SUBDIR))
    except Exception as error:  # noqa: BLE001 - MLflow raises many kinds; the message says which
        raise ModelLoadError(f"cannot load the model exported in {folder}: {str(error).splitlines()[0]}") from None
    return _wrap(model, facts)


def load_model(settings: Settings) -> LoadedModel:
    """The served model: from HC_MODEL_DIR when set, else from the registry."""
    if settings.model_dir is not None:
        return load_from_dir(settings.model_dir)
    return load_from_registry(settings)


def export_model(settings: Settings, out_dir: Path) -> Path:
    """Copy `<model_name>@<model_alias>` and its registry facts into `out_dir` (replaced if present).

    Returns:
        The folder, to be used as HC_MODEL_DIR on a host without the MLflow database.
    """
    facts = registry_facts(settings)
    out_dir = Path(out_dir)
    staging = out_dir.with_name(out_dir.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    downloaded = Path(mlflow.artifacts.download_artifacts(artifact_uri=facts.source, dst_path=str(staging / "download")))
    model_dir = next((p.parent for p in sorted(downloaded.rglob("MLmodel"))), None)
    if model_dir is None:
        raise ModelLoadError(f"{facts.source} holds no MLmodel file")
    shutil.move(str(model_dir), str(staging / MODEL_SUBDIR))
    shutil.rmtree(staging / "download", ignore_errors=True)
    payload = asdict(facts) | {"exported_at": datetime.now(tz=UTC).isoformat(), "tracking_uri": tracking_uri(settings.mlflow_tracking_uri)}
    (staging / REGISTRY_FILE).write_text(json.dumps(payload, indent=2, default=str), encoding="utf-8")
    shutil.rmtree(out_dir, ignore_errors=True)
    staging.rename(out_dir)
    log.info("exported %s version %s to %s", facts.name, facts.version, out_dir)
    return out_dir
