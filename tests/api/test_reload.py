"""Reload without downtime: a new champion is loaded, checked and swapped in (POST /v1/admin/reload or the poller);
a version that fails its start-up checks is refused (409) and the old one keeps serving; only operators may ask.
Shadow scoring: the challenger's score of each request lands in its event, off the response path."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import mlflow
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from mlflow import MlflowClient

from api.main import create_app
from common.contracts.registry import CHALLENGER, CHAMPION, MODEL_NAME
from common.settings import Settings
from tests.api.conftest import KEYS, ApiWorld, add_principal
from tests.api.small_model import register_small_champion

pytestmark = pytest.mark.slow
OPERATOR = {"X-API-Key": KEYS["operator"]}
ADVISOR = {"X-API-Key": KEYS["advisor"]}


@dataclass(frozen=True)
class Registry:
    """A registry of its own: versions 1 and 2 (two fits), 3 (version 2's model claiming a feature version the
    warehouse does not have: its start-up check fails)."""

    settings: Settings
    client: MlflowClient

    def point(self, alias: str, version: str) -> None:
        """Move an alias."""
        self.client.set_registered_model_alias(MODEL_NAME, alias, version)


@pytest.fixture(scope="module")
def registry(api_world: ApiWorld, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    root = tmp_path_factory.mktemp("reload")
    tracking = f"sqlite:///{root / 'mlflow.db'}"
    saved_env, saved_uri = os.environ.pop("MLFLOW_TRACKING_URI", None), mlflow.get_tracking_uri()
    try:
        first, _ = register_small_champion(api_world.settings.duckdb_path, tracking)
        second, _ = register_small_champion(api_world.settings.duckdb_path, tracking, threshold=0.3)
    finally:
        mlflow.set_tracking_uri(saved_uri)
        os.environ.pop("MLFLOW_TRACKING_URI", None)
    client = MlflowClient(tracking_uri=tracking)
    model = client.get_model_version(MODEL_NAME, second)
    broken = client.create_model_version(MODEL_NAME, client.get_model_version_download_uri(MODEL_NAME, second),
                                         run_id=model.run_id,
                                         tags={**model.tags, "feature_version": "fv9999"})
    assert (first, second, str(broken.version)) == ("1", "2", "3")
    events_url = f"sqlite:///{root / 'events.sqlite'}"
    for role in ("advisor", "operator"):
        add_principal(events_url, f"{role}-test", role, KEYS[role])
    settings = api_world.settings.model_copy(update={"mlflow_tracking_uri": tracking, "events_url": events_url,
                                                     "model_poll_s": 0})
    registry = Registry(settings, client)
    registry.point(CHAMPION, "1")
    try:
        yield registry
    finally:
        if saved_env is not None:
            os.environ["MLFLOW_TRACKING_URI"] = saved_env


@pytest.fixture(scope="module")
def app(registry: Registry) -> Iterator[TestClient]:
    registry.point(CHAMPION, "1")
    with TestClient(create_app(registry.settings)) as client:
        yield client


def serve(app: TestClient, registry: Registry, version: str) -> None:
    """Make the app serve `version` (through a reload)."""
    registry.point(CHAMPION, version)
    assert app.post("/v1/admin/reload", headers=OPERATOR).status_code == 200
    assert app.get("/health").json()["model_version"] == version


def event_of(settings: Settings, request_id: str) -> dict:
    """The prediction event of a request."""
    engine = sa.create_engine(settings.events_url)
    with engine.connect() as con:
        row = con.execute(sa.text("select * from prediction_events where request_id = :r"), {"r": request_id})
        found = row.mappings().one()
    engine.dispose()
    return dict(found)


def test_reload_swaps_in_the_new_champion_and_responses_then_name_it(app: TestClient, registry: Registry,
                                                                     clients: dict) -> None:
    serve(app, registry, "1")
    before = app.get(f"/v1/clients/{clients['test']}/score", headers=ADVISOR).json()
    assert (before["model_version"], before["threshold"]) != ("2", 0.3)
    registry.point(CHAMPION, "2")
    response = app.post("/v1/admin/reload", headers=OPERATOR)
    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in ("reloaded", "model_version", "previous_version", "feature_version")} == {
        "reloaded": True, "model_version": "2", "previous_version": "1", "feature_version": "fv0001"}
    after = app.get(f"/v1/clients/{clients['test']}/score", headers=ADVISOR)
    assert (after.json()["model_version"], after.json()["threshold"]) == ("2", 0.3)
    assert event_of(registry.settings, after.headers["X-Request-ID"])["model_version"] == "2"
    explained = app.get(f"/v1/clients/{clients['test']}/explanation", headers=ADVISOR)
    application = app.get(f"/v1/clients/{clients['test']}/application", headers=ADVISOR).json()["application"]
    posted = app.post("/v1/score", headers=ADVISOR, json={"client_id": clients["test"], "application": application})
    for response in (explained, posted):  # every scoring response and its event name the version that scored it
        assert (response.status_code, response.json()["model_version"]) == (200, "2")
        assert event_of(registry.settings, response.headers["X-Request-ID"])["model_version"] == "2"
    assert app.get("/v1/model", headers=ADVISOR).json()["version"] == "2"
    again = app.post("/v1/admin/reload", headers=OPERATOR).json()
    assert (again["reloaded"], again["model_version"], again["previous_version"]) == (False, "2", "2")


def test_a_champion_failing_its_start_up_checks_is_refused_and_the_old_one_keeps_serving(
        app: TestClient, registry: Registry, clients: dict, caplog: pytest.LogCaptureFixture) -> None:
    serve(app, registry, "2")
    registry.point(CHAMPION, "3")
    with caplog.at_level(logging.ERROR, logger="api.reload"):
        response = app.post("/v1/admin/reload", headers=OPERATOR)
    logged = [r.getMessage() for r in caplog.records if r.name == "api.reload"]
    assert len(logged) == 1
    assert logged[0].startswith("version 3 fails its start-up checks, still serving version 2: feature version "
                                "'fv9999', which the model was trained on, is not in the warehouse")
    assert response.status_code == 409
    message = response.json()["message"]
    assert message.startswith("version 3 of credit-scoring@champion fails its start-up checks, still serving "
                              "version 2: feature version 'fv9999', which the model was trained on, is not in the "
                              "warehouse")
    score = app.get(f"/v1/clients/{clients['test']}/score", headers=ADVISOR)
    assert (score.status_code, score.json()["model_version"]) == (200, "2")
    assert app.get("/health").json()["model_version"] == "2"
    serve(app, registry, "1")  # a good champion afterwards is served


def test_only_operators_may_ask_for_a_reload(app: TestClient) -> None:
    refused = app.post("/v1/admin/reload", headers=ADVISOR)
    assert refused.status_code == 403
    assert refused.json()["message"] == "Forbidden: principal 'advisor-test' lacks the scope 'admin'"
    assert app.post("/v1/admin/reload").status_code == 401


def test_the_poller_notices_a_new_champion(registry: Registry, clients: dict) -> None:
    registry.point(CHAMPION, "1")
    settings = registry.settings.model_copy(update={"model_poll_s": 0.5})
    with TestClient(create_app(settings)) as client:
        assert client.get("/health").json()["model_version"] == "1"
        registry.point(CHAMPION, "2")
        deadline = time.monotonic() + 120
        while client.get("/health").json()["model_version"] != "2" and time.monotonic() < deadline:
            time.sleep(0.2)
        score = client.get(f"/v1/clients/{clients['with_history']}/score", headers=ADVISOR).json()
    assert score["model_version"] == "2"


def test_shadow_scoring_stores_the_challengers_score_in_each_event(registry: Registry, clients: dict,
                                                                   tmp_path: Path) -> None:
    registry.point(CHAMPION, "1")
    registry.point(CHALLENGER, "2")
    settings = registry.settings.model_copy(update={"shadow_challenger": True})
    with TestClient(create_app(settings)) as client:
        shadow = client.app.state.shadow
        assert (shadow.model.facts.version, shadow.model.threshold) == ("2", 0.3)
        by_id = client.get(f"/v1/clients/{clients['with_history']}/score", headers=ADVISOR)
        application = client.get(f"/v1/clients/{clients['test']}/application", headers=ADVISOR).json()["application"]
        posted = client.post("/v1/score", headers=ADVISOR, json={"client_id": clients["test"],
                                                                "application": application})
        assert (by_id.status_code, posted.status_code) == (200, 200)
        expected = {by_id.headers["X-Request-ID"]: shadow.score_client(clients["with_history"]),
                    posted.headers["X-Request-ID"]: shadow.score_client(clients["test"])}
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(
                event_of(settings, rid)["challenger_version"] is None for rid in expected):
            time.sleep(0.1)
    for request_id, scored in expected.items():
        event = event_of(settings, request_id)
        assert (event["model_version"], event["challenger_version"]) == ("1", "2")
        assert event["challenger_probability"] == pytest.approx(scored.probability, abs=1e-12)
        assert event["challenger_decision"] == scored.decision == (
            "refuse" if scored.probability >= 0.3 else "accept")  # version 2's threshold
    registry.point(CHALLENGER, "1")  # the next tests see no challenger distinct from the champion
