"""Errors as JSON (status, message, request id; never a stack trace), request ids, body size limit, access log.

The access log holds the method, the path (client ids only: no personal data is ever in a path), the status,
the latency and the request id; never bodies, query values, keys or client addresses.
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.events import EventStoreError
from api.service import ClientNotFoundError

access_log = logging.getLogger("api.access")
log = logging.getLogger(__name__)
MESSAGES = {401: "Missing or invalid API key", 404: "Not found", 405: "Method not allowed",
            413: "Request body too large", 500: "Internal error", 503: "Service unavailable"}


def error_body(status: int, message: str, request_id: str | None, errors: list[dict] | None = None) -> dict[str, Any]:
    """The JSON of every error response."""
    body: dict[str, Any] = {"status": status, "message": message, "request_id": request_id}
    if errors is not None:
        body["errors"] = errors
    return body


def _request_id(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


def _field(loc: tuple | list) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] == "body":
        parts = parts[1:]
    return ".".join(parts) or "body"


async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    """HTTPException -> JSON with its message."""
    message = exc.detail if isinstance(exc.detail, str) else MESSAGES.get(exc.status_code, "Error")
    return JSONResponse(error_body(exc.status_code, message, _request_id(request)), status_code=exc.status_code,
                        headers=getattr(exc, "headers", None))


async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    """422 naming each invalid field (the submitted values are not echoed)."""
    errors = [{"field": _field(e.get("loc", ())), "message": e.get("msg", "invalid"), "type": e.get("type", "invalid")}
              for e in exc.errors()]
    fields = ", ".join(sorted({e["field"] for e in errors}))[:500]
    return JSONResponse(error_body(422, f"Invalid request: {fields}", _request_id(request), errors), status_code=422)


async def not_found(request: Request, exc: ClientNotFoundError) -> JSONResponse:
    """404 for an unknown client."""
    return JSONResponse(error_body(404, "Client not found", _request_id(request)), status_code=404)


async def event_store_error(request: Request, exc: EventStoreError) -> JSONResponse:
    """503 when the prediction could not be logged: no unlogged score ever leaves."""
    return JSONResponse(error_body(503, "The prediction could not be logged; retry later", _request_id(request)),
                        status_code=503)


def install_handlers(app: FastAPI) -> None:
    """Register the JSON error handlers."""
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(ClientNotFoundError, not_found)
    app.add_exception_handler(EventStoreError, event_store_error)


class BodyTooLargeError(Exception):
    """The request body exceeds the limit."""


class RequestContext:
    """Pure ASGI middleware: request id (X-Request-ID), body size limit (413), access log line."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = {"code": 500, "sent": False}
        header = (b"x-request-id", request_id.encode())

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"], status["sent"] = message["status"], True
                message["headers"] = [*message.get("headers", []), header]
            await send(message)

        received = {"bytes": 0}

        async def receive_wrapper() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                received["bytes"] += len(message.get("body", b""))
                if received["bytes"] > self.max_body_bytes:
                    raise BodyTooLargeError
            return message

        try:
            length = dict(scope.get("headers", [])).get(b"content-length")
            if length is not None and length.isdigit() and int(length) > self.max_body_bytes:
                raise BodyTooLargeError
            await self.app(scope, receive_wrapper, send_wrapper)
        except BodyTooLargeError:
            if not status["sent"]:
                body = error_body(413, f"Request body too large (limit {self.max_body_bytes} bytes)", request_id)
                await JSONResponse(body, status_code=413, headers={"x-request-id": request_id})(scope, receive, send)
                status["code"] = 413
        except Exception:
            # 500 without details; the traceback goes to the server log (then to uvicorn) with the request id
            log.error("request %s failed", request_id, exc_info=True)
            if not status["sent"]:
                body = error_body(500, "Internal error", request_id)
                await JSONResponse(body, status_code=500, headers={"x-request-id": request_id})(scope, receive, send)
                status["code"] = 500
            raise
        finally:
            access_log.info("%s %s %s %d %.1fms", request_id, scope["method"], scope["path"][:200], status["code"],
                            (time.perf_counter() - started) * 1000)
