"""The audit trail: one row per request to `/v1/...`, committed with its prediction event before the response leaves.

A pure ASGI middleware inside `RequestContext` (which gives the request id). When the application starts its
response, the status is known: the audit row (time, request id, principal and role, method, route template, client
id or application hash, status) and, for a score, its prediction event (for a human decision, its row) are written in
one transaction
(`EventStore.record`), then the response goes on. When they cannot be written, the client gets a 503 instead of the
response: nothing is read or scored without a trace (EU AI Act art. 12).
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.events import AuditRecord, EventStore, EventStoreError

log = logging.getLogger(__name__)
AUDITED_PREFIX = "/v1/"
MAX_CLIENT_ID = 2**62  # the routes' own bound


def audit_record(scope: Scope, status: int) -> AuditRecord | None:
    """The audit row of a finished request, or None for the routes outside `/v1/` (health, docs)."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if path is None or not path.startswith(AUDITED_PREFIX):
        return None
    state = scope.get("state", {})
    principal = state.get("principal")
    client_id = scope.get("path_params", {}).get("client_id", state.get("client_id"))
    try:
        client_id = None if client_id is None else int(client_id)
    except (TypeError, ValueError):  # a malformed id (422): recorded without it
        client_id = None
    if client_id is not None and not 0 < client_id <= MAX_CLIENT_ID:  # out of range (422)
        client_id = None
    return AuditRecord(request_id=state.get("request_id", ""), principal=getattr(principal, "name", None),
                       role=getattr(principal, "role", None), method=scope["method"], route=path,
                       client_id=client_id, application_hash=state.get("application_hash"), status=status)


class AuditTrail:
    """Write the audit row (and the event of a score) when the response starts; 503 when they cannot be written."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        failed = {"value": False}

        async def send_wrapper(message: Message) -> None:
            if failed["value"]:
                return  # the body of a response replaced by the 503
            if message["type"] == "http.response.start":
                record = audit_record(scope, message["status"])
                store: EventStore | None = getattr(scope["app"].state, "service", None) and \
                    scope["app"].state.service.events
                if record is not None and store is not None:
                    # a score's event (200) or a created decision (201) goes with the audit row, in one transaction
                    event = scope.get("state", {}).get("event") if message["status"] in (200, 201) else None
                    try:  # the writer thread commits it (with the other requests' rows): no thread of ours waits
                        await asyncio.wrap_future(store.submit(record, event))
                    except EventStoreError:
                        failed["value"] = True
                        await _unavailable(send, record.request_id)
                        return
            await send(message)

        await self.app(scope, receive, send_wrapper)


async def _unavailable(send: Send, request_id: str) -> None:
    body: dict[str, Any] = {"status": 503, "message": "The request could not be recorded; retry later",
                            "request_id": request_id}
    payload = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": 503,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
                            (b"retry-after", b"1")]})
    await send({"type": "http.response.body", "body": payload})
