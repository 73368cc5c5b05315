"""Pure pieces of the API: keys, the application schema, the dbt plan, the event store, similar clients."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from pydantic import ValidationError

from api.application import EXAMPLE_APPLICATION, Application
from api.events import AuditRecord, Event, EventStore, application_hash
from api.features import load_manifest
from api.population import Filters, Population
from api.security import KeyConfigError, load_keys
from common.contracts.events import AUDIT_LOG
from common.contracts.serving import mart_node, plan
from common.settings import Settings


def test_keys_from_the_environment_and_a_file(tmp_path: Path) -> None:
    key_file = tmp_path / "keys"
    key_file.write_text("# team keys\nfile-key-0123456789abc\n\n", encoding="utf-8")
    settings = Settings(api_keys=" env-key-0123456789abc , ", api_key_file=key_file)
    assert load_keys(settings) == (b"env-key-0123456789abc", b"file-key-0123456789abc")


@pytest.mark.parametrize(("keys", "key_file", "message"), [
    ("", None, "no development key configured"), ("short", None, "shorter than 16 characters"),
    ("", Path("/nonexistent/keys"), "cannot read the API key file")])
def test_key_configuration_errors(keys: str, key_file: Path | None, message: str) -> None:
    with pytest.raises(KeyConfigError, match=message):
        load_keys(Settings(api_keys=keys, api_key_file=key_file))


def test_serve_refuses_a_short_key_with_one_line() -> None:
    env = {k: v for k, v in os.environ.items() if k != "HC_API_KEY_FILE"} | {"HC_API_KEYS": "short-key"}
    done = subprocess.run([sys.executable, "-m", "api", "serve"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr == "error: 1 API key(s) shorter than 16 characters: use longer random keys\n"
    assert "Serving on" not in done.stdout


def test_application_schema_has_every_kaggle_field_but_the_id() -> None:
    fields = Application.model_fields
    assert len(fields) == 120 and "SK_ID_CURR" not in fields and "TARGET" not in fields
    assert Application(**EXAMPLE_APPLICATION).AMT_CREDIT == 450000.0


@pytest.mark.parametrize(("field", "value", "valid"), [
    ("DAYS_EMPLOYED", 365243, True), ("DAYS_EMPLOYED", -1000, True), ("DAYS_EMPLOYED", 10, False),
    ("DAYS_BIRTH", -5000, False), ("EXT_SOURCE_1", float("nan"), False), ("AMT_INCOME_TOTAL", float("inf"), False),
    ("NAME_INCOME_TYPE", "Maternity leave", True), ("NAME_FAMILY_STATUS", "Unknown", True),
    ("OCCUPATION_TYPE", None, True), ("CNT_FAM_MEMBERS", 0.0, False), ("HOUR_APPR_PROCESS_START", 24, False)])
def test_application_bounds(field: str, value: object, valid: bool) -> None:
    data = {**EXAMPLE_APPLICATION, field: value}
    if valid:
        Application(**data)
    else:
        with pytest.raises(ValidationError) as error:
            Application(**data)
        assert error.value.errors()[0]["loc"] == (field,)


def test_plan_reruns_only_the_models_fed_by_the_applications(api_world) -> None:
    manifest = load_manifest(api_world.settings.dbt_manifest_path)
    mart = mart_node(manifest, 1)
    order, history, sources = plan(manifest, mart)
    assert order == ["model.homecredit.stg_applications", "model.homecredit.int_applications_enriched", mart]
    assert history == sorted(f"model.homecredit.int_{name}_aggregated_to_clients" for name in (
        "bureau", "credit_card", "installments", "pos_cash", "previous_applications"))
    assert set(sources) == {"application_train", "application_test"}


def event(request_id: str) -> Event:
    return Event(request_id, "GET /v1/clients/{client_id}/score", 100002, None, {"amt_credit": 1.0, "code_gender": "F"},
                 0.2, "refuse", 0.1, "credit-scoring", "1", "fv0001", 1.5)


def audit(request_id: str) -> AuditRecord:
    return AuditRecord(request_id, "advisor-test", "advisor", "GET", "/v1/clients/{client_id}/score", 100002, None, 200)


def test_event_store_keeps_every_concurrent_write(tmp_path: Path) -> None:
    store = EventStore(f"sqlite:///{tmp_path / 'sub' / 'events.sqlite'}")
    threads = [threading.Thread(target=lambda i=i: [store.record(audit(f"{i}-{j}"), event(f"{i}-{j}"))
                                                    for j in range(25)]) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store.count() == 200 and store.count(AUDIT_LOG) == 200
    with store.engine.connect() as con:
        assert con.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
        assert con.exec_driver_sql("PRAGMA synchronous").scalar_one() == 2  # FULL: a commit survives a power cut
    with store.counters.connect() as con:
        assert con.exec_driver_sql("PRAGMA synchronous").scalar_one() == 0  # counters: no fsync per request
    store.dispose()


def test_audit_log_is_append_only(tmp_path: Path) -> None:
    store = EventStore(f"sqlite:///{tmp_path / 'events.sqlite'}")
    store.record(audit("r1"))
    for statement in ("update audit_log set status = 200", "delete from audit_log"):
        with pytest.raises(sa.exc.IntegrityError, match="audit_log is append-only"), store.engine.begin() as con:
            con.exec_driver_sql(statement)
    assert store.count(AUDIT_LOG) == 1
    store.dispose()


def test_an_older_event_table_gains_the_principal_column(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'events.sqlite'}"
    engine = sa.create_engine(url)
    with engine.begin() as con:
        con.exec_driver_sql("create table prediction_events (id integer primary key, request_id varchar(64))")
    engine.dispose()
    store = EventStore(url)
    assert "principal" in {c["name"] for c in sa.inspect(store.engine).get_columns("prediction_events")}
    store.dispose()


def test_application_hash_is_canonical() -> None:
    assert application_hash({"a": 1, "b": None}, 5) == application_hash({"b": None, "a": 1}, 5)
    assert application_hash({"a": 1}, 5) != application_hash({"a": 1}, None)


def toy_population() -> Population:
    frame = pd.DataFrame({
        "client_id": [1, 2, 3, 4, 5, 6], "contract_type": ["Cash loans"] * 5 + ["Revolving loans"],
        "age_years": [30.0, 31.0, 60.0, 30.5, 29.0, 30.0], "annual_income": [1e5, 1e5, 1e5, 1e5, 1e6, 1e5],
        "credit_amount": [5e5] * 6, "annuity_amount": [2e4] * 6, "years_employed": [2.0, 2.0, None, 2.0, 2.0, 2.0],
        "children_count": [0, 0, 0, 0, 0, 0], "gender": ["F", "M", "F", "F", "M", "F"],
        "target": [None, 1.0, 0.0, 0.0, 1.0, 0.0]})
    return Population(frame)


def test_similar_clients_follow_the_documented_definition() -> None:
    similar = toy_population().similar(1, 2, min_group=2)
    assert [n["client_id"] for n in similar["neighbours"]] == [4, 2]  # same contract type, nearest first
    assert similar["default_rate"] == 0.5 and similar["segment"] == {"contract_type": "Cash loans"}
    everyone = toy_population().similar(1, 5, min_group=2)  # fewer than k of the same contract type: everyone
    assert everyone["segment"] == {} and len(everyone["neighbours"]) == 5
    assert toy_population().similar(99, 2, min_group=2) is None


def test_group_filters() -> None:
    summary = toy_population().summary(Filters({"gender": "F"}, {"age_years": (None, 31.0)}), min_group=2)
    assert (summary["n_clients"], summary["n_with_outcome"], summary["default_rate"]) == (3, 2, 0.0)
    assert summary["numeric"]["age_years"]["q3"] == 30.25 and summary["numeric"]["age_years"]["max"] is None
    assert np.isclose(summary["numeric"]["age_years"]["mean"], (30.0 + 30.5 + 30.0) / 3)


def planted_population() -> Population:
    """One client alone in Paris, 19 in Lyon, 20 in Nice, 60 elsewhere; every third one a defaulter."""
    cities = ["Paris"] + ["Lyon"] * 19 + ["Nice"] * 20 + ["Lille"] * 60
    n = len(cities)
    frame = pd.DataFrame({
        "client_id": range(1, n + 1), "contract_type": ["Cash loans"] * n, "occupation": cities,
        "age_years": np.linspace(25, 60, n), "annual_income": [1e5 + 1000 * i for i in range(n)],
        "credit_amount": [5e5] * n, "annuity_amount": [2e4] * n, "years_employed": [2.0] * n,
        "children_count": [0] * n, "gender": ["F", "M"] * (n // 2), "target": [float(i % 3 == 0) for i in range(n)]})
    return Population(frame)


@pytest.mark.parametrize(("city", "shown"), [("Paris", False), ("Lyon", False), ("Nice", True)])
def test_groups_of_fewer_than_20_are_only_reported_as_too_small(city: str, shown: bool) -> None:
    summary = planted_population().summary(Filters({"occupation": city}, {}), min_group=20)
    if shown:
        assert (summary["n_clients"], summary["too_small"], summary["size"]) == (20, False, None)
        assert summary["default_rate"] == round(7 / 20, 6) and summary["numeric"]["age_years"]["count"] == 20
    else:
        assert summary == {"filters": {"occupation": city}, "n_clients": None, "n_with_outcome": None,
                           "default_rate": None, "too_small": True, "size": "fewer than 20", "numeric": {},
                           "categorical": {}}


def test_one_client_isolated_by_a_range_is_not_disclosed() -> None:
    population = planted_population()
    income = float(population.frame["annual_income"].iloc[0])
    alone = population.summary(Filters({}, {"annual_income": (income, income)}), min_group=20)
    assert alone["too_small"] and alone["default_rate"] is None and alone["n_clients"] is None
    counts = population.distribution("occupation", Filters({}, {}), 10, None, min_group=20)["counts"]
    assert {c["value"]: (c["count"], c["default_rate"], c["suppressed"]) for c in counts} == {
        "Lille": (60, round(float(np.mean([i % 3 == 0 for i in range(40, 100)])), 6), False),
        "Nice": (20, round(7 / 20, 6), False), "Lyon": (None, None, True), "Paris": (None, None, True)}
    histogram = population.distribution("annual_income", Filters({}, {}), 50, None, min_group=20)["histogram"]
    assert all(b["count"] is None and b["default_rate"] is None for b in histogram if b["suppressed"])
    assert all(b["count"] in (0, None) or b["count"] >= 20 for b in histogram)
