"""Dependencies of the routes, as `Annotated` aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import APIKeyHeader

from api.security import is_valid
from api.service import ScoringService
from common.settings import Settings

api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False,
                              description="API key (HC_API_KEYS or HC_API_KEY_FILE on the server)")


def get_settings(request: Request) -> Settings:
    """The settings the app was built with."""
    return request.app.state.settings


def get_service(request: Request) -> ScoringService:
    """The worker's scoring service (built at start-up)."""
    return request.app.state.service


def get_request_id(request: Request) -> str:
    """This request's id (also in the X-Request-ID response header)."""
    return request.state.request_id


def require_api_key(request: Request, key: Annotated[str | None, Security(api_key_header)]) -> None:
    """401 unless X-API-Key is one of the configured keys (constant-time comparison)."""
    if not is_valid(key, request.app.state.api_keys):
        raise HTTPException(status_code=401, detail="Missing or invalid API key", headers={"WWW-Authenticate": "ApiKey"})


SettingsDep = Annotated[Settings, Depends(get_settings)]
ServiceDep = Annotated[ScoringService, Depends(get_service)]
RequestIdDep = Annotated[str, Depends(get_request_id)]
ApiKeyDep = Depends(require_api_key)
