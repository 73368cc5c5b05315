"""Every endpoint through TestClient: exact status codes and values, 401/404/413/422, events."""

from __future__ import annotations

import json
import math

import duckdb
import numpy as np
import pytest
from fastapi.testclient import TestClient

from api.reasons import PROTECTED, main_reasons
from tests.api.conftest import HEADERS, ApiWorld

pytestmark = pytest.mark.slow


def stored_probability(api_world: ApiWorld, service, client_id: int) -> float:
    """The registered model's own `predict_proba` on the client's row of the feature version."""
    with duckdb.connect(str(api_world.settings.duckdb_path), read_only=True) as con:
        row = con.execute(f"select * from {api_world.snapshot} where client_id = ?", [client_id]).df()
    return float(service.runtime.scorer.predict_proba(row)[0])


def event_count(api_world: ApiWorld) -> int:
    """Events in the session's event store."""
    import sqlalchemy as sa

    engine = sa.create_engine(api_world.settings.events_url)
    with engine.connect() as con:
        count = con.execute(sa.text("select count(*) from prediction_events")).scalar_one()
    engine.dispose()
    return int(count)


def last_event(api_world: ApiWorld) -> dict:
    """The most recent event."""
    import sqlalchemy as sa

    engine = sa.create_engine(api_world.settings.events_url)
    with engine.connect() as con:
        row = con.execute(sa.text("select * from prediction_events order by id desc limit 1")).mappings().one()
    engine.dispose()
    return dict(row)


# -- health and security --------------------------------------------------------------------------------
def test_health_needs_no_key_and_names_the_versions(client: TestClient, api_world: ApiWorld) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "model_name": "credit-scoring", "model_version": api_world.model_version,
                               "feature_version": api_world.feature_version}
    assert len(response.headers["x-request-id"]) == 32


@pytest.mark.parametrize("path", ["/v1/model", "/v1/clients/100002", "/v1/clients/100002/score",
                                  "/v1/clients/100002/explanation", "/v1/population/summary",
                                  "/v1/population/similar/100002", "/v1/population/variables"])
@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "wrong-key-0123456789abcdef"}, {"X-API-Key": ""}])
def test_every_endpoint_but_health_needs_the_key(client: TestClient, path: str, headers: dict) -> None:
    response = client.get(path, headers=headers)
    assert response.status_code == 401
    body = response.json()
    assert body["status"] == 401 and body["message"] == "Missing or invalid API key"
    assert set(body) == {"status", "message", "request_id"}


def test_post_score_needs_the_key(client: TestClient) -> None:
    response = client.post("/v1/score", json={"application": {}})
    assert response.status_code == 401


# -- model ----------------------------------------------------------------------------------------------
def test_model_gives_threshold_costs_metrics_and_importance(client: TestClient, service, api_world: ApiWorld) -> None:
    response = client.get("/v1/model", params={"top": 5}, headers=HEADERS)
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "credit-scoring" and body["version"] == api_world.model_version
    assert body["feature_version"] == api_world.feature_version
    assert body["threshold"] == service.runtime.scorer.threshold
    assert (body["cost_fn"], body["cost_fp"], body["cost_ratio"]) == (10.0, 1.0, 10.0)
    assert body["metrics"]["holdout_roc_auc"] == 0.75
    importance = service.runtime.scorer.global_importance().head(5)
    assert [r["feature"] for r in body["global_importance"]] == importance["feature"].tolist()
    assert body["n_features"] == 373


def test_model_top_out_of_range_is_422(client: TestClient) -> None:
    response = client.get("/v1/model", params={"top": 0}, headers=HEADERS)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.top"


# -- clients --------------------------------------------------------------------------------------------
def test_profile_is_the_client_profiles_row(client: TestClient, api_world: ApiWorld, clients: dict) -> None:
    client_id = clients["with_history"]
    response = client.get(f"/v1/clients/{client_id}", headers=HEADERS)
    assert response.status_code == 200
    body = response.json()
    row = api_world.query(f'select gender, age_years, annual_income, credit_amount, owns_car from '
                          f'marts."client_profiles__{api_world.feature_version}" where client_id = ?', [client_id])[0]
    assert (body["client_id"], body["gender"], body["age_years"], body["annual_income"], body["credit_amount"]) == (
        client_id, row[0], row[1], row[2], row[3])
    assert body["owns_car"] == ("yes" if row[4] else "no")
    assert "target" not in body


def test_client_list_pages_through_the_ids(client: TestClient, api_world: ApiWorld) -> None:
    ids = [r[0] for r in api_world.query(f"select client_id from {api_world.snapshot} order by client_id limit 5 offset 2")]
    body = client.get("/v1/clients", params={"limit": 5, "offset": 2}, headers=HEADERS).json()
    assert body == {"total": 4000, "limit": 5, "offset": 2, "clients": ids}
    assert client.get("/v1/clients", params={"limit": 1001}, headers=HEADERS).status_code == 422
    assert client.get("/v1/clients").status_code == 401


@pytest.mark.parametrize("suffix", ["", "/score", "/explanation", "/application"])
def test_unknown_client_is_404(client: TestClient, suffix: str) -> None:
    response = client.get(f"/v1/clients/1{suffix}", headers=HEADERS)
    assert response.status_code == 404
    assert response.json()["message"] == "Client not found"


@pytest.mark.parametrize("client_id", ["abc", "0", "-5", "1.5", str(2**63)])
def test_invalid_client_id_is_422(client: TestClient, client_id: str) -> None:
    response = client.get(f"/v1/clients/{client_id}/score", headers=HEADERS)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "path.client_id"


@pytest.mark.parametrize("trait", ["with_history", "without_history", "test"])
def test_score_is_the_registered_model_on_the_stored_features(client: TestClient, service, api_world: ApiWorld,
                                                               clients: dict, trait: str) -> None:
    client_id = clients[trait]
    before = event_count(api_world)
    response = client.get(f"/v1/clients/{client_id}/score", headers=HEADERS)
    assert response.status_code == 200
    body = response.json()
    expected = stored_probability(api_world, service, client_id)
    threshold = service.runtime.scorer.threshold
    assert body["probability_default"] == expected
    assert body["decision"] == ("refused" if expected >= threshold else "accepted")
    assert body["threshold"] == threshold and body["margin"] == expected - threshold
    assert (body["model_version"], body["feature_version"]) == (api_world.model_version, api_world.feature_version)
    assert body["request_id"] == response.headers["x-request-id"]
    assert event_count(api_world) == before + 1
    event = last_event(api_world)
    assert (event["request_id"], event["client_id"], event["probability"]) == (body["request_id"], client_id, expected)
    assert event["decision"] == ("refuse" if expected >= threshold else "accept")
    assert event["endpoint"] == "GET /v1/clients/{client_id}/score" and event["application_hash"] is None
    assert len(json.loads(event["features"])) == 373


def test_probability_is_the_calibrated_output_of_the_model_loaded_by_alias(client: TestClient, service,
                                                                           api_world: ApiWorld, clients: dict) -> None:
    """`probability_default` is what `models:/credit-scoring@champion` predicts, calibration included."""
    import mlflow

    ids = [clients["with_history"], clients["without_history"], clients["test"]]
    with duckdb.connect(str(api_world.settings.duckdb_path), read_only=True) as con:
        rows = con.execute(f"select * from {api_world.snapshot} where client_id in (?, ?, ?) order by client_id",
                           ids).df()
    mlflow.set_tracking_uri(api_world.settings.mlflow_tracking_uri)
    try:
        model = mlflow.pyfunc.load_model("models:/credit-scoring@champion")
    finally:
        mlflow.set_tracking_uri(None)  # it also set MLFLOW_TRACKING_URI, which the API's start-up reads
    scorer = model.unwrap_python_model()
    predicted = model.predict(rows)["probability"].to_numpy()  # rows as DuckDB gives them
    raw = scorer.raw_proba(rows)
    assert scorer.calibration.method == "sigmoid"
    assert np.all(np.abs(predicted - raw) > 1e-3)  # the map moves every probability
    for client_id, expected in zip(rows["client_id"], predicted, strict=True):
        body = client.get(f"/v1/clients/{client_id}/score", headers=HEADERS).json()
        assert body["probability_default"] == pytest.approx(float(expected), abs=1e-12)


def test_explanation_contributions_add_up_to_the_score(client: TestClient, service, api_world: ApiWorld,
                                                       clients: dict) -> None:
    client_id = clients["with_history"]
    response = client.get(f"/v1/clients/{client_id}/explanation", params={"top": 400}, headers=HEADERS)
    assert response.status_code == 200
    body = response.json()
    assert body["probability_default"] == stored_probability(api_world, service, client_id)
    contributions = body["contributions"]
    assert len(contributions) == 373
    log_odds = body["base_value"] + sum(c["contribution"] for c in contributions)
    # contributions explain the raw score; the calibration map turns it into the probability shown
    raw = 1 / (1 + math.exp(-log_odds))
    assert service.runtime.scorer.calibrate(np.array([raw]))[0] == pytest.approx(body["probability_default"], abs=1e-9)
    magnitudes = [abs(c["contribution"]) for c in contributions]
    assert magnitudes == sorted(magnitudes, reverse=True)
    first = contributions[0]
    assert first["direction"] == ("increases_risk" if first["contribution"] > 0 else "decreases_risk")
    assert len(body["reasons"]) == 4
    assert all(r["text"].endswith("le risque estimé.") for r in body["reasons"])
    expected = main_reasons([(c["feature"], c["contribution"]) for c in contributions],
                            {c["feature"]: c["client_value"] for c in contributions},
                            {c["feature"]: c["label"] for c in contributions})
    assert [r["feature"] for r in body["reasons"]] == [r["feature"] for r in expected]
    assert body["reasons"][0]["feature"] == next(c["feature"] for c in contributions if c["feature"] not in PROTECTED)
    assert not {r["feature"] for r in body["reasons"]} & PROTECTED


def income_edges(api_world: ApiWorld, bins: int, log: bool) -> tuple[np.ndarray, np.ndarray]:
    """(incomes, expected edges): from the value below which 20 clients lie to the one above which 20 lie."""
    profiles = f'marts."client_profiles__{api_world.feature_version}"'
    incomes = np.array([r[0] for r in api_world.query(f"select annual_income from {profiles} "
                                                      "where annual_income is not null")])
    low, high = np.quantile(incomes, [20 / len(incomes), 1 - 20 / len(incomes)])
    return incomes, (np.geomspace(low, high, bins + 1) if log else np.linspace(low, high, bins + 1))


def test_log_histogram_of_a_skewed_amount(client: TestClient, api_world: ApiWorld) -> None:
    log = client.get("/v1/population/distribution/annual_income", params={"bins": 5, "scale": "log"}, headers=HEADERS).json()
    edges = [b["low"] for b in log["histogram"]] + [log["histogram"][-1]["high"]]
    incomes, expected = income_edges(api_world, 5, log=True)
    assert edges == pytest.approx(expected.tolist(), rel=1e-12)
    assert incomes.min() < edges[0] and edges[-1] < incomes.max()  # no edge is the poorest or richest client's income
    ratios = [b / a for a, b in zip(edges, edges[1:], strict=False)]
    assert ratios == pytest.approx([ratios[0]] * 5)  # equal widths in log10
    assert sum(b["count"] for b in log["histogram"]) == log["summary"]["count"] == len(incomes)
    bad = client.get("/v1/population/distribution/annual_income", params={"scale": "cubic"}, headers=HEADERS)
    assert bad.status_code == 422


def test_labels_table_and_labels_beside_raw_values(client: TestClient, clients: dict) -> None:
    table = client.get("/v1/labels", headers=HEADERS)
    assert table.status_code == 200
    body = table.json()
    assert body["columns"]["NAME_INCOME_TYPE"]["Working"] == "Salarié"
    assert body["values"]["yes"] == "oui"
    assert body["profile_columns"]["education"] == "NAME_EDUCATION_TYPE"
    assert client.get("/v1/labels").status_code == 401
    profile = client.get(f"/v1/clients/{clients['with_history']}", headers=HEADERS).json()
    assert profile["value_labels"]["income_type"] == body["columns"]["NAME_INCOME_TYPE"][profile["income_type"]]
    assert profile["value_labels"]["owns_car"] == body["values"][profile["owns_car"]]
    counts = client.get("/v1/population/distribution/contract_type", headers=HEADERS).json()["counts"]
    assert {c["value"]: c["label"] for c in counts if c["value"]} == {
        c["value"]: body["columns"]["NAME_CONTRACT_TYPE"][c["value"]] for c in counts if c["value"]}
    variables = {v["name"]: v for v in client.get("/v1/population/variables", headers=HEADERS).json()}
    assert variables["gender"]["value_labels"] == {"F": "Femme", "M": "Homme"}


def test_explanation_values_and_population_medians(client: TestClient, api_world: ApiWorld, clients: dict) -> None:
    client_id = clients["with_history"]
    body = client.get(f"/v1/clients/{client_id}/explanation", params={"top": 400}, headers=HEADERS).json()
    by_feature = {c["feature"]: c for c in body["contributions"]}
    value, median = api_world.query(f"select amt_credit, (select median(amt_credit) from {api_world.snapshot}) "
                                    f"from {api_world.snapshot} where client_id = ?", [client_id])[0]
    assert by_feature["amt_credit"]["client_value"] == value
    assert by_feature["amt_credit"]["population_median"] == pytest.approx(median, rel=1e-12)
    gender, mode = api_world.query(f"select code_gender, (select mode(code_gender) from {api_world.snapshot}) "
                                   f"from {api_world.snapshot} where client_id = ?", [client_id])[0]
    assert by_feature["code_gender"]["client_value"] == gender
    assert by_feature["code_gender"]["population_most_frequent"] == mode
    assert by_feature["code_gender"]["population_median"] is None


def test_explanation_top_limits_the_list(client: TestClient, clients: dict) -> None:
    body = client.get(f"/v1/clients/{clients['test']}/explanation", params={"top": 3}, headers=HEADERS).json()
    assert len(body["contributions"]) == 3
    assert client.get(f"/v1/clients/{clients['test']}/explanation", params={"top": 0}, headers=HEADERS).status_code == 422


# -- posted applications ----------------------------------------------------------------------------------
@pytest.mark.parametrize("trait", ["with_history", "without_history", "test"])
def test_posting_the_unmodified_application_returns_exactly_the_stored_score(client: TestClient, clients: dict,
                                                                              api_world: ApiWorld, trait: str) -> None:
    client_id = clients[trait]
    stored = client.get(f"/v1/clients/{client_id}/score", headers=HEADERS).json()
    application = client.get(f"/v1/clients/{client_id}/application", headers=HEADERS).json()
    assert application["client_id"] == client_id and len(application["application"]) == 120
    before = event_count(api_world)
    response = client.post("/v1/score", json={"client_id": client_id, "application": application["application"]},
                           headers=HEADERS)
    assert response.status_code == 200
    body = response.json()
    assert body["probability_default"] == stored["probability_default"]
    assert (body["decision"], body["margin"]) == (stored["decision"], stored["margin"])
    explained = client.get(f"/v1/clients/{client_id}/explanation", headers=HEADERS).json()
    assert body["contributions"] == explained["contributions"]
    assert event_count(api_world) == before + 2
    event = last_event(api_world)
    assert event["endpoint"] == "GET /v1/clients/{client_id}/explanation"


def test_posted_applications_use_the_verified_fast_path(service) -> None:
    assert service.features.use_fast and service.features.history_lookup is not None
    assert service.runtime.fast and service.use_cached_rows


def test_scores_by_id_from_cached_rows_equal_one_row_transforms(service, clients: dict,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    cached = [service.score_client(c).probability for c in clients.values()]
    monkeypatch.setattr(service, "use_cached_rows", False)
    assert [service.score_client(c).probability for c in clients.values()] == cached
    assert service.stored_equals_posted(list(clients.values())) == []


def test_posted_application_is_the_raw_application_row(client: TestClient, api_world: ApiWorld, clients: dict) -> None:
    client_id = clients["with_history"]
    body = client.get(f"/v1/clients/{client_id}/application", headers=HEADERS).json()["application"]
    raw = api_world.query("select AMT_CREDIT, DAYS_EMPLOYED, NAME_CONTRACT_TYPE from raw.application_train "
                          "where SK_ID_CURR = ?", [client_id])[0]
    assert (body["AMT_CREDIT"], body["DAYS_EMPLOYED"], body["NAME_CONTRACT_TYPE"]) == raw


def test_what_if_keeps_the_history_and_changes_the_score(client: TestClient, service, clients: dict) -> None:
    client_id = clients["with_history"]
    application = client.get(f"/v1/clients/{client_id}/application", headers=HEADERS).json()["application"]
    stored = client.get(f"/v1/clients/{client_id}/score", headers=HEADERS).json()["probability_default"]
    worse = {**application, "EXT_SOURCE_1": 0.01, "EXT_SOURCE_2": 0.01, "EXT_SOURCE_3": 0.01}
    edited = client.post("/v1/score", json={"client_id": client_id, "application": worse}, headers=HEADERS).json()
    new = client.post("/v1/score", json={"application": worse}, headers=HEADERS).json()
    assert edited["probability_default"] > stored
    assert new["client_id"] is None
    row = service.features.compute(service.cursors.con.cursor(), worse, None)
    assert row["bureau_count_credits"] == 0 and row["ext_source_mean"] == pytest.approx(0.01)


def test_new_client_event_has_the_application_hash(client: TestClient, api_world: ApiWorld, clients: dict) -> None:
    from api.events import application_hash

    application = client.get(f"/v1/clients/{clients['test']}/application", headers=HEADERS).json()["application"]
    body = client.post("/v1/score", json={"application": application}, headers=HEADERS).json()
    event = last_event(api_world)
    assert event["client_id"] is None and event["endpoint"] == "POST /v1/score"
    assert event["application_hash"] == body["application_hash"] == application_hash(application, None)
    assert event["probability"] == body["probability_default"]


@pytest.mark.parametrize(("change", "field"), [
    ({"UNKNOWN_FIELD": 1}, "application.UNKNOWN_FIELD"),
    ({"AMT_CREDIT": -1.0}, "application.AMT_CREDIT"),
    ({"AMT_CREDIT": "a lot"}, "application.AMT_CREDIT"),
    ({"EXT_SOURCE_2": 1.5}, "application.EXT_SOURCE_2"),
    ({"DAYS_EMPLOYED": 100}, "application.DAYS_EMPLOYED"),
    ({"CODE_GENDER": "Z"}, "application.CODE_GENDER"),
    ({"FLAG_MOBIL": 2}, "application.FLAG_MOBIL"),
    ({"DAYS_BIRTH": None}, "application.DAYS_BIRTH"),
])
def test_invalid_application_is_422_naming_the_field(client: TestClient, api_world: ApiWorld, clients: dict,
                                                     change: dict, field: str) -> None:
    application = client.get(f"/v1/clients/{clients['test']}/application", headers=HEADERS).json()["application"]
    before = event_count(api_world)
    response = client.post("/v1/score", json={"application": {**application, **change}}, headers=HEADERS)
    assert response.status_code == 422
    body = response.json()
    assert [e["field"] for e in body["errors"]] == [field]
    assert field in body["message"]
    assert all(set(e) == {"field", "message", "type"} for e in body["errors"])  # the posted values are not echoed
    assert event_count(api_world) == before


def test_posted_application_of_unknown_client_is_404(client: TestClient, clients: dict) -> None:
    application = client.get(f"/v1/clients/{clients['test']}/application", headers=HEADERS).json()["application"]
    response = client.post("/v1/score", json={"client_id": 5, "application": application}, headers=HEADERS)
    assert response.status_code == 404


def test_malformed_json_is_422(client: TestClient) -> None:
    response = client.post("/v1/score", content=b"{not json", headers={**HEADERS, "content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["status"] == 422


def test_oversized_body_is_413(client: TestClient, api_world: ApiWorld) -> None:
    limit = api_world.settings.api_max_body_bytes
    response = client.post("/v1/score", content=b"{" + b" " * limit + b"}",
                           headers={**HEADERS, "content-type": "application/json"})
    assert response.status_code == 413
    assert response.json()["message"] == f"Request body too large (limit {limit} bytes)"


def test_unexpected_error_is_json_without_trace(client: TestClient, service, monkeypatch: pytest.MonkeyPatch,
                                                clients: dict) -> None:
    def broken(client_id: int) -> None:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(service, "score_client", broken)
    raising = TestClient(client.app, raise_server_exceptions=False)
    response = raising.get(f"/v1/clients/{clients['test']}/score", headers=HEADERS)
    assert response.status_code == 500
    assert response.json() == {"status": 500, "message": "Internal error", "request_id": response.headers["x-request-id"]}
    assert "secret" not in response.text and "Traceback" not in response.text


# -- population -----------------------------------------------------------------------------------------
def test_population_variables(client: TestClient) -> None:
    body = client.get("/v1/population/variables", headers=HEADERS).json()
    kinds = {v["name"]: v["kind"] for v in body}
    assert kinds["age_years"] == "numeric" and kinds["gender"] == "categorical"
    assert next(v for v in body if v["name"] == "contract_type")["values"] == ["Cash loans", "Revolving loans"]


def test_population_summary_of_all_and_of_a_group(client: TestClient, api_world: ApiWorld) -> None:
    everyone = client.get("/v1/population/summary", headers=HEADERS).json()
    n, known, rate = api_world.query(f"select count(*), count(target), avg(target) from {api_world.snapshot}")[0]
    assert (everyone["n_clients"], everyone["n_with_outcome"]) == (n, known)
    assert everyone["default_rate"] == round(rate, 6)
    group = client.get("/v1/population/summary", params={"gender": "F", "age_min": 30, "age_max": 40},
                       headers=HEADERS).json()
    profiles = f'marts."client_profiles__{api_world.feature_version}"'
    expected = api_world.query(f"select count(*), median(age_years) from {profiles} "
                               "where gender = 'F' and age_years between 30 and 40")[0]
    assert group["n_clients"] == expected[0]
    assert group["numeric"]["age_years"]["median"] == pytest.approx(expected[1])
    assert group["filters"] == {"gender": "F", "age_years_min": 30.0, "age_years_max": 40.0}
    assert [c["value"] for c in group["categorical"]["gender"]] == ["F"]


def test_population_distribution_and_client_position(client: TestClient, api_world: ApiWorld, clients: dict) -> None:
    client_id = clients["with_history"]
    body = client.get("/v1/population/distribution/annual_income", params={"bins": 10, "client_id": client_id},
                      headers=HEADERS).json()
    assert body["kind"] == "numeric" and len(body["histogram"]) == 10
    profiles = f'marts."client_profiles__{api_world.feature_version}"'
    incomes, edges = income_edges(api_world, 10, log=False)
    true_counts, _ = np.histogram(np.clip(incomes, edges[0], edges[-1]), edges)
    assert body["summary"]["count"] == body["n_clients"] == len(incomes) and body["summary"]["max"] is None
    for b, n in zip(body["histogram"], true_counts.tolist(), strict=True):  # a bin of 1 to 19 clients is withheld
        assert (b["count"], b["suppressed"]) == ((n, False) if n >= 20 or n == 0 else (None, True))
        assert b["suppressed"] is False or b["default_rate"] is None
    income, share = api_world.query(f"select annual_income, (select avg(case when p.annual_income <= c.annual_income "
                                    f"then 1.0 else 0.0 end) * 100 from {profiles} p) from {profiles} c "
                                    "where client_id = ?", [client_id])[0]
    assert body["client"] == {"client_id": client_id, "value": income, "percentile": round(share, 2)}
    counts = client.get("/v1/population/distribution/education", headers=HEADERS).json()
    assert counts["kind"] == "categorical" and sum(c["count"] or 0 for c in counts["counts"]) <= counts["n_clients"]
    assert client.get("/v1/population/distribution/nope", headers=HEADERS).status_code == 404
    assert client.get("/v1/population/distribution/age_years", params={"client_id": 1}, headers=HEADERS).status_code == 404
    assert client.get("/v1/population/distribution/age_years", params={"bins": 1}, headers=HEADERS).status_code == 422


def test_similar_clients_and_their_default_rate(client: TestClient, api_world: ApiWorld, clients: dict) -> None:
    client_id = clients["test"]
    body = client.get(f"/v1/population/similar/{client_id}", params={"k": 25}, headers=HEADERS).json()
    ids = [n["client_id"] for n in body["neighbours"]]
    assert body["k"] == len(ids) == 25 and client_id not in ids
    distances = [n["distance"] for n in body["neighbours"]]
    assert distances == sorted(distances)
    placeholders = ", ".join("?" for _ in ids)
    targets = api_world.query(f"select target from {api_world.snapshot} where client_id in ({placeholders})", ids)
    assert all(t[0] is not None for t in targets)
    assert body["default_rate"] == round(float(np.mean([t[0] for t in targets])), 6)
    contract = api_world.query(f'select contract_type from marts."client_profiles__{api_world.feature_version}" '
                               "where client_id = ?", [client_id])[0][0]
    assert body["segment"] == {"contract_type": contract}
    assert "Euclidean" in body["definition"]
    first = body["neighbours"][0]
    threshold = client.get("/v1/model", headers=HEADERS).json()["threshold"]
    score = client.get(f"/v1/clients/{first['client_id']}/score", headers=HEADERS).json()
    assert first["probability_default"] == score["probability_default"]
    assert first["decision"] == ("refused" if first["probability_default"] >= threshold else "accepted")
    assert client.get("/v1/population/similar/1", headers=HEADERS).status_code == 404
    assert client.get(f"/v1/population/similar/{client_id}", params={"k": 0}, headers=HEADERS).status_code == 422


def test_openapi_documents_every_endpoint_with_examples(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    paths = set(schema["paths"])
    assert paths == {"/health", "/health/ready", "/v1/me", "/v1/model",
                     "/v1/clients", "/v1/clients/{client_id}", "/v1/clients/{client_id}/application",
                     "/v1/clients/{client_id}/score", "/v1/clients/{client_id}/explanation", "/v1/score",
                     "/v1/population/variables", "/v1/population/summary", "/v1/population/distribution/{variable}",
                     "/v1/population/similar/{client_id}", "/v1/labels", "/v1/decisions", "/v1/decisions/reasons",
                     "/v1/clients/{client_id}/decisions", "/v1/clients/{client_id}/counter-offer", "/v1/counter-offer",
                     "/v1/clients/{client_id}/letter", "/v1/admin/reload"}
    components = schema["components"]["schemas"]
    assert components["ScoreRequest"]["examples"][0]["application"]["AMT_CREDIT"] == 450000.0
    assert "examples" in components["ScorePublic"] and "examples" in components["ExplanationPublic"]
    assert schema["components"]["securitySchemes"]["APIKeyHeader"]["name"] == "X-API-Key"
    assert "Euclidean" in schema["paths"]["/v1/population/similar/{client_id}"]["get"]["description"]
    for path, method in (("/v1/clients/{client_id}/counter-offer", "get"), ("/v1/counter-offer", "post"),
                         ("/v1/clients/{client_id}/letter", "get")):
        operation = schema["paths"][path][method]
        assert operation["summary"] and len(operation["description"]) > 200, path
    assert components["CounterOfferPublic"]["examples"][0]["amount"]["possible"] is True
    assert "examples" in components["CounterOfferRequest"]
    assert "rate" in schema["paths"]["/v1/clients/{client_id}/counter-offer"]["get"]["description"]
    letter = schema["paths"]["/v1/clients/{client_id}/letter"]["get"]["responses"]["200"]["content"]
    assert '<html lang="fr">' in letter["text/html"]["example"] and "application/pdf" in letter
    reload = schema["paths"]["/v1/admin/reload"]["post"]
    assert reload["summary"] == "Serve the registry's champion now, if it moved"
    assert "409 with the reason when the new version fails a check: the old one keeps serving" in reload["description"]
    assert {"200", "401", "403", "409"} <= set(reload["responses"])
    assert "examples" in components["ReloadPublic"]
