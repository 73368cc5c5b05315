"""The API's side of the events database: the audit row of every request and the event of every score.

Any SQLAlchemy URL (`HC_EVENTS_URL`); the default is a SQLite file in WAL mode with `synchronous=FULL` (a committed
row survives a power cut), which accepts concurrent writers from several worker processes (each write waits for the
lock up to `BUSY_TIMEOUT_MS`). The tables are a contract (`common/contracts/events.py`).

Every request's rows are committed before its response leaves (`api.audit`): the audit row, and the prediction event
when the request produced a score. A response whose rows could not be written is an error (503), so audit rows equal
responses and events equal successful scores. A durable commit costs an fsync (milliseconds on a shared disk), so a
writer thread commits the rows of every request waiting at that moment in one transaction (group commit): each
request still waits for its own rows to be on disk, but concurrent requests share the fsync.

With shadow scoring (`api.shadow`), the writer hands every committed event to the shadow scorer (`on_commit`), whose
challenger scores come back as updates of those rows (`submit_shadow`), committed by the same thread in its next
transaction: after the row they update, sharing the fsync with the requests of that moment.

Rate-limit counters need no durability (losing a minute's counts in a crash is harmless) and must not wait behind the
fsyncs: with SQLite they live in a database file of their own beside the events database (`<name>.counters.sqlite`,
`synchronous=OFF`); with a server database, in its `rate_counters` table.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from api.prepared import BusyError, Prepared
from common.contracts.events import AUDIT_LOG, EVENTS, RATE_COUNTERS, ensure_schema

log = logging.getLogger(__name__)
BUSY_TIMEOUT_MS = 30_000


class EventStoreError(RuntimeError):
    """A row could not be written (the response must then fail)."""


@dataclass
class Event:
    """One scoring response."""

    request_id: str
    endpoint: str
    client_id: int | None
    application_hash: str | None
    features: dict[str, Any]
    probability: float
    decision: str
    threshold: float
    model_name: str
    model_version: str
    feature_version: str
    latency_ms: float
    principal: str | None = None


@dataclass
class Row:
    """A row of another append-only table written with its request's audit row, in the same transaction (a human
    decision: `api.decisions`); `created_at` is set at commit like the audit row's."""

    table: sa.Table
    values: dict[str, Any]


@dataclass
class AuditRecord:
    """Who did what to which client, and how it ended."""

    request_id: str
    principal: str | None
    role: str | None
    method: str
    route: str
    client_id: int | None
    application_hash: str | None
    status: int


def application_hash(application: dict[str, Any], client_id: int | None) -> str:
    """SHA-256 of the posted application (canonical JSON) and client id: identifies it without storing it twice."""
    text = json.dumps({"client_id": client_id, "application": application}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _pragmas(synchronous: str, busy_timeout_ms: int):
    def apply(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.close()
    return apply


def make_engine(url: str, synchronous: str = "FULL", busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> sa.Engine:
    """An engine on the events database; SQLite gets WAL, the given `synchronous` and busy timeout."""
    parsed = sa.engine.make_url(url)
    kwargs: dict[str, Any] = {"pool_pre_ping": False}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": busy_timeout_ms / 1000, "check_same_thread": False}
        kwargs["pool_size"] = 20
        kwargs["max_overflow"] = 20
    engine = sa.create_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        sa.event.listen(engine, "connect", _pragmas(synchronous, busy_timeout_ms))
    return engine


def local_file(url: str) -> bool:
    """Whether the database is a SQLite file on this machine (its short queries may run on the event loop)."""
    parsed = sa.engine.make_url(url)
    return parsed.get_backend_name() == "sqlite" and bool(parsed.database) and parsed.database != ":memory:"


def upsert_into(engine: sa.Engine, table: sa.Table) -> Any:
    """An INSERT of `engine`'s dialect that takes ON CONFLICT (SQLite or PostgreSQL, the events databases served)."""
    return (postgresql if engine.dialect.name == "postgresql" else sqlite).insert(table)


def counters_url(url: str) -> str:
    """Where the rate-limit counters go: a SQLite file of their own beside a SQLite events database, else the same
    database."""
    if not local_file(url):
        return url
    parsed = sa.engine.make_url(url)
    path = Path(parsed.database)
    return str(parsed.set(database=str(path.with_name(f"{path.stem}.counters{path.suffix or '.sqlite'}"))))


class EventStore:
    """Append-only writer of audit rows and prediction events (group commit); the cross-worker rate-limit counters."""

    def __init__(self, url: str, synchronous: str = "FULL") -> None:
        self.url = url
        self.engine = make_engine(url, synchronous)
        ensure_schema(self.engine)
        self.counters = make_engine(counters_url(url), "OFF")
        RATE_COUNTERS.create(self.counters, checkfirst=True)
        # the same files through connections that never wait for a lock: the per-request checks on the event loop
        local = local_file(url)
        self.nowait = make_engine(url, synchronous, 0) if local else None
        self.counters_nowait = counters_nowait = make_engine(counters_url(url), "OFF", 0) if local else None
        upsert = upsert_into(self.counters, RATE_COUNTERS).values(
            principal=sa.bindparam("principal"), bucket=sa.bindparam("bucket"),
            window_start=sa.bindparam("window_start"), count=1)
        self._count_hit = Prepared(self.counters, upsert.on_conflict_do_update(
            index_elements=["principal", "bucket", "window_start"],
            set_={"count": RATE_COUNTERS.c.count + 1}).returning(RATE_COUNTERS.c.count), counters_nowait)
        self._clear_windows = Prepared(self.counters, RATE_COUNTERS.delete().where(
            RATE_COUNTERS.c.bucket == sa.bindparam("bucket")).where(RATE_COUNTERS.c.window_start < sa.bindparam("before")),
            counters_nowait)
        self._pending: list[tuple[AuditRecord, Event | Row | None, Future]] = []
        self._shadow: list[dict[str, Any]] = []  # challenger scores of committed events, to write
        self.on_commit: Callable[[list[Event]], None] | None = None  # gets the events of each committed batch
        self._ready = threading.Condition()
        self._closed = False
        self._writer = threading.Thread(target=self._write_loop, name="events-writer", daemon=True)
        self._writer.start()

    def submit(self, audit: AuditRecord, event: Event | Row | None = None) -> Future:
        """Queue the audit row of a request and its prediction event (or other row) for the writer; the future is
        done once they are on disk (EventStoreError when the database refuses them)."""
        done: Future = Future()
        with self._ready:
            if self._closed:
                done.set_exception(EventStoreError("the event store is closed"))
                return done
            self._pending.append((audit, event, done))
            self._ready.notify()
        return done

    def submit_shadow(self, request_id: str, version: str, probability: float, decision: str) -> None:
        """Queue the challenger's score of an already committed event (written by the writer, not waited for)."""
        with self._ready:
            if self._closed:
                return
            self._shadow.append({"b_request_id": request_id, "b_version": version, "b_probability": probability,
                                 "b_decision": decision})
            self._ready.notify()

    def record(self, audit: AuditRecord, event: Event | Row | None = None) -> None:
        """Commit the audit row of a request and its prediction event, together, and return once they are on disk;
        EventStoreError when the database refuses them."""
        self.submit(audit, event).result()

    def _write_loop(self) -> None:
        while True:
            with self._ready:
                while not self._pending and not self._shadow and not self._closed:
                    self._ready.wait()
                batch, self._pending = self._pending, []
                shadow, self._shadow = self._shadow, []
            if not batch and not shadow:
                return
            if batch:
                self._commit(batch, shadow)
            else:
                self._commit_shadow(shadow)

    def _commit(self, batch: list[tuple[AuditRecord, Event | Row | None, Future]],
                shadow: list[dict[str, Any]] | None = None) -> None:
        """One transaction for the batch (and the pending shadow scores); when it fails, each request alone (so that
        one bad row fails only its own request)."""
        try:
            self._insert([(audit, event) for audit, event, _ in batch], shadow)
        except sa.exc.SQLAlchemyError as error:
            if shadow:
                self._commit_shadow(shadow)
            if len(batch) > 1:
                for item in batch:
                    self._commit([item])
                return
            audit, event, done = batch[0]
            log.error("request %s: audit row%s not written: %s", audit.request_id,
                      " and prediction event" if event is not None else "", type(error).__name__)
            done.set_exception(EventStoreError("the request could not be recorded"))
            return
        for _, _, done in batch:
            done.set_result(None)
        committed = [event for _, event, _ in batch if isinstance(event, Event)]  # scorings, not decisions
        if committed and self.on_commit is not None:
            try:
                self.on_commit(committed)
            except Exception:  # noqa: BLE001 - the writer must outlive its listener
                log.exception("the listener of committed events failed")

    def _commit_shadow(self, shadow: list[dict[str, Any]]) -> None:
        try:
            with self.engine.begin() as con:
                _update_shadow(con, shadow)
        except sa.exc.SQLAlchemyError as error:
            log.error("%d challenger scores not written: %s", len(shadow), type(error).__name__)

    def _insert(self, rows: list[tuple[AuditRecord, Event | Row | None]], shadow: list[dict[str, Any]] | None = None) -> None:
        now = datetime.now(tz=UTC)
        events = [_row(e, now) | {"features": json.dumps(e.features, default=_json_default)}
                  for _, e in rows if isinstance(e, Event)]
        with self.engine.begin() as con:
            if events:
                con.execute(EVENTS.insert(), events)
            for _, other in rows:
                if isinstance(other, Row):
                    con.execute(other.table.insert(), {"created_at": now} | other.values)
            con.execute(AUDIT_LOG.insert(), [_row(a, now) for a, _ in rows])
            if shadow:
                _update_shadow(con, shadow)

    def hit(self, principal: str, bucket: str, window_s: int, now: float | None = None,
            wait: bool = True) -> tuple[int, int]:
        """Count one request of `principal` in the current window of `bucket`.

        Returns:
            (requests in this window so far, this one included; seconds until the window ends).

        Raises:
            BusyError: with `wait=False`, when counting would have to wait for a lock (nothing was counted).
        """
        now = time.time() if now is None else now
        start = int(now // window_s * window_s)
        values = {"principal": principal, "bucket": bucket, "window_start": start}
        count = int((self._count_hit.first(values) if wait else self._count_hit.first_now(values))[0])
        if count == 1:  # the first request of a window clears the windows that are over
            with contextlib.suppress(BusyError):  # the request is counted; the next window's first clears them
                (self._clear_windows.first if wait else self._clear_windows.first_now)(
                    {"bucket": bucket, "before": start - window_s})
        return count, max(1, int(start + window_s - now + 0.999))

    def count(self, table: sa.Table = EVENTS) -> int:
        """Rows of a table (events by default)."""
        with self.engine.connect() as con:
            return int(con.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())

    def ready(self) -> bool:
        """Whether the database answers a query now."""
        try:
            with self.engine.connect() as con:
                con.execute(sa.text("select 1"))
        except sa.exc.SQLAlchemyError:
            return False
        return True

    def dispose(self) -> None:
        """Write what is pending, stop the writer, close the connections."""
        with self._ready:
            self._closed = True
            self._ready.notify()
        self._writer.join(timeout=30)
        for engine in (self.engine, self.counters, self.nowait, self.counters_nowait):
            if engine is not None:
                engine.dispose()


def _update_shadow(con: sa.Connection, shadow: list[dict[str, Any]]) -> None:
    statement = (EVENTS.update().where(EVENTS.c.request_id == sa.bindparam("b_request_id"))
                 .values(challenger_version=sa.bindparam("b_version"),
                         challenger_probability=sa.bindparam("b_probability"),
                         challenger_decision=sa.bindparam("b_decision")))
    con.execute(statement, shadow)


def _row(record: AuditRecord | Event, now: datetime) -> dict[str, Any]:
    """A record as a table row (a shallow copy: `asdict` would deep-copy the features of every event)."""
    return {f.name: getattr(record, f.name) for f in fields(record)} | {"created_at": now}


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    return str(value)
