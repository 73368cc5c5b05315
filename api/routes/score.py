"""POST /v1/score."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request

from api.access import PrincipalDep, secured
from api.deps import RequestIdDep, ServiceDep
from api.events import application_hash
from api.schemas import PostedScorePublic, ScoreRequest, error_responses

router = APIRouter(prefix="/v1", tags=["score"],
                   responses=error_responses(404, 413, 422))


@router.post("/score", response_model=PostedScorePublic, summary="Score and explain a posted application",
             **secured("score", "score"))
def score_application(body: ScoreRequest, service: ServiceDep, request_id: RequestIdDep, request: Request,
                      principal: PrincipalDep,
                      top: Annotated[int, Query(ge=1, le=500, description="How many contributions")] = 10) -> dict:
    """Features by the dbt models' own SQL (with the history of `client_id` when given), then score and explanation.

    Posting an existing client's stored application unchanged (GET /v1/clients/{id}/application) with its
    `client_id` returns exactly the stored score. Unknown or invalid fields are refused (422, naming them).
    With a `client_id`, the client's history goes into the features (and their values into the explanation):
    that needs the scope `client:read` too.
    """
    started = time.perf_counter()
    if body.client_id is not None and not principal.can("client:read"):
        raise HTTPException(status_code=403, detail=f"Forbidden: principal {principal.name!r} lacks the scope "
                                                    "'client:read' (needed to score with a client's history)")
    posted = body.application.model_dump()
    request.state.application_hash = application_hash(posted, body.client_id)
    request.state.client_id = body.client_id
    scored = service.score_application(posted, body.client_id)
    payload = service.score_payload(scored, body.client_id, request_id) | service.explain(scored, top)
    request.state.event = service.event(request_id, "POST /v1/score", body.client_id, scored, started, principal.name,
                                        posted)
    return payload | {"application_hash": request.state.application_hash}
