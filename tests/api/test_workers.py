"""Two uvicorn workers under concurrent load: as many prediction events as successful scoring responses."""

from __future__ import annotations

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

from tests.api.conftest import HEADERS, REPO_ROOT, ApiWorld

pytestmark = pytest.mark.slow
REQUESTS = 240
CONCURRENCY = 16


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(url: str, process: subprocess.Popen, timeout: float = 90) -> None:
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


def wait_workers(log_path: Path, workers: int, process: subprocess.Popen, timeout: float = 120) -> None:
    """Wait until `workers` distinct processes logged that they are ready (a worker still starting accepts nothing)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited with status {process.returncode}")
        if len(set(re.findall(r"\[(\d+)\] api\.startup: ready", log_path.read_text()))) >= workers:
            return
        time.sleep(0.5)
    raise AssertionError(f"{workers} workers were not ready in time")


def test_two_workers_log_one_event_per_successful_score(api_world: ApiWorld, clients: dict, client,
                                                        tmp_path: Path) -> None:
    events_url = f"sqlite:///{tmp_path / 'events.sqlite'}"
    port = free_port()
    log_path = tmp_path / "server.log"
    env = api_world.env(HC_EVENTS_URL=events_url, HC_API_WORKERS="2", HC_API_PORT=str(port))
    application = client.get(f"/v1/clients/{clients['test']}/application", headers=HEADERS).json()["application"]
    with log_path.open("w") as log:
        process = subprocess.Popen([sys.executable, "-m", "api", "serve"], cwd=REPO_ROOT, env=env, stdout=log,
                                   stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, process)
        wait_workers(log_path, 2, process)
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
                    return http.get("/v1/population/summary").status_code, False  # not a score: no event
                return http.get(f"/v1/clients/{ids[i % 3]}/score").status_code, True

        with ThreadPoolExecutor(CONCURRENCY) as pool:
            results = list(pool.map(one, range(REQUESTS)))
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    scored_ok = sum(1 for status, scoring in results if scoring and status == 200)
    assert sorted({status for status, _ in results}) == [200, 404]
    assert sum(1 for status, _ in results if status == 404) == REQUESTS // 5
    engine = sa.create_engine(events_url)
    with engine.connect() as con:
        events = con.execute(sa.text("select count(*), count(distinct request_id) from prediction_events")).one()
    engine.dispose()
    assert scored_ok == REQUESTS * 3 // 5
    assert tuple(events) == (scored_ok, scored_ok)
    workers = set(re.findall(r"\[(\d+)\] api\.access: \w+ GET /v1/clients/\d+/score", log_path.read_text()))
    assert len(workers) == 2, "both workers served scores"
