"""Load the eight CSV files into DuckDB schema `raw`: staged, validated, then published in one transaction.

Each file is read once by DuckDB's parallel CSV reader with the specification's column types (never
sniffed) into a staging table `raw._loading_<table>`. Type errors come from DuckDB's strict parsing (int64
columns are read as DOUBLE, so `5.0` is accepted, then checked to be integral and cast to BIGINT);
primary keys are checked in SQL.
Only when every file passed are the staging tables renamed over the raw tables, together with the manifest
`raw._load_manifest`, in a single transaction: a failed load leaves the previous raw tables as they were.
"""

from __future__ import annotations

import logging
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from tqdm import tqdm

from common.contracts.columns import TableSpec, load_spec
from warehouse.load import sql
from warehouse.load.errors import LoadError, describe_csv_error, is_invalid_unicode, not_integer_value
from warehouse.load.files import (
    CP1252,
    UTF8,
    LoadedFile,
    check_header,
    find_rows,
    fingerprint,
    locate_files,
    read_header,
    transcode_cp1252,
)
from warehouse.synth.guard import generated

logger = logging.getLogger(__name__)


def connect(duckdb_path: Path) -> duckdb.DuckDBPyConnection:
    """Open (or create) the warehouse read-write; a LoadError when it is locked or not a DuckDB file."""
    try:
        duckdb_path.parent.mkdir(parents=True, exist_ok=True)
        return duckdb.connect(str(duckdb_path))
    except (OSError, duckdb.Error) as error:
        detail = str(error).splitlines()[0]
        raise LoadError(str(duckdb_path), f"cannot open the DuckDB warehouse: {detail}") from None


def _value_error(table: TableSpec, path: Path, encoding: str, column: str, value: str) -> LoadError:
    """Where an int64 column holds a non-integral or empty value (found again by scanning the file)."""
    index = table.column_names.index(column)
    hits = find_rows(path, encoding, index, lambda text: not sql.is_integral_text(text))
    line, text = hits[0] if hits else (None, value)
    if text == "":
        detail = "empty value in an integer column (int64 columns have no missing values)"
    else:
        detail = f"value {text!r} is not an integer"
    return LoadError(table.file, detail, line=line, column=column)


def _read_error(table: TableSpec, path: Path, encoding: str, error: duckdb.Error) -> LoadError:
    if found := not_integer_value(str(error)):
        return _value_error(table, path, encoding, *found)
    return describe_csv_error(table.file, str(error), {c.name: c.dtype for c in table.columns})


def _stage(con: duckdb.DuckDBPyConnection, table: TableSpec, path: Path, scratch: Path) -> tuple[int, str]:
    """Read a file into its staging table: UTF-8, else cp1252 via a UTF-8 copy in `scratch`; (rows, encoding)."""
    try:
        return sql.create_staging(con, table, path), UTF8
    except duckdb.Error as error:
        if not is_invalid_unicode(str(error)):
            raise _read_error(table, path, UTF8, error) from None
    logger.info("%s is not UTF-8: reading it as cp1252", table.file)
    with tempfile.TemporaryDirectory(prefix=".load-", dir=scratch) as folder:
        transcoded = Path(folder) / table.file
        transcode_cp1252(path, transcoded, table.file)
        try:
            return sql.create_staging(con, table, transcoded), CP1252
        except duckdb.Error as error:
            raise _read_error(table, path, CP1252, error) from None


def _check_primary_key(con: duckdb.DuckDBPyConnection, table: TableSpec, path: Path, encoding: str) -> None:
    if table.primary_key is None:
        return
    duplicate = sql.first_duplicate_key(con, table)
    if duplicate is None:
        return
    key, rows, keys = duplicate
    index = table.column_names.index(table.primary_key)
    hits = find_rows(path, encoding, index, lambda text: sql.as_number(text) == key, limit=2)
    lines = ""
    if len(hits) == 2:
        lines = f", {'on' if rows == 2 else 'the first two on'} lines {hits[0][0]} and {hits[1][0]}"
    more = f"; {keys} keys are duplicated in all" if keys > 1 else ""
    detail = f"duplicate primary key {key} ({rows} rows{lines}){more}"
    raise LoadError(table.file, detail, column=table.primary_key)


def _load_file(con: duckdb.DuckDBPyConnection, table: TableSpec, path: Path, scratch: Path) -> LoadedFile:
    started = time.perf_counter()
    identity = fingerprint(path)
    origin = "synthetic" if generated(path) else "external"  # read before the load: a file replaced meanwhile is external
    rows, encoding = _stage(con, table, path, scratch)
    _check_primary_key(con, table, path, encoding)
    seconds = time.perf_counter() - started
    logger.info("%-28s %12s rows %7.2f s", f"raw.{table.raw_table}", f"{rows:,}", seconds)
    return LoadedFile(table, path, rows, encoding, identity, seconds, origin)


def _check_headers(tables: list[TableSpec], paths: dict[str, Path]) -> None:
    for table in tables:
        check_header(table.file, read_header(paths[table.key]), table.column_names)


def load_raw(data_dir: Path, duckdb_path: Path, *, progress: bool | None = None) -> list[LoadedFile]:
    """Load the eight Kaggle-format files of `data_dir` into schema `raw` of the DuckDB file `duckdb_path`.

    Args:
        data_dir: folder holding the eight CSV files (Kaggle names).
        duckdb_path: the warehouse file, created when absent.
        progress: show a progress bar across tables (None: only on a terminal).

    Returns:
        One LoadedFile per table, in specification order.

    Raises:
        LoadError: a missing, empty, undecodable or malformed file, a value of the wrong type, a duplicate
            key, or a locked warehouse. The previous raw tables are then left unchanged.
    """
    tables = list(load_spec().values())
    paths = locate_files(data_dir, tables)
    _check_headers(tables, paths)
    started = time.perf_counter()
    con = connect(duckdb_path)
    try:
        sql.drop_staging(con)
        bar = tqdm(tables, desc="load", unit="table", disable=None if progress is None else not progress)
        loaded = [_load_file(con, table, paths[table.key], duckdb_path.parent) for table in bar]
        sql.publish(con, loaded, datetime.now(tz=UTC))
    except BaseException:
        sql.drop_staging(con)
        raise
    finally:
        con.close()
    total = sum(file.rows for file in loaded)
    logger.info(
        "loaded %d tables, %s rows into %s in %.1f s",
        len(loaded),
        f"{total:,}",
        duckdb_path,
        time.perf_counter() - started,
    )
    return loaded
