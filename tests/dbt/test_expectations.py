"""The Great Expectations suite on small frames: which rule covers which column, and failures that name it."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from dbt_project.pipeline.expectations import validate
from dbt_project.pipeline.validation_frames import compute_frames, null_rule, range_rule


@pytest.mark.parametrize(
    ("column", "rule"),
    [
        ("ext_source_1", "external score in [0, 1]"),
        ("ext_source_std", "spread of three scores in [0, 1]"),
        ("bureau_share_active_credits", "share in [0, 1]"),
        ("flag_document_3", "0/1 flag"),
        ("reg_city_not_work_city", "0/1 flag"),
        ("apartments_medi", "normalized building information in [0, 1]"),
        ("bureau_count_credits", "count, never negative"),
        ("cnt_children", "count, never negative"),
        ("installments_max_days_late", "days past due or late, never negative"),
        ("amt_credit", "application amount, never negative"),
        ("days_birth", "days or months before the application, never positive"),
        ("credit_card_min_months_balance", "days or months before the application, never positive"),
        ("age_years", "age in years"),
    ],
)
def test_range_rule_of_a_column(column, rule):
    assert range_rule(column).name == rule


def test_columns_without_a_safe_bound_have_no_range_rule():
    # bureau debt can be negative, credit card balances too: no bound is asserted on them
    assert range_rule("bureau_sum_debt_amount") is None
    assert range_rule("credit_card_mean_balance") is None


def test_null_rules():
    assert null_rule("bureau_count_credits") == "never null"  # zero-filled for clients without history
    assert null_rule("client_id") == "never null"
    assert null_rule("ext_source_2") == "mostly present"
    assert null_rule("bureau_mean_days_credit") == "any"


@pytest.fixture
def mart() -> duckdb.DuckDBPyConnection:
    """A tiny mart: three columns of the contract plus two features."""
    con = duckdb.connect()
    con.execute("create schema feature_store")
    con.execute(
        "create table feature_store.client_features_v1 as select * from (values "
        "(1, 'train', 0, 0.2, 0), (2, 'train', 1, 0.9, 3), (3, 'test', null, null, 0)) "
        "t(client_id, split, target, ext_source_1, bureau_count_credits)"
    )
    yield con
    con.close()


COLUMNS = ["client_id", "split", "target", "ext_source_1", "bureau_count_credits"]


def run(con: duckdb.DuckDBPyConnection, expected: list[str] = COLUMNS, rows: int = 3):
    frames = compute_frames(con, "feature_store.client_features_v1")
    return frames, validate(frames, expected, rows)


def failed(result) -> set[str]:
    return {f"{f['frame']}:{f['expectation']}" for f in result.failures}


def test_profile_frame_has_one_row_per_column(mart):
    frames, _ = run(mart)
    profile = frames.profile.set_index("column_name")
    assert list(profile.index) == COLUMNS
    assert profile.loc["ext_source_1", "null_share"] == pytest.approx(1 / 3)
    assert (profile.loc["ext_source_1", "min_value"], profile.loc["ext_source_1", "max_value"]) == (0.2, 0.9)
    assert pd.isna(profile.loc["split", "min_value"])


def test_a_valid_tiny_mart_fails_only_on_its_feature_count(mart):
    _, result = run(mart)
    assert failed(result) == {"schema:expect_table_column_count_to_be_between"}  # 2 features, not 300


def test_failures_name_the_offending_columns_and_clients(mart):
    mart.execute("update feature_store.client_features_v1 set target = 1 where split = 'test'")
    mart.execute("update feature_store.client_features_v1 set ext_source_1 = 1.7 where client_id = 1")
    mart.execute("update feature_store.client_features_v1 set bureau_count_credits = null where client_id = 2")
    mart.execute("alter table feature_store.client_features_v1 add column p_default double")
    _, result = run(mart, rows=4)
    assert failed(result) == {
        "schema:expect_table_column_count_to_be_between",
        "schema:expect_table_columns_to_match_set",
        "column_names:expect_column_values_to_not_match_regex",
        "rows:expect_table_row_count_to_equal",
        "rows:expect_column_values_to_be_null",
        "profile:expect_column_values_to_be_between",
    }
    observed = {(f["frame"], f["expectation"], str(f["observed"])) for f in result.failures}
    assert ("rows", "expect_column_values_to_be_null", "[{'target': 1, 'client_id': 3}]") in observed
    profile = [f for f in result.failures if f["frame"] == "profile"]
    assert {f["observed"][0]["column_name"] for f in profile} == {"ext_source_1", "bureau_count_credits"}
    assert not result.success
