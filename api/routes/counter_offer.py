"""GET /v1/clients/{client_id}/counter-offer and POST /v1/counter-offer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request

from api.access import PrincipalDep, posted_application, secured
from api.counter_offer import MAX_TERM, MIN_TERM, CounterOfferError, CounterOfferSearch
from api.deps import ServiceDep
from api.oversight_schemas import CounterOfferPublic, CounterOfferRequest
from api.schemas import error_responses
from api.service import ClientNotFoundError

router = APIRouter(prefix="/v1", tags=["counter-offer"], responses=error_responses(404, 422))
ClientId = Annotated[int, Path(ge=1, le=2**62, description="The client (SK_ID_CURR)", examples=[100002])]
TermMonths = Annotated[int | None, Query(ge=MIN_TERM, le=MAX_TERM, description=(
    "The term of the application in months (the Kaggle fields have none); without it the shortest usual term at "
    "which the annuity repays the amount is assumed"))]


def _search(service, application: dict, client_id: int | None, term_months: int | None) -> dict:
    try:
        return CounterOfferSearch(service).search(application, client_id, term_months)
    except CounterOfferError as error:
        raise HTTPException(status_code=422, detail=str(error)) from None


@router.get("/clients/{client_id}/counter-offer", response_model=CounterOfferPublic, tags=["clients"],
            summary="What the bank could lend the client", **secured("client:read", "score"))
def client_counter_offer(client_id: ClientId, service: ServiceDep, term_months: TermMonths = None) -> dict:
    """For the client's stored application: the largest amount (at the application's term) and, separately, the
    longest term (for the requested amount) at which the model accepts, the rest of the application unchanged and
    the annuity recomputed at the rate the application implies (stated in `rate`). Offers are not logged as
    prediction events: post the chosen one to POST /v1/score to score and log it."""
    return _search(service, service.application(client_id), client_id, term_months)


@router.post("/counter-offer", response_model=CounterOfferPublic, summary="What the bank could lend for an application",
             **secured("score", "score"))
def posted_counter_offer(body: CounterOfferRequest, service: ServiceDep, request: Request,
                         principal: PrincipalDep) -> dict:
    """The same search for a posted application (the body of POST /v1/score, plus `term_months` when known): the
    largest amount and, separately, the longest term at which the model accepts, the rest of the application
    unchanged and the annuity recomputed at the rate the application implies (stated in `rate`). With `client_id`
    the client's history is used, which needs the scope `client:read` (403 otherwise); 404 for an unknown client,
    422 when no rate can be implied (no annuity, or a term too short to repay the amount)."""
    posted = posted_application(request, principal, body.application.model_dump(), body.client_id, "use")
    if body.client_id is not None and service.matrix.index(body.client_id) is None:
        raise ClientNotFoundError(body.client_id)
    return _search(service, posted, body.client_id, body.term_months)
