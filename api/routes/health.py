"""GET /health (liveness) and GET /health/ready (readiness): no key, no client data."""

from __future__ import annotations

import duckdb
from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import ServiceDep
from api.schemas import HealthPublic, ReadinessPublic

router = APIRouter(tags=["health"])


@router.get("/health", response_model=HealthPublic, summary="Liveness and what is served (no key needed)")
def health(service: ServiceDep) -> dict:
    """Status, model version and feature version."""
    return {"status": "ok", "model_name": service.model.facts.name, "model_version": service.model.facts.version,
            "feature_version": service.version.feature_version}


@router.get("/health/ready", response_model=ReadinessPublic, summary="Readiness: model, warehouse, events database",
            responses={503: {"model": ReadinessPublic, "description": "One of them is down"}})
def ready(service: ServiceDep) -> JSONResponse:
    """200 when the model is loaded, the warehouse answers a query and the events database accepts connections;
    503 naming the ones that do not (a load balancer stops sending requests)."""
    checks = {"model": service.model is not None and service.runtime is not None,
              "warehouse": _warehouse_answers(service), "events": service.events.ready()}
    ok = all(checks.values())
    return JSONResponse({"status": "ready" if ok else "unavailable", "checks": checks}, status_code=200 if ok else 503)


def _warehouse_answers(service) -> bool:
    try:
        service.cursors.get().execute("select 1").fetchall()
    except duckdb.Error:
        return False
    return True
