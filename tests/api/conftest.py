"""The API tests' world, built once per session: the seeded synthetic data (4,000 clients) loaded by the
real loader, built by the real feature pipeline (dbt + validation + publish), a small LightGBM champion
registered the way training registers one, and the app started on them with a test key."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import mlflow
import pytest
from fastapi.testclient import TestClient

from api.events import EventStore
from api.main import create_app
from api.principals import KEY_PATTERN, hash_secret, scopes_for
from common.contracts.events import PRINCIPALS
from common.settings import Settings
from dbt_project.pipeline.build import BuildOptions, build
from tests.api.small_model import register_small_champion
from warehouse.load import load_raw

REPO_ROOT = Path(__file__).resolve().parents[2]
# one principal per role, with keys known to the tests (written straight into the principals table)
KEYS = {role: f"hc_{i:012x}_{role[0] * 43}" for i, role in enumerate(("advisor", "analyst", "service", "operator"), 1)}
KEY = KEYS["advisor"]
HEADERS = {"X-API-Key": KEY}


def add_principal(events_url: str, name: str, role: str, key: str, scopes: list[str] | None = None) -> None:
    """A principal with a chosen key, inserted the way `python -m api principals add` stores one."""
    match = KEY_PATTERN.match(key)
    store = EventStore(events_url)
    with store.engine.begin() as con:
        con.execute(PRINCIPALS.insert(), {"name": name, "role": role, "scopes": " ".join(sorted(scopes_for(role, scopes))),
                                          "key_id": match.group(1), "key_hash": hash_secret(match.group(2)),
                                          "created_at": datetime.now(UTC)})
    store.dispose()


@dataclass(frozen=True)
class ApiWorld:
    """Paths and settings of the session's warehouse, registry and event store."""

    root: Path
    settings: Settings
    model_version: str
    feature_version: str

    def query(self, sql: str, params: list | dict | None = None) -> list[tuple]:
        """Rows of a query on the warehouse (read-only)."""
        with duckdb.connect(str(self.settings.duckdb_path), read_only=True) as con:
            return con.execute(sql, params).fetchall()

    @property
    def snapshot(self) -> str:
        """The feature version's table."""
        return f'marts."client_features__{self.feature_version}"'

    def env(self, **extra: str) -> dict[str, str]:
        """Environment of a server process on this world."""
        s = self.settings
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HC_", "MLFLOW_"))}
        env.update(HC_DUCKDB_PATH=str(s.duckdb_path), HC_MLFLOW_TRACKING_URI=s.mlflow_tracking_uri,
                   HC_DBT_MANIFEST_PATH=str(s.dbt_manifest_path), HC_API_CACHE_DIR=str(s.api_cache_dir),
                   HC_EVENTS_URL=s.events_url, PYTHONPATH=str(REPO_ROOT))
        env.update(extra)
        return env


@pytest.fixture(scope="session")
def api_world(synthetic_data: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> ApiWorld:
    """Load, build features, register a champion: the world every API test reads (never modify it)."""
    root = tmp_path_factory.mktemp("api")
    duckdb_path = root / "homecredit.duckdb"
    load_raw(synthetic_data[0], duckdb_path, progress=False)
    options = BuildOptions(duckdb_path=duckdb_path, project_dir=REPO_ROOT / "dbt_project", reports_dir=root / "reports",
                           target_path=root / "dbt-target", log_path=root / "dbt-logs")
    feature_version = build(options).feature_version
    tracking = f"sqlite:///{root / 'mlflow.db'}"
    saved_env, saved_uri = os.environ.pop("MLFLOW_TRACKING_URI", None), mlflow.get_tracking_uri()
    try:
        model_version, trained_on = register_small_champion(duckdb_path, tracking)
    finally:
        mlflow.set_tracking_uri(saved_uri)  # which also sets MLFLOW_TRACKING_URI: put back what the caller had
        if saved_env is None:
            os.environ.pop("MLFLOW_TRACKING_URI", None)
        else:
            os.environ["MLFLOW_TRACKING_URI"] = saved_env
    assert trained_on == feature_version
    settings = Settings(duckdb_path=duckdb_path, mlflow_tracking_uri=tracking, reports_dir=root / "reports",
                        dbt_manifest_path=root / "dbt-target" / "manifest.json",
                        api_cache_dir=root / "api-cache", events_url=f"sqlite:///{root / 'events.sqlite'}")
    for role, key in KEYS.items():
        add_principal(settings.events_url, f"{role}-test", role, key)
    return ApiWorld(root, settings, model_version, feature_version)


@pytest.fixture(scope="session")
def client(api_world: ApiWorld) -> Iterator[TestClient]:
    """The app on the session's world (started once)."""
    saved = os.environ.pop("MLFLOW_TRACKING_URI", None)
    try:
        with TestClient(create_app(api_world.settings)) as test_client:
            yield test_client
    finally:
        if saved is not None:
            os.environ["MLFLOW_TRACKING_URI"] = saved


@pytest.fixture(scope="session")
def service(client: TestClient):
    """The running app's scoring service (model, matrices, event store)."""
    return client.app.state.service


@pytest.fixture(scope="session")
def clients(api_world: ApiWorld) -> dict[str, int]:
    """Client ids with known traits: a train client with bureau history, one without, a test client."""
    snapshot = api_world.snapshot
    with_history = api_world.query(f"select min(client_id) from {snapshot} where split = 'train' and bureau_count_credits > 0")
    without = api_world.query(f"select min(client_id) from {snapshot} where split = 'train' and bureau_count_credits = 0 "
                              "and previous_count_applications = 0")
    test = api_world.query(f"select max(client_id) from {snapshot} where split = 'test'")
    return {"with_history": with_history[0][0], "without_history": without[0][0], "test": test[0][0]}
