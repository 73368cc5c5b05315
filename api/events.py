"""The prediction event store: one row per scoring response, written before the response leaves.

Any SQLAlchemy URL (`HC_EVENTS_URL`); the default is a SQLite file in WAL mode, which accepts concurrent
writers from several worker processes (each insert waits for the write lock up to `BUSY_TIMEOUT_MS`).
An event is committed before its response is sent, and a response whose event could not be written is an
error (503), so the number of events equals the number of successful scoring responses.

The table is a contract (`common/contracts/events.py`, read by monitoring).
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from common.contracts.events import EVENTS, METADATA

log = logging.getLogger(__name__)
BUSY_TIMEOUT_MS = 30_000

class EventStoreError(RuntimeError):
    """An event could not be written (the response must then fail)."""


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


def application_hash(application: dict[str, Any], client_id: int | None) -> str:
    """SHA-256 of the posted application (canonical JSON) and client id: identifies it without storing it twice."""
    text = json.dumps({"client_id": client_id, "application": application}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


class EventStore:
    """Append-only writer of prediction events."""

    def __init__(self, url: str) -> None:
        self.url = url
        parsed = sa.engine.make_url(url)
        kwargs: dict[str, Any] = {"pool_pre_ping": False}
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
            kwargs["pool_size"] = 20
            kwargs["max_overflow"] = 20
        self.engine = sa.create_engine(url, **kwargs)
        if parsed.get_backend_name() == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        self._create()

    def _create(self) -> None:
        try:
            METADATA.create_all(self.engine, tables=[EVENTS], checkfirst=True)
        except sa.exc.OperationalError:
            # another worker created it at the same moment
            if not sa.inspect(self.engine).has_table(EVENTS.name):
                raise

    def append(self, event: Event) -> None:
        """Insert and commit one event; EventStoreError when the store refuses it."""
        row = {**event.__dict__, "features": json.dumps(event.features, default=_json_default),
               "created_at": datetime.now(tz=UTC)}
        try:
            with self.engine.begin() as con:
                con.execute(EVENTS.insert(), row)
        except sa.exc.SQLAlchemyError as error:
            log.error("event %s not written: %s", event.request_id, type(error).__name__)
            raise EventStoreError("the prediction could not be logged") from None

    def count(self) -> int:
        """Number of events stored."""
        with self.engine.connect() as con:
            return int(con.execute(sa.select(sa.func.count()).select_from(EVENTS)).scalar_one())

    def dispose(self) -> None:
        """Close the connections."""
        self.engine.dispose()


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    return str(value)
