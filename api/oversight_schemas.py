"""Request and response models of human oversight: decisions and their reasons, a client's history, the counter-offer,
the letter (with the examples shown in the OpenAPI documentation)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

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

