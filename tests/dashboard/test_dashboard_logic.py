"""Pure logic of the dashboard: French API error messages, the application form's units, comparison helpers."""

from __future__ import annotations

import httpx
import pytest

from common.contracts.labels import value_labels
from dashboard import api_client, groups
from dashboard import application_form as form
from dashboard import formatting as fmt
from dashboard.components import parse_client_id


def response(status: int, body: dict | None = None) -> httpx.Response:
    return httpx.Response(status, json=body if body is not None else {"status": status, "message": "x"})


def test_validation_errors_name_the_field_in_french():
    body = {"status": 422, "message": "Invalid request: application.AMT_CREDIT", "errors": [
        {"field": "application.AMT_CREDIT", "message": "Input should be greater than or equal to 0", "type": "greater_than_equal"},
        {"field": "application.CODE_GENDER", "message": "Input should be 'F', 'M' or 'XNA'", "type": "literal_error"},
        {"field": "application.NAME_INCOME_TYPE", "message": "Field required", "type": "missing"},
        {"field": "application.DAYS_BIRTH", "message": "Input should be less than or equal to -6574", "type": "less_than_equal"}]}
    error = api_client.error_for(response(422, body), labels=form.LABELS)
    assert error.status == 422
    assert error.message == (
        "Valeur invalide : « Montant du crédit demandé » : doit être supérieur ou égal à 0 ; « Genre » : valeur non "
        "reconnue ; « Type de revenu » : champ obligatoire ; « Âge (années) » : doit être inférieur ou égal à -6\u202f574.")


@pytest.mark.parametrize(("status", "start"), [
    (401, "Votre session n'est plus reconnue par le service de scoring"),
    (413, "Demande trop volumineuse"),
    (429, "Trop de demandes"),
    (500, "Le service de scoring a rencontré une erreur interne"),
    (503, "Le service de scoring a rencontré une erreur interne"),
    (418, "Demande refusée par le service de scoring (code 418)"),
])
def test_every_status_has_a_french_message(status, start):
    assert api_client.error_for(response(status)).message.startswith(start)


def test_not_found_uses_the_callers_message_and_survives_a_non_json_body():
    assert api_client.error_for(response(404), not_found="Aucun client").message == "Aucun client"
    assert api_client.error_for(httpx.Response(502, text="<html>bad gateway</html>")).status == 502


def test_client_ids_are_parsed_leniently_but_strictly_numeric():
    assert parse_client_id(" 100 002 ") == 100002
    assert parse_client_id("100\u202f002") == 100002
    assert parse_client_id(100002) == 100002
    assert parse_client_id("12a4") is None and parse_client_id("-5") is None and parse_client_id("0") is None


def test_form_units_round_trip_to_the_raw_fields():
    raw = form.to_raw(form.NEW_APPLICATION)
    assert raw["DAYS_BIRTH"] == -13880 and raw["DAYS_EMPLOYED"] == -2192
    assert raw["FLAG_OWN_REALTY"] == "Y" and raw["FLAG_OWN_CAR"] == "N"
    assert raw["CNT_CHILDREN"] == 0 and isinstance(raw["CNT_CHILDREN"], int)
    assert raw["EXT_SOURCE_1"] is None and raw["AMT_CREDIT"] == 450000.0
    back = form.from_raw(raw)
    assert back["DAYS_BIRTH"] == 38.0 and back["DAYS_EMPLOYED"] == 6.0 and back["FLAG_OWN_REALTY"] is True


def test_no_job_is_the_kaggle_placeholder():
    assert form.to_raw({"DAYS_EMPLOYED": 0.0}) == {"DAYS_EMPLOYED": 365243}
    assert form.from_raw({"DAYS_EMPLOYED": 365243})["DAYS_EMPLOYED"] == 0.0


def test_changed_fields_and_categories_from_the_openapi_schema():
    assert form.changed_fields({"AMT_CREDIT": 1.0, "CNT_CHILDREN": 0, "CODE_GENDER": "F"},
                               {"AMT_CREDIT": 2.0, "CNT_CHILDREN": 0}) == [("Montant du crédit demandé", 1.0, 2.0)]
    schema = {"components": {"schemas": {"Application": {"properties": {
        "CODE_GENDER": {"enum": ["F", "M", "XNA"]},
        "OCCUPATION_TYPE": {"anyOf": [{"enum": ["Laborers", "Drivers"]}, {"type": "null"}]},
        "AMT_CREDIT": {"type": "number"}}}}}}
    categories = form.categories_from_schema(schema)
    assert categories["CODE_GENDER"] == ["F", "M", "XNA"]
    assert categories["OCCUPATION_TYPE"] == ["Laborers", "Drivers"]
    assert categories["NAME_CONTRACT_TYPE"] == ["Cash loans", "Revolving loans"]  # fallback
    assert "AMT_CREDIT" not in categories


def test_group_filters_and_words():
    fmt.use_labels(value_labels())  # what the pages load from GET /v1/labels
    assert groups.filter_params({"gender": "F", "education": None}, "35 à 45 ans") == {
        "gender": "F", "age_min": 35, "age_max": 45}
    assert groups.group_words(groups.GROUP, {"gender": "F", "income_type": "Pensioner"}, None) == \
        "le groupe Femme, Retraité"
    assert groups.group_words(groups.GROUP, {"gender": None}, None) == "tous les clients (aucun filtre choisi)"


def test_local_histogram_and_share_below():
    bins = groups.local_histogram([1.0, 2.0, None, 3.0, 4.0], bins=3)
    assert list(bins["count"]) == [1, 1, 2] and bins["start"].iloc[0] == 1.0 and bins["end"].iloc[-1] == 4.0
    assert list(groups.local_histogram([5.0, 5.0])["count"]) == [2]
    assert groups.local_histogram([None]).empty
    assert groups.share_below([1.0, 2.0, 3.0, None], 2.5) == 2 / 3
    assert groups.share_below([], 1.0) is None


def test_neighbours_show_the_decision_when_the_api_gives_it():
    rows = groups.neighbours_frame([
        {"client_id": 1, "age_years": 30.0, "annual_income": 1e5, "decision": "refused"},
        {"client_id": 2, "age_years": 40.0, "annual_income": None},
        {"client_id": 3, "age_years": 50.0, "annual_income": 2e5}], "age_years", "annual_income")
    assert list(rows["client_id"]) == [1, 3]
    assert list(rows["decision"]) == ["Crédit refusé", "Décision non fournie"]


def test_a_posted_invalid_field_comes_back_as_a_french_message(live_api, monkeypatch):
    """Against the real API: the 422 of an out-of-bounds field, worded for the adviser."""
    from live_api import point_dashboard_at

    point_dashboard_at(live_api.url, live_api.key, monkeypatch)
    fields = form.to_raw(form.NEW_APPLICATION) | {"AMT_CREDIT": -5.0}
    with pytest.raises(api_client.ApiError) as caught:
        api_client.score_application(fields, None, form.LABELS)
    assert caught.value.status == 422
    assert caught.value.message == "Valeur invalide : « Montant du crédit demandé » : doit être supérieur ou égal à 0."


def test_screenshots_cli_checks_the_api_first(live_api, monkeypatch, capsys):
    from live_api import point_dashboard_at

    from tools import screenshots

    point_dashboard_at(live_api.url, live_api.key, monkeypatch)
    assert screenshots.first_client() == min(live_api.client_ids)
    assert screenshots.check_api(live_api.accepted) is None
    assert screenshots.main(["--client", "999999999", "--out", "unused"]) == 1
    assert "client 999999999 is unknown to the API" in capsys.readouterr().err
    point_dashboard_at(live_api.url, "wrong-key", monkeypatch)
    assert screenshots.check_api(live_api.accepted) == ("the API refuses the key: set HC_API_KEY to an advisor's key "
                                                        "(`python -m api principals add NAME --role advisor`)")


def test_the_dashboard_is_deployable_alone():
    """It imports no other stage, and its own pins are the repository's."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    for path in (root / "dashboard").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        modules |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        stages = {m.split(".")[0] for m in modules} & {"api", "training", "warehouse", "monitoring", "common", "dbt_project"}
        assert not stages, f"{path.name} imports {stages}"

    def pins(path: Path) -> dict[str, str]:
        lines = [line.split("#")[0].strip() for line in path.read_text(encoding="utf-8").splitlines()]
        return dict(line.lower().split("==") for line in lines if "==" in line)

    mine, everyone = pins(root / "dashboard" / "requirements.txt"), pins(root / "requirements.txt")
    assert mine == {name: everyone[name] for name in mine}
