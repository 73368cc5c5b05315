"""The Spark tests' world, built once per session (one JVM, one SparkSession): 2,000 seeded synthetic clients
loaded by the real loader, exported as Parquet, built by the real feature pipeline on DuckDB (dbt + validation
+ publish) and by `dbt build --target spark` (models, data tests and unit tests) from the Parquet files, and a
small LightGBM champion registered the way training registers one.

Spark needs Java 17 (`make test` installs openjdk-17-jre-headless when `java` is missing): without it these
tests fail, they never skip.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mlflow
import pytest

from common.settings import Settings
from dbt_project.pipeline.build import build
from dbt_project.pipeline.parity import ParityRun
from dbt_project.pipeline.spark import build_on_spark, local_session
from tests.api.small_model import register_small_champion
from warehouse.load import load_raw
from warehouse.load.parquet import export_parquet

REPO_ROOT = Path(__file__).resolve().parents[2]
CLIENTS, SEED = 2000, 11


@dataclass(frozen=True)
class SparkWorld:
    """Paths, settings and the SparkSession of the session's two-engine build."""

    run: ParityRun
    settings: Settings
    spark: Any
    feature_version: str
    model_version: str


@contextlib.contextmanager
def settings_tracking() -> Iterator[None]:
    """MLflow on the settings' tracking URI: MLFLOW_TRACKING_URI (which wins, and which mlflow.set_tracking_uri
    exports) is lifted meanwhile; both are restored afterwards."""
    saved_env, saved_uri = os.environ.pop("MLFLOW_TRACKING_URI", None), mlflow.get_tracking_uri()
    try:
        yield
    finally:
        mlflow.set_tracking_uri(saved_uri)
        os.environ.pop("MLFLOW_TRACKING_URI", None)
        if saved_env is not None:
            os.environ["MLFLOW_TRACKING_URI"] = saved_env


@pytest.fixture(scope="session")
def spark_world(tmp_path_factory: pytest.TempPathFactory) -> SparkWorld:
    """Generate, load, export, build on both engines, register a champion (never modify it)."""
    if shutil.which("java") is None:
        pytest.fail("no `java` on PATH: Spark needs Java 17 (`make java-deps` installs openjdk-17-jre-headless)")
    from warehouse.synth.generate import generate

    root = tmp_path_factory.mktemp("spark")
    generate(CLIENTS, SEED, root / "raw", root / "oracle.csv", progress=False)
    run = ParityRun(root / "raw", root, REPO_ROOT / "dbt_project")
    load_raw(run.data_dir, run.duckdb_path, progress=False)
    export_parquet(run.duckdb_path, run.parquet_dir)
    feature_version = build(run.duckdb_options()).feature_version
    build_on_spark(run.spark_options())
    spark = local_session(run.spark_options().spark_dir, run.project_dir)
    tracking = f"sqlite:///{root / 'mlflow.db'}"
    with settings_tracking():
        model_version, trained_on = register_small_champion(run.duckdb_path, tracking)
    assert trained_on == feature_version
    settings = Settings(duckdb_path=run.duckdb_path, mlflow_tracking_uri=tracking, reports_dir=root / "reports",
                        dbt_manifest_path=run.duckdb_options().target_path / "manifest.json", api_keys="spark-test-key-0123456789",
                        api_cache_dir=root / "api-cache", events_url=f"sqlite:///{root / 'events.sqlite'}",
                        spark_dir=run.spark_options().spark_dir)
    return SparkWorld(run, settings, spark, feature_version, model_version)
