"""One quick training run shared by the training and model tests (built once per test session).

Everything lives in a temporary folder: the DuckDB feature store written by the synthetic mart, the oracle
CSV, the sqlite MLflow store with its artifacts, and the reports.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import mlflow
import pandas as pd

from common.settings import Settings
from tests.training.synthetic_mart import make_clients, write_warehouse

CLIENTS, HISTORY_COLUMNS, SEED = 3000, 40, 7


@dataclass(frozen=True)
class TrainedRun:
    """What a test needs to look at a finished training run."""

    root: Path
    settings: Settings
    summary: dict
    features: pd.DataFrame

    @property
    def env(self) -> dict:
        """Environment for a fresh process that talks to this run's MLflow store."""
        return {**os.environ, "MLFLOW_TRACKING_URI": self.settings.mlflow_tracking_uri}


def make_settings(root: Path) -> Settings:
    """Settings pointing every path of the training stage into `root`."""
    return Settings(duckdb_path=root / "hc.duckdb", oracle_path=root / "oracle.csv", reports_dir=root / "reports",
                    mlflow_tracking_uri=f"sqlite:///{root / 'mlflow.db'}")


def make_store(root: Path, clients: int = CLIENTS, seed: int = SEED) -> tuple[Settings, pd.DataFrame]:
    """A synthetic feature store and oracle file in `root`."""
    settings = make_settings(root)
    features, oracle = make_clients(clients, seed=seed, n_history=HISTORY_COLUMNS)
    write_warehouse(settings.duckdb_path, features)
    oracle.to_csv(settings.oracle_path, index=False)
    return settings, features


@contextmanager
def isolated_tracking():
    """Ignore a MLFLOW_TRACKING_URI of the caller's shell and restore MLflow's URI afterwards."""
    saved_env = os.environ.pop("MLFLOW_TRACKING_URI", None)
    saved_uri = mlflow.get_tracking_uri()
    try:
        yield
    finally:
        mlflow.set_tracking_uri(saved_uri)
        if saved_env is not None:
            os.environ["MLFLOW_TRACKING_URI"] = saved_env


@functools.lru_cache(maxsize=2)
def trained_run(clients: int = CLIENTS) -> TrainedRun:
    """Train once per size with PROFILE=quick on synthetic clients (3,000 by default; about a minute on 2 cores)."""
    from training.config import PROFILES
    from training.train import run

    root = Path(tempfile.mkdtemp(prefix="hc-training-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    settings, features = make_store(root, clients)
    with isolated_tracking():
        summary = run(settings, PROFILES["quick"], seed=0)
    return TrainedRun(root, settings, summary, features)
