"""The events database and shadow scoring: an existing database gains the challenger columns; a challenger score is
written into the committed event it belongs to, after it; the writer hands committed events to its listener."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from api.events import AuditRecord, Event, EventStore
from common.contracts.events import EVENTS

CHALLENGER_COLUMNS = ("challenger_version", "challenger_probability", "challenger_decision")


def event(request_id: str, client_id: int = 100002) -> Event:
    return Event(request_id=request_id, endpoint="GET /v1/clients/{client_id}/score", client_id=client_id,
                 application_hash=None, features={"ext_source_2": 0.5}, probability=0.25, decision="accept",
                 threshold=0.4, model_name="credit-scoring", model_version="1", feature_version="fv0001",
                 latency_ms=1.5, principal="advisor-test")


def audit(request_id: str) -> AuditRecord:
    return AuditRecord(request_id=request_id, principal="advisor-test", role="advisor", method="GET",
                       route="/v1/clients/{client_id}/score", client_id=100002, application_hash=None, status=200)


def rows(url: str, sql: str) -> list[tuple]:
    engine = sa.create_engine(url)
    with engine.connect() as con:
        found = [tuple(r) for r in con.execute(sa.text(sql))]
    engine.dispose()
    return found


def test_an_events_database_from_before_shadow_scoring_gains_the_challenger_columns(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    old = sa.MetaData()
    sa.Table(EVENTS.name, old, *[c._copy() for c in EVENTS.columns if c.name not in CHALLENGER_COLUMNS])
    engine = sa.create_engine(url)
    old.create_all(engine)
    with engine.begin() as con:
        con.execute(sa.text("insert into prediction_events (created_at, request_id, endpoint, features, probability, "
                            "decision, threshold, model_name, model_version, feature_version, latency_ms) values "
                            "('2026-12-01 10:00:00', 'old-1', 'GET /v1/clients/{client_id}/score', '{}', 0.3, "
                            "'accept', 0.4, 'credit-scoring', '1', 'fv0001', 2.0)"))
    engine.dispose()
    assert not set(CHALLENGER_COLUMNS) & {c["name"] for c in sa.inspect(sa.create_engine(url)).get_columns(EVENTS.name)}
    EventStore(url).dispose()
    columns = {c["name"]: c for c in sa.inspect(sa.create_engine(url)).get_columns(EVENTS.name)}
    assert [c for c in columns if c in CHALLENGER_COLUMNS] == list(CHALLENGER_COLUMNS)
    assert all(columns[c]["nullable"] for c in CHALLENGER_COLUMNS)
    assert rows(url, "select request_id, probability, challenger_version, challenger_probability, "
                     "challenger_decision from prediction_events") == [("old-1", 0.3, None, None, None)]
    EventStore(url).dispose()  # a second start changes nothing
    assert len(sa.inspect(sa.create_engine(url)).get_columns(EVENTS.name)) == len(EVENTS.columns)


def test_a_challenger_score_is_written_into_its_committed_event(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'events.sqlite'}"
    store = EventStore(url)
    committed: list[str] = []
    store.on_commit = lambda events: committed.extend(e.request_id for e in events)
    store.submit(audit("r-1"), event("r-1")).result(timeout=30)
    store.submit(audit("r-2")).result(timeout=30)  # no event: nothing for the listener
    assert committed == ["r-1"]
    store.submit_shadow("r-1", "2", 0.125, "accept")
    store.submit_shadow("r-unknown", "2", 0.5, "refuse")  # no such event: updates nothing
    store.submit(audit("r-3"), event("r-3", 100003)).result(timeout=30)  # the shadow score goes with this batch
    store.dispose()
    assert committed == ["r-1", "r-3"]
    assert rows(url, "select request_id, model_version, probability, challenger_version, challenger_probability, "
                     "challenger_decision from prediction_events order by request_id") == [
        ("r-1", "1", 0.25, "2", 0.125, "accept"), ("r-3", "1", 0.25, None, None, None)]
    assert rows(url, "select count(*) from audit_log") == [(3,)]
