"""The FastAPI application: `create_app()` builds it; the lifespan loads the model and data once per worker."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.errors import RequestContext, install_handlers
from api.routes import clients, health, model, population, score
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
    """Load the model, the feature version and the event store; refuse to start when they do not fit."""
    settings: Settings = app.state.settings
    try:
        app.state.service = build_service(settings)
        app.state.api_keys = load_keys(settings)
    except StartupError as error:
        log.error("the API refuses to start: %s", error)
        raise
    yield
    app.state.service.close()


def create_app(settings: Settings | None = None) -> FastAPI:
    """The application (settings read now, not at import; the model is loaded at start-up)."""
    settings = settings or get_settings()
    app = FastAPI(title="Prêt à dépenser: credit scoring API", version="1.0.0", description=DESCRIPTION,
                  lifespan=lifespan, responses={500: {"model": ErrorPublic}})
    app.state.settings = settings
    install_handlers(app)
    for module in (health, model, clients, score, population):
        app.include_router(module.router)
    app.add_middleware(RequestContext, max_body_bytes=settings.api_max_body_bytes)
    return app
