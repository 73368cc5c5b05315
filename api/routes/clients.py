"""GET /v1/clients/{client_id}[/application|/score|/explanation]."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from api.access import PrincipalDep, secured
from api.deps import RequestIdDep, ServiceDep
from api.schemas import (
    ApplicationPublic,
    ClientListPublic,
    ExplanationPublic,
    ProfilePublic,
    ScorePublic,
    error_responses,
)

router = APIRouter(prefix="/v1/clients", tags=["clients"],
                   responses=error_responses(404, 422))
ClientId = Annotated[int, Path(ge=1, le=2**62, description="The client (SK_ID_CURR)", examples=[100002])]


@router.get("", response_model=ClientListPublic, summary="Client ids of the served feature version",
            **secured("client:read", "read"))
def list_clients(service: ServiceDep, limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                 offset: Annotated[int, Query(ge=0, le=10**9)] = 0) -> dict:
    """Client ids, ascending, a page at a time (ids only)."""
    return service.list_clients(limit, offset)


@router.get("/{client_id}", response_model=ProfilePublic, summary="Descriptive profile of a client",
            **secured("client:read", "read"))
def profile(client_id: ClientId, service: ServiceDep) -> dict:
    """Readable attributes of the client (marts.client_profiles of the served feature version)."""
    return service.profile(client_id)


@router.get("/{client_id}/application", response_model=ApplicationPublic, summary="The client's stored application",
            **secured("client:read", "read"))
def application(client_id: ClientId, service: ServiceDep) -> dict:
    """The raw application, in the shape POST /v1/score takes (edit it for a what-if)."""
    return {"client_id": client_id, "application": service.application(client_id)}


@router.get("/{client_id}/score", response_model=ScorePublic, summary="Score of a client",
            **secured("score", "score"))
def score(client_id: ClientId, service: ServiceDep, request_id: RequestIdDep, request: Request,
          principal: PrincipalDep) -> dict:
    """Probability of default, decision at the threshold and margin, from the stored features."""
    started = time.perf_counter()
    scored = service.score_client(client_id)
    request.state.event = service.event(request_id, "GET /v1/clients/{client_id}/score", client_id, scored, started,
                                        principal.name)
    return service.score_payload(scored, client_id, request_id)


@router.get("/{client_id}/explanation", response_model=ExplanationPublic, summary="Score and explanation of a client",
            **secured("client:read", "read"))
def explanation(client_id: ClientId, service: ServiceDep, request_id: RequestIdDep, request: Request,
                principal: PrincipalDep,
                top: Annotated[int, Query(ge=1, le=500, description="How many contributions")] = 10) -> dict:
    """Signed contributions (original feature names, client value, population median) and 4 reasons in French."""
    started = time.perf_counter()
    scored = service.score_client(client_id)
    payload = service.score_payload(scored, client_id, request_id) | service.explain(scored, top)
    request.state.event = service.event(request_id, "GET /v1/clients/{client_id}/explanation", client_id, scored,
                                        started, principal.name)
    return payload
