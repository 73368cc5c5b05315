"""POST /v1/score."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Query, Request

from api.access import PrincipalDep, posted_application, secured
from api.deps import RequestIdDep, ServiceDep
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
    posted = posted_application(request, principal, body.application.model_dump(), body.client_id, "score with")
    scored = service.score_application(posted, body.client_id)
    payload = service.score_payload(scored, body.client_id, request_id) | service.explain(scored, top)
    request.state.event = service.event(request_id, "POST /v1/score", body.client_id, scored, started, principal.name,
                                        posted)
    return payload | {"application_hash": request.state.application_hash}
