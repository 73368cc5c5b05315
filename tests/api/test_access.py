"""Access control on every route, found by walking the OpenAPI document: a new route cannot forget it.

Exact bodies: 401 without a key or with a wrong one, 403 with a valid key lacking the route's scope, 429 with
Retry-After beyond the rate limit; an audit row for reads and scores with the principal who made them.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from api.access import AUTHENTICATED, SCOPE_HEADER
from api.main import create_app
from api.principals import ROLE_SCOPES
from tests.api.conftest import HEADERS, KEYS, ApiWorld, add_principal

pytestmark = pytest.mark.slow
OPEN = {"/health", "/health/ready"}
WRONG_KEYS = [{}, {"X-API-Key": "hc_000000000000_" + "z" * 43}, {"X-API-Key": "not-a-key"}, {"X-API-Key": ""},
              {"Authorization": "Bearer not-a-token"}]


def operations(client: TestClient) -> list[tuple[str, str, str | None]]:
    """(method, path with a client id filled in, required scope) of every operation of the OpenAPI document."""
    schema = client.get("/openapi.json").json()
    found = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            concrete = path.replace("{client_id}", "100002").replace("{variable}", "age_years")
            found.append((method.upper(), concrete, operation.get(SCOPE_HEADER), path))
    return found


def call(client: TestClient, method: str, path: str, headers: dict):
    body = {"application": {}} if method == "POST" else None
    return client.request(method, path, headers=headers, json=body)


def test_every_route_but_health_declares_a_scope_and_a_rate_limit(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            if path in OPEN:
                assert SCOPE_HEADER not in operation
            else:
                assert operation[SCOPE_HEADER] in {AUTHENTICATED, *set().union(*ROLE_SCOPES.values())}, (method, path)
                assert operation["x-rate-limit"], (method, path)
                assert {"401", "403", "429"} <= set(operation["responses"]), (method, path)


@pytest.mark.parametrize("headers", WRONG_KEYS, ids=["none", "unknown", "malformed", "empty", "bad-token"])
def test_every_route_refuses_a_missing_or_wrong_key_with_401(client: TestClient, headers: dict) -> None:
    for method, path, scope, _ in operations(client):
        response = call(client, method, path, headers)
        if scope is None:
            assert response.status_code == 200, (method, path)
            continue
        assert response.status_code == 401, (method, path)
        assert response.json() == {"status": 401, "message": "Missing or invalid API key",
                                   "request_id": response.headers["x-request-id"]}
        assert response.headers["www-authenticate"] == "ApiKey"


def test_every_route_refuses_a_principal_without_its_scope_with_403(client: TestClient) -> None:
    refused = 0
    for method, path, scope, _ in operations(client):
        if scope in (None, AUTHENTICATED):
            continue
        for role, key in KEYS.items():
            if scope in ROLE_SCOPES[role]:
                continue
            response = call(client, method, path, {"X-API-Key": key})
            assert response.status_code == 403, (method, path, role)
            assert response.json() == {"status": 403, "request_id": response.headers["x-request-id"],
                                       "message": f"Forbidden: principal '{role}-test' lacks the scope '{scope}'"}
            refused += 1
    assert refused >= 20


def test_scoring_with_a_clients_history_needs_client_read(client: TestClient, clients: dict) -> None:
    service = {"X-API-Key": KEYS["service"]}
    application = client.get(f"/v1/clients/{clients['test']}/application", headers=HEADERS).json()["application"]
    alone = client.post("/v1/score", json={"application": application}, headers=service)
    assert alone.status_code == 200 and alone.json()["client_id"] is None
    with_history = client.post("/v1/score", json={"client_id": clients["test"], "application": application},
                               headers=service)
    assert with_history.status_code == 403
    assert with_history.json()["message"] == ("Forbidden: principal 'service-test' lacks the scope 'client:read' "
                                              "(needed to score with a client's history)")


def test_rate_limit_answers_429_with_retry_after(api_world: ApiWorld, tmp_path) -> None:
    events_url = f"sqlite:///{tmp_path / 'events.sqlite'}"
    add_principal(events_url, "analyst-test", "analyst", KEYS["analyst"])
    settings = api_world.settings.model_copy(update={"events_url": events_url, "rate_limits": "population=3/hour"})
    with TestClient(create_app(settings)) as limited:
        analyst = {"X-API-Key": KEYS["analyst"]}
        statuses = [limited.get("/v1/population/summary", headers=analyst).status_code for _ in range(5)]
        assert statuses == [200, 200, 200, 429, 429]
        refused = limited.get("/v1/population/summary", headers=analyst)
        retry = int(refused.headers["retry-after"])
        assert 0 < retry <= 3600
        assert refused.json() == {"status": 429, "request_id": refused.headers["x-request-id"],
                                  "message": f"Too many requests: at most 3 per hour for population routes; retry in "
                                             f"{retry} s"}
        assert limited.get("/v1/model", headers=analyst).status_code == 200  # another kind of route: its own count


def audit_rows(api_world: ApiWorld, request_id: str) -> list[dict]:
    engine = sa.create_engine(api_world.settings.events_url)
    with engine.connect() as con:
        rows = con.execute(sa.text("select * from audit_log where request_id = :r"), {"r": request_id}).mappings().all()
    engine.dispose()
    return [dict(r) for r in rows]


@pytest.mark.parametrize(("path", "route", "client_key", "status"), [
    ("/v1/clients/{id}", "/v1/clients/{client_id}", "with_history", 200),
    ("/v1/clients/{id}/application", "/v1/clients/{client_id}/application", "with_history", 200),
    ("/v1/clients/{id}/explanation", "/v1/clients/{client_id}/explanation", "test", 200),
    ("/v1/clients/{id}/score", "/v1/clients/{client_id}/score", "without_history", 200),
    ("/v1/population/similar/{id}?k=20", "/v1/population/similar/{client_id}", "test", 200),
    ("/v1/clients/1", "/v1/clients/{client_id}", None, 404),
])
def test_reads_and_scores_leave_an_audit_row_naming_the_principal(client: TestClient, api_world: ApiWorld,
                                                                   clients: dict, path: str, route: str,
                                                                   client_key: str | None, status: int) -> None:
    client_id = clients[client_key] if client_key else 1
    response = client.get(path.replace("{id}", str(client_id)), headers=HEADERS)
    assert response.status_code == status
    (row,) = audit_rows(api_world, response.headers["x-request-id"])
    assert {k: row[k] for k in ("principal", "role", "method", "route", "client_id", "application_hash", "status")} == {
        "principal": "advisor-test", "role": "advisor", "method": "GET", "route": route, "client_id": client_id,
        "application_hash": None, "status": status}


def test_a_posted_application_is_audited_by_its_hash_and_a_refusal_without_principal(
        client: TestClient, api_world: ApiWorld, clients: dict) -> None:
    application = client.get(f"/v1/clients/{clients['test']}/application", headers=HEADERS).json()["application"]
    scored = client.post("/v1/score", json={"client_id": clients["test"], "application": application}, headers=HEADERS)
    (row,) = audit_rows(api_world, scored.headers["x-request-id"])
    assert (row["route"], row["client_id"], row["application_hash"], row["status"]) == (
        "/v1/score", clients["test"], scored.json()["application_hash"], 200)
    refused = client.get(f"/v1/clients/{clients['test']}", headers={"X-API-Key": "not-a-key"})
    (row,) = audit_rows(api_world, refused.headers["x-request-id"])
    assert (row["principal"], row["role"], row["status"], row["client_id"]) == (None, None, 401, clients["test"])


def test_similar_clients_need_k_of_20_and_client_read_for_the_neighbours(client: TestClient, clients: dict) -> None:
    small = client.get(f"/v1/population/similar/{clients['test']}", params={"k": 1}, headers=HEADERS)
    assert small.status_code == 422
    assert small.json()["errors"] == [{"field": "query.k", "type": "greater_than_equal",
                                       "message": "k must be at least 20 (HC_MIN_GROUP_SIZE): a smaller group would "
                                                  "single clients out"}]
    assert client.get(f"/v1/population/similar/{clients['test']}", params={"k": 19}, headers=HEADERS).status_code == 422
    advisor = client.get(f"/v1/population/similar/{clients['test']}", params={"k": 20}, headers=HEADERS).json()
    analyst = client.get(f"/v1/population/similar/{clients['test']}", params={"k": 20},
                         headers={"X-API-Key": KEYS["analyst"]}).json()
    assert len(advisor["neighbours"]) == 20 and analyst["neighbours"] == []
    assert analyst["default_rate"] == advisor["default_rate"] and analyst["k"] == 20


def test_a_summary_isolating_one_client_is_too_small(client: TestClient, api_world: ApiWorld, clients: dict) -> None:
    profiles = f'marts."client_profiles__{api_world.feature_version}"'
    income, credit = api_world.query(f"select annual_income, credit_amount from {profiles} where client_id = ?",
                                     [clients["with_history"]])[0]
    body = client.get("/v1/population/summary", headers=HEADERS,
                      params={"income_min": income, "income_max": income, "credit_min": credit,
                              "credit_max": credit}).json()
    assert (body["too_small"], body["size"], body["n_clients"], body["default_rate"]) == (
        True, "fewer than 20", None, None)
    assert body["numeric"] == {} and body["categorical"] == {}


def test_no_key_appears_in_any_log_line(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    for key in KEYS.values():
        client.get("/v1/model", headers={"X-API-Key": key})
    client.get("/v1/model", headers={"X-API-Key": KEYS["advisor"][:-1] + "Z"})
    text = caplog.text
    assert "/v1/model" in text  # the access log did log the requests
    for key in KEYS.values():
        secret = key.split("_")[2]
        assert secret not in text and not re.search(re.escape(secret[:12]), text)
