"""A real API process for the dashboard tests (no mock), on the API tests' world (tests/api/conftest.py):
the seeded synthetic data loaded by the real loader, built by the real dbt pipeline, a small LightGBM champion
registered the way training registers one; served by `python -m api serve` on a free loopback port.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import httpx
import pytest
import streamlit as st

from dashboard import session
from dashboard.settings import get_settings
from tools.browser import free_port, wait_http

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class LiveApi:
    """A running API and what the tests need to know about its data."""

    url: str
    key: str
    accepted: int  # a client the model accepts
    refused: int  # a client the model refuses
    client_ids: tuple[int, ...]


def decided_clients(duckdb_path: Path, url: str, key: str) -> tuple[int, int, tuple[int, ...]]:
    """One accepted and one refused client (asked to the API), and the first client ids."""
    with duckdb.connect(str(duckdb_path), read_only=True) as con:
        ids = tuple(r[0] for r in con.sql("select client_id from marts.client_profiles order by client_id limit 80").fetchall())
    found: dict[str, int] = {}
    with httpx.Client(base_url=url, headers={"X-API-Key": key}, timeout=10) as client:
        for client_id in ids:
            found.setdefault(client.get(f"/v1/clients/{client_id}/score").json()["decision"], client_id)
            if len(found) == 2:
                break
    return found["accepted"], found["refused"], ids


def start_api(env: dict[str, str], log_path: Path) -> tuple[subprocess.Popen, str]:
    """`python -m api serve` on a free loopback port with the given environment; waits for /health."""
    port = free_port()
    log = open(log_path, "wb")  # noqa: SIM115 - the process writes to it until it is stopped
    process = subprocess.Popen([sys.executable, "-m", "api", "serve", "--host", "127.0.0.1", "--port", str(port),
                                "--log-level", "WARNING"], env=env, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{url}/health", 300, process)  # a loaded 2-core machine loads the model slowly
    except (RuntimeError, TimeoutError) as error:
        stop(process)
        raise RuntimeError(f"{error}; API log:\n{log_path.read_text(errors='replace')[-3000:]}") from None
    return process, url


def stop(process: subprocess.Popen) -> None:
    """Terminate a process started by these tests (kill it if it lingers)."""
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()


def point_dashboard_at(url: str, key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the in-process dashboard talk to `url` as the advisor of `key` (what the sign-in form keeps in the
    session; AppTest pages get it from HC_API_KEY): settings and caches reset."""
    monkeypatch.setenv("HC_API_URL", url)
    monkeypatch.setenv("HC_API_KEY", key)
    st.session_state[session.KEY] = key  # calls made outside a page run (bare mode) read it there
    get_settings.cache_clear()
    st.cache_data.clear()
    st.cache_resource.clear()
