"""The only way the dashboard reaches data: the scoring API over HTTP (httpx), called as the person signed in.

Every call carries the signed-in person's credentials (`dashboard.session`), so the API checks their scopes, counts
their requests and records what they read. Answers are cached per person (the first argument of each cached
function is the person's `session.identity()`): nobody is ever shown an answer fetched for somebody else.
Every failure becomes an `ApiError` carrying a French message for the adviser (API down, session expired, right
missing, unknown client, invalid field...): pages show it with `st.error`, never a traceback.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import streamlit as st

from dashboard import formatting as fmt
from dashboard import session
from dashboard.settings import get_settings

TTL = 300  # seconds an answer stays cached (scores change only when the model is redeployed)
WAIT = "Le service de scoring répond…"  # shown when an answer takes more than half a second (st.spinner's delay)
LISTED_CLIENTS = 300  # client numbers offered in the search list (more slows typing in it; any number can be typed)


class ApiError(Exception):
    """A call to the API failed; `message` is French and meant to be shown as is."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


VALIDATION_WORDS = {  # pydantic error type -> French words (bounds are read from the English message)
    "missing": "champ obligatoire",
    "extra_forbidden": "champ inconnu",
    "int_parsing": "doit être un nombre entier",
    "int_type": "doit être un nombre entier",
    "int_from_float": "doit être un nombre entier",
    "float_parsing": "doit être un nombre",
    "float_type": "doit être un nombre",
    "finite_number": "doit être un nombre fini",
    "string_type": "doit être un texte",
    "literal_error": "valeur non reconnue",
    "enum": "valeur non reconnue",
    "greater_than_equal": "doit être supérieur ou égal à {bound}",
    "greater_than": "doit être supérieur à {bound}",
    "less_than_equal": "doit être inférieur ou égal à {bound}",
    "less_than": "doit être inférieur à {bound}",
}


def _field_error(error: dict, labels: dict[str, str] | None) -> str:
    """One invalid field of the API's error body (`field`, `message`, `type`) in French."""
    field = str(error.get("field", "")).split(".")[-1] or "demande"
    name = (labels or {}).get(field, field)
    words = VALIDATION_WORDS.get(error.get("type", ""))
    if words is None:
        words = error.get("message", "valeur invalide")
    elif "{bound}" in words:
        found = re.findall(r"-?\d+(?:\.\d+)?(?:e[+-]?\d+)?", str(error.get("message", "")))
        bound = fmt.number(float(found[-1]), 2).removesuffix(",00") if found else "la limite"
        words = words.format(bound=bound)
    return f"« {name} » : {words}"


def error_for(response: httpx.Response, not_found: str | None = None, labels: dict[str, str] | None = None) -> ApiError:
    """The French ApiError for an unsuccessful response (body: status, message, errors)."""
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    if status == 404 and not_found:
        return ApiError(not_found, status)
    if status == 401:
        return ApiError("Votre session n'est plus reconnue par le service de scoring (clé révoquée ou remplacée, ou "
                        "connexion expirée) : déconnectez-vous puis reconnectez-vous.", status)
    if status == 403:
        scope = re.search(r"lacks the scope '([^']+)'", str(body.get("message", "")))
        return ApiError("Votre profil ne permet pas cette consultation" + (f" (droit « {scope.group(1)} »)" if scope else "")
                        + " : demandez-le à votre responsable.", status)
    if status == 422:
        errors = body.get("errors") or []
        if not errors:
            return ApiError(f"Donnée refusée par le service de scoring : {body.get('message', 'valeur invalide')}.", status)
        return ApiError("Valeur invalide : " + " ; ".join(_field_error(e, labels) for e in errors) + ".", status)
    if status == 413:
        return ApiError("Demande trop volumineuse pour le service de scoring.", status)
    if status == 429:
        return ApiError("Trop de demandes en même temps : réessayez dans quelques secondes.", status)
    if status >= 500:
        return ApiError("Le service de scoring a rencontré une erreur interne. Réessayez ; si l'erreur persiste, "
                        "prévenez l'équipe technique.", status)
    return ApiError(f"Demande refusée par le service de scoring (code {status}).", status)


@st.cache_resource(show_spinner=False)
def _client(base_url: str, timeout: float) -> httpx.Client:
    """One connection pool to the API for the whole Streamlit server (credentials go with each request)."""
    return httpx.Client(base_url=base_url, timeout=timeout)


def request(method: str, path: str, *, not_found: str | None = None, labels: dict[str, str] | None = None,
            headers: dict[str, str] | None = None, **kwargs: Any) -> Any:
    """Call the API as the person signed in (or with `headers`) and return its JSON answer.

    Raises:
        ApiError: the API is unreachable, slow, or answered with an error (message in French).
    """
    response = send(method, path, not_found=not_found, labels=labels, headers=headers, **kwargs)
    try:
        return response.json()
    except ValueError:
        raise ApiError("Le service de scoring a envoyé une réponse illisible.") from None


def send(method: str, path: str, *, not_found: str | None = None, labels: dict[str, str] | None = None,
         headers: dict[str, str] | None = None, raise_errors: bool = True, **kwargs: Any) -> httpx.Response:
    """Call the API as the person signed in and return its response as is (HTML, PDF...; an unsuccessful one too
    when not `raise_errors`, for callers with their own words for some statuses).

    Raises:
        ApiError: the API is unreachable, slow, or (`raise_errors`) answered with an error (message in French).
    """
    settings = get_settings()
    client = _client(settings.api_url.rstrip("/"), settings.api_timeout)
    try:
        response = client.request(method, path, headers=headers if headers is not None else session.headers(), **kwargs)
    except httpx.TimeoutException:
        raise ApiError("Le service de scoring met trop de temps à répondre : réessayez dans un instant.") from None
    except httpx.TransportError:
        raise ApiError(f"Le service de scoring est injoignable ({settings.api_url}). Vérifiez qu'il est démarré, "
                       "ou prévenez l'équipe technique.") from None
    if response.is_error and raise_errors:
        raise error_for(response, not_found, labels)
    return response


def _unknown_client(client_id: int) -> str:
    return f"Aucun client ne porte le numéro {client_id}. Vérifiez le numéro saisi."


@st.cache_data(ttl=TTL, show_spinner=WAIT)
def health() -> dict:
    """GET /health: status, model and feature versions."""
    return request("GET", "/health")


def model_info() -> dict:
    """GET /v1/model: name, version, threshold, cost ratio, metrics, global importance."""
    return _model_info(session.identity())


@st.cache_data(ttl=TTL, show_spinner=WAIT)
def _model_info(who: str) -> dict:
    return request("GET", "/v1/model")


def client_profile(client_id: int) -> dict:
    """GET /v1/clients/{id}: the client's descriptive profile."""
    return _client_profile(session.identity(), client_id)


@st.cache_data(ttl=TTL, show_spinner=WAIT)
def _client_profile(who: str, client_id: int) -> dict:
    return request("GET", f"/v1/clients/{client_id}", not_found=_unknown_client(client_id))


def value_labels() -> dict[str, str]:
    """GET /v1/labels: the French label of every category value (raw value -> label)."""
    return _value_labels(session.identity())


@st.cache_data(ttl=3600, show_spinner=WAIT)
def _value_labels(who: str) -> dict[str, str]:
    return request("GET", "/v1/labels")["values"]


def client_score(client_id: int) -> dict:
    """GET /v1/clients/{id}/score: probability, decision, threshold, margin."""
    return _client_score(session.identity(), client_id)


@st.cache_data(ttl=TTL, show_spinner="Calcul du score…")
def _client_score(who: str, client_id: int) -> dict:
    return request("GET", f"/v1/clients/{client_id}/score", not_found=_unknown_client(client_id))


def client_explanation(client_id: int, top: int = 10) -> dict:
    """GET /v1/clients/{id}/explanation?top=k: the score, signed contributions and the main reasons in French."""
    return _client_explanation(session.identity(), client_id, top)


@st.cache_data(ttl=TTL, show_spinner="Calcul du score et de ses raisons…")
def _client_explanation(who: str, client_id: int, top: int = 10) -> dict:
    return request("GET", f"/v1/clients/{client_id}/explanation", params={"top": top},
                   not_found=_unknown_client(client_id))


def score_application(fields: dict, client_id: int | None = None, labels: dict[str, str] | None = None) -> dict:
    """POST /v1/score: score and explanation of a posted application (with a client's history when client_id)."""
    return _score_application(session.identity(), fields, client_id, labels)


@st.cache_data(ttl=TTL, show_spinner="Calcul du score de la demande…")
def _score_application(who: str, fields: dict, client_id: int | None = None, labels: dict[str, str] | None = None) -> dict:
    body = {"application": fields} if client_id is None else {"client_id": client_id, "application": fields}
    return request("POST", "/v1/score", json=body, labels=labels,
                   not_found=None if client_id is None else _unknown_client(client_id))


def openapi() -> dict:
    """The API's OpenAPI schema (the fields of an application, their types, bounds and categories)."""
    return _openapi(session.identity())


@st.cache_data(ttl=3600, show_spinner=WAIT)
def _openapi(who: str) -> dict:
    return request("GET", "/openapi.json")


def client_application(client_id: int) -> dict:
    """The client's raw application (Kaggle fields), as POST /v1/score takes it."""
    return _client_application(session.identity(), client_id)


@st.cache_data(ttl=TTL, show_spinner=WAIT)
def _client_application(who: str, client_id: int) -> dict:
    return request("GET", f"/v1/clients/{client_id}/application", not_found=_unknown_client(client_id))["application"]


def client_ids() -> list[int]:
    """Client numbers offered in the searchable list (GET /v1/clients when the API lists them)."""
    return _client_ids(session.identity())


@st.cache_data(ttl=TTL, show_spinner=WAIT)
def _client_ids(who: str) -> list[int]:
    answer = request("GET", "/v1/clients", params={"limit": LISTED_CLIENTS})
    items = answer.get("clients", answer.get("items", [])) if isinstance(answer, dict) else answer
    return [int(i["client_id"]) if isinstance(i, dict) else int(i) for i in items]


def population_variables() -> list[dict]:
    """GET /v1/population/variables: name, label, kind and known values of the descriptive variables."""
    return _population_variables(session.identity())


@st.cache_data(ttl=TTL, show_spinner=WAIT)
def _population_variables(who: str) -> list[dict]:
    return request("GET", "/v1/population/variables")


def distribution(variable: str, filters: dict, client_id: int | None, bins: int = 20, log: bool = False) -> dict:
    """GET /v1/population/distribution/{variable}: histogram or counts in a group, and the client's position."""
    return _distribution(session.identity(), variable, filters, client_id, bins, log)


@st.cache_data(ttl=TTL, show_spinner=WAIT)
def _distribution(who: str, variable: str, filters: dict, client_id: int | None, bins: int = 20, log: bool = False) -> dict:
    params = {**filters, "bins": bins, **({} if client_id is None else {"client_id": client_id}),
              **({"scale": "log"} if log else {})}
    return request("GET", f"/v1/population/distribution/{variable}", params=params,
                   not_found=None if client_id is None else _unknown_client(client_id))


def similar_clients(client_id: int, k: int = 100) -> dict:
    """GET /v1/population/similar/{id}: the k most similar clients and their observed default rate."""
    return _similar_clients(session.identity(), client_id, k)


@st.cache_data(ttl=TTL, show_spinner=WAIT)
def _similar_clients(who: str, client_id: int, k: int = 100) -> dict:
    return request("GET", f"/v1/population/similar/{client_id}", params={"k": k}, not_found=_unknown_client(client_id))


def whoami(headers: dict[str, str]) -> dict:
    """GET /v1/me with the given credentials (a key being tried at sign-in, or the session's ID token)."""
    return request("GET", "/v1/me", headers=headers)


def decision_reasons() -> dict:
    """GET /v1/decisions/reasons: the reasons to decide otherwise than the model (French labels) and the French
    label of each decision."""
    return _decision_reasons(session.identity())


@st.cache_data(ttl=3600, show_spinner=WAIT)
def _decision_reasons(who: str) -> dict:
    return request("GET", "/v1/decisions/reasons")


def client_history(client_id: int) -> dict:
    """GET /v1/clients/{id}/decisions: the client's scorings and the human decisions on them, newest first."""
    return _client_history(session.identity(), client_id)


@st.cache_data(ttl=TTL, show_spinner="Lecture de l'historique du client…")
def _client_history(who: str, client_id: int) -> dict:
    return request("GET", f"/v1/clients/{client_id}/decisions", not_found=_unknown_client(client_id))


def record_decision(client_id: int, body: dict) -> dict:
    """POST /v1/decisions as the person signed in; the client's history and letter are read afresh afterwards.

    Raises:
        ApiError: in French, with words of its own for a missing right, an unknown scoring, a decision already
            recorded and a missing reason or comment.
    """
    response = send("POST", "/v1/decisions", json=body, raise_errors=False)
    forget_client_decisions(client_id)
    if response.is_error:
        person = session.person() or {}
        raise decision_error(response, session.role_words(person.get("role", "")))
    return response.json()


def forget_client_decisions(client_id: int) -> None:
    """Drop the cached answers that a new decision changes (this person's history and letter of the client)."""
    who = session.identity()
    _client_history.clear(who, client_id)
    for kind in LETTER_FORMATS:
        _client_letter.clear(who, client_id, kind)


DECISION_422 = (  # the API's English reason for a 422 on POST /v1/decisions -> French words
    ("reason_code is required", "Choisissez un motif : votre décision diffère de celle du modèle."),
    ("comment is required", "Ajoutez un commentaire : le motif choisi demande une précision."),
    ("is retired", "Ce motif n'est plus proposé : choisissez-en un autre."),
)


def decision_error(response: httpx.Response, role: str) -> ApiError:
    """The French ApiError for an unsuccessful POST /v1/decisions (`role`: the person's role, in French)."""
    status = response.status_code
    try:
        message = str(response.json().get("message", ""))
    except (ValueError, AttributeError):
        message = ""
    if status == 403:
        return ApiError(f"Votre profil ({role or 'inconnu'}) ne permet pas d'enregistrer une décision de crédit "
                        "(droit « decisions:write », réservé aux conseillers) : demandez-le à votre responsable.",
                        status)
    if status == 404:
        return ApiError("Ce score n'est plus connu du service de scoring : rechargez la page du client, puis "
                        "enregistrez votre décision.", status)
    if status == 409:
        return ApiError("Une décision est déjà enregistrée sur ce score (par vous ou par un collègue) : consultez "
                        "l'historique ci-dessous, puis enregistrez une correction si besoin.", status)
    if status == 422:
        for english, french in DECISION_422:
            if english in message:
                return ApiError(french, status)
    return error_for(response, labels=DECISION_FIELDS)


DECISION_FIELDS = {"decision": "Votre décision", "reason_code": "Motif", "comment": "Commentaire",
                   "request_id": "Score", "supersedes": "Décision corrigée"}


# The client page reaches these sections only for a client the API knows: a 404 means the API lacks the route.
NO_COUNTER_OFFER = ("Le service de scoring ne propose pas de contre-proposition pour ce client (fonction absente de "
                    "sa version) : prévenez l'équipe technique.")
NO_LETTER = ("Le service de scoring ne peut pas préparer la lettre de ce client (fonction absente de sa version) : "
             "prévenez l'équipe technique.")


def client_counter_offer(client_id: int) -> dict:
    """GET /v1/clients/{id}/counter-offer: the largest amount and the longest term the model accepts."""
    return _client_counter_offer(session.identity(), client_id)


@st.cache_data(ttl=TTL, show_spinner="Recherche de ce que la banque pourrait proposer…")
def _client_counter_offer(who: str, client_id: int) -> dict:
    return request("GET", f"/v1/clients/{client_id}/counter-offer", not_found=NO_COUNTER_OFFER)


LETTER_FORMATS = ("html", "pdf")


def client_letter(client_id: int, kind: str) -> dict:
    """GET /v1/clients/{id}/letter?format=html|pdf: the letter to the client about their latest decision
    (`content`: the HTML or PDF bytes; `decision` and `decided_by`: which decision it is about, from its headers)."""
    return _client_letter(session.identity(), client_id, kind)


@st.cache_data(ttl=TTL, show_spinner="Préparation de la lettre…")
def _client_letter(who: str, client_id: int, kind: str) -> dict:
    if kind not in LETTER_FORMATS:
        raise ValueError(f"format must be one of {LETTER_FORMATS}, not {kind!r}")
    response = send("GET", f"/v1/clients/{client_id}/letter", params={"format": kind}, not_found=NO_LETTER)
    return {"content": response.content, "decision": response.headers.get("x-letter-decision"),
            "decided_by": response.headers.get("x-letter-decided-by")}
