"""The registered champion and the exact data it was chosen on: feature version, holdout and CV folds.

Everything that defines the comparison is read from the registry and the champion's run (seed, holdout share,
number of folds, cost, feature version, data fingerprint, holdout client ids), then rebuilt with the very
functions of `training/data.py`; any mismatch stops the PoC instead of comparing on other data.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
from mlflow import MlflowClient

from common.contracts.pseudonyms import COLUMN as PSEUDONYM
from common.contracts.registry import CHAMPION, HOLDOUT_PREDICTIONS, MODEL_NAME
from common.settings import Settings
from training.data import TrainingData, cv_folds, holdout_split, load_training_data, read_oracle
from training.registered_model import CreditScorer

log = logging.getLogger(__name__)


class ComparisonError(RuntimeError):
    """The data rebuilt here is not the data the champion was chosen on."""


@dataclass
class Champion:
    """The registered model, its run (params, metrics, tags) and the run summary written by `training`."""

    version: str
    run_id: str
    scorer: CreditScorer
    params: dict
    metrics: dict
    tags: dict
    summary: dict
    holdout_predictions: pd.DataFrame

    @property
    def seed(self) -> int:
        return int(self.params["seed"])

    @property
    def feature_version(self) -> str:
        return self.tags["feature_version"]


@dataclass
class Split:
    """Development set with its folds, and the holdout, exactly as `training` cut them."""

    data: TrainingData
    dev: np.ndarray
    hold: np.ndarray
    folds: list[tuple[np.ndarray, np.ndarray]]
    cost_fn: float
    cost_fp: float

    @property
    def X_dev(self) -> pd.DataFrame:  # noqa: N802 (X as in scikit-learn)
        return self.data.X.iloc[self.dev]

    @property
    def y_dev(self) -> np.ndarray:
        return self.data.y[self.dev]

    @property
    def X_hold(self) -> pd.DataFrame:  # noqa: N802
        return self.data.X.iloc[self.hold]

    @property
    def y_hold(self) -> np.ndarray:
        return self.data.y[self.hold]

    @property
    def hold_ids(self) -> np.ndarray:
        return self.data.client_ids[self.hold]

    @property
    def hold_pseudonyms(self) -> np.ndarray:
        """What the champion's run records of the holdout clients (`holdout_predictions.csv`)."""
        return self.data.pseudonyms[self.hold]


def _artifact(run_id: str, path: str) -> Path:
    return Path(mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path=path))


def load_champion(name: str = MODEL_NAME, alias: str = CHAMPION) -> Champion:
    """The model version behind `models:/<name>@<alias>` with its training run (tracking URI already set)."""
    client = MlflowClient()
    version = client.get_model_version_by_alias(name, alias)
    run = client.get_run(version.run_id)
    scorer = mlflow.pyfunc.load_model(f"models:/{name}@{alias}").unwrap_python_model()
    summary = json.loads(_artifact(run.info.run_id, "training_summary.json").read_text())
    predictions = pd.read_csv(_artifact(run.info.run_id, HOLDOUT_PREDICTIONS))
    log.info("champion %s@%s: version %s, run %s, %s", name, alias, version.version, run.info.run_id,
             summary["champion"]["name"])
    return Champion(str(version.version), run.info.run_id, scorer, dict(run.data.params), dict(run.data.metrics),
                    dict(run.data.tags), summary, predictions)


def rebuild_split(settings: Settings, champion: Champion) -> Split:
    """The champion's feature version, holdout and folds, checked against what its run recorded.

    Raises:
        ComparisonError: other rows (data fingerprint), another holdout, or another cost than the champion's.
    """
    data = load_training_data(settings.duckdb_path, champion.feature_version)
    if data.fingerprint != champion.tags.get("data_fingerprint"):
        raise ComparisonError(f"feature version {champion.feature_version}: data fingerprint {data.fingerprint} "
                              f"differs from the champion's {champion.tags.get('data_fingerprint')}")
    dev, hold = holdout_split(data.y, float(champion.params["holdout_share"]), champion.seed)
    folds = cv_folds(data.y[dev], int(champion.params["n_splits"]), champion.seed)
    split = Split(data, dev, hold, folds, float(champion.params["cost_fn"]), float(champion.params["cost_fp"]))
    recorded = champion.holdout_predictions[PSEUDONYM].to_numpy()
    if not np.array_equal(np.sort(recorded), np.sort(split.hold_pseudonyms)):
        raise ComparisonError("the rebuilt holdout is not the champion's (holdout_predictions.csv)")
    if (split.cost_fn, split.cost_fp) != (settings.cost_fn, settings.cost_fp):
        log.warning("settings cost %g/%g differ from the champion's %g/%g: the champion's is used",
                    settings.cost_fn, settings.cost_fp, split.cost_fn, split.cost_fp)
    log.info("feature version %s: %d development clients in %d folds, %d holdout clients", champion.feature_version,
             len(dev), len(folds), len(hold))
    return split


def oracle_on_holdout(settings: Settings, split: Split) -> np.ndarray | None:
    """True default probabilities of the holdout clients (synthetic data only), None without an oracle file."""
    oracle = read_oracle(settings.oracle_path)
    if oracle is None:
        return None
    p = pd.Series(split.hold_ids).map(oracle.set_index("client_id")["p_default"]).to_numpy(dtype=float)
    return None if np.isnan(p).all() else p
