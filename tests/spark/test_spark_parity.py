"""Parity of the engines on the generated set (2,000 clients), a planted difference, and the dbt tests on Spark."""

from __future__ import annotations

import json

import pytest

from dbt_project.pipeline.parity import KEY, Mart, check, compare, read_duckdb, read_spark
from dbt_project.pipeline.spark import FEATURES_TABLE, PROFILES_TABLE
from tests.spark.conftest import CLIENTS, SparkWorld

pytestmark = pytest.mark.spark


def test_both_engines_build_the_same_marts(spark_world: SparkWorld) -> None:
    assert check(spark_world.run, spark_world.spark) is None
    features = read_spark(spark_world.spark, FEATURES_TABLE)
    assert features.rows.num_rows == CLIENTS
    assert len(features.columns) == 376
    assert read_spark(spark_world.spark, PROFILES_TABLE).rows.num_rows == CLIENTS


def test_the_sums_of_integers_are_the_only_mapped_types(spark_world: SparkWorld) -> None:
    duck = read_duckdb(spark_world.run.duckdb_path, FEATURES_TABLE)
    mapped = {name for name, t in zip(duck.columns, duck.types, strict=True) if t == "HUGEINT"}
    assert mapped == {"bureau_sum_credit_prolongations", "bureau_sum_balance_months", "bureau_sum_late_months",
                      "bureau_sum_months_late_1_to_30_days", "bureau_sum_months_late_31_to_60_days",
                      "bureau_sum_months_late_61_to_90_days", "bureau_sum_months_late_91_to_120_days",
                      "bureau_sum_months_late_over_120_days", "bureau_sum_late_months_last_12_months"}


def _planted(spark_world: SparkWorld, column: str, factor: float) -> tuple[Mart, int]:
    """The Spark mart with one value of `column` multiplied by `factor`, for the first client holding one."""
    from pyspark.sql import functions as sf

    frame = spark_world.spark.table(FEATURES_TABLE)
    client = frame.where(sf.col(column).isNotNull() & (sf.col(column) != 0)).agg(sf.min(KEY)).first()[0]
    changed = frame.withColumn(column, sf.when(sf.col(KEY) == client, sf.col(column) * factor).otherwise(sf.col(column)))
    return Mart(list(changed.columns), [t for _, t in changed.dtypes], changed.toArrow()), client


def test_a_planted_difference_is_named_with_its_column_and_client(spark_world: SparkWorld) -> None:
    duck = read_duckdb(spark_world.run.duckdb_path, FEATURES_TABLE)
    spark, client = _planted(spark_world, "installments_mean_days_late", 1 + 1e-8)
    difference = compare(duck, spark)
    assert difference is not None
    assert (difference.kind, difference.column, difference.client) == ("values", "installments_mean_days_late", client)
    assert difference.spark == pytest.approx(difference.duckdb * (1 + 1e-8), rel=1e-15)
    assert f"installments_mean_days_late for client {client}" in str(difference)


def test_a_difference_within_the_tolerance_passes(spark_world: SparkWorld) -> None:
    duck = read_duckdb(spark_world.run.duckdb_path, FEATURES_TABLE)
    spark, _ = _planted(spark_world, "installments_mean_days_late", 1 + 1e-10)
    assert compare(duck, spark) is None


def test_the_dbt_tests_ran_on_spark(spark_world: SparkWorld) -> None:
    results = json.loads((spark_world.run.spark_options().target_path / "run_results.json").read_text())["results"]
    kinds: dict[str, int] = {}
    for result in results:
        kind = result["unique_id"].split(".")[0]
        # dbt build lists the exposures (API, dashboard, model) as nodes with nothing to run
        assert result["status"] in (("no-op",) if kind == "exposure" else ("success", "pass")), result["unique_id"]
        kinds[kind] = kinds.get(kind, 0) + 1
    assert kinds["model"] == 16
    assert kinds["unit_test"] == 7
    assert kinds["test"] >= 60
    assert kinds["exposure"] == 3
