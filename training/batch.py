"""Batch scoring: every client of a feature table scored by the registered champion, on DuckDB or on Spark.

    python -m training.batch --engine duckdb [--table marts.client_features__fv0003] [--out DIR]
    python -m training.batch --engine spark  [--table feature_store.client_features_v1] [--out DIR]

Both engines apply the same registered pyfunc (`credit-scoring@champion`, or `--model-uri`) to the same
columns: each numeric feature cast to the type its signature declares (BIGINT, INTEGER or DOUBLE) and the text
features as strings (what `CreditScorer.prepare` does). DuckDB streams the table in Arrow batches through
`model.predict`; Spark applies `mlflow.pyfunc.spark_udf`, so a cluster scores its partitions in parallel.
Each writes Parquet (a folder of files) with one row per client: client_id, probability, decision, threshold,
and the versions: model name and version, the feature version the model was trained on, the table scored,
the engine, the scoring time.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import mlflow
import mlflow.pyfunc
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from common.contracts.feature_versions import resolve
from common.contracts.registry import tracking_uri
from common.settings import Settings, get_settings

logger = logging.getLogger("training.batch")
KEY = "client_id"
RESULT_TYPE = "probability double, decision string, threshold double"
SPARK_FEATURES = "feature_store.client_features_v1"
CHUNK_ROWS = 50_000
# MLflow signature type -> SQL type; anything else (double, float, any) goes in as DOUBLE
DUCKDB_TYPES = {"long": "bigint", "integer": "integer"}
SPARK_TYPES = {"long": "bigint", "integer": "int"}


class BatchError(RuntimeError):
    """The model or the feature table cannot be used (the message says which and what to do)."""


@dataclass(frozen=True)
class Champion:
    """The registered model to apply, and the versions written beside every score."""

    uri: str
    name: str
    version: str
    feature_version: str | None
    numeric: tuple[str, ...]
    categorical: tuple[str, ...]
    kinds: tuple[tuple[str, str], ...] = ()  # numeric feature -> MLflow type name of the signature

    def numeric_type(self, column: str, engine: str) -> str:
        """The SQL type a numeric feature is cast to: the signature's (MLflow refuses a lossy long <- double)."""
        kind = dict(self.kinds).get(column, "double")
        return (SPARK_TYPES if engine == "spark" else DUCKDB_TYPES).get(kind, "double")

    def versions(self, table: str, engine: str) -> dict[str, str | None]:
        """The provenance columns of the output."""
        return {"model_name": self.name, "model_version": self.version, "model_feature_version": self.feature_version,
                "feature_table": table, "engine": engine}


def resolve_champion(settings: Settings, model_uri: str | None = None) -> Champion:
    """`<model_name>@<model_alias>` from the registry (or `model_uri`), with its signature's columns."""
    uri = tracking_uri(settings.mlflow_tracking_uri)
    mlflow.set_tracking_uri(uri)
    model_uri = model_uri or f"models:/{settings.model_name}@{settings.model_alias}"
    name, version, tags = model_uri, "", {}
    try:
        info = mlflow.models.get_model_info(model_uri)
        if model_uri.startswith("models:/") and "@" in model_uri:
            name, alias = model_uri.removeprefix("models:/").split("@", 1)
            registered = MlflowClient().get_model_version_by_alias(name, alias)
            version, tags = str(registered.version), dict(registered.tags)
    except MlflowException as error:
        raise BatchError(f"no model at {model_uri} (tracking {uri}): {str(error).splitlines()[0]}; train one "
                         "(`make train`)") from None
    if info.signature is None or info.signature.inputs is None:
        raise BatchError(f"{model_uri} has no input signature: cannot tell numeric from text features")
    kinds = [(c.name, getattr(c.type, "name", str(c.type))) for c in info.signature.inputs.inputs]
    feature_version = tags.get("feature_version") or (info.metadata or {}).get("feature_version")
    return Champion(model_uri, name, version, feature_version, tuple(c for c, k in kinds if k != "string"),
                    tuple(c for c, k in kinds if k == "string"), tuple((c, k) for c, k in kinds if k != "string"))


def model_select(champion: Champion, quote: str = '"') -> list[str]:
    """SQL select list: the key, numeric features as their signature's type, text features as they are."""
    q = lambda c: f"{quote}{c}{quote}"  # noqa: E731
    return [KEY] + [f"cast({q(c)} as {champion.numeric_type(c, 'duckdb')}) as {q(c)}" for c in champion.numeric] + [
        q(c) for c in champion.categorical]


def default_duckdb_table(duckdb_path: Path, champion: Champion) -> str:
    """The published table of the feature version the champion was trained on (else the latest valid one)."""
    with duckdb.connect(str(duckdb_path), read_only=True) as con:
        try:
            return resolve(con, champion.feature_version).snapshot
        except (LookupError, duckdb.Error) as error:
            raise BatchError(f"no feature table for {champion.feature_version or 'the latest version'} in "
                             f"{duckdb_path}: {error}") from None


def _replace_dir(staging: Path, out: Path) -> None:
    shutil.rmtree(out, ignore_errors=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging.rename(out)


def score_duckdb(duckdb_path: Path, table: str, champion: Champion, out: Path, chunk_rows: int = CHUNK_ROWS) -> int:
    """Score every row of a DuckDB table in Arrow batches; Parquet in `out`. Returns the number of clients."""
    model = mlflow.pyfunc.load_model(champion.uri)
    provenance = champion.versions(table, "duckdb") | {"scored_at": datetime.now(tz=UTC)}
    staging = out.with_name(out.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    rows = 0
    with duckdb.connect(str(duckdb_path), read_only=True) as con:
        try:
            reader = con.execute(f"select {', '.join(model_select(champion))} from {table} order by {KEY}") \
                .to_arrow_reader(chunk_rows)
        except duckdb.Error as error:
            raise BatchError(f"cannot read {table} from {duckdb_path}: {str(error).splitlines()[0]}") from None
        writer = None
        for batch in reader:
            frame = batch.to_pandas()
            scored = model.predict(frame.drop(columns=[KEY]))
            result = pd.DataFrame({KEY: frame[KEY].to_numpy(), "probability": scored["probability"].to_numpy(),
                                   "decision": scored["decision"].to_numpy(), "threshold": scored["threshold"].to_numpy()})
            for name, value in provenance.items():
                result[name] = value
            arrow = pa.Table.from_pandas(result, preserve_index=False)
            writer = writer or pq.ParquetWriter(staging / "part-00000.parquet", arrow.schema)
            writer.write_table(arrow)
            rows += len(result)
            logger.info("scored %s clients", f"{rows:,}")
        if writer is not None:
            writer.close()
    _replace_dir(staging, out)
    return rows


def score_spark(spark: Any, table: str, champion: Champion, out: Path | str) -> int:
    """Score every row of a Spark table with `mlflow.pyfunc.spark_udf`; Parquet in `out`. Returns the count."""
    # pyspark: the spark engine only (it needs Java); the duckdb engine never loads it
    from pyspark.errors import AnalysisException
    from pyspark.sql import functions as sf

    try:
        features = spark.table(table)
    except AnalysisException as error:
        raise BatchError(f"no Spark table {table}: build the features on Spark (`python -m dbt_project.pipeline.spark`) "
                         f"({str(error).splitlines()[0]})") from None
    udf = mlflow.pyfunc.spark_udf(spark, champion.uri, result_type=RESULT_TYPE, env_manager="local")
    inputs = [sf.col(c).cast(champion.numeric_type(c, "spark")).alias(c) for c in champion.numeric]
    inputs += [sf.col(c) for c in champion.categorical]
    scored = features.select(sf.col(KEY), udf(sf.struct(*inputs)).alias("score"))
    columns = [sf.col(KEY), sf.col("score.probability").alias("probability"), sf.col("score.decision").alias("decision"),
               sf.col("score.threshold").alias("threshold")]
    columns += [sf.lit(v).cast("string").alias(k) for k, v in champion.versions(table, "spark").items()]
    result = scored.select(*columns, sf.current_timestamp().alias("scored_at"))
    result.write.mode("overwrite").parquet(str(out))
    return spark.read.parquet(str(out)).count()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m training.batch", description=__doc__.split("\n\n")[0] + (
        " Writes Parquet with client_id, probability, decision, threshold and the model and feature versions."))
    parser.add_argument("--engine", choices=["duckdb", "spark"], required=True,
                        help="duckdb: a table of the DuckDB warehouse ($HC_DUCKDB_PATH); spark: a table of the Spark "
                             "catalog (local: the warehouse in $HC_SPARK_DIR; under spark-submit: the cluster's)")
    parser.add_argument("--table", help="feature table to score (default: duckdb: the published version the champion "
                                        f"was trained on; spark: {SPARK_FEATURES}, built by dbt's spark target)")
    parser.add_argument("--out", help="output folder of Parquet files, replaced (default: data/scores/<engine>); with "
                                      "spark, any URI its Hadoop file system reads (s3a://, abfss://, dbfs:/...)")
    parser.add_argument("--model-uri", help="MLflow model URI (default: models:/$HC_MODEL_NAME@$HC_MODEL_ALIAS)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Score; exit status 0, or 1 with a message naming what is missing."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    out = args.out or str(Path("data/scores") / args.engine)
    local_out = Path(out).resolve()
    started = time.perf_counter()
    try:
        champion = resolve_champion(settings, args.model_uri)
        if args.engine == "duckdb":
            table = args.table or default_duckdb_table(settings.duckdb_path, champion)
            rows = score_duckdb(settings.duckdb_path, table, champion, local_out)
        else:
            # the spark engine only: this module pulls in dbt and pyspark
            from dbt_project.pipeline.spark import local_session

            table = args.table or SPARK_FEATURES
            target = out if "://" in out or out.startswith("dbfs:") else str(local_out)
            rows = score_spark(local_session(settings.spark_dir.resolve()), table, champion, target)
    except BatchError as error:
        logger.error("batch scoring failed: %s", error)
        return 1
    logger.info("scored %s clients of %s with %s (version %s) on %s in %.1f s: %s", f"{rows:,}", table, champion.name,
                champion.version or "-", args.engine, time.perf_counter() - started, out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
