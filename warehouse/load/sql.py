"""The loader's SQL: typed staging tables read from a CSV, the key check, publication and cleanup."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from datetime import datetime

import duckdb

from common.contracts.columns import ColumnSpec, TableSpec
from common.contracts.pseudonyms import ensure_key
from warehouse.load.errors import NOT_INTEGER_MARKER
from warehouse.load.files import LoadedFile

logger = logging.getLogger(__name__)

RAW_SCHEMA = "raw"
STAGING_PREFIX = "_loading_"
MANIFEST_TABLE = "_load_manifest"
MAX_EXACT_INTEGER = 2**53  # int64 columns go through DOUBLE: integers are exact below this bound

MANIFEST_COLUMNS = {
    "file_name": "VARCHAR",
    "raw_table": "VARCHAR",
    "size_bytes": "BIGINT",
    "modified_at": "TIMESTAMPTZ",
    "fingerprint": "VARCHAR",
    "encoding": "VARCHAR",
    "row_count": "BIGINT",
    "loaded_at": "TIMESTAMPTZ",
    "origin": "VARCHAR",  # synthetic (written by warehouse.synth, unchanged) | external (real data)
}


def ident(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """A quoted SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def as_number(text: str) -> float | None:
    """The number a CSV field holds, or None."""
    try:
        return float(text)
    except ValueError:
        return None


def is_integral_text(text: str) -> bool:
    """Whether an int64 column accepts a CSV field (`5`, `5.0`; not `5.5`, not empty), as the SQL does."""
    value = as_number(text)
    if value is None or not math.isfinite(value):
        return False
    return value.is_integer() and abs(value) < MAX_EXACT_INTEGER


def staging_table(table: TableSpec) -> str:
    return f"{RAW_SCHEMA}.{ident(STAGING_PREFIX + table.raw_table)}"


def _read_type(column: ColumnSpec) -> str:
    return "DOUBLE" if column.dtype == "int64" else column.duckdb_type


def _select_expression(column: ColumnSpec) -> str:
    name = ident(column.name)
    if column.dtype != "int64":
        return name
    marker = literal(f"{NOT_INTEGER_MARKER}|{column.name}|")
    return (
        f"CASE WHEN {name} = trunc({name}) AND abs({name}) < {MAX_EXACT_INTEGER} "
        f"THEN CAST({name} AS BIGINT) "
        f"ELSE error({marker} || coalesce(CAST({name} AS VARCHAR), '')) END AS {name}"
    )


def read_csv_sql(table: TableSpec) -> str:
    """The read_csv call of a table: explicit types and dialect, nothing sniffed; the path is `$path`."""
    columns = ", ".join(f"{literal(c.name)}: {literal(_read_type(c))}" for c in table.columns)
    return (
        f"read_csv($path, columns = {{{columns}}}, header = true, auto_detect = false, delim = ',', "
        "quote = '\"', escape = '\"', nullstr = '', strict_mode = true, encoding = 'utf-8')"
    )


def create_staging(con: duckdb.DuckDBPyConnection, table: TableSpec, path: object) -> int:
    """Create (or replace) the staging table of `table` from the UTF-8 CSV `path`; returns its row count."""
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}")
    select = ", ".join(_select_expression(column) for column in table.columns)
    query = f"CREATE OR REPLACE TABLE {staging_table(table)} AS SELECT {select} FROM {read_csv_sql(table)}"
    return int(con.execute(query, {"path": str(path)}).fetchall()[0][0])


def first_duplicate_key(con: duckdb.DuckDBPyConnection, table: TableSpec) -> tuple[int, int, int] | None:
    """(smallest duplicated key, its row count, number of duplicated keys) in a staging table, or None."""
    key = ident(table.primary_key or "")
    rows = con.execute(
        f"SELECT k, n, count(*) OVER () FROM (SELECT {key} AS k, count(*) AS n FROM {staging_table(table)} "
        f"GROUP BY {key} HAVING count(*) > 1) ORDER BY k LIMIT 1"
    ).fetchall()
    return tuple(rows[0]) if rows else None


def _manifest_rows(loaded: Sequence[LoadedFile], loaded_at: datetime) -> list[tuple]:
    return [
        (
            f.path.name,
            f"{RAW_SCHEMA}.{f.table.raw_table}",
            f.fingerprint.size_bytes,
            f.fingerprint.modified_at,
            f.fingerprint.fingerprint,
            f.encoding,
            f.rows,
            loaded_at,
            f.origin,
        )
        for f in loaded
    ]


def publish(con: duckdb.DuckDBPyConnection, loaded: Sequence[LoadedFile], loaded_at: datetime) -> None:
    """In one transaction, rename every staging table over its raw table and rewrite the load manifest."""
    manifest = f"{RAW_SCHEMA}.{MANIFEST_TABLE}"
    con.execute("BEGIN TRANSACTION")
    try:
        for file in loaded:
            con.execute(f"DROP TABLE IF EXISTS {RAW_SCHEMA}.{ident(file.table.raw_table)}")
            con.execute(f"ALTER TABLE {staging_table(file.table)} RENAME TO {ident(file.table.raw_table)}")
        columns = ", ".join(f"{name} {kind}" for name, kind in MANIFEST_COLUMNS.items())
        con.execute(f"CREATE OR REPLACE TABLE {manifest} ({columns})")
        placeholders = ", ".join("?" for _ in MANIFEST_COLUMNS)
        con.executemany(f"INSERT INTO {manifest} VALUES ({placeholders})", _manifest_rows(loaded, loaded_at))
        ensure_key(con)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def drop_staging(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the staging tables of this or of an interrupted load (best effort: never hides the real error)."""
    try:
        names = con.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = ? AND starts_with(table_name, ?)",
            [RAW_SCHEMA, STAGING_PREFIX],
        ).fetchall()
        for (name,) in names:
            con.execute(f"DROP TABLE IF EXISTS {RAW_SCHEMA}.{ident(name)}")
    except duckdb.Error as error:
        logger.warning("could not drop the staging tables: %s", str(error).splitlines()[0])
