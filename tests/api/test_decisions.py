"""Human decisions: exact codes and bodies (201, 404, 409, 422, 403), the model's side read from the scoring event,
the history after a scoring, an override and a correction, and append-only storage."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from common.contracts.decisions import OVERRIDE_REASONS, REASON_CODES
from tests.api.conftest import HEADERS, KEYS, ApiWorld

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def quiet_client(api_world: ApiWorld) -> int:
    """A client no other test scores (its history holds only this module's scorings)."""
    ids = [r[0] for r in api_world.query(f"select client_id from {api_world.snapshot} order by client_id")]
    return ids[len(ids) // 3 + 7]


def events_engine(api_world: ApiWorld) -> sa.Engine:
    return sa.create_engine(api_world.settings.events_url)


def decide(client: TestClient, body: dict, key: str = KEYS["advisor"]):
    return client.post("/v1/decisions", json=body, headers={"X-API-Key": key})


def other(decision: str) -> str:
    return "accepted" if decision == "refused" else "refused"


def test_the_reasons_are_the_fixed_french_list(client: TestClient) -> None:
    response = client.get("/v1/decisions/reasons", headers={"X-API-Key": KEYS["service"]})
    assert response.status_code == 200
    body = response.json()
    assert [r["code"] for r in body["reasons"]] == list(REASON_CODES)
    assert body["reasons"][1] == {"code": "guarantor", "label": "Garant ou caution", "comment_required": False,
                                  "description": "Une personne ou un organisme se porte garant du remboursement.",
                                  "retired": False}
    assert [r["code"] for r in body["reasons"] if r["comment_required"]] == ["other"]
    assert body["decisions"] == {"accepted": "Accordé", "refused": "Refusé", "referred": "Transmis à un analyste crédit"}
    assert len(OVERRIDE_REASONS) == len(set(REASON_CODES))


def test_unknown_request_id_is_404(client: TestClient) -> None:
    response = decide(client, {"request_id": "f" * 32, "decision": "accepted"})
    assert response.status_code == 404
    assert response.json() == {"status": 404, "request_id": response.headers["x-request-id"],
                               "message": f"Unknown request_id '{'f' * 32}': no scoring response has this id"}


def test_deciding_needs_decisions_write(client: TestClient, quiet_client: int) -> None:
    scored = client.get(f"/v1/clients/{quiet_client}/score", headers={"X-API-Key": KEYS["analyst"]}).json()
    response = decide(client, {"request_id": scored["request_id"], "decision": scored["decision"]}, KEYS["analyst"])
    assert response.status_code == 403
    assert response.json() == {"status": 403, "request_id": response.headers["x-request-id"],
                               "message": "Forbidden: principal 'analyst-test' lacks the scope 'decisions:write'"}


def test_an_unknown_reason_code_or_field_is_422(client: TestClient, quiet_client: int) -> None:
    scored = client.get(f"/v1/clients/{quiet_client}/score", headers=HEADERS).json()
    bad_code = decide(client, {"request_id": scored["request_id"], "decision": "referred", "reason_code": "friend"})
    assert bad_code.status_code == 422
    assert [(e["field"], e["type"]) for e in bad_code.json()["errors"]] == [("reason_code", "literal_error")]
    smuggled = decide(client, {"request_id": scored["request_id"], "decision": scored["decision"],
                               "model_probability": 0.01})
    assert smuggled.status_code == 422
    assert [(e["field"], e["type"]) for e in smuggled.json()["errors"]] == [("model_probability", "extra_forbidden")]
    no_comment = decide(client, {"request_id": scored["request_id"], "decision": "referred", "reason_code": "other"})
    assert no_comment.status_code == 422
    assert no_comment.json()["message"] == "comment is required with reason_code 'other'"


def test_scoring_override_correction_and_history(client: TestClient, api_world: ApiWorld, quiet_client: int) -> None:
    scored = client.get(f"/v1/clients/{quiet_client}/score", headers=HEADERS)
    assert scored.status_code == 200
    score = scored.json()
    request_id, model = score["request_id"], score["decision"]

    without_reason = decide(client, {"request_id": request_id, "decision": other(model)})
    assert without_reason.status_code == 422
    assert without_reason.json() == {
        "status": 422, "request_id": without_reason.headers["x-request-id"],
        "message": f"reason_code is required when the decision ({other(model)}) differs from the model's ({model}): "
                   "see GET /v1/decisions/reasons"}

    override = decide(client, {"request_id": request_id, "decision": other(model), "reason_code": "guarantor",
                               "comment": "Caution signée."})
    assert override.status_code == 201
    first = override.json()
    assert len(first["decision_id"]) == 32
    model_side = {"probability_default": score["probability_default"], "decision": model,
                  "threshold": score["threshold"], "model_name": score["model_name"],
                  "model_version": score["model_version"], "feature_version": score["feature_version"]}
    assert {k: v for k, v in first.items() if k not in ("decision_id", "decided_at")} == {
        "request_id": request_id, "client_id": quiet_client, "principal": "advisor-test", "role": "advisor",
        "decision": other(model), "override": True, "reason_code": "guarantor", "reason_label": "Garant ou caution",
        "comment": "Caution signée.", "supersedes": None, "model": model_side}

    again = decide(client, {"request_id": request_id, "decision": model})
    assert again.status_code == 409
    assert again.json()["message"] == (f"A decision is already recorded on this scoring ({first['decision_id']}): "
                                       "record a correction with `supersedes`")

    correction = decide(client, {"request_id": request_id, "decision": "referred", "supersedes": first["decision_id"],
                                 "reason_code": "needs_analyst_review"})
    assert correction.status_code == 201
    second = correction.json()
    assert (second["supersedes"], second["decision"], second["override"], second["model"]) == (
        first["decision_id"], "referred", True, model_side)

    twice = decide(client, {"request_id": request_id, "decision": model, "supersedes": first["decision_id"]})
    assert twice.status_code == 409
    assert twice.json()["message"] == (f"Decision {first['decision_id']} is already superseded by "
                                       f"{second['decision_id']}: supersede the latest one")

    later = client.get(f"/v1/clients/{quiet_client}/explanation", headers=HEADERS).json()
    history = client.get(f"/v1/clients/{quiet_client}/decisions", headers=HEADERS)
    assert history.status_code == 200
    scorings = history.json()["scorings"]
    assert scorings[0]["request_id"] == later["request_id"] and scorings[0]["decisions"] == []
    assert scorings[0]["endpoint"] == "GET /v1/clients/{client_id}/explanation"
    mine = next(s for s in scorings if s["request_id"] == request_id)
    assert {k: v for k, v in mine.items() if k not in ("scored_at", "decisions")} == {
        "request_id": request_id, "endpoint": "GET /v1/clients/{client_id}/score", "principal": "advisor-test",
        "role": "advisor", "probability_default": score["probability_default"], "model_decision": model,
        "threshold": score["threshold"], "model_name": score["model_name"], "model_version": score["model_version"],
        "feature_version": score["feature_version"]}
    assert [d["decision_id"] for d in mine["decisions"]] == [second["decision_id"], first["decision_id"]]
    assert [d["superseded_by"] for d in mine["decisions"]] == [None, second["decision_id"]]
    assert mine["decisions"][1] == first | {"superseded_by": second["decision_id"]}
    decided = client.get(f"/v1/clients/{quiet_client}/decisions", params={"decided_only": True}, headers=HEADERS)
    assert [s["request_id"] for s in decided.json()["scorings"]] == [request_id]

    with events_engine(api_world).connect() as con:
        audit = con.execute(sa.text("select route, method, client_id, status, principal from audit_log "
                                    "where request_id = :r"), {"r": correction.headers["x-request-id"]}).all()
        stored = con.execute(sa.text("select decision_request_id from decisions where decision_id = :d"),
                             {"d": second["decision_id"]}).all()
    assert [tuple(r) for r in audit] == [("/v1/decisions", "POST", quiet_client, 201, "advisor-test")]
    assert [r[0] for r in stored] == [correction.headers["x-request-id"]]


def test_decisions_are_append_only(client: TestClient, api_world: ApiWorld, quiet_client: int) -> None:
    score = client.get(f"/v1/clients/{quiet_client}/score", headers=HEADERS).json()
    created = decide(client, {"request_id": score["request_id"], "decision": score["decision"]})
    assert created.status_code == 201 and created.json()["override"] is False
    engine = events_engine(api_world)
    for statement in ("update decisions set decision = 'accepted'", "delete from decisions"):
        with pytest.raises(sa.exc.IntegrityError, match="decisions is append-only"), engine.begin() as con:
            con.execute(sa.text(statement))


def test_history_of_an_unknown_client_is_404(client: TestClient) -> None:
    response = client.get("/v1/clients/1/decisions", headers=HEADERS)
    assert response.status_code == 404
    assert response.json() == {"status": 404, "message": "Client not found",
                                "request_id": response.headers["x-request-id"]}
