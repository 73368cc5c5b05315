"""Counter-offer: the search's pure parts, the batch of variants equal to one-by-one posted applications, and on
refused clients: the offer posted back is accepted and 2 % more is refused."""

from __future__ import annotations

import math

import numpy as np
import pytest
from fastapi.testclient import TestClient

from api.counter_offer import (
    FLOOR_SHARE,
    MAX_TERM,
    MIN_TERM,
    CounterOfferError,
    CounterOfferSearch,
    amount_grid,
    annuity,
    application_terms,
    implied_rate,
    largest_with_refused_next,
    next_amount,
    switches,
)
from api.features import same_value
from tests.api.conftest import HEADERS, KEYS, ApiWorld

pytestmark = pytest.mark.slow
REFUSED_CLIENTS = 200


def test_implied_rate_gives_back_the_annuity() -> None:
    rate = implied_rate(100_000.0, annuity(100_000.0, 0.015, 24), 24)
    assert math.isclose(rate, 0.015, rel_tol=1e-4)
    assert annuity(100_000.0, rate, 24) == annuity(100_000.0, 0.015, 24) == 4992.41
    assert implied_rate(1200.0, 100.0, 12) == 0.0 and annuity(1200.0, 0.0, 12) == 100.0
    with pytest.raises(CounterOfferError, match="term_months 10: 10 instalments of 100.0 do not repay the credit "
                                                "amount 1200.0"):
        implied_rate(1200.0, 100.0, 10)


def test_the_application_term_is_given_inferred_or_absent() -> None:
    cash = {"NAME_CONTRACT_TYPE": "Cash loans", "AMT_CREDIT": 100_000.0, "AMT_ANNUITY": 5_000.0}
    inferred = application_terms(cash, None)
    assert (inferred.source, inferred.term_months) == ("inferred", 24)  # 20 instalments repay it: 24 is the next usual
    assert inferred.annuity(100_000.0) == 5_000.0
    given = application_terms(cash, 30)
    assert (given.source, given.term_months, given.annuity(100_000.0)) == ("given", 30, 5_000.0)
    revolving = application_terms(cash | {"NAME_CONTRACT_TYPE": "Revolving loans"}, None)
    assert (revolving.source, revolving.term_months, revolving.annuity(50_000.0)) == ("revolving", None, 2_500.0)
    with pytest.raises(CounterOfferError, match="no AMT_CREDIT or AMT_ANNUITY"):
        application_terms(cash | {"AMT_ANNUITY": None}, None)
    with pytest.raises(CounterOfferError, match="give term_months"):
        application_terms(cash | {"AMT_ANNUITY": 500.0}, None)


def test_the_amount_grid_steps_by_two_percent_to_the_euro() -> None:
    grid = amount_grid(450_000.0)
    assert grid[0] == round(450_000 * FLOOR_SHARE) and grid[-2] < 450_000.0 <= grid[-1]
    assert all(b == next_amount(a) == float(round(a * 1.02)) for a, b in zip(grid, grid[1:], strict=False))


def test_the_offer_is_the_largest_accepted_point_whose_next_is_refused() -> None:
    assert largest_with_refused_next([True, True, False, False]) == 1
    # not monotone: an island of acceptance above a refusal; the offer is its top, whose next point is refused
    assert largest_with_refused_next([True, False, True, True, False, False]) == 3
    assert largest_with_refused_next([True, True, True]) is None  # no refused point above any accepted one
    assert largest_with_refused_next([False, False]) is None
    assert switches([True, False, True, True, False]) == 3


def test_variants_in_one_query_equal_posted_applications(service, clients: dict) -> None:
    client_id = clients["with_history"]
    application = service.application(client_id)
    cursor = service.cursors.get()
    changes = {"AMT_CREDIT": [application["AMT_CREDIT"] * f for f in (0.3, 0.77, 1.0, 1.4)],
               "AMT_ANNUITY": [round(application["AMT_ANNUITY"] * f, 2) for f in (0.3, 0.77, 1.0, 1.4)]}
    for who in (client_id, None):
        batch = service.features.compute_variants(cursor, application, who, changes)
        for i, row in enumerate(batch):
            varied = application | {f: v[i] for f, v in changes.items()}
            single = service.features.compute(cursor, varied, who)
            assert set(single) == set(row)
            assert [c for c in single if not same_value(single[c], row[c])] == []
    with pytest.raises(ValueError, match=r"cannot vary \['SK_ID_CURR'\]"):
        service.features.compute_variants(cursor, application, client_id, {"SK_ID_CURR": [1]})


@pytest.fixture(scope="module")
def refused(service, api_world: ApiWorld) -> list[int]:
    """Up to REFUSED_CLIENTS refused clients (test split first), in id order."""
    ids = [r[0] for r in api_world.query(f"select client_id from {api_world.snapshot} order by split = 'train', "
                                         "client_id")]
    found = []
    for client_id in ids:
        if service.score_client(client_id).decision == "refuse":
            found.append(client_id)
            if len(found) == REFUSED_CLIENTS:
                break
    return found


def posted(service, application: dict, client_id: int, option: dict) -> str:
    """The decision POST /v1/score's scoring gives the application with the option's amount and annuity."""
    varied = application | {"AMT_CREDIT": option["credit_amount"], "AMT_ANNUITY": option["annuity"]}
    return service.score_application(varied, client_id).decision


def test_on_refused_clients_the_offer_is_accepted_and_two_percent_more_refused(service, refused: list[int]) -> None:
    assert len(refused) == REFUSED_CLIENTS
    search = CounterOfferSearch(service)
    offered = {"amount": 0, "term": 0}
    for client_id in refused:
        application = service.application(client_id)
        answer = search.search(application, client_id, None)
        assert answer["requested"]["decision"] == "refused"
        terms = application_terms(application, None)
        amount = answer["amount"]
        if amount["possible"]:
            offered["amount"] += 1
            assert amount["credit_amount"] < application["AMT_CREDIT"]
            assert amount["next_step"]["credit_amount"] == float(round(amount["credit_amount"] * 1.02))
            assert amount["next_step"]["annuity"] == terms.annuity(amount["next_step"]["credit_amount"])
            assert posted(service, application, client_id, amount) == "accept", client_id
            assert posted(service, application, client_id, amount["next_step"]) == "refuse", client_id
        else:
            assert amount["reason"] == "no_accepted_amount", client_id
            floor = float(max(round(application["AMT_CREDIT"] * FLOOR_SHARE), 1))
            assert posted(service, application, client_id, {"credit_amount": floor,
                                                            "annuity": terms.annuity(floor)}) == "refuse", client_id
        term = answer["term"]
        if term["possible"]:
            offered["term"] += 1
            assert term["credit_amount"] == application["AMT_CREDIT"]
            assert posted(service, application, client_id, term) == "accept", client_id
            if term["next_step"] is not None:
                assert term["next_step"]["term_months"] == term["term_months"] + 1
                assert posted(service, application, client_id, term["next_step"]) == "refuse", client_id
        else:
            assert term["reason"] in ("no_accepted_term", "revolving_no_term"), client_id
    # the small test model leans little on the amount: most refused clients are refused at any amount
    assert offered["amount"] > 0 and offered["term"] > 0, offered


def test_the_endpoint_answers_with_the_rate_and_both_options(client: TestClient, service, refused: list[int]) -> None:
    client_id = refused[0]
    response = client.get(f"/v1/clients/{client_id}/counter-offer", headers=HEADERS)
    assert response.status_code == 200
    body = response.json()
    application = client.get(f"/v1/clients/{client_id}/application", headers=HEADERS).json()["application"]
    rate = body["rate"]
    assert rate["source"] in ("inferred", "revolving")
    if rate["source"] == "inferred":
        assert annuity(application["AMT_CREDIT"], rate["monthly_rate"], rate["term_months"]) == pytest.approx(
            application["AMT_ANNUITY"], abs=0.01)
        assert rate["annual_rate"] == 12 * rate["monthly_rate"]
    assert body["requested"] == {"credit_amount": application["AMT_CREDIT"], "annuity": application["AMT_ANNUITY"],
                                 "term_months": rate["term_months"], "decision": "refused",
                                 "probability_default": service.score_client(client_id).probability}
    assert body["candidates_scored"] == 1 + len(amount_grid(application["AMT_CREDIT"])) + (
        0 if rate["term_months"] is None else MAX_TERM - MIN_TERM + 1)
    for name in ("amount", "term"):
        option = body[name]
        if option["possible"]:
            scored = client.post("/v1/score", headers=HEADERS, json={"client_id": client_id, "application": application | {
                "AMT_CREDIT": option["credit_amount"], "AMT_ANNUITY": option["annuity"]}})
            assert (scored.status_code, scored.json()["decision"]) == (200, "accepted")
            assert scored.json()["probability_default"] == option["probability_default"]
    posted_body = {"client_id": client_id, "application": application, "term_months": rate["term_months"]}
    same = client.post("/v1/counter-offer", headers=HEADERS, json=posted_body)
    assert (same.status_code, same.json()) == (200, body | {"rate": body["rate"] | {
        "source": "given" if rate["source"] == "inferred" else "revolving",
        "text": same.json()["rate"]["text"]}})


def test_an_accepted_client_gets_no_counter_offer(client: TestClient, service, api_world: ApiWorld) -> None:
    ids = [r[0] for r in api_world.query(f"select client_id from {api_world.snapshot} order by client_id limit 400")]
    accepted = next(c for c in ids if service.score_client(c).decision == "accept")
    body = client.get(f"/v1/clients/{accepted}/counter-offer", headers=HEADERS).json()
    text = "La demande est acceptée telle quelle : aucune contre-proposition n'est nécessaire."
    assert body["requested"]["decision"] == "accepted"
    assert body["amount"] == body["term"] == {"possible": False, "reason": "accepted_as_requested", "reason_text": text,
                                              "credit_amount": None, "term_months": None, "annuity": None,
                                              "probability_default": None, "decision": None, "next_step": None}


def test_counter_offer_errors(client: TestClient, refused: list[int]) -> None:
    missing = client.get("/v1/clients/1/counter-offer", headers=HEADERS)
    assert (missing.status_code, missing.json()["message"]) == (404, "Client not found")
    assert client.get(f"/v1/clients/{refused[0]}/counter-offer").status_code == 401
    assert client.post("/v1/counter-offer", json={"application": {}}).status_code == 401
    forbidden = client.get(f"/v1/clients/{refused[0]}/counter-offer", headers={"X-API-Key": KEYS["service"]})
    assert (forbidden.status_code, forbidden.json()["message"]) == (
        403, "Forbidden: principal 'service-test' lacks the scope 'client:read'")
    term = client.get(f"/v1/clients/{refused[0]}/counter-offer", params={"term_months": 2}, headers=HEADERS)
    assert term.status_code == 422 and term.json()["errors"][0]["field"] == "query.term_months"
    application = client.get(f"/v1/clients/{refused[0]}/application", headers=HEADERS).json()["application"]
    short = client.post("/v1/counter-offer", headers=HEADERS, json={
        "application": application | {"NAME_CONTRACT_TYPE": "Cash loans", "AMT_ANNUITY": 1.0}, "term_months": 6})
    assert short.status_code == 422
    assert short.json()["message"] == (f"term_months 6: 6 instalments of 1.0 do not repay the credit amount "
                                       f"{application['AMT_CREDIT']}")
    service_key = {"X-API-Key": KEYS["service"]}
    history = client.post("/v1/counter-offer", headers=service_key, json={"client_id": refused[0],
                                                                         "application": application})
    assert history.status_code == 403
    alone = client.post("/v1/counter-offer", headers=service_key, json={"application": application})
    assert alone.status_code == 200 and alone.json()["client_id"] is None
    assert np.isfinite(alone.json()["requested"]["probability_default"])
