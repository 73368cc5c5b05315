"""GET /v1/model."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import ApiKeyDep, ServiceDep
from api.schemas import ErrorPublic, ModelPublic

router = APIRouter(prefix="/v1", tags=["model"], dependencies=[ApiKeyDep],
                   responses={401: {"model": ErrorPublic}, 422: {"model": ErrorPublic}})


@router.get("/model", response_model=ModelPublic, summary="The served model")
def model_info(service: ServiceDep, top: Annotated[int, Query(ge=1, le=500, description="Top N features")] = 20) -> dict:
    """Name, version, threshold, cost ratio, headline metrics and global importance (top N)."""
    return service.model_info(top)
