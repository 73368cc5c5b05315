"""Dependencies of the routes, as `Annotated` aliases (access control: `api.access`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.service import ScoringService
from common.settings import Settings


def get_settings(request: Request) -> Settings:
    """The settings the app was built with."""
    return request.app.state.settings


def get_service(request: Request) -> ScoringService:
    """The worker's scoring service (built at start-up)."""
    return request.app.state.service


def get_request_id(request: Request) -> str:
    """This request's id (also in the X-Request-ID response header)."""
    return request.state.request_id


SettingsDep = Annotated[Settings, Depends(get_settings)]
ServiceDep = Annotated[ScoringService, Depends(get_service)]
RequestIdDep = Annotated[str, Depends(get_request_id)]
