"""GET /health (no key)."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import ServiceDep
from api.schemas import HealthPublic

router = APIRouter(tags=["health"])


@router.get("/health", response_model=HealthPublic, summary="Liveness and what is served (no key needed)")
def health(service: ServiceDep) -> dict:
    """Status, model version and feature version."""
    return {"status": "ok", "model_name": service.model.facts.name, "model_version": service.model.facts.version,
            "feature_version": service.version.feature_version}
