"""Two uvicorn workers under concurrent load: as many prediction events as successful scoring responses, as many
audit rows as responses, rate limits and revocations shared by both workers."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from tests.api.conftest import HEADERS, KEYS, REPO_ROOT, ApiWorld, add_principal

pytestmark = pytest.mark.slow
REQUESTS = 240
CONCURRENCY = 16


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(url: str, process: subprocess.Popen, timeout: float = 300) -> None:
    """Poll /health until it answers 200 (fail when the server exits first)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited with status {process.returncode}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError("the server did not answer /health in time")


def wait_workers(log_path: Path, workers: int, process: subprocess.Popen, timeout: float = 300) -> None:
    """Wait until `workers` distinct processes logged that they are ready (a worker still starting accepts nothing)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited with status {process.returncode}")
        if len(set(re.findall(r"\[(\d+)\] api\.startup: ready", log_path.read_text()))) >= workers:
            return
        time.sleep(0.5)
    raise AssertionError(f"{workers} workers were not ready in time")


@pytest.fixture(scope="module")
def two_workers(api_world: ApiWorld, tmp_path_factory: pytest.TempPathFactory):
    """`python -m api serve` with 2 workers on a fresh events database holding an advisor and an analyst, at most
    25 population requests per principal and hour (so a test can cross the limit without waiting a window)."""
    folder = tmp_path_factory.mktemp("workers")
    events_url = f"sqlite:///{folder / 'events.sqlite'}"
    for role in ("advisor", "analyst"):
        add_principal(events_url, f"{role}-test", role, KEYS[role])
    port, log_path = free_port(), folder / "server.log"
    env = api_world.env(HC_EVENTS_URL=events_url, HC_API_WORKERS="2", HC_API_PORT=str(port),
                        HC_RATE_LIMITS="score=100000/hour,read=100000/hour,population=25/hour")
    with log_path.open("w") as log:
        process = subprocess.Popen([sys.executable, "-m", "api", "serve"], cwd=REPO_ROOT, env=env, stdout=log,
                                   stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, process)
        wait_workers(log_path, 2, process)
        yield url, events_url, log_path
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=120)  # a worker still starting finishes its start-up before it stops
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise


def _count(events_url: str, sql: str) -> tuple:
    engine = sa.create_engine(events_url)
    with engine.connect() as con:
        row = con.execute(sa.text(sql)).one()
    engine.dispose()
    return tuple(row)


def test_two_workers_log_one_event_per_successful_score_and_one_audit_row_per_response(
        two_workers, api_world: ApiWorld, clients: dict, client) -> None:
    url, events_url, log_path = two_workers
    application = client.get(f"/v1/clients/{clients['test']}/application", headers=HEADERS).json()["application"]
    ids = [clients["with_history"], clients["without_history"], clients["test"]]

    def one(i: int) -> tuple[int, bool]:
        with httpx.Client(base_url=url, headers=HEADERS, timeout=60) as http:
            kind = i % 5
            if kind == 0:
                return http.post("/v1/score", json={"client_id": ids[i % 3], "application": application}).status_code, True
            if kind == 1:
                return http.get(f"/v1/clients/{ids[i % 3]}/explanation").status_code, True
            if kind == 2:
                return http.get("/v1/clients/1/score").status_code, True  # 404: no event
            if kind == 3:
                return http.get(f"/v1/clients/{ids[i % 3]}").status_code, False  # a read: an audit row, no event
            return http.get(f"/v1/clients/{ids[i % 3]}/score").status_code, True

    with ThreadPoolExecutor(CONCURRENCY) as pool:
        results = list(pool.map(one, range(REQUESTS)))
    scored_ok = sum(1 for status, scoring in results if scoring and status == 200)
    assert sorted({status for status, _ in results}) == [200, 404]
    assert sum(1 for status, _ in results if status == 404) == REQUESTS // 5
    assert scored_ok == REQUESTS * 3 // 5
    events = _count(events_url, "select count(*), count(distinct request_id), sum(principal = 'advisor-test') "
                                "from prediction_events")
    assert events == (scored_ok, scored_ok, scored_ok)
    audit = _count(events_url, "select count(*), count(distinct request_id), sum(principal = 'advisor-test'), "
                               "sum(status = 404), sum(route = '/v1/clients/{client_id}' and status = 200) from audit_log")
    assert audit == (REQUESTS, REQUESTS, REQUESTS, REQUESTS // 5, REQUESTS // 5)
    workers = set(re.findall(r"\[(\d+)\] api\.access: \w+ GET /v1/clients/\d+/score", log_path.read_text()))
    assert len(workers) == 2, "both workers served scores"


def test_rate_limit_holds_across_workers_then_revocation_takes_effect_in_both(two_workers) -> None:
    url, events_url, log_path = two_workers
    analyst = {"X-API-Key": KEYS["analyst"]}

    def summary(_: int) -> httpx.Response:
        with httpx.Client(base_url=url, headers=analyst, timeout=60) as http:
            return http.get("/v1/population/summary")

    with ThreadPoolExecutor(CONCURRENCY) as pool:
        answers = list(pool.map(summary, range(40)))
    statuses = sorted(r.status_code for r in answers)
    assert statuses == [200] * 25 + [429] * 15  # the limit is 25 per hour, counted by both workers together
    refused = next(r for r in answers if r.status_code == 429)
    assert 0 < int(refused.headers["retry-after"]) <= 3600
    assert refused.json()["message"] == ("Too many requests: at most 25 per hour for population routes; retry in "
                                         f"{refused.headers['retry-after']} s")
    # both workers answered some of the 40 and only 25 passed in all: the count is shared (each worker alone would
    # have let 25 through); which worker refuses is up to the kernel's choice of the accepting worker
    served_by = set(re.findall(r"\[(\d+)\] api\.access: \w+ GET /v1/population/summary (?:200|429)",
                               log_path.read_text()))
    assert len(served_by) == 2, "both workers answered some"
    revoked = subprocess.run([sys.executable, "-m", "api", "principals", "revoke", "analyst-test"],
                             env={**os.environ, "HC_EVENTS_URL": events_url}, capture_output=True, text=True, timeout=60)
    assert revoked.returncode == 0, revoked.stderr
    with ThreadPoolExecutor(4) as pool:  # several connections: both workers answer
        after = list(pool.map(lambda _: httpx.get(f"{url}/v1/model", headers=analyst, timeout=60), range(16)))
    assert {r.status_code for r in after} == {401}
    assert after[0].json()["message"] == "Missing or invalid API key"
    pids = set(re.findall(r"\[(\d+)\] api\.access: \w+ GET /v1/model 401", log_path.read_text()))
    assert len(pids) == 2, "the revocation was seen by both workers"
