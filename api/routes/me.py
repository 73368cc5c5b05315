"""GET /v1/me: who the key or the ID token identifies (the dashboard shows who is signed in)."""

from __future__ import annotations

from fastapi import APIRouter

from api.access import PrincipalDep, secured
from api.schemas import PrincipalPublic, error_responses

router = APIRouter(prefix="/v1", tags=["access"], responses=error_responses())


@router.get("/me", response_model=PrincipalPublic, summary="The principal making the request",
            **secured(None, "read"))
def me(principal: PrincipalDep) -> dict:
    """Name, role and scopes of the principal the request's key (or ID token) belongs to."""
    return {"name": principal.name, "role": principal.role, "scopes": sorted(principal.scopes)}
