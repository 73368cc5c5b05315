"""The reference the drift checks compare against: the champion model's training clients and its holdout scores.

From the MLflow registry (`<model_name>@<model_alias>`): the threshold, the feature version and the run's
artifacts `global_importance.csv` (mean |SHAP| per input feature) and `holdout_predictions.csv` (client_id,
target, probability of the clients kept out of the refit). From the DuckDB feature store (read-only): the
train clients of that feature version.

The reference probability is the holdout's, never the in-sample score of the clients the model was fitted on:
those are sharper than any new client's and would show a drift that is only overfitting. It is therefore
present on the holdout rows of the reference only; Evidently and the PSI ignore the missing values.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import mlflow
import numpy as np
import pandas as pd
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from common.contracts.feature_versions import ID, SPLIT, resolve
from common.contracts.pseudonyms import COLUMN as PSEUDONYM
from common.contracts.pseudonyms import pseudonymize, read_key
from common.contracts.registry import GLOBAL_IMPORTANCE, HOLDOUT_PREDICTIONS, tracking_uri
from common.settings import Settings
from monitoring.labels import performance

log = logging.getLogger(__name__)
SCORE = "probability"


@dataclass
class Champion:
    """The registered model version the checks are about."""

    name: str
    version: str
    run_id: str
    threshold: float
    feature_version: str
    importance: pd.DataFrame  # feature, mean_abs_shap (most important first)
    holdout: pd.DataFrame  # client_pseudonym (client_id for runs before pseudonyms), target, probability
    tags: dict = field(default_factory=dict)

    def top_features(self, k: int) -> list[str]:
        """The `k` most important input features."""
        return self.importance.sort_values("mean_abs_shap", ascending=False)["feature"].head(k).tolist()

    def baseline(self, cost_fn: float, cost_fp: float) -> dict:
        """AUC and cost of the holdout at the model's threshold: what delayed labels are compared with."""
        h = self.holdout
        return performance(h["target"].to_numpy(), h[SCORE].to_numpy(), (h[SCORE] >= self.threshold).to_numpy(),
                           cost_fn, cost_fp)

    @property
    def uri(self) -> str:
        """The MLflow URI of this model version."""
        return f"models:/{self.name}/{self.version}"


def load_champion(settings: Settings) -> Champion:
    """Read the aliased model version, its tags and its two artifacts from MLflow (the model itself is not loaded).

    Raises:
        LookupError: no such registered model or alias, or its run lacks the artifacts.
    """
    uri = tracking_uri(settings.mlflow_tracking_uri)
    if uri.startswith("sqlite:///") and not Path(uri.removeprefix("sqlite:///")).is_file():
        raise LookupError(f"no MLflow database at {uri}: run `make train` (or set HC_MLFLOW_TRACKING_URI)")
    mlflow.set_tracking_uri(uri)
    client = MlflowClient(uri)
    try:
        mv = client.get_model_version_by_alias(settings.model_name, settings.model_alias)
    except MlflowException as exc:
        raise LookupError(f"no model {settings.model_name}@{settings.model_alias} in {uri}: run `make train`") from exc
    with tempfile.TemporaryDirectory() as tmp:
        try:
            importance = pd.read_csv(mlflow.artifacts.download_artifacts(
                run_id=mv.run_id, artifact_path=GLOBAL_IMPORTANCE, dst_path=tmp))
            holdout = pd.read_csv(mlflow.artifacts.download_artifacts(
                run_id=mv.run_id, artifact_path=HOLDOUT_PREDICTIONS, dst_path=tmp))
        except (MlflowException, OSError) as exc:
            raise LookupError(f"run {mv.run_id} of {settings.model_name} v{mv.version} lacks its artifacts") from exc
    tags = dict(mv.tags)
    return Champion(settings.model_name, str(mv.version), mv.run_id, float(tags["threshold"]),
                    tags.get("feature_version", ""), importance, holdout, tags)


def feature_table(con: duckdb.DuckDBPyConnection, version: str | None) -> tuple[str, str]:
    """(qualified snapshot table, feature version) of `version`, or of the latest valid one when unknown."""
    fv = resolve(con, version or None)
    return fv.snapshot, fv.feature_version


def read_clients(db_path: Path, version: str | None, split: str, columns: list[str] | None) -> pd.DataFrame:
    """Clients of one split of a feature version (read-only); `columns` None reads every feature."""
    if not Path(db_path).is_file():
        raise FileNotFoundError(f"no feature store at {db_path}: build it (`make features`) or set HC_DUCKDB_PATH")
    with duckdb.connect(str(db_path), read_only=True) as con:
        table, _ = feature_table(con, version)
        select = "*" if columns is None else ", ".join([ID] + [f'"{c}"' for c in columns])
        return con.sql(f"select {select} from {table} where {SPLIT} = '{split}' order by {ID}").df()


def reference_frame(settings: Settings, champion: Champion, features: list[str]) -> pd.DataFrame:
    """Train clients on `features`, with the holdout probability where the client was in the holdout."""
    train = read_clients(settings.duckdb_path, champion.feature_version, "train", features)
    on = PSEUDONYM if PSEUDONYM in champion.holdout else ID  # runs logged before pseudonyms carry client ids
    if on == PSEUDONYM:
        with duckdb.connect(str(settings.duckdb_path), read_only=True) as con:
            train[PSEUDONYM] = pseudonymize(train[ID], read_key(con))
    scores = champion.holdout[[on, SCORE]].drop_duplicates(on)
    frame = train.merge(scores, on=on, how="left").drop(columns=[PSEUDONYM], errors="ignore")
    n_scored = int(frame[SCORE].notna().sum())
    if n_scored < len(scores):
        log.warning("%d holdout clients are not in feature version %s", len(scores) - n_scored,
                    champion.feature_version)
    return frame


def score_clients(champion: Champion, clients: pd.DataFrame) -> np.ndarray:
    """Probability of default of `clients` (every feature column) by the champion model itself.

    The registered pyfunc wraps training's `CreditScorer`, whose `predict_proba` types the columns the way the
    model was trained (the pyfunc's schema enforcement would refuse integer columns of the feature store).
    """
    model = mlflow.pyfunc.load_model(champion.uri).unwrap_python_model()
    return np.asarray(model.predict_proba(clients), dtype=float)
