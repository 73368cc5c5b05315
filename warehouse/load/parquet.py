"""Export the loaded raw tables as Parquet, for engines that read files (Apache Spark, Databricks).

One folder per table, `DIR/<table>/data.parquet`, so a Spark table (or a lakehouse's external table) can point
at the folder. DuckDB writes the Parquet schema from the raw tables themselves, so the column types are the
loader's (int64 -> INT64, float64 -> DOUBLE, text -> STRING); the loader's checks have run before anything is
exported. Each table is written into a hidden staging folder first and moved into place when complete, so a
failed export never leaves a half-written table where a reader would find it.
"""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path

import duckdb

from common.contracts.columns import load_spec
from warehouse.load.errors import LoadError

logger = logging.getLogger(__name__)
FILE_NAME = "data.parquet"


def export_parquet(duckdb_path: Path, out_dir: Path) -> dict[str, int]:
    """Write every raw table of the warehouse as `out_dir/<table>/data.parquet`.

    Args:
        duckdb_path: a warehouse loaded by `load_raw`.
        out_dir: the folder receiving one sub-folder per table (created when absent; other content untouched).

    Returns:
        Rows written per table.

    Raises:
        LoadError: the warehouse cannot be read, lacks a raw table, or a file cannot be written.
    """
    started = time.perf_counter()
    tables = [spec.raw_table for spec in load_spec().values()]
    out_dir = Path(out_dir)
    staging = out_dir / ".export-staging"
    try:
        con = duckdb.connect(str(duckdb_path), read_only=True)
    except duckdb.Error as error:
        raise LoadError(str(duckdb_path), f"cannot open the DuckDB warehouse: {str(error).splitlines()[0]}") from None
    rows: dict[str, int] = {}
    try:
        shutil.rmtree(staging, ignore_errors=True)
        for table in tables:
            (staging / table).mkdir(parents=True)
            target = staging / table / FILE_NAME
            try:
                con.execute(f"copy raw.{table} to '{target}' (format parquet, compression zstd)")
                rows[table] = con.execute(f"select count(*) from raw.{table}").fetchall()[0][0]
            except duckdb.CatalogException:
                raise LoadError(str(duckdb_path), f"no table raw.{table}: load the CSV files first") from None
            except duckdb.Error as error:
                raise LoadError(str(out_dir), f"cannot write raw.{table} as Parquet: {str(error).splitlines()[0]}") from None
        for table in tables:
            shutil.rmtree(out_dir / table, ignore_errors=True)
            (staging / table).rename(out_dir / table)
    except OSError as error:
        raise LoadError(str(out_dir), f"cannot write the Parquet export: {error}") from None
    finally:
        con.close()
        shutil.rmtree(staging, ignore_errors=True)
    logger.info("exported %d raw tables (%s rows) as Parquet into %s in %.1f s", len(rows), f"{sum(rows.values()):,}",
                out_dir, time.perf_counter() - started)
    return rows
