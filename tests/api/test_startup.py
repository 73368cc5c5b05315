"""Start-up: refusals with a message saying what is wrong; the exported model serves the same scores."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.principals import seed_record
from api.registry import REGISTRY_FILE, export_model
from api.startup import StartupError
from tests.api.conftest import HEADERS, ApiWorld

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def exported(api_world: ApiWorld, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The champion exported the way `make export-model` does."""
    return export_model(api_world.settings, tmp_path_factory.mktemp("export") / "champion")


def start(settings) -> None:
    """Run the app's start-up (and shut it down)."""
    with TestClient(create_app(settings)):
        pass


def test_exported_model_serves_the_same_scores(api_world: ApiWorld, exported: Path, client: TestClient,
                                               clients: dict) -> None:
    info = json.loads((exported / REGISTRY_FILE).read_text())
    assert (info["name"], info["version"], info["tags"]["feature_version"]) == (
        "credit-scoring", api_world.model_version, api_world.feature_version)
    settings = api_world.settings.model_copy(update={"model_dir": exported,
                                                     "mlflow_tracking_uri": "sqlite:////nonexistent/mlflow.db"})
    with TestClient(create_app(settings)) as from_dir:
        for client_id in clients.values():
            got = from_dir.get(f"/v1/clients/{client_id}/score", headers=HEADERS).json()
            want = client.get(f"/v1/clients/{client_id}/score", headers=HEADERS).json()
            assert got["probability_default"] == want["probability_default"]
        assert from_dir.get("/v1/model", headers=HEADERS).json()["version"] == api_world.model_version


def test_refuses_a_model_trained_on_a_missing_feature_version(api_world: ApiWorld, exported: Path,
                                                              tmp_path: Path) -> None:
    folder = Path(shutil.copytree(exported, tmp_path / "champion"))
    info = json.loads((folder / REGISTRY_FILE).read_text())
    info["tags"]["feature_version"] = "fv9999"
    (folder / REGISTRY_FILE).write_text(json.dumps(info))
    with pytest.raises(StartupError) as refused:
        start(api_world.settings.model_copy(update={"model_dir": folder}))
    message = str(refused.value)
    assert "feature version 'fv9999', which the model was trained on, is not in the warehouse" in message
    assert f"it has ['{api_world.feature_version}']" in message


def test_refuses_a_warehouse_whose_columns_differ_from_the_signature(api_world: ApiWorld, exported: Path,
                                                                     tmp_path: Path) -> None:
    warehouse = Path(shutil.copy(api_world.settings.duckdb_path, tmp_path / "homecredit.duckdb"))
    view = f"client_features__{api_world.feature_version}"
    with duckdb.connect(str(warehouse)) as con:
        con.execute(f"create or replace view marts.{view} as select * exclude (ext_source_1) "
                    f"from feature_store.{view}")
    with pytest.raises(StartupError) as refused:
        start(api_world.settings.model_copy(update={"model_dir": exported, "duckdb_path": warehouse}))
    assert "signature does not match" in str(refused.value)
    assert "1 model inputs missing from it ['ext_source_1']" in str(refused.value)


def test_refuses_to_start_when_nobody_can_call_it(api_world: ApiWorld, exported: Path, tmp_path: Path) -> None:
    empty = f"sqlite:///{tmp_path / 'no-principal.sqlite'}"
    with pytest.raises(StartupError, match=r"no principal can call the API: add one \(`python -m api principals add "
                                           r"NAME --role ROLE`.* or set HC_API_KEYS for development"):
        start(api_world.settings.model_copy(update={"model_dir": exported, "events_url": empty}))


def test_production_refuses_shared_keys_and_an_empty_principals_table(api_world: ApiWorld, exported: Path,
                                                                      tmp_path: Path) -> None:
    production = api_world.settings.model_copy(update={"model_dir": exported, "env": "production"})
    with pytest.raises(StartupError, match="HC_API_KEYS / HC_API_KEY_FILE are shared development keys"):
        start(production.model_copy(update={"api_keys": "shared-development-key-0123"}))
    empty = f"sqlite:///{tmp_path / 'no-principal.sqlite'}"
    with pytest.raises(StartupError, match=r"no principal can call the API: add one .*HC_EVENTS_URL\)$"):
        start(production.model_copy(update={"events_url": empty}))


def test_refuses_without_a_registered_model(api_world: ApiWorld, tmp_path: Path) -> None:
    settings = api_world.settings.model_copy(update={"mlflow_tracking_uri": f"sqlite:///{tmp_path / 'empty.db'}"})
    with pytest.raises(StartupError, match="no model credit-scoring@champion in the MLflow registry"):
        start(settings)


def test_production_starts_on_a_seeded_empty_events_database(api_world: ApiWorld, exported: Path, tmp_path: Path) -> None:
    record, key = seed_record("deploy-check", "advisor")
    settings = api_world.settings.model_copy(update={
        "model_dir": exported, "env": "production", "events_url": f"sqlite:///{tmp_path / 'fresh.sqlite'}",
        "principals_seed": json.dumps([record])})
    with TestClient(create_app(settings)) as client:
        assert client.get("/v1/model", headers={"X-API-Key": key}).status_code == 200
        assert client.get("/openapi.json").status_code == 401  # production: the docs need a key
        assert client.get("/docs").status_code == 401
        assert client.get("/openapi.json", headers={"X-API-Key": key}).json()["info"]["title"].startswith("Prêt")
        assert client.get("/health/ready").json() == {"status": "ready", "checks": {
            "model": True, "warehouse": True, "events": True}}
