"""Dependencies of the routes, as `Annotated` aliases (access control: `api.access`).

They only read what the app or the request already holds, so they are `async`: FastAPI runs a plain `def`
dependency in its thread pool, a hop per dependency and request that cost a fifth of the event loop's time.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.service import ScoringService
from common.settings import Settings


async def get_settings(request: Request) -> Settings:
    """The settings the app was built with."""
    return request.app.state.settings


async def get_service(request: Request) -> ScoringService:
    """The worker's scoring service (built at start-up)."""
    return request.app.state.service


async def get_request_id(request: Request) -> str:
    """This request's id (also in the X-Request-ID response header)."""
    return request.state.request_id


SettingsDep = Annotated[Settings, Depends(get_settings)]
ServiceDep = Annotated[ScoringService, Depends(get_service)]
RequestIdDep = Annotated[str, Depends(get_request_id)]
