"""The same dbt project on Apache Spark: the `spark` target of profiles.yml, run inside this process.

dbt-spark's `session` method runs Spark in the dbt process (PySpark, local mode). dbt is invoked in-process
(`dbtRunner`), so the SparkSession it creates stays available to the caller afterwards: the parity check and
the batch scoring read the built tables through it, and a test session pays the JVM start once. The Spark
settings are those of the `spark` output of profiles.yml (one place): `local_session` renders them to start
the same session outside dbt.

    python -m dbt_project.pipeline.spark --raw-parquet DIR [--spark-dir DIR]

builds every model and runs every dbt test on Spark from raw tables exported with
`python -m warehouse.load --parquet DIR`; the tables land in the Spark warehouse under `--spark-dir`.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from common.settings import get_settings
from dbt_project.pipeline.build import SELECTORS, BuildError, dbt_failures

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

logger = logging.getLogger(__name__)
TARGET = "spark"
PROFILE = "homecredit"
FEATURES_TABLE = "feature_store.client_features_v1"
PROFILES_TABLE = "feature_store.client_profiles"


@dataclass(frozen=True)
class SparkBuildOptions:
    """Where the Spark build reads and writes (absolute paths)."""

    raw_parquet_dir: Path
    spark_dir: Path
    project_dir: Path
    target_path: Path
    log_path: Path
    expensive_tests: bool = False


def spark_environment(spark_dir: Path, raw_parquet_dir: Path | None = None) -> dict[str, str]:
    """The variables the `spark` profile reads, plus the Python the Spark workers run (this one, not python3)."""
    env = {"HC_SPARK_DIR": str(Path(spark_dir).resolve()), "PYSPARK_PYTHON": sys.executable,
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DO_NOT_TRACK": "1"}
    if raw_parquet_dir is not None:
        env["HC_SPARK_RAW_DIR"] = str(Path(raw_parquet_dir).resolve())
    return env


@contextlib.contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """os.environ with `values` set, restored afterwards (dbt and PySpark read os.environ)."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def profile_spark_conf(project_dir: Path) -> dict[str, str]:
    """The `server_side_parameters` of the `spark` output of profiles.yml, rendered with the environment."""
    # dbt's renderer: about a second of imports, only for a Spark session started outside dbt
    from dbt.config.renderer import ProfileRenderer
    from dbt_common.context import set_invocation_context

    profiles = yaml.safe_load((Path(project_dir) / "profiles.yml").read_text(encoding="utf-8"))
    parameters = profiles[PROFILE]["outputs"][TARGET]["server_side_parameters"]
    set_invocation_context(dict(os.environ))
    return {str(k): str(v) for k, v in ProfileRenderer({}).render_data(parameters).items()}


def local_session(spark_dir: Path, project_dir: Path | None = None) -> SparkSession:
    """The SparkSession of this process: the running one, else a new one configured as the `spark` profile.

    Under spark-submit (a cluster) the session is the one spark-submit configured: nothing is overridden.
    """
    # pyspark (and its JVM) only when Spark is used: the DuckDB build never loads it
    from pyspark import SparkContext
    from pyspark.sql import SparkSession

    # already running (dbt's, in this process), or started by spark-submit, whose master and settings rule
    if SparkContext._active_spark_context is not None or "PYSPARK_GATEWAY_PORT" in os.environ:
        return SparkSession.builder.getOrCreate()
    values = spark_environment(spark_dir)
    os.environ.update({"PYSPARK_PYTHON": values["PYSPARK_PYTHON"]})
    with environment(values):
        conf = profile_spark_conf(project_dir or get_settings().dbt_project_dir)
    builder = SparkSession.builder.enableHiveSupport()
    for key, value in conf.items():
        builder = builder.config(key, value)
    logger.info("starting Spark (%s, driver memory %s) with its warehouse in %s", conf.get("spark.master"),
                conf.get("spark.driver.memory"), spark_dir)
    return builder.getOrCreate()


def dbt_args(options: SparkBuildOptions, command: str = "build") -> list[str]:
    """The dbt command line for the spark target."""
    args = [command, "--target", TARGET, "--project-dir", str(options.project_dir), "--profiles-dir", str(options.project_dir),
            "--target-path", str(options.target_path), "--log-path", str(options.log_path), "--no-use-colors"]
    if command == "build":
        args += ["--selector", SELECTORS[options.expensive_tests]]
    return args


def build_on_spark(options: SparkBuildOptions) -> float:
    """`dbt build --target spark` in this process (models, data tests, unit tests); returns wall seconds.

    Raises:
        BuildError: naming the failed dbt nodes.
    """
    # dbt in this process (the Spark session must outlive the build); the DuckDB build runs dbt in a subprocess
    from dbt.cli.main import dbtRunner

    if not (options.raw_parquet_dir / "application_train").is_dir():
        raise BuildError("dbt build (spark)", f"no Parquet raw tables in {options.raw_parquet_dir}: "
                         "export them with `python -m warehouse.load --parquet DIR`")
    started = time.perf_counter()
    values = spark_environment(options.spark_dir, options.raw_parquet_dir)
    os.environ["PYSPARK_PYTHON"] = values["PYSPARK_PYTHON"]  # kept: the session outlives this call
    logger.info("dbt build --target spark (Spark warehouse %s, raw Parquet %s)", options.spark_dir, options.raw_parquet_dir)
    with environment(values):
        result = dbtRunner().invoke(dbt_args(options))
    if not result.success:
        raise BuildError("dbt build (spark)", "; ".join(dbt_failures(options.target_path)))
    seconds = time.perf_counter() - started
    logger.info("dbt build on Spark done in %.1f s", seconds)
    return seconds


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m dbt_project.pipeline.spark",
        description="Build every dbt model and run every dbt test (data and unit tests) on Apache Spark, in this "
                    "process (dbt-spark, method session, local mode), from raw tables exported as Parquet by "
                    "`python -m warehouse.load --parquet DIR`. Exit status 1 names the failed dbt nodes.",
    )
    parser.add_argument("--raw-parquet", type=Path, required=True, metavar="DIR",
                        help="the Parquet export of the raw tables (DIR/<table>/)")
    parser.add_argument("--spark-dir", type=Path, help="Spark warehouse and metastore (default: $HC_SPARK_DIR, else data/spark)")
    parser.add_argument("--target-path", type=Path, help="dbt target folder (default: <spark dir>/dbt-target)")
    parser.add_argument("--with-expensive-tests", action="store_true", help="also run the tests tagged `expensive`")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Build on Spark; exit status 0 or 1."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    spark_dir = (args.spark_dir or settings.spark_dir).resolve()
    target = (args.target_path or spark_dir / "dbt-target").resolve()
    options = SparkBuildOptions(args.raw_parquet.resolve(), spark_dir, settings.dbt_project_dir.resolve(), target,
                                target.parent / "dbt-logs", args.with_expensive_tests)
    try:
        build_on_spark(options)
    except BuildError as error:
        logger.error("%s", error)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
