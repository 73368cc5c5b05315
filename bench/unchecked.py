"""The API without its access checks, for `bench.api` only: what the checks cost is measured against it.

Same app, same model, same event writes (synchronous=FULL), but no principal lookup, no scope check, no rate-limit
counter and no audit row: every route's access dependency answers a fixed principal, and a request's transaction
holds its prediction event alone. Never served outside the benchmark (`uvicorn bench.unchecked:create_app
--factory`).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime

from fastapi import FastAPI, Request

from api import events
from api.access import Access
from api.main import create_app as create_checked_app
from api.principals import ROLE_SCOPES, Principal
from common.contracts.events import EVENTS

BENCH_PRINCIPAL = Principal("bench", "advisor", ROLE_SCOPES["advisor"])


def _event_only(self: events.EventStore, audit: events.AuditRecord, event: events.Event | None = None) -> None:
    if event is None:
        return
    row = {**asdict(event), "features": json.dumps(event.features, default=str), "created_at": datetime.now(tz=UTC)}
    with self.engine.begin() as con:
        con.execute(EVENTS.insert(), row)


def create_app() -> FastAPI:
    """The app with every Access dependency answering BENCH_PRINCIPAL and no audit row."""
    events.EventStore.record = _event_only
    app = create_checked_app()
    for route in app.routes:
        for dependency in getattr(getattr(route, "dependant", None), "dependencies", []):
            if isinstance(dependency.call, Access):
                app.dependency_overrides[dependency.call] = _fixed_principal
    return app


def _fixed_principal(request: Request) -> Principal:
    request.state.principal = BENCH_PRINCIPAL
    return BENCH_PRINCIPAL
