"""The letter to the client: the explanation's reasons, never a protected attribute, the human decision when there is
one, the counter-offer, the right to a review, an accessible HTML page and a PDF whose text can be extracted."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from html.parser import HTMLParser

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from api.letter import (
    LETTER_REASONS,
    NOT_FOR_THE_CLIENT,
    Letter,
    counter_offer_options,
    for_the_client,
    french_date,
)
from api.letter_pdf import latin1, render_pdf
from api.reasons import NBSP, PROTECTED, main_reasons
from tests.api.conftest import HEADERS, KEYS, ApiWorld

pytestmark = pytest.mark.slow
REFUSED_HEADLINE = "Nous ne pouvons pas donner une suite favorable à votre demande de crédit."
FORBIDDEN_WORDS = ("sexe", "genre", "enfant", "familial", "famille", "célibataire", "marié")


class Text(HTMLParser):
    """The page's visible text, its headings and its list items."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.headings: list[tuple[str, str]] = []
        self.items: list[str] = []
        self.text: list[str] = []
        self.lang: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.stack.append(tag)
        if tag == "html":
            self.lang = dict(attrs).get("lang")
        if tag == "li":
            self.items.append("")

    def handle_endtag(self, tag: str) -> None:
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1] in ("style", "title"):
            return
        self.text.append(data)
        if self.stack and self.stack[-1] in ("h1", "h2", "h3"):
            self.headings.append((self.stack[-1], data))
        if "li" in self.stack:
            self.items[-1] += data


def page(html: str) -> Text:
    parsed = Text()
    parsed.feed(html)
    return parsed


def words(text: str) -> str:
    return " ".join(text.replace(NBSP, " ").replace("\u202f", " ").split())


@pytest.fixture(scope="module")
def by_decision(service, api_world: ApiWorld) -> dict[str, list[int]]:
    """Clients the model refuses and accepts, from the far end of the ids (the decision tests use the middle)."""
    ids = [r[0] for r in api_world.query(f"select client_id from {api_world.snapshot} order by client_id desc")]
    found: dict[str, list[int]] = {"refuse": [], "accept": []}
    for client_id in ids:
        decision = service.score_client(client_id).decision
        if len(found[decision]) < 12:
            found[decision].append(client_id)
        if all(len(v) == 12 for v in found.values()):
            break
    return found


def test_the_reasons_given_to_a_client() -> None:
    reasons = [{"feature": f, "direction": "hausse", "text": f} for f in
               ("ext_source_mean", "days_birth", "amt_annuity", "hour_appr_process_start", "days_employed",
                "credit_to_income_ratio", "amt_goods_price")]
    assert [r["feature"] for r in for_the_client(reasons)] == ["ext_source_mean", "amt_annuity", "days_employed",
                                                                "credit_to_income_ratio"]
    assert LETTER_REASONS == 4 and french_date(date(2026, 3, 1)) == "1er mars 2026"
    assert french_date(date(2026, 12, 3)) == "3 décembre 2026"
    assert latin1(f"12\u202f000{NBSP}€ l’œuvre — oui") == "12 000 euros l'oeuvre - oui"
    offer = {"amount": {"possible": True, "credit_amount": 120000.0, "term_months": 24, "annuity": 5600.5},
             "term": {"possible": False, "reason": "no_accepted_term"}}
    assert counter_offer_options(offer) == [f"Un crédit d'un montant de 120\u202f000{NBSP}€ sur 24{NBSP}mois, soit des "
                                            f"mensualités de 5\u202f600{NBSP}€, pourrait vous être proposé."]


def test_the_letter_gives_the_explanation_reasons_and_the_review_right(client: TestClient,
                                                                       by_decision: dict[str, list[int]]) -> None:
    for client_id, decision in ((by_decision["refuse"][0], "refused"), (by_decision["accept"][0], "accepted")):
        explanation = client.get(f"/v1/clients/{client_id}/explanation", headers=HEADERS).json()
        expected = [r for r in explanation["reasons"] if r["feature"].lower() not in NOT_FOR_THE_CLIENT][:4]
        assert expected, client_id
        response = client.get(f"/v1/clients/{client_id}/letter", headers=HEADERS)
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        assert (response.headers["x-letter-decision"], response.headers["x-letter-decided-by"]) == (decision, "model")
        parsed = page(response.text)
        assert parsed.lang == "fr"
        assert [h for h, _ in parsed.headings][:3] == ["h1", "h2", "h2"]
        assert ("h2", "Les principales raisons") in parsed.headings
        assert ("h2", "Votre droit à un réexamen par une personne") in parsed.headings
        items = parsed.items
        against = [r["text"] for r in expected if r["direction"] == "hausse"]
        favour = [r["text"] for r in expected if r["direction"] == "baisse"]
        assert items[:len(against) + len(favour)] == against + favour
        text = "".join(parsed.text)
        assert (REFUSED_HEADLINE in text) == (decision == "refused")
        assert "réexamine cette décision" in text and response.headers["x-letter-reference"] in text


def test_the_letter_never_names_a_protected_attribute(client: TestClient, by_decision: dict[str, list[int]]) -> None:
    client_id = by_decision["refuse"][1]
    contributions = client.get(f"/v1/clients/{client_id}/explanation", params={"top": 500},
                               headers=HEADERS).json()["contributions"]
    hidden = {c["label"] for c in contributions if c["feature"].lower() in PROTECTED | set(NOT_FOR_THE_CLIENT)}
    assert hidden  # the model does use such features: the letter must leave them out
    for client_id in by_decision["refuse"] + by_decision["accept"]:
        text = "".join(page(client.get(f"/v1/clients/{client_id}/letter", headers=HEADERS).text).text)
        assert [label for label in hidden if f"{label}{NBSP}:" in text] == [], client_id
        assert [w for w in FORBIDDEN_WORDS if re.search(rf"\b{w}", text, re.IGNORECASE)] == [], client_id


def test_a_refused_client_is_told_the_counter_offer(client: TestClient, by_decision: dict[str, list[int]]) -> None:
    told = 0
    for client_id in by_decision["refuse"]:
        offer = client.get(f"/v1/clients/{client_id}/counter-offer", headers=HEADERS).json()
        text = "".join(page(client.get(f"/v1/clients/{client_id}/letter", headers=HEADERS).text).text)
        for line in counter_offer_options(offer):
            assert line in text, client_id
            told += 1
        assert "Ce que vous pouvez faire" in text
    assert told > 0


def test_the_advisor_decision_comes_first(client: TestClient, by_decision: dict[str, list[int]]) -> None:
    client_id = by_decision["refuse"][2]
    scored = client.get(f"/v1/clients/{client_id}/score", headers=HEADERS).json()
    before = client.get(f"/v1/clients/{client_id}/letter", headers=HEADERS)
    assert (before.headers["x-letter-decided-by"], before.headers["x-letter-reference"]) == ("model",
                                                                                            scored["request_id"])
    decided = client.post("/v1/decisions", headers=HEADERS, json={
        "request_id": scored["request_id"], "decision": "accepted", "reason_code": "guarantor"})
    assert decided.status_code == 201
    after = client.get(f"/v1/clients/{client_id}/letter", headers=HEADERS)
    assert (after.status_code, after.headers["x-letter-decision"], after.headers["x-letter-decided-by"],
            after.headers["x-letter-reference"]) == (200, "accepted", "advisor", decided.json()["decision_id"])
    text = "".join(page(after.text).text)
    assert "Votre demande de crédit est acceptée." in text and "prise par votre conseiller" in text
    assert "Ce que vous pouvez faire" not in text


def test_the_pdf_is_one_page_of_extractable_text(client: TestClient, by_decision: dict[str, list[int]]) -> None:
    client_id = by_decision["refuse"][3]
    html = client.get(f"/v1/clients/{client_id}/letter", headers=HEADERS).text
    response = client.get(f"/v1/clients/{client_id}/letter", params={"format": "pdf"}, headers=HEADERS)
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert re.fullmatch(rf'attachment; filename="lettre-decision-{client_id}-\d{{4}}-\d\d-\d\d\.pdf"',
                        response.headers["content-disposition"])
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 1
    text = words(reader.pages[0].extract_text())
    assert words(latin1(REFUSED_HEADLINE)) in text
    for item in page(html).items:
        assert words(latin1(item)) in text


def test_letter_errors(client: TestClient, by_decision: dict[str, list[int]]) -> None:
    client_id = by_decision["accept"][1]
    assert client.get(f"/v1/clients/{client_id}/letter").status_code == 401
    forbidden = client.get(f"/v1/clients/{client_id}/letter", headers={"X-API-Key": KEYS["service"]})
    assert (forbidden.status_code, forbidden.json()["message"]) == (
        403, "Forbidden: principal 'service-test' lacks the scope 'client:read'")
    missing = client.get("/v1/clients/1/letter", headers=HEADERS)
    assert (missing.status_code, missing.json()["message"]) == (404, "Client not found")
    wrong = client.get(f"/v1/clients/{client_id}/letter", params={"format": "docx"}, headers=HEADERS)
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "query.format"


GENUINE_FEATURES = ("code_gender", "name_family_status", "cnt_children", "days_birth", "amt_credit", "amt_annuity",
                    "amt_income_total", "days_employed", "name_income_type", "occupation_type", "organization_type",
                    "name_education_type", "name_housing_type", "ext_source_2", "name_type_suite")


def test_letters_on_genuine_rows_name_no_protected_attribute_and_their_pdf_text_is_extractable(real_slice) -> None:
    """Genuine application rows (../shared): their values in words go through both renderings unchanged (PDF text
    extracted back) and the protected attributes, pushed first, are never among the reasons."""
    rows = pd.concat([pd.read_csv(real_slice / name, nrows=40) for name in ("application_train.csv",
                                                                            "application_test.csv")])
    assert len(rows) == 80
    for _, row in rows.iterrows():
        values = {f: (None if pd.isna(row[f.upper()]) else row[f.upper()].item() if hasattr(row[f.upper()], "item")
                      else row[f.upper()]) for f in GENUINE_FEATURES}
        contributions = [(f, (-1) ** i * (len(GENUINE_FEATURES) - i)) for i, f in enumerate(GENUINE_FEATURES)]
        reasons = for_the_client(main_reasons(contributions, values, {}, 8))
        assert [r["feature"] for r in reasons] == ["amt_credit", "amt_annuity", "amt_income_total", "days_employed"]
        letter = Letter(int(row["SK_ID_CURR"]), "refused", "model", datetime(2026, 12, 3, tzinfo=UTC), "ref",
                        REFUSED_HEADLINE, "Évaluation automatique.",
                        reasons_against=[r["text"] for r in reasons if r["direction"] == "hausse"],
                        reasons_for=[r["text"] for r in reasons if r["direction"] == "baisse"])
        reader = PdfReader(io.BytesIO(render_pdf(letter)))
        text = words(reader.pages[0].extract_text())
        assert len(reader.pages) == 1
        for reason in reasons:
            assert "?" not in latin1(reason["text"]) and words(latin1(reason["text"])) in text
