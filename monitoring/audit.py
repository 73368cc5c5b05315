"""`python -m monitoring audit`: who saw this client, and what did this person look at (the API's audit log).

Reads the append-only `audit_log` table of the events database (`HC_EVENTS_URL`, written by the API for every
request to `/v1/`): time, request id, principal and role, method, route, client id or application hash, status.
"""

from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa

from common.contracts.events import AUDIT_LOG

COLUMNS = ("created_at", "principal", "role", "method", "route", "client_id", "application_hash", "status",
           "request_id")


def read_audit(url: str, client_id: int | None = None, principal: str | None = None, since: datetime | None = None,
               limit: int = 10_000) -> list[dict]:
    """Audit rows matching every given filter, oldest first (at most `limit`, the most recent ones).

    Raises:
        LookupError: the events database has no audit log yet (the API never served a request there).
    """
    engine = sa.create_engine(url)
    try:
        if not sa.inspect(engine).has_table(AUDIT_LOG.name):
            raise LookupError(f"no {AUDIT_LOG.name!r} table in {engine.url.render_as_string(hide_password=True)}: "
                              "the API has not served any request with this events database")
        query = sa.select(*[AUDIT_LOG.c[c] for c in COLUMNS])
        if client_id is not None:
            query = query.where(AUDIT_LOG.c.client_id == client_id)
        if principal is not None:
            query = query.where(AUDIT_LOG.c.principal == principal)
        if since is not None:
            query = query.where(AUDIT_LOG.c.created_at >= since)
        query = query.order_by(AUDIT_LOG.c.id.desc()).limit(limit)
        with engine.connect() as con:
            rows = [dict(r) for r in con.execute(query).mappings()]
    finally:
        engine.dispose()
    return rows[::-1]


def render(rows: list[dict], as_json: bool) -> str:
    """JSON lines, or an aligned table."""
    if as_json:
        return "\n".join(json.dumps(r, default=str) for r in rows)
    cells = [[str(r[c] if r[c] is not None else "") for c in COLUMNS] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(COLUMNS)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(COLUMNS, widths, strict=True))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(lines + [f"({len(rows)} request(s))"])
