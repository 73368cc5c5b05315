"""`python -m monitoring audit`: who saw a client, what a person looked at."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from api.events import AuditRecord, EventStore
from common.contracts.events import AUDIT_LOG
from monitoring.audit import read_audit


@pytest.fixture
def events_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'events.sqlite'}"
    store = EventStore(url)
    rows = [("alice", "advisor", "/v1/clients/{client_id}", 100002, 200), ("bob", "analyst", "/v1/population/summary",
            None, 200), ("alice", "advisor", "/v1/clients/{client_id}/explanation", 100003, 200),
            ("bob", "analyst", "/v1/clients/{client_id}", 100002, 403), (None, None, "/v1/clients/{client_id}", 100002, 401)]
    for i, (principal, role, route, client_id, status) in enumerate(rows):
        store.record(AuditRecord(f"r{i}", principal, role, "GET", route, client_id, None, status))
    with store.engine.begin() as con:  # the first row a day earlier, for --since
        con.execute(sa.text("drop trigger audit_log_no_update"))
        con.execute(AUDIT_LOG.update().where(AUDIT_LOG.c.request_id == "r0")
                    .values(created_at=datetime.now(UTC) - timedelta(days=1)))
    store.dispose()
    return url


def test_who_saw_a_client_and_what_a_person_looked_at(events_url: str) -> None:
    assert [(r["request_id"], r["principal"], r["status"]) for r in read_audit(events_url, client_id=100002)] == [
        ("r0", "alice", 200), ("r3", "bob", 403), ("r4", None, 401)]
    assert [r["route"] for r in read_audit(events_url, principal="alice")] == [
        "/v1/clients/{client_id}", "/v1/clients/{client_id}/explanation"]
    recent = read_audit(events_url, client_id=100002, since=datetime.now(UTC) - timedelta(hours=1))
    assert [r["request_id"] for r in recent] == ["r3", "r4"]


def test_cli_prints_json_lines_and_fails_clearly_without_an_audit_log(events_url: str, tmp_path: Path) -> None:
    env = {**os.environ, "HC_EVENTS_URL": events_url}
    done = subprocess.run([sys.executable, "-m", "monitoring", "audit", "--principal", "bob", "--json"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(r["request_id"], r["route"], r["status"]) for r in lines] == [
        ("r1", "/v1/population/summary", 200), ("r3", "/v1/clients/{client_id}", 403)]
    empty = {**os.environ, "HC_EVENTS_URL": f"sqlite:///{tmp_path / 'none.sqlite'}"}
    missing = subprocess.run([sys.executable, "-m", "monitoring", "audit"], env=empty, capture_output=True, text=True,
                             timeout=120)
    assert missing.returncode == 2
    assert "no 'audit_log' table in sqlite:///" in missing.stderr
