"""`make score-all` (`python -m training.batch --engine duckdb --warehouse`): marts.client_scores holds every client
of the champion's feature version, and each row equals the API's answer for that client."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import yaml
from fastapi.testclient import TestClient

from common.contracts.feature_versions import SCHEMA
from common.contracts.scores import CLIENT_SCORES, COLUMNS, DESCRIPTIONS, TABLE
from tests.api.conftest import KEYS, REPO_ROOT, ApiWorld

DECISIONS = {"accept": "accepted", "refuse": "refused"}


@pytest.fixture(scope="module")
def scored(api_world: ApiWorld, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the session's warehouse (the API holds the original open) with marts.client_scores written by the
    command `make score-all` runs."""
    copy = tmp_path_factory.mktemp("score-all") / "homecredit.duckdb"
    shutil.copyfile(api_world.settings.duckdb_path, copy)
    done = subprocess.run([sys.executable, "-m", "training.batch", "--engine", "duckdb", "--warehouse"], cwd=REPO_ROOT,
                          env=api_world.env(HC_DUCKDB_PATH=str(copy)), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"scored 4,000 clients of {api_world.snapshot} with credit-scoring (version {api_world.model_version}) on " \
           f"duckdb" in done.stderr
    assert f"{CLIENT_SCORES} in {copy}" in done.stderr
    return copy


def _rows(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_every_client_of_the_feature_version_once_with_the_contracts_columns(scored: Path, api_world: ApiWorld) -> None:
    assert _rows(scored, f"select column_name, column_type from (describe {CLIENT_SCORES})") == [
        (c, "TIMESTAMP WITH TIME ZONE" if kind == "TIMESTAMPTZ" else kind) for c, kind in COLUMNS.items()]
    ids = [r[0] for r in _rows(scored, f"select client_id from {CLIENT_SCORES} order by client_id")]
    assert ids == [r[0] for r in api_world.query(f"select client_id from {api_world.snapshot} order by client_id")]
    assert len(ids) == 4000
    assert _rows(scored, f"select distinct model_version, feature_version from {CLIENT_SCORES}") == [
        (api_world.model_version, api_world.feature_version)]
    assert _rows(scored, f"select count(distinct scored_at), count(distinct threshold), "
                         f"count(*) filter (where (probability >= threshold) <> (decision = 'refuse')), "
                         f"count(*) filter (where probability not between 0 and 1) from {CLIENT_SCORES}") == [(1, 1, 0, 0)]
    assert {r[0] for r in _rows(scored, f"select distinct decision from {CLIENT_SCORES}")} == {"accept", "refuse"}


def test_client_scores_equal_the_api_for_a_sample_of_clients(scored: Path, client: TestClient) -> None:
    sample = _rows(scored, f"select client_id, probability, decision, threshold, model_version, feature_version "
                           f"from {CLIENT_SCORES} using sample reservoir(40 rows) repeatable (7)")
    assert len(sample) == 40
    for client_id, probability, decision, threshold, model_version, feature_version in sample:
        response = client.get(f"/v1/clients/{client_id}/score", headers={"X-API-Key": KEYS["analyst"]})
        assert response.status_code == 200, response.text
        body = response.json()
        assert abs(body["probability_default"] - probability) <= 1e-9, client_id
        assert body["decision"] == DECISIONS[decision]
        assert body["threshold"] == pytest.approx(threshold, abs=1e-9)
        assert (body["model_version"], body["feature_version"]) == (model_version, feature_version)


def test_warehouse_output_needs_the_duckdb_engine_and_no_out() -> None:
    done = subprocess.run([sys.executable, "-m", "training.batch", "--engine", "spark", "--warehouse"], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "--warehouse writes into the DuckDB warehouse: use it with --engine duckdb and without --out" in done.stderr


def test_the_dbt_source_declares_the_contracts_columns_and_descriptions() -> None:
    declared = yaml.safe_load((REPO_ROOT / "dbt_project/models/marts/_scores.yml").read_text())["sources"]
    assert [(s["name"], s["schema"], [t["name"] for t in s["tables"]]) for s in declared] == [
        ("scores", SCHEMA, [TABLE])]
    assert {c["name"]: c["description"] for c in declared[0]["tables"][0]["columns"]} == DESCRIPTIONS
    assert list(DESCRIPTIONS) == list(COLUMNS)
