"""The API without its access checks, for `bench.api` only: what the checks cost is measured against it.

Same app, same model, same event writes (HC_EVENTS_SYNCHRONOUS), but no principal lookup, no scope check, no rate-limit
counter and no audit row: every route's access dependency answers a fixed principal, and a request's transaction
holds its prediction event alone. Never served outside the benchmark (`uvicorn bench.unchecked:create_app
--factory`).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from fastapi import FastAPI, Request

from api import events
from api.access import Access
from api.main import create_app as create_checked_app
from api.principals import ROLE_SCOPES, Principal
from common.contracts.events import EVENTS

BENCH_PRINCIPAL = Principal("bench", "advisor", ROLE_SCOPES["advisor"])


def _events_only(self: events.EventStore, rows: list, shadow: list | None = None) -> None:
    """The writer's transaction without the audit rows (same group commit, same fsync per batch); same signature as
    `EventStore._insert`, which it replaces (a test compares them)."""
    now = datetime.now(tz=UTC)
    rows = [events._row(e, now) | {"features": json.dumps(e.features, default=str)}
            for _, e in rows if isinstance(e, events.Event)]
    if rows:
        with self.engine.begin() as con:
            con.execute(EVENTS.insert(), rows)


async def _unchecked(self: Access, request: Request, key: str | None = None, token: object = None) -> Principal:
    request.state.principal = BENCH_PRINCIPAL
    return BENCH_PRINCIPAL


def create_app() -> FastAPI:
    """The app with every route's access dependency answering BENCH_PRINCIPAL, and no audit row."""
    events.EventStore._insert = _events_only
    Access.__call__ = _unchecked  # every route's instance: no key read, no lookup, no scope, no counter
    return create_checked_app()
