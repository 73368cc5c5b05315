"""POST /v1/admin/reload: load the registry's champion now (operators; the workers also poll on their own)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request

from api.access import secured
from api.reload import Reloader, ReloadError
from api.schemas import ReloadPublic, error_responses

router = APIRouter(prefix="/v1/admin", tags=["admin"], responses=error_responses(409))


@router.post("/reload", response_model=ReloadPublic, summary="Serve the registry's champion now, if it moved",
             **secured("admin", "admin"))
def reload(request: Request) -> dict:
    """Ask the registry which version holds the champion alias; when it moved, load it (with its feature version's
    serving snapshot) beside the running one, run the start-up checks, and swap (requests in flight finish on the
    old one). 409 with the reason when the new version fails a check: the old one keeps serving. Only the worker
    that receives the request reloads now; the others do at their next poll (HC_MODEL_POLL_S)."""
    reloader: Reloader = request.app.state.reloader
    try:
        outcome = reloader.check(trigger="POST /v1/admin/reload")
    except ReloadError as error:
        raise HTTPException(status_code=409, detail=str(error)) from None
    return {"reloaded": outcome.reloaded, "model_version": outcome.model_version,
            "previous_version": outcome.previous_version, "feature_version": outcome.feature_version,
            "challenger_version": outcome.challenger_version, "seconds": outcome.seconds}
