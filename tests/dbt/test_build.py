"""End to end: load -> dbt build -> Great Expectations -> publish, and failed builds that must not publish."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from featurestore_helpers import DBT_PROJECT, WAREHOUSE, execute, in_workspace, query

from dbt_project.pipeline import cli
from dbt_project.pipeline.build import BuildError
from dbt_project.pipeline.validation_frames import MIN_FEATURES, documented_columns

MARTS_YAML = DBT_PROJECT / "models" / "marts" / "_marts__models.yml"


def pointer(duckdb_path: Path) -> dict[str, str]:
    """Which tables the views marts.client_features and marts.client_profiles select from."""
    rows = query(duckdb_path, "select view_name, sql from duckdb_views() where schema_name = 'marts'")
    return {name: sql.split(" FROM ")[-1].rstrip(";") for name, sql in rows if "__" not in name}


def registry(duckdb_path: Path) -> list[tuple]:
    sql = "select feature_version, status, failed_step, validation_passed from marts.feature_versions order by 1"
    return query(duckdb_path, sql)


def test_synthetic_build_publishes_first_version(built_synthetic):
    duckdb_path, result = built_synthetic
    applications = query(
        duckdb_path, "select (select count(*) from raw.application_train) + (select count(*) from raw.application_test)"
    )[0][0]
    assert result.feature_version == "fv0001"
    assert query(duckdb_path, "select count(*) from marts.client_features")[0][0] == applications == 4000
    assert query(duckdb_path, "select count(*) from marts.client_profiles")[0][0] == 4000
    assert result.n_columns - 3 >= MIN_FEATURES
    assert pointer(duckdb_path) == {
        "client_features": "feature_store.client_features__fv0001",
        "client_profiles": "feature_store.client_profiles__fv0001",
    }
    assert registry(duckdb_path) == [("fv0001", "published", None, True)]
    row = query(
        duckdb_path,
        "select n_rows, n_columns, n_features, table_name, storage_table, length(sql_fingerprint), "
        "length(input_fingerprint), validation->>'$.success' from marts.feature_versions",
    )[0]
    assert row == (4000, result.n_columns, result.n_columns - 3, "client_features__fv0001",
                   "feature_store.client_features__fv0001", 64, 64, "true")
    # the build-time candidates became the version; dbt's names are now views on it
    tables = query(duckdb_path, "select table_name from duckdb_tables() where schema_name = 'feature_store'")
    assert sorted(name for (name,) in tables) == ["client_features__fv0001", "client_profiles__fv0001"]
    dbt_names = query(duckdb_path, "select view_name from duckdb_views() where schema_name = 'feature_store'")
    assert sorted(name for (name,) in dbt_names) == ["client_features_v1", "client_profiles"]


def test_mart_columns_are_exactly_the_documented_ones(built_synthetic):
    duckdb_path, _ = built_synthetic
    columns = [row[0] for row in query(duckdb_path, "describe marts.client_features")]
    assert columns == documented_columns(MARTS_YAML)
    assert columns[:3] == ["client_id", "split", "target"]
    profile_columns = [row[0] for row in query(duckdb_path, "describe marts.client_profiles")]
    assert profile_columns == documented_columns(MARTS_YAML, "client_profiles")


def test_test_clients_have_no_target_and_train_clients_have_one(built_synthetic):
    duckdb_path, _ = built_synthetic
    rows = query(
        duckdb_path,
        "select split, count(*), count(target) from marts.client_features group by split order by split",
    )
    (test_split, test_rows, test_targets), (train_split, train_rows, train_targets) = rows
    assert (test_split, test_targets) == ("test", 0)
    assert (train_split, train_targets) == ("train", train_rows)
    assert test_rows > 0


def test_failing_expectation_keeps_the_previous_version(synthetic_copy, run_build, tmp_path):
    # an external score above 1 passes every dbt test but not the expectations on the mart
    execute(synthetic_copy, "update raw.application_train set EXT_SOURCE_2 = 1.5 where SK_ID_CURR = "
            "(select min(SK_ID_CURR) from raw.application_train)")
    with pytest.raises(BuildError) as failure:
        run_build(synthetic_copy, tmp_path / "reports")
    assert failure.value.step == "great expectations"
    assert "ext_source_2" in str(failure.value) and "external score in [0, 1]" in str(failure.value)
    assert pointer(synthetic_copy)["client_features"] == "feature_store.client_features__fv0001"
    assert registry(synthetic_copy) == [("fv0001", "published", None, True),
                                        ("fv0002", "rejected", "great expectations", False)]
    report = json.loads((tmp_path / "reports" / "features" / "build_fv0002.json").read_text())
    assert report["status"] == "rejected" and report["validation"]["success"] is False


def test_failing_dbt_test_keeps_the_previous_version_and_exits_1(
    synthetic_copy, dbt_workspace, tmp_path, monkeypatch, caplog
):
    execute(synthetic_copy, "update raw.previous_application set NAME_CONTRACT_STATUS = 'Postponed' where SK_ID_PREV = "
            "(select min(SK_ID_PREV) from raw.previous_application)")
    monkeypatch.chdir(DBT_PROJECT.parent)
    args = ["--duckdb-path", str(dbt_workspace / WAREHOUSE), "--reports-dir", str(tmp_path / "reports"),
            "--target-path", str(dbt_workspace / "dbt-target")]
    with in_workspace(dbt_workspace, synthetic_copy):
        assert cli.main(args) == 1
    message = " ".join(r.getMessage() for r in caplog.records if r.levelname == "ERROR")
    assert "dbt build failed" in message
    assert "accepted_values_stg_previous_applications_name_contract_status" in message
    assert pointer(synthetic_copy)["client_features"] == "feature_store.client_features__fv0001"
    assert registry(synthetic_copy) == [("fv0001", "published", None, True), ("fv0002", "rejected", "dbt build", None)]


def test_clients_without_any_history_get_zero_counts_and_null_aggregates(applications_only, load_and_build):
    duckdb_path, result = load_and_build(applications_only)
    assert query(duckdb_path, "select count(*) from marts.client_features")[0][0] == 4000
    assert result.validation["success"] is True
    counts = query(duckdb_path, "select sum(columns('^(bureau|previous|pos_cash|installments|credit_card)_count_')) "
                   "from marts.client_features")[0]
    assert len(counts) >= 60 and set(counts) == {0}
    aggregates = query(duckdb_path, "select count(columns(lambda c: regexp_matches(c, "
                       "'^(bureau|previous|pos_cash|installments|credit_card)_') and c not like '%\\_count\\_%' "
                       "escape '\\')) from marts.client_features")[0]
    assert len(aggregates) >= 100 and set(aggregates) == {0}  # count(column) = 0: NULL for every client
    # the application's own features are still there
    assert query(duckdb_path, "select count(ext_source_mean) > 3000 from marts.client_features")[0][0] is True


def test_genuine_slice_loads_and_builds(genuine_slice, load_and_build):
    duckdb_path, result = load_and_build(genuine_slice)
    assert result.n_rows == 2000  # 1,000 train + 1,000 test applications
    rows = query(
        duckdb_path,
        "select count(*) filter (bureau_count_credits > 0), count(*) filter (previous_count_applications > 0), "
        "count(*) filter (installments_count_payments > 0), count(*) filter (flag_days_employed_sentinel = 1), "
        "count(*) filter (days_employed = 365243) from marts.client_features",
    )[0]
    assert all(count > 0 for count in rows[:4]) and rows[4] == 0
