"""The column specification of the eight Kaggle files (`columns.json`), as typed objects: a contract.

`columns.json` is data, built once from the shared Home Credit facts by `tools/build_spec.py`. The generator
writes files that follow it, the loader enforces it, the API builds posted applications from it, and dbt's
sources are generated from it (`dbt_project/scripts/generate_sources.py`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

SPEC_PATH = Path(__file__).with_name("columns.json")

DUCKDB_TYPES = {"int64": "BIGINT", "float64": "DOUBLE", "object": "VARCHAR"}

# One row per key in these tables (the Kaggle documentation and the data agree); the history tables have none.
PRIMARY_KEYS = {
    "application_train": "SK_ID_CURR",
    "application_test": "SK_ID_CURR",
    "bureau": "SK_ID_BUREAU",
    "previous_application": "SK_ID_PREV",
}


def duckdb_type(dtype: str) -> str:
    """The DuckDB column type of a pandas dtype of the specification.

    Args:
        dtype: `int64`, `float64` or `object`.

    Returns:
        `BIGINT`, `DOUBLE` or `VARCHAR`.

    Raises:
        ValueError: for any other dtype.
    """
    try:
        return DUCKDB_TYPES[dtype]
    except KeyError:
        raise ValueError(f"unknown dtype {dtype!r} (expected one of {sorted(DUCKDB_TYPES)})") from None


@dataclass(frozen=True)
class ColumnSpec:
    """One column: Kaggle name, pandas dtype, known categories (object columns) and description."""

    name: str
    dtype: str
    description: str = ""
    categories: tuple[str, ...] | None = None

    @property
    def duckdb_type(self) -> str:
        return duckdb_type(self.dtype)


@dataclass(frozen=True)
class TableSpec:
    """One Kaggle file: its table key, file name, raw table name, columns in file order and primary key."""

    key: str
    file: str
    raw_table: str
    columns: tuple[ColumnSpec, ...]
    primary_key: str | None = None

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]


def _table(key: str, entry: dict) -> TableSpec:
    columns = tuple(
        ColumnSpec(
            name=c["name"],
            dtype=c["dtype"],
            description=c.get("description", ""),
            categories=tuple(c["categories"]) if c.get("categories") is not None else None,
        )
        for c in entry["columns"]
    )
    for column in columns:
        duckdb_type(column.dtype)  # fail early on a malformed specification
    return TableSpec(key, entry["file"], entry["raw_table"], columns, PRIMARY_KEYS.get(key))


@lru_cache(maxsize=4)
def load_spec(path: Path = SPEC_PATH) -> Mapping[str, TableSpec]:
    """Read the column specification.

    Args:
        path: the JSON file; the committed `common/contracts/columns.json` by default.

    Returns:
        A read-only mapping table key (e.g. `bureau`, `POS_CASH_balance`) -> TableSpec, in file order.
    """
    tables = json.loads(Path(path).read_text(encoding="utf-8"))["tables"]
    return MappingProxyType({key: _table(key, entry) for key, entry in tables.items()})
