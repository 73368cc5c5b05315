"""POST /v1/decisions, GET /v1/decisions/reasons, GET /v1/clients/{client_id}/decisions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request

from api.access import PrincipalDep, secured
from api.decisions import DecisionError, DecisionInput, DecisionStore
from api.deps import RequestIdDep, ServiceDep
from api.oversight_schemas import DecisionCreate, DecisionPublic, HistoryPublic, OverrideReasonsPublic
from api.schemas import error_responses
from api.service import ClientNotFoundError
from common.contracts.decisions import COMMENT_REQUIRED, DECISION_LABELS_FR, OVERRIDE_REASONS

router = APIRouter(prefix="/v1", tags=["decisions"], responses=error_responses(404, 422))
ClientId = Annotated[int, Path(ge=1, le=2**62, description="The client (SK_ID_CURR)", examples=[100002])]


@router.post("/decisions", status_code=201, response_model=DecisionPublic, summary="Record a human decision",
             responses=error_responses(409), **secured("decisions:write", "decisions"))
def create_decision(body: DecisionCreate, service: ServiceDep, request: Request, request_id: RequestIdDep,
                    principal: PrincipalDep) -> dict:
    """The signed-in person's decision on one scoring response (201 with its `decision_id`).

    The model's probability, decision, threshold and versions are read from that scoring's event. A decision that
    differs from the model's needs a `reason_code` (422 otherwise); an unknown `request_id` is 404; a second decision
    on the same scoring must name the one it corrects in `supersedes` (409 otherwise).
    """
    store = DecisionStore(service.events.engine)
    try:
        row, payload = store.prepare(DecisionInput(**body.model_dump()), principal, request_id)
    except DecisionError as error:
        raise HTTPException(status_code=error.status, detail=error.message) from None
    request.state.client_id = payload["client_id"]
    request.state.event = row  # committed with the audit row before the 201 leaves (api.audit)
    return payload


@router.get("/decisions/reasons", response_model=OverrideReasonsPublic, summary="Reasons for overriding the model",
            **secured(None, "read"))
def reasons() -> dict:
    """The fixed list of reasons a person may give for deciding otherwise than the model (stable codes, French)."""
    return {"reasons": [{"code": r.code, "label": r.label, "description": r.description,
                         "comment_required": r.code in COMMENT_REQUIRED, "retired": r.retired}
                        for r in OVERRIDE_REASONS],
            "decisions": DECISION_LABELS_FR}


@router.get("/clients/{client_id}/decisions", response_model=HistoryPublic, tags=["clients"],
            summary="A client's scorings and human decisions", **secured("client:read", "read"))
def history(client_id: ClientId, service: ServiceDep,
            limit: Annotated[int, Query(ge=1, le=500, description="At most this many scorings")] = 50,
            decided_only: Annotated[bool, Query(description="Only the scorings with a decision")] = False) -> dict:
    """Each scoring, newest first (when, who asked, model version, probability, model decision), with the human
    decisions on it, newest first (who, when, decision, reason, comment, what it supersedes or is superseded by)."""
    if service.matrix.index(client_id) is None:
        raise ClientNotFoundError(client_id)
    store = DecisionStore(service.events.engine)
    return {"client_id": client_id, "scorings": store.history(client_id, limit, decided_only)}
