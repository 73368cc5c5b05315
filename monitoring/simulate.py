"""`python -m monitoring simulate`: replay test clients through the running API, unchanged then drifted.

Pass (a) posts the applications of a seeded sample of test clients exactly as they are in `raw.application_test`;
pass (b) posts the same clients with a realistic drift injected into the raw fields (the API recomputes every
derived feature from them with the dbt SQL): incomes inflated by half, applicants ten years younger (employment
kept within working age), external scores EXT_SOURCE_2 and EXT_SOURCE_3 lowered by 0.12, and EXT_SOURCE_1 no
longer filled for 70% of those who had one. After each pass the monitor runs on that pass's events (time window):
the simulation succeeds when (a) raises no alert and (b) raises one naming drifted features.
"""

from __future__ import annotations

import logging
import math
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import httpx
import numpy as np
import pandas as pd

from api.events import EventStore
from api.principals import PrincipalStore
from common.settings import Settings
from monitoring.events import Window
from monitoring.markdown import render_simulation
from monitoring.reports import write_reports

log = logging.getLogger(__name__)
ADULT_DAYS = 18 * 365.25
INJECTED = {"AMT_INCOME_TOTAL": "x1.5", "DAYS_BIRTH": "10 years younger", "EXT_SOURCE_2": "-0.12",
            "EXT_SOURCE_3": "-0.12", "EXT_SOURCE_1": "70% more missing"}


def inject_drift(apps: pd.DataFrame, seed: int) -> pd.DataFrame:
    """The same applications with the drift of pass (b) in their raw Kaggle fields."""
    rng = np.random.default_rng([seed, 7])
    out = apps.copy()
    out["AMT_INCOME_TOTAL"] = (out["AMT_INCOME_TOTAL"] * 1.5).round(1)
    younger = np.minimum(out["DAYS_BIRTH"] + round(10 * 365.25), -round(ADULT_DAYS) - 1)
    out["DAYS_BIRTH"] = younger.astype("int64")
    employed = out["DAYS_EMPLOYED"]
    working = employed.notna() & (employed <= 0)
    # nobody has worked since before their 16th birthday: -days_employed <= age - 16 years
    limit = out["DAYS_BIRTH"] + round(16 * 365.25)
    out.loc[working, "DAYS_EMPLOYED"] = np.maximum(employed[working], limit[working]).astype("int64")
    for col in ("EXT_SOURCE_2", "EXT_SOURCE_3"):
        out[col] = (out[col] - 0.12).clip(lower=0.0001, upper=1.0)
    present = out["EXT_SOURCE_1"].notna().to_numpy()
    out.loc[present & (rng.random(len(out)) < 0.7), "EXT_SOURCE_1"] = np.nan
    return out


def test_applications(db_path: Path, n: int, seed: int) -> pd.DataFrame:
    """A seeded sample of `n` rows of `raw.application_test` (read-only), Kaggle columns."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        apps = con.sql("select * from raw.application_test order by SK_ID_CURR").df()
    return apps.sample(min(n, len(apps)), random_state=seed).sort_values("SK_ID_CURR").reset_index(drop=True)


def payload(row: dict) -> dict:
    """One application as JSON: missing values left out, numpy numbers as Python ones."""
    out = {}
    for key, value in row.items():
        if key == "SK_ID_CURR" or value is None or (isinstance(value, float) and math.isnan(value)):
            continue
        out[key] = value.item() if hasattr(value, "item") else value
    return out


class ApiClient:
    """Posts applications to the running API (POST /v1/score with X-API-Key)."""

    def __init__(self, base_url: str, key: str, concurrency: int = 4, timeout_s: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.concurrency = concurrency
        self.http = httpx.Client(base_url=self.base_url, headers={"X-API-Key": key}, timeout=timeout_s,
                                 limits=httpx.Limits(max_connections=concurrency))

    def healthy(self) -> dict | None:
        """GET /health: the served model and feature version, or None when nothing answers."""
        try:
            response = self.http.get("/health", timeout=5.0)
        except httpx.HTTPError:
            return None
        return response.json() if response.status_code == 200 else None

    def score(self, client_id: int, application: dict) -> dict:
        """Score one application of an existing client (its history kept); raises on any non-200 answer."""
        response = self.http.post("/v1/score", params={"top": 1},
                                  json={"client_id": client_id, "application": application})
        if response.status_code != 200:
            raise RuntimeError(f"POST /v1/score for client {client_id}: {response.status_code} {response.text[:300]}")
        return response.json()

    def replay(self, apps: pd.DataFrame) -> list[dict]:
        """Score every application, `concurrency` at a time."""
        rows = apps.to_dict("records")
        with ThreadPoolExecutor(self.concurrency) as pool:
            return list(pool.map(lambda r: self.score(int(r["SK_ID_CURR"]), payload(r)), rows))

    def close(self) -> None:
        """Close the connections."""
        self.http.close()


def run_pass(settings: Settings, client: ApiClient, apps: pd.DataFrame, name: str,
             monitor: Callable[..., object]) -> dict:
    """Replay `apps`, then monitor exactly the events of this pass (by time window)."""
    since = datetime.now(UTC)
    started = time.perf_counter()
    answers = client.replay(apps)
    seconds = time.perf_counter() - started
    time.sleep(0.05)
    until = datetime.now(UTC)
    log.info("pass %s: %d applications scored in %.1f s (%.0f per second)", name, len(answers), seconds,
             len(answers) / seconds)
    out = Path(settings.reports_dir) / "simulate" / name
    result = monitor(settings, Window(since=since, until=until), out_dir=out, source=f"simulate-{name}")
    return {"name": name, "requests": len(answers), "seconds": round(seconds, 2), "since": since.isoformat(),
            "until": until.isoformat(),
            "mean_probability": float(np.mean([a.get("probability_default", a.get("probability")) for a in answers])),
            "alerts": result.alerts, "drifted_features": result.summary.get("drifted_features", []),
            "report": str(out / "monitor.md")}


def verdict(unchanged: dict, drifted: dict) -> dict:
    """Whether the simulation gave the expected outcomes: (a) no alert, (b) an alert naming drifted features."""
    named = [c for a in drifted["alerts"] if a["kind"] == "feature_drift" for c in a.get("columns", [])]
    ok_a = not unchanged["alerts"]
    ok_b = bool(named)
    return {"ok": ok_a and ok_b, "unchanged_without_alert": ok_a, "drift_alert_names_features": ok_b,
            "named_features": named}


class LocalApi:
    """`python -m api serve` on a free loopback port, with its own event store and its own principal
    (`simulation`, an advisor: a posted application with a client id needs `client:read`); stopped by its pid."""

    def __init__(self, settings: Settings, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.events_path = (folder / "events.sqlite").resolve()
        for stale in folder.glob("events.sqlite*"):
            stale.unlink()
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.events_url = f"sqlite:///{self.events_path}"
        store = EventStore(self.events_url)
        self.key = PrincipalStore(store.engine).add("simulation", "advisor")
        store.dispose()
        env = {**os.environ, "HC_EVENTS_URL": self.events_url, "HC_API_HOST": "127.0.0.1"}
        for shared in ("HC_API_KEYS", "HC_API_KEY_FILE"):
            env.pop(shared, None)
        self.log_path = folder / "api.log"
        self._log = open(self.log_path, "w")  # noqa: SIM115 (kept open for the child's lifetime)
        self.process = subprocess.Popen([sys.executable, "-m", "api", "serve", "--host", "127.0.0.1", "--port",
                                         str(self.port), "--workers", "1", "--log-level", "WARNING"],
                                        env=env, stdout=self._log, stderr=subprocess.STDOUT)
        log.info("started the API (pid %d) on %s, events in %s", self.process.pid, self.url, self.events_path)

    def wait(self, client: ApiClient, timeout_s: float) -> dict:
        """Wait until /health answers; raises ConnectionError when the API exits or takes too long."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ConnectionError(f"the API exited with status {self.process.returncode}: see {self.log_path}")
            health = client.healthy()
            if health is not None:
                return health
            time.sleep(0.5)
        raise ConnectionError(f"the API did not answer /health within {timeout_s:.0f} s: see {self.log_path}")

    def stop(self) -> None:
        """Terminate the API process (SIGTERM, then SIGKILL after 15 s)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self._log.close()


def run_simulation(settings: Settings, monitor: Callable[..., object], n_clients: int, seed: int,
                   api_url: str | None = None, concurrency: int = 4, start_timeout_s: float = 600.0) -> dict:
    """Replay a sample of test clients unchanged, then drifted; monitor each pass; write the outcome.

    With `api_url`, the API already running there is used and its events are read from HC_EVENTS_URL;
    without it, an API is started on a free loopback port with an event store of its own under
    `<reports_dir>/simulate/` (so simulated traffic never mixes with real events) and stopped at the end.

    Args:
        monitor: what runs on each pass's events (`monitoring.monitor.run_monitor`, given by the command line).
    """
    folder = Path(settings.reports_dir) / "simulate"
    server = None
    if api_url:
        if not settings.api_key:
            raise LookupError("no key to call the running API: set HC_API_KEY to the key of a principal with the "
                              "scopes score and client:read (`python -m api principals add simulation --role "
                              "advisor`)")
        client = ApiClient(api_url, settings.api_key, concurrency)
        health = client.healthy()
        if health is None:
            raise ConnectionError(f"no API answers at {api_url}/health")
    else:
        server = LocalApi(settings, folder)
        client = ApiClient(server.url, server.key, concurrency)
        settings = settings.model_copy(update={"events_url": server.events_url, "alerts_url": None})
    try:
        health = server.wait(client, start_timeout_s) if server else health
        log.info("API serves %s v%s on feature version %s", health.get("model_name"), health.get("model_version"),
                 health.get("feature_version"))
        apps = test_applications(settings.duckdb_path, n_clients, seed)
        unchanged = run_pass(settings, client, apps, "a-unchanged", monitor)
        drifted = run_pass(settings, client, inject_drift(apps, seed), "b-drifted", monitor)
    finally:
        client.close()
        if server:
            server.stop()
    outcome = {"served": health, "clients": len(apps), "seed": seed, "injected": INJECTED,
               "passes": [unchanged, drifted], **verdict(unchanged, drifted)}
    write_outcome(folder, outcome)
    return outcome


def write_outcome(folder: Path, outcome: dict) -> None:
    """`simulation.json` and `simulation.md` in `folder`."""
    write_reports(folder, "simulation", outcome, render_simulation(outcome))
