"""Parity of the two engines: the same dbt models built on DuckDB and on Apache Spark from the same files.

    python -m dbt_project.pipeline.parity --clients 5000 [--seed 42] [--workdir DIR]
    python -m dbt_project.pipeline.parity --data-dir DIR            # your own Kaggle-format files

Loads the CSV files with the loader (its checks first) into a DuckDB warehouse, exports the raw tables as
Parquet, runs `dbt build` on DuckDB (target dev) and on Spark (target spark, from the Parquet files), then
compares the marts client_features and client_profiles: the same clients, the same columns in the same order,
the same types (through TYPE_MAPPING), and every value equal, floats to a relative 1e-9, NULLs in the same
places. Exit status 1 names the first differing column and client, with both values.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from common.settings import get_settings
from dbt_project.pipeline.build import BuildError, BuildOptions, run_dbt_build, run_measured
from dbt_project.pipeline.spark import FEATURES_TABLE, PROFILES_TABLE, SparkBuildOptions, build_on_spark, local_session
from warehouse.load import LoadError, load_raw
from warehouse.load.parquet import export_parquet

logger = logging.getLogger("dbt_project.pipeline.parity")
KEY = "client_id"
REL_TOL = 1e-9
TABLES = (FEATURES_TABLE, PROFILES_TABLE)
# DuckDB type -> the Spark type that holds the same values. SUM of integers is HUGEINT (128 bits) in DuckDB and
# BIGINT in Spark; every sum here fits 64 bits (a HUGEINT that does not would fail the comparison, not pass).
TYPE_MAPPING = {"BIGINT": "bigint", "HUGEINT": "bigint", "INTEGER": "int", "DOUBLE": "double", "VARCHAR": "string",
                "BOOLEAN": "boolean"}


@dataclass(frozen=True)
class Mart:
    """A built table as an engine returned it: column names, engine types, rows (Arrow)."""

    columns: list[str]
    types: list[str]
    rows: pa.Table


@dataclass(frozen=True)
class Difference:
    """The first thing that differs between the DuckDB and the Spark table."""

    kind: str  # columns | types | clients | values
    column: str | None
    client: Any
    duckdb: Any
    spark: Any

    def __str__(self) -> str:
        where = "" if self.column is None else f" in column {self.column}"
        who = "" if self.client is None else f" for client {self.client}"
        return f"{self.kind} differ{where}{who}: DuckDB {self.duckdb!r}, Spark {self.spark!r}"


def read_duckdb(duckdb_path: Path, table: str) -> Mart:
    """A table of the DuckDB warehouse, with DuckDB's type names."""
    with duckdb.connect(str(duckdb_path), read_only=True) as con:
        relation = con.sql(f"select * from {table}")
        return Mart(list(relation.columns), [str(t) for t in relation.types], relation.to_arrow_table())


def read_spark(spark: Any, table: str) -> Mart:
    """A table of the Spark catalog, with Spark's type names."""
    frame = spark.table(table)
    return Mart(list(frame.columns), [t for _, t in frame.dtypes], frame.toArrow())


def _first(mask: np.ndarray) -> int | None:
    hits = np.flatnonzero(mask)
    return int(hits[0]) if hits.size else None


def _value(column: pa.ChunkedArray, i: int) -> Any:
    return column[i].as_py()


def _as_comparable(column: pa.ChunkedArray, duckdb_type: str) -> pa.ChunkedArray:
    if duckdb_type == "HUGEINT":  # decimal(38, 0) in Arrow: a safe cast raises rather than wrap
        return pc.cast(column, pa.int64())
    return column


def differing_rows(duck: pa.ChunkedArray, spark: pa.ChunkedArray, rel_tol: float = REL_TOL) -> np.ndarray:
    """Boolean mask of the rows whose values differ (NULL vs value counts; floats compared to `rel_tol`)."""
    duck_null = np.asarray(duck.is_null(), dtype=bool)
    spark_null = np.asarray(spark.is_null(), dtype=bool)
    both = ~duck_null & ~spark_null
    if pa.types.is_floating(duck.type) and pa.types.is_floating(spark.type):
        a = np.asarray(duck.to_numpy(zero_copy_only=False), dtype=np.float64)
        b = np.asarray(spark.to_numpy(zero_copy_only=False), dtype=np.float64)
        with np.errstate(invalid="ignore"):
            close = (a == b) | (np.abs(a - b) <= rel_tol * np.maximum(np.abs(a), np.abs(b))) | (np.isnan(a) & np.isnan(b))
    else:
        a, b = duck.to_pylist(), spark.to_pylist()
        close = np.fromiter((x == y for x, y in zip(a, b, strict=True)), dtype=bool, count=len(a))
    return (duck_null != spark_null) | (both & ~close)


def compare(duck: Mart, spark: Mart, key: str = KEY, rel_tol: float = REL_TOL) -> Difference | None:
    """The first difference between the two engines' tables, or None when they agree.

    Order of the checks: column names and order, types (DuckDB's through TYPE_MAPPING), the set of clients, then
    the values column by column (the first differing column, and in it the client with the smallest id).
    """
    if duck.columns != spark.columns:
        i = next((i for i, (a, b) in enumerate(zip(duck.columns, spark.columns, strict=False)) if a != b),
                 min(len(duck.columns), len(spark.columns)))
        at = lambda names: names[i] if i < len(names) else "(no more columns)"  # noqa: E731
        return Difference("columns", f"#{i + 1}", None, at(duck.columns), at(spark.columns))
    for name, duck_type, spark_type in zip(duck.columns, duck.types, spark.types, strict=True):
        if TYPE_MAPPING.get(duck_type) != spark_type:
            return Difference("types", name, None, duck_type, spark_type)
    a, b = duck.rows.sort_by(key), spark.rows.sort_by(key)
    a_keys, b_keys = a.column(key).to_pylist(), b.column(key).to_pylist()
    if a_keys != b_keys:
        only_duck, only_spark = sorted(set(a_keys) - set(b_keys)), sorted(set(b_keys) - set(a_keys))
        if only_duck or only_spark:
            client = min(only_duck[:1] + only_spark[:1])
            return Difference("clients", key, client, client in set(a_keys), client in set(b_keys))
        duplicated = next(k for k, n in zip(*np.unique(a_keys + b_keys, return_counts=True), strict=True) if n != 2)
        return Difference("clients", key, duplicated, a_keys.count(duplicated), b_keys.count(duplicated))
    for name, duck_type in zip(duck.columns, duck.types, strict=True):
        left, right = _as_comparable(a.column(name), duck_type), b.column(name)
        i = _first(differing_rows(left, right, rel_tol))
        if i is not None:
            return Difference("values", name, a_keys[i], _value(left, i), _value(right, i))
    return None


def exact_share(duck: Mart, spark: Mart, key: str = KEY) -> tuple[int, int]:
    """(float columns equal to the last bit, float columns) of two agreeing tables: what the tolerance is for."""
    a, b = duck.rows.sort_by(key), spark.rows.sort_by(key)
    floats = [n for n, t in zip(duck.columns, duck.types, strict=True) if t == "DOUBLE"]
    exact = sum(bool(np.all(~differing_rows(a.column(n), b.column(n), rel_tol=0.0))) for n in floats)
    return exact, len(floats)


@dataclass(frozen=True)
class ParityRun:
    """Where a parity run works."""

    data_dir: Path
    workdir: Path
    project_dir: Path

    @property
    def duckdb_path(self) -> Path:
        return self.workdir / "homecredit.duckdb"

    @property
    def parquet_dir(self) -> Path:
        return self.workdir / "raw-parquet"

    def spark_options(self) -> SparkBuildOptions:
        return SparkBuildOptions(self.parquet_dir, self.workdir / "spark", self.project_dir,
                                 self.workdir / "dbt-target-spark", self.workdir / "dbt-logs-spark")

    def duckdb_options(self) -> BuildOptions:
        return BuildOptions(self.duckdb_path, self.project_dir, self.workdir / "reports", self.workdir / "dbt-target-duckdb",
                            self.workdir / "dbt-logs-duckdb")


def build_both(run: ParityRun) -> dict[str, float]:
    """Load (checks first), export Parquet, dbt build on DuckDB then on Spark; wall seconds per step."""
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    load_raw(run.data_dir, run.duckdb_path, progress=False)
    export_parquet(run.duckdb_path, run.parquet_dir)
    seconds["load + Parquet export"] = time.perf_counter() - started
    seconds["dbt build (duckdb)"] = run_dbt_build(run.duckdb_options()).seconds
    seconds["dbt build (spark)"] = build_on_spark(run.spark_options())
    return seconds


def check(run: ParityRun, spark: Any) -> Difference | None:
    """Compare every mart of TABLES; the first difference, or None."""
    for table in TABLES:
        duck, other = read_duckdb(run.duckdb_path, table), read_spark(spark, table)
        difference = compare(duck, other)
        if difference is not None:
            return Difference(difference.kind, f"{table}.{difference.column}" if difference.column else table,
                              difference.client, difference.duckdb, difference.spark)
        exact, floats = exact_share(duck, other)
        logger.info("%s: %d clients x %d columns agree (%d of %d float columns equal to the last bit, the others "
                    "within a relative %g)", table, duck.rows.num_rows, len(duck.columns), exact, floats, REL_TOL)
    return None


def ensure_data(workdir: Path, clients: int, seed: int) -> Path:
    """Generated Kaggle-format files in workdir/raw (reused when already generated with the same size and seed)."""
    data_dir = workdir / "raw"
    args = [sys.executable, "-m", "warehouse.synth", "--clients", str(clients), "--seed", str(seed), "--out", str(data_dir),
            "--oracle", str(workdir / "oracle.csv"), "--reuse", "--no-progress"]
    if run_measured(args, env=None, log_prefix="synth |").code != 0:
        raise SystemExit(f"generating {clients} clients into {data_dir} failed")
    return data_dir


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m dbt_project.pipeline.parity", description=__doc__.split("\n\n")[0] + (
        " Loads, exports Parquet, builds client_features and client_profiles with dbt on DuckDB and on Spark, and "
        "compares them (same clients, columns, types, values; floats to a relative 1e-9). Exit status 1 names the "
        "first differing column and client."), formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--clients", type=int, help="generate this many synthetic clients (seeded) into <workdir>/raw")
    source.add_argument("--data-dir", type=Path, help="the eight Kaggle-format CSV files to use instead")
    parser.add_argument("--seed", type=int, default=42, help="generator seed with --clients (default 42)")
    parser.add_argument("--workdir", type=Path, help="where the warehouse, Parquet files and Spark tables go "
                                                     "(default: build/spark-parity)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the parity check; exit status 0 (the engines agree) or 1 (the first difference, or a failed build)."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    workdir = (args.workdir or Path("build/spark-parity")).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    data_dir = ensure_data(workdir, args.clients, args.seed) if args.clients else args.data_dir.resolve()
    run = ParityRun(data_dir, workdir, settings.dbt_project_dir.resolve())
    try:
        seconds = build_both(run)
    except (LoadError, BuildError) as error:
        logger.error("parity not checked: %s", error)
        return 1
    for step, value in seconds.items():
        logger.info("%-24s %7.1f s", step, value)
    difference = check(run, local_session(run.spark_options().spark_dir, run.project_dir))
    if difference is not None:
        logger.error("PARITY FAILED: %s", difference)
        return 1
    logger.info("parity: DuckDB and Spark agree on %s", ", ".join(TABLES))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
