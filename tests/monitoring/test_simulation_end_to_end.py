"""`python -m monitoring simulate` end to end against a stand-in API: (a) no alert, (b) an alert naming features.

The stand-in speaks the API's contract where it matters here: it validates each body with the API's own
`ScoreRequest` (so the drifted applications must pass the real field bounds), checks X-API-Key, answers with
`probability_default`, and writes each event with the API's own `EventStore`. Its score is the world's true
probability computed from the posted fields. The real API is replayed by `make simulate-drift` (see the note).
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pandas as pd
import pytest

from api.events import AuditRecord, Event, EventStore
from api.schemas import ScoreRequest
from common.settings import Settings
from monitoring import monitor as monitor_module
from monitoring.alerts import read_alerts
from monitoring.simulate import run_simulation
from tests.monitoring import world

KEY = "simulation-test-key-0123456789"


class StandInApi(BaseHTTPRequestHandler):
    """GET /health and POST /v1/score, as the API answers them."""

    def _send(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._send(200, {"status": "ok", "model_name": "credit-scoring", "model_version": "7",
                         "feature_version": "fv_test"})

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.headers.get("X-API-Key") != KEY:
            return self._send(401, {"status": 401, "message": "Missing or invalid API key"})
        try:
            request = ScoreRequest.model_validate(body)
        except ValueError as error:
            return self._send(422, {"status": 422, "message": str(error)[:500]})
        features = world.features_from_raw(request.application.model_dump())
        numbers = pd.DataFrame([features]).drop(columns="name_education_type").astype(float)
        p = float(world.probability(numbers).iloc[0])
        decision = "refuse" if p >= world.THRESHOLD else "accept"
        request_id = uuid.uuid4().hex
        self.server.store.record(
            AuditRecord(request_id, "simulation", "advisor", "POST", "/v1/score", request.client_id, "hash", 200),
            Event(request_id, "POST /v1/score", request.client_id, "hash", features, p, decision, world.THRESHOLD,
                  "credit-scoring", "7", "fv_test", 1.0, "simulation"))
        self._send(200, {"client_id": request.client_id, "probability_default": p, "threshold": world.THRESHOLD,
                         "decision": "refused" if decision == "refuse" else "accepted"})

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def stand_in_api(tmp_path) -> Iterator[tuple[str, str]]:
    """(base URL, event store URL) of the stand-in API on 127.0.0.1."""
    events_url = f"sqlite:///{tmp_path / 'events.sqlite'}"
    server = ThreadingHTTPServer(("127.0.0.1", 0), StandInApi)
    server.store = EventStore(events_url)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", events_url
    finally:
        server.shutdown()
        server.server_close()
        server.store.dispose()


def test_unchanged_replay_is_quiet_and_drifted_replay_alerts(tmp_path, stand_in_api, webhook, monkeypatch) -> None:
    api_url, events_url = stand_in_api
    hook_url, received = webhook
    rng = np.random.default_rng(99)
    train = world.applicants(rng, 4000, 100_001)
    test = world.applicants(rng, 600, 200_001)
    world.write_feature_store(tmp_path / "features.duckdb", train, test)
    monkeypatch.setattr(monitor_module, "load_champion", lambda settings: world.champion(train.sample(1000, random_state=0)))
    settings = Settings(duckdb_path=tmp_path / "features.duckdb", reports_dir=tmp_path / "reports", api_key=KEY,
                        events_url=events_url, alert_webhook=hook_url, oracle_path=tmp_path / "no-labels.csv")

    outcome = run_simulation(settings, monitor_module.run_monitor, n_clients=400, seed=1, api_url=api_url, concurrency=4)

    unchanged, drifted = outcome["passes"]
    assert (unchanged["requests"], drifted["requests"]) == (400, 400)
    assert unchanged["alerts"] == [] and unchanged["drifted_features"] == []
    named = set(outcome["named_features"])
    assert {"ext_source_1", "ext_source_2", "ext_source_3", "days_birth", "amt_income_total"} == named
    assert outcome["ok"] is True
    rows = read_alerts(events_url)
    assert {r["source"] for r in rows} == {"simulate-b-drifted"}
    assert [r["kind"] for r in rows] == ["feature_drift", "score_shift"]
    assert [p["body"]["kind"] for p in received] == ["feature_drift", "score_shift"]
    assert set(received[0]["body"]["columns"]) == named
    report = (tmp_path / "reports" / "simulate" / "simulation.md").read_text()
    assert "(a) unchanged raises no alert: **yes**" in report
    assert "(b) drifted raises an alert naming drifted features: **yes**" in report
