"""Batch scoring on both engines and the API agree for the clients of the generated set."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from tests.spark.conftest import CLIENTS, SparkWorld, settings_tracking
from training.batch import BatchError, default_duckdb_table, resolve_champion, score_duckdb, score_spark

pytestmark = pytest.mark.spark
DECISIONS = {"accept": "accepted", "refuse": "refused"}


@pytest.fixture(scope="module")
def scores(spark_world: SparkWorld, tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    """Every client scored by the champion on DuckDB (its published version) and on Spark (dbt's spark build)."""
    out = tmp_path_factory.mktemp("scores")
    with settings_tracking():
        champion = resolve_champion(spark_world.settings)
        duck_table = default_duckdb_table(spark_world.settings.duckdb_path, champion)
        assert score_duckdb(spark_world.settings.duckdb_path, duck_table, champion, out / "duckdb", chunk_rows=700) == CLIENTS
        assert score_spark(spark_world.spark, "feature_store.client_features_v1", champion, out / "spark") == CLIENTS
    return {engine: pd.read_parquet(out / engine).sort_values("client_id", ignore_index=True) for engine in ("duckdb", "spark")}


def test_both_engines_score_every_client_with_the_same_versions(scores: dict[str, pd.DataFrame], spark_world: SparkWorld) -> None:
    duck, spark = scores["duckdb"], scores["spark"]
    assert duck["client_id"].tolist() == spark["client_id"].tolist()
    assert duck["client_id"].is_unique and len(duck) == CLIENTS
    for frame, engine, table in ((duck, "duckdb", f'marts."client_features__{spark_world.feature_version}"'),
                                 (spark, "spark", "feature_store.client_features_v1")):
        assert set(frame["model_name"]) == {"credit-scoring"}
        assert set(frame["model_version"]) == {spark_world.model_version}
        assert set(frame["model_feature_version"]) == {spark_world.feature_version}
        assert set(frame["feature_table"]) == {table}
        assert set(frame["engine"]) == {engine}
        assert set(frame["decision"]) == {"accept", "refuse"}


def test_both_engines_agree_for_every_client(scores: dict[str, pd.DataFrame]) -> None:
    duck, spark = scores["duckdb"], scores["spark"]
    # the features agree to a relative 1e-9 (summation order), the scores of this LightGBM champion to the bit
    assert np.abs(duck["probability"] - spark["probability"]).max() <= 1e-12
    assert (duck["decision"] == spark["decision"]).all()
    assert (duck["threshold"] == spark["threshold"]).all()
    assert ((duck["probability"] >= duck["threshold"]) == (duck["decision"] == "refuse")).all()


def test_batch_scores_equal_the_api_on_a_sample(scores: dict[str, pd.DataFrame], spark_world: SparkWorld) -> None:
    sample = scores["duckdb"].sample(n=40, random_state=0)
    key = spark_world.settings.api_keys
    with settings_tracking(), TestClient(create_app(spark_world.settings)) as client:
        for row in sample.itertuples():
            response = client.get(f"/v1/clients/{row.client_id}/score", headers={"X-API-Key": key})
            assert response.status_code == 200, response.text
            body = response.json()
            assert body["probability_default"] == row.probability
            assert body["decision"] == DECISIONS[row.decision]
            assert body["model_version"] == row.model_version


def test_a_missing_spark_table_is_a_clear_error(spark_world: SparkWorld, tmp_path: Path) -> None:
    with settings_tracking():
        champion = resolve_champion(spark_world.settings)
    with pytest.raises(BatchError, match="no Spark table feature_store.nope"):
        score_spark(spark_world.spark, "feature_store.nope", champion, tmp_path / "out")
    assert not (tmp_path / "out").exists()
