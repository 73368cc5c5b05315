"""`python -m warehouse.load --parquet DIR`: the raw tables as Parquet with the loader's types, or nothing."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from common.contracts.columns import load_spec
from warehouse.load import LoadError
from warehouse.load.cli import main
from warehouse.load.parquet import export_parquet

ARROW = {"BIGINT": pa.int64(), "DOUBLE": pa.float64(), "VARCHAR": pa.string()}


def test_every_raw_table_is_exported_with_its_types_and_rows(real_slice: Path, tmp_path: Path) -> None:
    assert main(["--data-dir", str(real_slice), "--duckdb-path", str(tmp_path / "w.duckdb"), "--parquet", str(tmp_path / "pq")]) == 0
    tables = sorted(spec.raw_table for spec in load_spec().values())
    assert sorted(p.name for p in (tmp_path / "pq").iterdir()) == tables
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        for table in tables:
            described = con.sql(f"select * from raw.{table}")
            parquet = pq.read_table(tmp_path / "pq" / table / "data.parquet")
            assert parquet.column_names == described.columns
            assert [str(t) for t in parquet.schema.types] == [str(ARROW[str(t)]) for t in described.types]
            assert parquet.num_rows == con.sql(f"select count(*) from raw.{table}").fetchall()[0][0]


def test_a_failed_load_exports_nothing(real_data: Path, tmp_path: Path) -> None:
    (real_data / "bureau.csv").write_text("not,the,header\n1,2,3\n", encoding="utf-8")
    assert main(["--data-dir", str(real_data), "--duckdb-path", str(tmp_path / "w.duckdb"), "--parquet", str(tmp_path / "pq")]) == 1
    assert not (tmp_path / "pq").exists()


def test_a_warehouse_without_raw_tables_is_a_clear_error_and_keeps_the_previous_export(tmp_path: Path) -> None:
    duckdb.connect(str(tmp_path / "empty.duckdb")).close()
    (tmp_path / "pq" / "bureau").mkdir(parents=True)
    (tmp_path / "pq" / "bureau" / "data.parquet").write_bytes(b"previous")
    with pytest.raises(LoadError, match="no table raw.application_train: load the CSV files first"):
        export_parquet(tmp_path / "empty.duckdb", tmp_path / "pq")
    assert (tmp_path / "pq" / "bureau" / "data.parquet").read_bytes() == b"previous"
    assert not (tmp_path / "pq" / ".export-staging").exists()
