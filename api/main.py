"""The FastAPI application: `create_app()` builds it; the lifespan loads the model and data once per worker."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.errors import RequestContext, install_handlers
from api.routes import clients, health, labels, model, population, score
from api.schemas import ErrorPublic
from api.security import load_keys
from api.startup import StartupError, build_service
from common.settings import Settings, get_settings

log = logging.getLogger(__name__)

DESCRIPTION = """
Probability of default, decision at the business threshold and explanations for the clients of
*Prêt à dépenser*, by client id (features of the served feature version) or for a posted application
(features computed by the dbt models' own SQL).

Every endpoint but `/health` needs an `X-API-Key` header. Errors are JSON: `{"status", "message",
"request_id"}` (and `errors`, one per invalid field, for 422). Every score is logged as a prediction event.
"""


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Load the model, the feature version and the event store; refuse to start when they do not fit.

    Re-entrant: a second lifespan of the same app object (a test transport opening its own) reuses the
    running service; the last one to end releases it.
    """
    settings: Settings = app.state.settings
    if getattr(app.state, "service", None) is None:
        try:
            app.state.service = build_service(settings)
            app.state.api_keys = load_keys(settings)
        except StartupError as error:
            log.error("the API refuses to start: %s", error)
            raise
        app.state.lifespans = 0
    app.state.lifespans += 1
    try:
        yield
    finally:
        app.state.lifespans -= 1
        if app.state.lifespans == 0:
            app.state.service.close()
            app.state.service = None


def create_app(settings: Settings | None = None) -> FastAPI:
    """The application (settings read now, not at import; the model is loaded at start-up)."""
    settings = settings or get_settings()
    app = FastAPI(title="Prêt à dépenser: credit scoring API", version="1.0.0", description=DESCRIPTION,
                  lifespan=lifespan, responses={500: {"model": ErrorPublic}})
    app.state.settings = settings
    app.state.service = None
    install_handlers(app)
    for module in (health, model, clients, score, population, labels):
        app.include_router(module.router)
    app.add_middleware(RequestContext, max_body_bytes=settings.api_max_body_bytes)
    return app
