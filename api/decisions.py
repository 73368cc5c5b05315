"""Human decisions on the model's scores: validated against the scoring event, recorded with the audit row, read back.

A decision is always about one scoring response (its `request_id`: a score by id, an explanation, a posted
application or a what-if). The model's side (probability, decision, threshold, versions) is copied from that
scoring's prediction event, never taken from the request. A decision that differs from the model's needs a reason
code of the fixed list (`common/contracts/decisions.py`). Decisions are immutable: a correction is a new decision
naming the one it supersedes, and a decision is superseded at most once, so the decisions on a scoring form one
chain whose last link is the one in force.

The route does not write the row itself: it hands it to the audit middleware (`request.state.event`), which commits
it with the request's audit row in one transaction before the 201 leaves (`api.audit`, `api.events.Row`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from api.events import Row
from api.principals import Principal
from common.contracts.decisions import COMMENT_REQUIRED, MODEL_DECISIONS, REASONS_BY_CODE
from common.contracts.events import AUDIT_LOG, DECISIONS, EVENTS


class DecisionError(Exception):
    """A decision that cannot be recorded: an HTTP status and an English message naming what is wrong."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class DecisionInput:
    """What a person decides (the body of POST /v1/decisions)."""

    request_id: str
    decision: str
    reason_code: str | None = None
    comment: str | None = None
    supersedes: str | None = None


def model_side(event: dict[str, Any]) -> dict[str, Any]:
    """The model's part of a decision, from its scoring event."""
    return {"model_probability": event["probability"],
            "model_decision": MODEL_DECISIONS.get(event["decision"], event["decision"]),
            "threshold": event["threshold"], "model_name": event["model_name"],
            "model_version": event["model_version"], "feature_version": event["feature_version"]}


def check_reason(decision: str, model_decision: str, reason_code: str | None, comment: str | None) -> None:
    """An override needs a reason code; some codes need a comment; retired codes are refused.

    Raises:
        DecisionError: 422 naming the missing or refused field.
    """
    if decision != model_decision and reason_code is None:
        raise DecisionError(422, f"reason_code is required when the decision ({decision}) differs from the model's "
                                 f"({model_decision}): see GET /v1/decisions/reasons")
    if reason_code is not None and REASONS_BY_CODE[reason_code].retired:
        raise DecisionError(422, f"reason_code {reason_code!r} is retired: see GET /v1/decisions/reasons")
    if reason_code in COMMENT_REQUIRED and not (comment or "").strip():
        raise DecisionError(422, f"comment is required with reason_code {reason_code!r}")


class DecisionStore:
    """Reads of the events database for decisions: the scoring decided on, existing decisions, a client's history."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def scoring(self, request_id: str) -> dict[str, Any] | None:
        """The prediction event of a scoring response, or None."""
        query = sa.select(EVENTS).where(EVENTS.c.request_id == request_id)
        with self.engine.connect() as con:
            row = con.execute(query).first()
        return None if row is None else dict(row._mapping)

    def decision(self, decision_id: str) -> dict[str, Any] | None:
        """One decision by its public id, with the id of the decision that supersedes it (or None)."""
        later = DECISIONS.alias("later")
        query = (sa.select(DECISIONS, later.c.decision_id.label("superseded_by"))
                 .outerjoin(later, later.c.supersedes == DECISIONS.c.decision_id)
                 .where(DECISIONS.c.decision_id == decision_id))
        with self.engine.connect() as con:
            row = con.execute(query).first()
        return None if row is None else dict(row._mapping)

    def on_scoring(self, request_id: str) -> list[str]:
        """Ids of the decisions already recorded on a scoring, oldest first."""
        query = sa.select(DECISIONS.c.decision_id).where(DECISIONS.c.request_id == request_id).order_by(DECISIONS.c.id)
        with self.engine.connect() as con:
            return [r[0] for r in con.execute(query)]

    def prepare(self, body: DecisionInput, principal: Principal, posted_by: str) -> tuple[Row, dict[str, Any]]:
        """Check a decision against its scoring event and the decisions already recorded.

        Args:
            body: the decision.
            principal: who decides.
            posted_by: the request id of the POST /v1/decisions request (its audit row).

        Returns:
            (the row to commit with the audit row, the 201 body).

        Raises:
            DecisionError: 404 unknown request id or superseded decision, 409 a decision already stands on this
                scoring (or the named one is already corrected), 422 a missing reason or comment.
        """
        event = self.scoring(body.request_id)
        if event is None:
            raise DecisionError(404, f"Unknown request_id {body.request_id!r}: no scoring response has this id")
        model = model_side(event)
        check_reason(body.decision, model["model_decision"], body.reason_code, body.comment)
        self._check_chain(body, event)
        values = {"decision_id": uuid.uuid4().hex, "created_at": datetime.now(UTC), "decision_request_id": posted_by,
                  "request_id": body.request_id, "client_id": event["client_id"], "principal": principal.name,
                  "role": principal.role, "decision": body.decision, "reason_code": body.reason_code,
                  "comment": body.comment, "supersedes": body.supersedes, **model}
        return Row(DECISIONS, values), public(values)

    def _check_chain(self, body: DecisionInput, event: dict[str, Any]) -> None:
        existing = self.on_scoring(body.request_id)
        if body.supersedes is None:
            if existing:
                raise DecisionError(409, f"A decision is already recorded on this scoring ({existing[-1]}): record a "
                                         "correction with `supersedes`")
            return
        earlier = self.decision(body.supersedes)
        if earlier is None:
            raise DecisionError(404, f"Unknown decision {body.supersedes!r} in supersedes")
        same_client = event["client_id"] is not None and earlier["client_id"] == event["client_id"]
        if not same_client and earlier["request_id"] != body.request_id:
            raise DecisionError(422, "supersedes names a decision about another client or application")
        if earlier["superseded_by"] is not None:
            raise DecisionError(409, f"Decision {body.supersedes} is already superseded by "
                                     f"{earlier['superseded_by']}: supersede the latest one")

    def history(self, client_id: int, limit: int, decided_only: bool = False) -> list[dict[str, Any]]:
        """The client's scorings, newest first, each with who asked for it and the human decisions on it (newest
        first, each with the one superseding it)."""
        events = (sa.select(EVENTS.c.id, EVENTS.c.request_id, EVENTS.c.created_at, EVENTS.c.endpoint,
                            EVENTS.c.probability, EVENTS.c.decision, EVENTS.c.threshold, EVENTS.c.model_name,
                            EVENTS.c.model_version, EVENTS.c.feature_version,
                            sa.func.coalesce(AUDIT_LOG.c.principal, EVENTS.c.principal).label("principal"),
                            AUDIT_LOG.c.role)
                  .outerjoin(AUDIT_LOG, AUDIT_LOG.c.request_id == EVENTS.c.request_id)
                  .where(EVENTS.c.client_id == client_id))
        if decided_only:
            events = events.where(EVENTS.c.request_id.in_(sa.select(DECISIONS.c.request_id)
                                                          .where(DECISIONS.c.client_id == client_id)))
        events = events.order_by(EVENTS.c.id.desc()).limit(limit)
        with self.engine.connect() as con:
            scorings = [dict(r._mapping) for r in con.execute(events)]
            ids = [s["request_id"] for s in scorings]
            rows = [dict(r._mapping) for r in con.execute(
                sa.select(DECISIONS).where(DECISIONS.c.request_id.in_(ids)).order_by(DECISIONS.c.id.desc()))]
        superseded_by = {r["supersedes"]: r["decision_id"] for r in rows if r["supersedes"]}
        by_scoring: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            by_scoring.setdefault(row["request_id"], []).append(
                public(row) | {"superseded_by": superseded_by.get(row["decision_id"])})
        return [scoring_public(s) | {"decisions": by_scoring.get(s["request_id"], [])} for s in scorings]

    def latest(self, client_id: int) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """(the human decision in force on the client's newest decided scoring, or None; the client's newest
        scoring event, or None)."""
        later = DECISIONS.alias("later")
        decision = (sa.select(DECISIONS).outerjoin(later, later.c.supersedes == DECISIONS.c.decision_id)
                    .where(DECISIONS.c.client_id == client_id, later.c.id.is_(None))
                    .order_by(DECISIONS.c.id.desc()).limit(1))
        scoring = sa.select(EVENTS).where(EVENTS.c.client_id == client_id).order_by(EVENTS.c.id.desc()).limit(1)
        with self.engine.connect() as con:
            found = con.execute(decision).first()
            newest = con.execute(scoring).first()
        return (None if found is None else dict(found._mapping)), (None if newest is None else dict(newest._mapping))


def public(row: dict[str, Any]) -> dict[str, Any]:
    """A decision as the API shows it."""
    reason = REASONS_BY_CODE.get(row["reason_code"]) if row.get("reason_code") else None
    return {"decision_id": row["decision_id"], "request_id": row["request_id"], "client_id": row["client_id"],
            "decided_at": _utc(row["created_at"]), "principal": row["principal"], "role": row["role"],
            "decision": row["decision"], "override": row["decision"] != row["model_decision"],
            "reason_code": row["reason_code"], "reason_label": reason.label if reason else None,
            "comment": row["comment"], "supersedes": row["supersedes"],
            "model": {"probability_default": row["model_probability"], "decision": row["model_decision"],
                      "threshold": row["threshold"], "model_name": row["model_name"],
                      "model_version": row["model_version"], "feature_version": row["feature_version"]}}


def scoring_public(event: dict[str, Any]) -> dict[str, Any]:
    """A scoring event (with who asked for it) as the history shows it."""
    return {"request_id": event["request_id"], "scored_at": _utc(event["created_at"]), "endpoint": event["endpoint"],
            "principal": event["principal"], "role": event.get("role"),
            "probability_default": event["probability"],
            "model_decision": MODEL_DECISIONS.get(event["decision"], event["decision"]),
            "threshold": event["threshold"], "model_name": event["model_name"],
            "model_version": event["model_version"], "feature_version": event["feature_version"]}


def _utc(value: datetime) -> datetime:
    """SQLite gives back naive times: they were written in UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)
