"""The FastAPI application: `create_app()` builds it; the lifespan loads the model and data once per worker."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

from api.access import Access
from api.audit import AuditTrail
from api.errors import RequestContext, install_handlers
from api.reload import Reloader
from api.routes import admin, clients, counter_offer, decisions, health, labels, letter, me, model, population, score
from api.schemas import ErrorPublic
from api.shadow import ShadowScorer
from api.startup import StartupError, build_guard, build_service
from common.settings import Settings, get_settings

log = logging.getLogger(__name__)

DESCRIPTION = """
Probability of default, decision at the business threshold and explanations for the clients of
*Prêt à dépenser*, by client id (features of the served feature version) or for a posted application
(features computed by the dbt models' own SQL).

Every endpoint but `/health` and `/health/ready` needs the key of a named principal (`X-API-Key`; or, for a
person signed in to the dashboard, the ID token of their session: `Authorization: Bearer`). Each route names the
scope it needs (`x-required-scope`) and the kind of rate limit it counts in (`x-rate-limit`): 401 without a valid
key, 403 without the scope, 429 with `Retry-After` beyond the limit. Errors are JSON: `{"status", "message",
"request_id"}` (and `errors`, one per invalid field, for 422). Every request to `/v1/` leaves an audit row (who,
which route, which client, what status) and every score a prediction event, both written before the response.
"""


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Load the model, the feature version and the event store; refuse to start when they do not fit.

    Then the worker watches the registry (`api.reload`) and, with HC_SHADOW_CHALLENGER, scores the challenger in the
    shadow (`api.shadow`). Re-entrant: a second lifespan of the same app object (a test transport opening its own)
    reuses the running service; the last one to end releases it.
    """
    settings: Settings = app.state.settings
    if getattr(app.state, "service", None) is None:
        try:
            app.state.service = build_service(settings)
            app.state.guard = build_guard(settings, app.state.service.events)
        except StartupError as error:
            if getattr(app.state, "service", None) is not None:
                app.state.service.close()
                app.state.service = None
            log.error("the API refuses to start: %s", error)
            raise
        app.state.lifespans = 0
        start_lifecycle(app, settings)
    app.state.lifespans += 1
    try:
        yield
    finally:
        app.state.lifespans -= 1
        if app.state.lifespans == 0:
            stop_lifecycle(app)
            app.state.service.close()
            app.state.service = None


def start_lifecycle(app: FastAPI, settings: Settings) -> None:
    """The registry poller and, when asked for, the shadow challenger and its scoring thread."""
    app.state.shadow = None
    app.state.shadow_scorer = None
    app.state.reloader = Reloader(app.state, settings)
    if settings.shadow_challenger:
        app.state.shadow_scorer = ShadowScorer(app.state)
        app.state.service.events.on_commit = app.state.shadow_scorer.submit
        app.state.reloader.load_challenger()
    app.state.reloader.start()


def stop_lifecycle(app: FastAPI) -> None:
    """Stop polling and shadow scoring; close the challenger and the replaced services."""
    app.state.reloader.stop()
    if app.state.shadow_scorer is not None:
        app.state.shadow_scorer.stop()
    if app.state.shadow is not None:
        app.state.shadow.close()
        app.state.shadow = None


def protected_docs(app: FastAPI) -> None:
    """Production: the OpenAPI document and the docs page need the key of a principal (any scope)."""
    authenticated = [Depends(Access(None, "read"))]

    @app.get("/openapi.json", include_in_schema=False, dependencies=authenticated)
    def openapi() -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/docs", include_in_schema=False, dependencies=authenticated)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title=app.title)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The application (settings read now, not at import; the model is loaded at start-up)."""
    settings = settings or get_settings()
    production = settings.env == "production"
    app = FastAPI(title="Prêt à dépenser: credit scoring API", version="1.0.0", description=DESCRIPTION,
                  lifespan=lifespan, responses={500: {"model": ErrorPublic}},
                  docs_url=None if production else "/docs", redoc_url=None if production else "/redoc",
                  openapi_url=None if production else "/openapi.json")
    if production:
        protected_docs(app)
    app.state.settings = settings
    app.state.service = None
    install_handlers(app)
    for module in (health, me, model, clients, score, population, labels, decisions, counter_offer, letter, admin):
        app.include_router(module.router)
    app.add_middleware(AuditTrail)
    app.add_middleware(RequestContext, max_body_bytes=settings.api_max_body_bytes)
    return app
