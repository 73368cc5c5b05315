"""Feature versions without dbt: publish, rejection, the pointer views and the fingerprints."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from featurestore_helpers import DBT_PROJECT

from dbt_project.pipeline import versions


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    yield connection
    connection.close()


def make_candidates(con: duckdb.DuckDBPyConnection, clients: int) -> None:
    """What dbt leaves for the publish step: the two build-time tables in schema feature_store."""
    con.execute("create schema if not exists feature_store")
    con.execute("drop view if exists feature_store.client_features_v1")
    con.execute("drop view if exists feature_store.client_profiles")
    con.execute(f"create table feature_store.client_features_v1 as select range + 1 as client_id, 'train' as split, "
                f"0 as target, 0.5 as ext_source_mean from range({clients})")
    con.execute(f"create table feature_store.client_profiles as select range + 1 as client_id from range({clients})")


def attempt() -> versions.Attempt:
    return versions.Attempt("sql" * 8, "input" * 8, validation={"success": True}, n_rows=3, n_columns=4)


def views(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    rows = con.sql("select view_name, sql from duckdb_views() where schema_name = 'marts'").fetchall()
    return {name: sql.split(" FROM ")[-1].rstrip(";") for name, sql in rows}


def test_publish_renames_the_candidates_and_points_the_views(con):
    make_candidates(con, 3)
    assert versions.publish(con, attempt()) == "fv0001"
    assert views(con) == {
        "client_features": "feature_store.client_features__fv0001",
        "client_profiles": "feature_store.client_profiles__fv0001",
        "client_features__fv0001": "feature_store.client_features__fv0001",
        "client_profiles__fv0001": "feature_store.client_profiles__fv0001",
    }
    tables = con.sql("select table_name from duckdb_tables() where schema_name = 'feature_store'").fetchall()
    assert sorted(tables) == [("client_features__fv0001",), ("client_profiles__fv0001",)]
    dbt_names = con.sql("select view_name, sql from duckdb_views() where schema_name = 'feature_store'").fetchall()
    assert sorted(name for name, _ in dbt_names) == ["client_features_v1", "client_profiles"]
    row = con.sql("select status, validation_passed, n_features, table_name from marts.feature_versions").fetchall()
    assert row == [("published", True, 1, "client_features__fv0001")]


def test_a_new_version_moves_the_pointer_and_keeps_the_old_one(con):
    make_candidates(con, 3)
    versions.publish(con, attempt())
    make_candidates(con, 5)
    assert versions.publish(con, attempt()) == "fv0002"
    assert con.sql("select count(*) from marts.client_features").fetchall() == [(5,)]
    assert con.sql("select count(*) from marts.client_features__fv0001").fetchall() == [(3,)]
    assert versions.current_version(con) == "fv0002"


def test_a_rejection_is_recorded_and_leaves_the_pointer(con):
    make_candidates(con, 3)
    versions.publish(con, attempt())
    rejected = versions.Attempt("sql", "input", validation={"success": False}, failed_step="great expectations")
    assert versions.record_rejection(con, rejected) == "fv0002"
    assert versions.current_version(con) == "fv0001"
    assert views(con)["client_features"] == "feature_store.client_features__fv0001"
    rows = con.sql("select feature_version, status, failed_step, validation_passed, table_name "
                   "from marts.feature_versions order by 1").fetchall()
    assert rows[1] == ("fv0002", "rejected", "great expectations", False, None)


def test_a_failed_publish_changes_nothing(con):
    make_candidates(con, 3)
    versions.publish(con, attempt())
    make_candidates(con, 5)
    con.execute("drop table feature_store.client_profiles")  # the second rename fails inside the transaction
    with pytest.raises(duckdb.CatalogException):
        versions.publish(con, attempt())
    assert versions.current_version(con) == "fv0001"
    assert con.sql("select count(*) from marts.client_features").fetchall() == [(3,)]
    assert con.sql("select count(*) from feature_store.client_features_v1").fetchall() == [(5,)]


def test_no_version_before_the_first_build(con):
    assert versions.current_version(con) is None


def test_input_fingerprint_follows_the_load_manifest(con):
    with pytest.raises(LookupError, match="python -m warehouse.load"):
        versions.input_fingerprint(con)
    con.execute("create schema raw")
    con.execute("create table raw._load_manifest (raw_table varchar, fingerprint varchar)")
    con.execute("insert into raw._load_manifest values ('raw.bureau', 'a'), ('raw.application_train', 'b')")
    first = versions.input_fingerprint(con)
    con.execute("update raw._load_manifest set fingerprint = 'c' where raw_table = 'raw.bureau'")
    assert len(first) == 64 and versions.input_fingerprint(con) != first


def test_sql_fingerprint_changes_with_any_model_file(tmp_path: Path):
    project = Path(shutil.copytree(DBT_PROJECT, tmp_path / "project", ignore=shutil.ignore_patterns("target", "logs")))
    first = versions.dbt_fingerprint(project)
    assert versions.dbt_fingerprint(project) == first
    model = project / "models" / "marts" / "client_profiles.sql"
    model.write_text(model.read_text() + "\n-- a comment\n")
    assert versions.dbt_fingerprint(project) != first
