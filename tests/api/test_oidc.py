"""A person signed in at an OpenID Connect provider (a local mock from the package index) calls the API with the ID
token of their session: identified through the principal bound to their e-mail, refused in every other case."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.principals import PrincipalStore
from api.startup import StartupError
from tests.api.conftest import ApiWorld, add_principal

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # the mock imports authlib.jose, which warns it is deprecated
    from oidc_provider_mock import run_server_in_thread

CLIENT_ID = "hc-dashboard"
REDIRECT = "http://localhost:8501/oauth2callback"


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    """The mock provider's issuer URL."""
    with run_server_in_thread() as server:
        yield f"http://localhost:{server.server_port}"


def id_token(issuer: str, email: str, client_id: str = CLIENT_ID) -> str:
    """An ID token for `email`, through the provider's own authorization code flow."""
    config = httpx.get(f"{issuer}/.well-known/openid-configuration").json()
    params = {"client_id": client_id, "redirect_uri": REDIRECT, "response_type": "code", "scope": "openid email",
              "nonce": "n"}
    approved = httpx.post(config["authorization_endpoint"], params=params, data={"sub": email})
    code = parse_qs(urlparse(approved.headers["location"]).query)["code"][0]
    tokens = httpx.post(config["token_endpoint"], auth=(client_id, "secret"),
                        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT})
    return tokens.json()["id_token"]


@pytest.fixture(scope="module")
def signed_in_app(api_world: ApiWorld, provider: str, tmp_path_factory: pytest.TempPathFactory):
    events_url = f"sqlite:///{tmp_path_factory.mktemp('oidc') / 'events.sqlite'}"
    add_principal(events_url, "analyst-test", "analyst", "hc_00000000a002_" + "b" * 43)
    settings = api_world.settings.model_copy(update={"events_url": events_url, "oidc_issuer": provider,
                                                     "oidc_client_id": CLIENT_ID})
    with TestClient(create_app(settings)) as client:
        store = PrincipalStore(client.app.state.service.events.engine)
        store.add("alice", "advisor", subject="alice@bank.fr")
        store.add("bob", "advisor", subject="bob@bank.fr")
        store.revoke("bob")
        yield client


def test_an_id_token_identifies_the_principal_bound_to_its_email(signed_in_app: TestClient, provider: str) -> None:
    token = id_token(provider, "alice@bank.fr")
    me = signed_in_app.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json() == {"name": "alice", "role": "advisor",
                         "scopes": ["client:read", "decisions:write", "population:read", "score"]}


@pytest.mark.parametrize("case", ["unbound", "revoked", "other audience", "tampered"])
def test_other_tokens_are_refused(signed_in_app: TestClient, provider: str, case: str) -> None:
    token = {"unbound": lambda: id_token(provider, "eve@bank.fr"),
             "revoked": lambda: id_token(provider, "bob@bank.fr"),
             "other audience": lambda: id_token(provider, "alice@bank.fr", client_id="another-app"),
             "tampered": lambda: id_token(provider, "alice@bank.fr")[:-4] + "AAAA"}[case]()
    response = signed_in_app.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json()["message"] == "Missing or invalid API key"


def test_an_unreachable_provider_stops_the_start(api_world: ApiWorld) -> None:
    settings = api_world.settings.model_copy(update={"oidc_issuer": "http://127.0.0.1:9", "oidc_client_id": CLIENT_ID})
    with pytest.raises(StartupError, match="cannot read the OpenID Connect discovery document of HC_OIDC_ISSUER"), \
            TestClient(create_app(settings)):
        pass
    with pytest.raises(StartupError, match="OpenID Connect needs both HC_OIDC_ISSUER and HC_OIDC_CLIENT_ID"), \
            TestClient(create_app(api_world.settings.model_copy(update={"oidc_issuer": "http://127.0.0.1:9"}))):
        pass
