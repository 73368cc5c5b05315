"""Request and response models of human oversight: decisions and their reasons, a client's history, the counter-offer,
the letter (with the examples shown in the OpenAPI documentation)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.application import EXAMPLE_APPLICATION
from api.counter_offer import MAX_TERM, MIN_TERM
from api.schemas import ScoreRequest
from common.contracts.decisions import REASON_CODES
from common.contracts.registry import MODEL_NAME

HumanDecision = Literal["accepted", "refused", "referred"]
ModelDecision = Literal["accepted", "refused"]
ReasonCode = Literal[REASON_CODES]  # type: ignore[valid-type]
REQUEST_ID = "5f0c8c1e2b7d4b0f9a3e6d1c2b3a4f5e"
DECISION_ID = "0b9e6f2c4d8a4e1f9c3b7a5d2e6f8a10"
MODEL_EXAMPLE = {"probability_default": 0.2312, "decision": "refused", "threshold": 0.0912, "model_name": MODEL_NAME,
                 "model_version": "3", "feature_version": "fv0002"}
DECISION_EXAMPLE = {
    "decision_id": DECISION_ID, "request_id": REQUEST_ID, "client_id": 100002, "decided_at": "2026-12-03T10:15:00Z",
    "principal": "alice@bank.fr", "role": "advisor", "decision": "accepted", "override": True,
    "reason_code": "guarantor", "reason_label": "Garant ou caution", "comment": "Caution des parents, acte signé.",
    "supersedes": None, "model": MODEL_EXAMPLE}


class DecisionCreate(BaseModel):
    """What the person decides on one scoring response (the model's side is read from that scoring's event)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"request_id": REQUEST_ID, "decision": "accepted", "reason_code": "guarantor",
         "comment": "Caution des parents, acte signé."},
        {"request_id": REQUEST_ID, "decision": "refused", "supersedes": DECISION_ID,
         "reason_code": "data_error_corrected", "comment": "Revenus saisis deux fois."}]})

    request_id: str = Field(min_length=1, max_length=64, description=(
        "The `request_id` of a scoring response (GET /v1/clients/{id}/score or /explanation, POST /v1/score)"))
    decision: HumanDecision = Field(description="`referred`: sent to a credit analyst")
    reason_code: ReasonCode | None = Field(None, description=(
        "Required when the decision differs from the model's: a code of GET /v1/decisions/reasons"))
    comment: str | None = Field(None, max_length=1000, description="Free text (required with reason_code `other`)")
    supersedes: str | None = Field(None, min_length=1, max_length=32, description=(
        "The decision_id this one corrects (decisions are never changed; the last of a chain is in force)"))


class ModelSidePublic(BaseModel):
    """The model's side of a decision, copied from the scoring event."""

    model_config = ConfigDict(protected_namespaces=())

    probability_default: float
    decision: ModelDecision
    threshold: float
    model_name: str
    model_version: str
    feature_version: str


class DecisionPublic(BaseModel):
    """A recorded human decision."""

    model_config = ConfigDict(json_schema_extra={"examples": [DECISION_EXAMPLE]})

    decision_id: str
    request_id: str = Field(description="The scoring decided on")
    client_id: int | None = Field(description="null for a new client's posted application")
    decided_at: datetime
    principal: str = Field(description="Who decided")
    role: str | None
    decision: HumanDecision
    override: bool = Field(description="The decision differs from the model's")
    reason_code: str | None
    reason_label: str | None = Field(description="French label of the reason")
    comment: str | None
    supersedes: str | None
    model: ModelSidePublic


class DecisionInHistory(DecisionPublic):
    """A decision in a client's history."""

    superseded_by: str | None = Field(description="The decision that corrects this one (null: in force)")


class ScoringPublic(BaseModel):
    """One scoring of the client (a prediction event), who asked for it, and the decisions on it."""

    model_config = ConfigDict(protected_namespaces=())

    request_id: str
    scored_at: datetime
    endpoint: str
    principal: str | None = Field(description="Who asked for the score (audit log)")
    role: str | None
    probability_default: float
    model_decision: ModelDecision
    threshold: float
    model_name: str
    model_version: str
    feature_version: str
    decisions: list[DecisionInHistory] = Field(description="Newest first")


class HistoryPublic(BaseModel):
    """A client's scorings and the human decisions on them, newest first."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"client_id": 100002, "scorings": [{
        "request_id": REQUEST_ID, "scored_at": "2026-12-03T10:14:02Z", "endpoint": "GET /v1/clients/{client_id}/explanation",
        "principal": "alice@bank.fr", "role": "advisor", "probability_default": 0.2312, "model_decision": "refused",
        "threshold": 0.0912, "model_name": MODEL_NAME, "model_version": "3", "feature_version": "fv0002",
        "decisions": [DECISION_EXAMPLE | {"superseded_by": None}]}]}]})

    client_id: int
    scorings: list[ScoringPublic]


class OverrideReasonPublic(BaseModel):
    """One reason a person may give for deciding otherwise than the model."""

    code: str = Field(description="Stable code (never renamed or reused)")
    label: str = Field(description="French label")
    description: str = Field(description="When to use it (French)")
    comment_required: bool
    retired: bool = Field(description="No longer offered; kept for old decisions")


class OverrideReasonsPublic(BaseModel):
    """The fixed list of override reasons."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"reasons": [
        {"code": "guarantor", "label": "Garant ou caution",
         "description": "Une personne ou un organisme se porte garant du remboursement.", "comment_required": False,
         "retired": False}], "decisions": {"accepted": "Accordé", "refused": "Refusé",
                                           "referred": "Transmis à un analyste crédit"}}]})

    reasons: list[OverrideReasonPublic]
    decisions: dict[str, str] = Field(description="French label of each decision value")


class CounterOfferRequest(ScoreRequest):
    """A posted application (as for POST /v1/score) and, when known, its term."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"client_id": None, "application": EXAMPLE_APPLICATION, "term_months": 24}]})

    term_months: int | None = Field(None, ge=MIN_TERM, le=MAX_TERM, description=(
        "The term of the application in months (the Kaggle fields have none); without it the shortest usual term "
        "at which the annuity repays the amount is assumed"))


class CandidatePublic(BaseModel):
    """One application variant and the model's answer."""

    credit_amount: float
    term_months: int | None = Field(description="null for a revolving loan")
    annuity: float = Field(description="Monthly instalment, recomputed from amount and term at the stated rate")
    probability_default: float
    decision: ModelDecision


class OptionPublic(BaseModel):
    """An option of the counter-offer, or why there is none."""

    possible: bool
    credit_amount: float | None = None
    term_months: int | None = None
    annuity: float | None = None
    probability_default: float | None = None
    decision: ModelDecision | None = None
    next_step: CandidatePublic | None = Field(None, description=(
        "The next point of the search, refused: 2 % more amount (to the euro), or one month longer (null when the "
        "longest term searched is accepted)"))
    reason: Literal["accepted_as_requested", "no_accepted_amount", "no_accepted_term", "revolving_no_term"] | None = None
    reason_text: str | None = Field(None, description="Why there is no option, in French")


class RatePublic(BaseModel):
    """The rate the annuities are recomputed at."""

    source: Literal["given", "inferred", "revolving"]
    monthly_rate: float | None
    annual_rate: float | None = Field(description="Nominal: 12 x the monthly rate")
    term_months: int | None = Field(description="The application's term the rate is implied from")
    instalment_share: float | None = Field(description="Revolving loans: annuity / credit, kept")
    text: str


OPTION_EXAMPLE = {"possible": True, "credit_amount": 312000.0, "term_months": 24, "annuity": 15490.12,
                  "probability_default": 0.0871, "decision": "accepted",
                  "next_step": {"credit_amount": 318240.0, "term_months": 24, "annuity": 15799.92,
                                "probability_default": 0.0925, "decision": "refused"}}


class CounterOfferPublic(BaseModel):
    """The largest amount and, separately, the longest term the model accepts, the rest of the application unchanged."""

    model_config = ConfigDict(protected_namespaces=(), json_schema_extra={"examples": [{
        "client_id": 100002, "requested": {"credit_amount": 450000.0, "term_months": 24, "annuity": 22500.0,
                                           "probability_default": 0.1312, "decision": "refused"},
        "rate": {"source": "inferred", "monthly_rate": 0.0151, "annual_rate": 0.1812, "term_months": 24,
                 "instalment_share": None, "text": "Monthly rate at which the application's annuity repays ..."},
        "amount": OPTION_EXAMPLE,
        "term": {"possible": True, "credit_amount": 450000.0, "term_months": 12, "annuity": 41321.5,
                 "probability_default": 0.0899, "decision": "accepted",
                 "next_step": {"credit_amount": 450000.0, "term_months": 13, "annuity": 38412.9,
                               "probability_default": 0.0931, "decision": "refused"}},
        "candidates_scored": 272, "threshold": 0.0912, "model_name": MODEL_NAME, "model_version": "3",
        "feature_version": "fv0002", "grid_decision_changes": {"amount": 1, "term": 1}}]})

    client_id: int | None
    requested: CandidatePublic = Field(description="The application as posted or stored, and its score")
    rate: RatePublic
    amount: OptionPublic = Field(description="The largest amount accepted, at the application's term")
    term: OptionPublic = Field(description="The longest term accepted, for the requested amount")
    candidates_scored: int = Field(description="Variants scored (one feature query, one model call)")
    threshold: float
    model_name: str
    model_version: str
    feature_version: str
    grid_decision_changes: dict[str, int] = Field(description=(
        "How many times the model's decision changes along each grid: more than 1 means the model is not monotone "
        "there (the offer is still the largest accepted point whose next point is refused)"))
