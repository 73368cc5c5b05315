"""Pure logic of the oversight sections: the decision's checks and body, the history table, the counter-offer's
table and sentences, the letter's body, and the French messages of POST /v1/decisions's errors."""

from __future__ import annotations

import httpx
import pytest

from dashboard import api_client, offers
from dashboard import decisions as dec

REASONS = {  # the shape of GET /v1/decisions/reasons (a few of its reasons)
    "reasons": [
        {"code": "guarantor", "label": "Garant ou caution", "description": "…", "comment_required": False,
         "retired": False},
        {"code": "old_code", "label": "Ancien motif", "description": "…", "comment_required": False, "retired": True},
        {"code": "other", "label": "Autre motif (à préciser en commentaire)", "description": "…",
         "comment_required": True, "retired": False}],
    "decisions": {"accepted": "Accordé", "refused": "Refusé", "referred": "Transmis à un analyste crédit"}}
MODEL = {"probability_default": 0.2312, "decision": "refused", "threshold": 0.0912, "model_name": "credit-scoring",
         "model_version": "3", "feature_version": "fv0002"}


def decision(decision_id: str, at: str, value: str, *, override: bool, reason: str | None = None,
             comment: str | None = None, supersedes: str | None = None, superseded_by: str | None = None) -> dict:
    labels = {"guarantor": "Garant ou caution", "other": "Autre motif (à préciser en commentaire)"}
    return {"decision_id": decision_id, "request_id": "r1", "client_id": 100002, "decided_at": at,
            "principal": "alice@bank.fr", "role": "advisor", "decision": value, "override": override,
            "reason_code": reason, "reason_label": labels.get(reason), "comment": comment, "supersedes": supersedes,
            "superseded_by": superseded_by, "model": MODEL}


def scoring(request_id: str, at: str, decisions: list[dict], principal: str | None = "alice@bank.fr") -> dict:
    return {"request_id": request_id, "scored_at": at, "endpoint": "GET /v1/clients/{client_id}/explanation",
            "principal": principal, "role": "advisor" if principal else None, "probability_default": 0.2312,
            "model_decision": "refused", "threshold": 0.0912, "model_name": "credit-scoring", "model_version": "3",
            "feature_version": "fv0002", "decisions": decisions}


HISTORY = {"client_id": 100002, "scorings": [
    scoring("r2", "2026-12-03T11:00:00Z", []),
    scoring("r1", "2026-12-03T10:14:02Z", [
        decision("d2", "2026-12-03T10:20:00Z", "refused", override=False, reason="other",
                 comment="Revenus saisis deux fois.", supersedes="d1"),
        decision("d1", "2026-12-03T10:15:00Z", "accepted", override=True, reason="guarantor", superseded_by="d2")]),
    scoring("r0", "2026-12-02T09:00:00", [], principal=None)]}


def test_reason_choices_leave_retired_reasons_out_and_labels_are_french():
    assert dec.reason_options(REASONS) == {"guarantor": "Garant ou caution",
                                           "other": "Autre motif (à préciser en commentaire)"}
    assert dec.decision_labels(REASONS) == {"accepted": "Accordé", "refused": "Refusé",
                                            "referred": "Transmis à un analyste crédit"}
    assert dec.comment_required(REASONS, "other") and not dec.comment_required(REASONS, "guarantor")


def test_a_decision_like_the_models_needs_no_reason():
    assert dec.problems("refused", "refused", None, "", REASONS) == []
    assert dec.decision_body("r1", "refused", None, "  ") == {"request_id": "r1", "decision": "refused"}


@pytest.mark.parametrize("chosen", ["accepted", "referred"])
def test_changing_the_models_decision_needs_a_reason(chosen):
    label = REASONS["decisions"][chosen]
    assert dec.problems("refused", chosen, None, "Vu le client.", REASONS) == [
        f"Choisissez un motif : votre décision (« {label} ») diffère de celle du modèle (« Refusé »)."]
    assert dec.problems("refused", chosen, "guarantor", None, REASONS) == []


def test_other_reason_needs_a_comment_and_a_choice_is_needed():
    assert dec.problems("accepted", "refused", "other", " ", REASONS) == [
        "Ajoutez un commentaire : le motif « Autre motif (à préciser en commentaire) » demande une précision."]
    assert dec.problems("accepted", None, None, None, REASONS) == ["Choisissez votre décision."]


def test_the_body_carries_only_what_the_person_decides():
    assert dec.decision_body("r1", "accepted", "guarantor", "  Caution des parents. ", "d1") == {
        "request_id": "r1", "decision": "accepted", "reason_code": "guarantor", "comment": "Caution des parents.",
        "supersedes": "d1"}


def test_the_decision_in_force_is_the_last_correction_of_the_scoring_shown():
    assert dec.decision_in_force(HISTORY, "r1")["decision_id"] == "d2"
    assert dec.decision_in_force(HISTORY, "r2") is None
    assert dec.decision_in_force(HISTORY, "unknown") is None


def test_history_table_newest_first_with_who_when_what_why():
    table = dec.history_table(HISTORY, REASONS)
    assert table.index.name == "Quand (UTC)" and list(table.columns) == ["Qui", "Quoi", "Pourquoi"]
    assert list(table.index) == ["03/12/2026 à 11:00:00", "03/12/2026 à 10:20:00", "03/12/2026 à 10:15:00",
                                 "03/12/2026 à 10:14:02", "02/12/2026 à 09:00:00"]
    assert list(table["Qui"]) == ["alice@bank.fr (conseiller)"] * 4 + ["inconnu"]
    assert table.iloc[0]["Quoi"] == ("Score du modèle : crédit refusé (probabilité de défaut 23,1\u00a0%, seuil "
                                     "9,1\u00a0%, modèle version 3)")
    assert table.iloc[0]["Pourquoi"] == "Calcul du score"
    assert table.iloc[1]["Quoi"] == "Décision : Refusé (comme le modèle), corrige la décision du 03/12/2026 à 10:15:00"
    assert table.iloc[1]["Pourquoi"] == "Autre motif (à préciser en commentaire) ; « Revenus saisis deux fois. »"
    assert table.iloc[2]["Quoi"] == ("Décision : Accordé (différente du modèle), remplacée par la correction du "
                                     "03/12/2026 à 10:20:00")
    assert table.iloc[2]["Pourquoi"] == "Garant ou caution"


def test_a_decision_in_the_same_second_as_its_scoring_comes_above_it():
    same = {"scorings": [scoring("r1", "2026-12-03T10:15:00Z",
                                 [decision("d1", "2026-12-03T10:15:00.000Z", "refused", override=False)])]}
    table = dec.history_table(same, REASONS)
    assert [w.split(" ")[0] for w in table["Quoi"]] == ["Décision", "Score"]
    assert table.iloc[0]["Pourquoi"] == "Aucun motif (décision du modèle confirmée)"


def test_history_summary_and_confirmation_sentences():
    assert dec.history_summary(HISTORY) == ("3 calculs du score et 2 décisions de conseiller, du plus récent au "
                                            "plus ancien.")
    assert dec.history_summary({"scorings": []}) == "Aucun score n'a encore été calculé pour ce client."
    recorded = decision("d9", "2026-12-03T12:00:01+00:00", "accepted", override=True, reason="guarantor",
                        supersedes="d2")
    assert dec.confirmation(recorded, REASONS) == (
        "Votre décision « Accordé » est enregistrée le 03/12/2026 à 12:00:01 (UTC), différente de celle du modèle, "
        "motif : Garant ou caution; elle remplace la décision précédente. Référence : d9.")


def decisions_response(status: int, message: str) -> httpx.Response:
    return httpx.Response(status, json={"status": status, "request_id": "x", "message": message})


def test_a_role_without_decisions_write_is_told_it_cannot_record_decisions():
    error = api_client.decision_error(decisions_response(
        403, "Forbidden: principal 'analyst-test' lacks the scope 'decisions:write'"), "analyste")
    assert error.status == 403
    assert error.message == ("Votre profil (analyste) ne permet pas d'enregistrer une décision de crédit (droit "
                             "« decisions:write », réservé aux conseillers) : demandez-le à votre responsable.")


@pytest.mark.parametrize(("status", "message", "french"), [
    (422, "reason_code is required when the decision (accepted) differs from the model's (refused): see GET "
          "/v1/decisions/reasons", "Choisissez un motif : votre décision diffère de celle du modèle."),
    (422, "comment is required with reason_code 'other'",
     "Ajoutez un commentaire : le motif choisi demande une précision."),
    (404, "Unknown request_id 'f': no scoring response has this id",
     "Ce score n'est plus connu du service de scoring : rechargez la page du client, puis enregistrez votre décision."),
    (409, "A decision is already recorded on this scoring (d1): record a correction with `supersedes`",
     "Une décision est déjà enregistrée sur ce score (par vous ou par un collègue) : consultez l'historique "
     "ci-dessous, puis enregistrez une correction si besoin."),
    (429, "Too many requests", "Trop de demandes en même temps : réessayez dans quelques secondes."),
])
def test_every_refusal_of_a_decision_is_a_french_message(status, message, french):
    assert api_client.decision_error(decisions_response(status, message), "conseiller").message == french


def test_an_invalid_field_of_a_decision_is_named_in_french():
    response = httpx.Response(422, json={"status": 422, "message": "Invalid request: reason_code", "errors": [
        {"field": "reason_code", "message": "Input should be 'guarantor' or 'other'", "type": "literal_error"}]})
    assert api_client.decision_error(response, "conseiller").message == "Valeur invalide : « Motif » : valeur non reconnue."


COUNTER_OFFER = {  # the shape of GET /v1/clients/{id}/counter-offer
    "client_id": 100002,
    "requested": {"credit_amount": 450000.0, "term_months": 24, "annuity": 22500.0, "probability_default": 0.1312,
                  "decision": "refused"},
    "rate": {"source": "inferred", "monthly_rate": 0.0151, "annual_rate": 0.1812, "term_months": 24,
             "instalment_share": None, "text": "Monthly rate at which the application's annuity repays ..."},
    "amount": {"possible": True, "credit_amount": 312000.0, "term_months": 24, "annuity": 15490.12,
               "probability_default": 0.0871, "decision": "accepted"},
    "term": {"possible": False, "reason": "no_accepted_term", "reason_text": None},
    "threshold": 0.0912}


def test_counter_offer_table_shows_the_request_each_option_or_why_not():
    table = offers.offer_table(COUNTER_OFFER)
    assert table.index.name == "Proposition"
    assert list(table.index) == ["Demande actuelle", "Montant le plus élevé accepté",
                                 "Durée la plus longue acceptée (montant demandé)"]
    assert list(table.loc["Montant le plus élevé accepté"]) == [
        "312\u202f000\u00a0€", "24\u00a0mois", "15\u202f490\u00a0€", "8,7\u00a0%", "Crédit accordé"]
    assert list(table.loc["Demande actuelle"])[-1] == "Crédit refusé"
    assert list(table.loc["Durée la plus longue acceptée (montant demandé)"]) == [
        "—", "—", "—", "—", "Aucune proposition. Aucune durée n'est acceptée par le modèle pour le montant demandé."]


def test_counter_offer_sentences_and_rate_are_french():
    assert offers.offer_sentences(COUNTER_OFFER) == [
        "Le modèle accepterait un crédit de 312\u202f000\u00a0€ sur 24\u00a0mois, soit une mensualité de "
        "15\u202f490\u00a0€.",
        "Aucune durée n'est acceptée par le modèle pour le montant demandé."]
    assert offers.rate_sentence(COUNTER_OFFER["rate"]) == (
        "Mensualités recalculées au taux implicite de la demande, 1,51\u00a0% par mois (18,1\u00a0% par an, taux "
        "nominal), pour une durée estimée à 24\u00a0mois (la demande n'indique pas sa durée).")
    assert offers.rate_sentence({"source": "revolving", "instalment_share": 0.05}) == (
        "Crédit renouvelable : la mensualité reste 5,0\u00a0% du montant, comme dans la demande.")
    term = {"possible": True, "credit_amount": 450000.0, "term_months": 36, "annuity": 16000.0,
            "probability_default": 0.08, "decision": "accepted"}
    text = offers.offer_sentences(COUNTER_OFFER | {"term": term, "amount": {
        "possible": False, "reason": "no_accepted_amount", "reason_text": "Aucun montant n'est accepté, même réduit."}})
    assert text == ["Aucun montant n'est accepté, même réduit.",
                    "Ou le montant demandé, 450\u202f000\u00a0€, sur 36\u00a0mois, soit une mensualité de "
                    "16\u202f000\u00a0€."]


def test_the_letter_body_keeps_text_and_structure_without_style_script_or_events():
    document = ("<!DOCTYPE html><html lang='fr'><head><title>Lettre</title><style>body{color:red}</style></head>"
                "<body><main><h1>Votre demande de crédit</h1><p onclick='x()' class='a'>Madame, Monsieur &amp; "
                "co</p><script>alert(1)</script><h2>Vos droits</h2><br><ul><li>Réexamen</li></ul></main></body></html>")
    assert offers.letter_fragment(document) == (
        '<div><h3>Votre demande de crédit</h3><p class="a">Madame, Monsieur &amp; co</p><h4>Vos droits</h4><br>'
        "<ul><li>Réexamen</li></ul></div>")
    assert offers.letter_fragment("<h5>a</h5>") == "<h6>a</h6>"


def test_a_client_accepted_as_requested_is_told_once():
    same = {"possible": False, "reason": "accepted_as_requested", "reason_text": None}
    assert offers.offer_sentences(COUNTER_OFFER | {"amount": same, "term": same}) == [
        "La demande est acceptée telle quelle : aucune contre-proposition n'est nécessaire."]


def test_pdf_name_and_signature():
    assert offers.letter_file_name(100002) == "lettre-client-100002.pdf"
    assert offers.is_pdf(b"%PDF-1.7\n...") and not offers.is_pdf(b"<html>")


def test_the_letter_says_which_decision_it_is_about():
    labels = dec.decision_labels(REASONS)
    assert offers.letter_about("refused", "model", labels) == (
        "La lettre porte sur la décision du modèle, « Refusé » : aucune décision de conseiller n'est enregistrée pour "
        "ce client.")
    assert offers.letter_about("referred", "advisor", labels) == (
        "La lettre porte sur la décision de conseiller en vigueur, « Transmis à un analyste crédit ».")
    assert offers.letter_about(None, None, labels) == "La lettre porte sur la dernière décision enregistrée pour ce client."
