"""GET /v1/model."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.access import secured
from api.deps import ServiceDep
from api.schemas import ModelPublic, error_responses

router = APIRouter(prefix="/v1", tags=["model"],
                   responses=error_responses(422))


@router.get("/model", response_model=ModelPublic, summary="The served model", **secured("score", "read"))
def model_info(service: ServiceDep, top: Annotated[int, Query(ge=1, le=500, description="Top N features")] = 20) -> dict:
    """Name, version, threshold, cost ratio, headline metrics and global importance (top N)."""
    return service.model_info(top)
