"""POST /v1/score."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import ApiKeyDep, RequestIdDep, ServiceDep
from api.events import application_hash
from api.schemas import ErrorPublic, PostedScorePublic, ScoreRequest

router = APIRouter(prefix="/v1", tags=["score"], dependencies=[ApiKeyDep],
                   responses={401: {"model": ErrorPublic}, 404: {"model": ErrorPublic}, 413: {"model": ErrorPublic},
                              422: {"model": ErrorPublic}})


@router.post("/score", response_model=PostedScorePublic, summary="Score and explain a posted application")
def score_application(body: ScoreRequest, service: ServiceDep, request_id: RequestIdDep,
                      top: Annotated[int, Query(ge=1, le=500, description="How many contributions")] = 10) -> dict:
    """Features by the dbt models' own SQL (with the history of `client_id` when given), then score and explanation.

    Posting an existing client's stored application unchanged (GET /v1/clients/{id}/application) with its
    `client_id` returns exactly the stored score. Unknown or invalid fields are refused (422, naming them).
    """
    started = time.perf_counter()
    posted = body.application.model_dump()
    scored = service.score_application(posted, body.client_id)
    payload = service.score_payload(scored, body.client_id, request_id) | service.explain(scored, top)
    service.log(request_id, "POST /v1/score", body.client_id, scored, started, posted)
    return payload | {"application_hash": application_hash(posted, body.client_id)}
