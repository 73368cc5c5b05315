"""Signing in, in the browser: with a personal key, and with an OpenID Connect provider (a local mock from the
package index); the dashboard calls the API as the person signed in, says who it is, and signs them out."""

from __future__ import annotations

import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from live_api import LiveApi, start_api, stop

from api.events import EventStore
from api.principals import PrincipalStore
from tests.api.conftest import KEYS, ApiWorld
from tools import browser

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # the mock imports authlib.jose, which warns it is deprecated
    from oidc_provider_mock import run_server_in_thread

pytestmark = pytest.mark.slow
CLIENT_ID = "hc-dashboard"


def test_a_wrong_key_is_refused_the_right_one_signs_in_and_out(chromium, dashboard_url, live_api: LiveApi,
                                                               axe_source: str) -> None:
    page = chromium.new_page()
    page.goto(f"{dashboard_url}/?client={live_api.accepted}")
    page.get_by_role("heading", name="Connexion au tableau de bord").wait_for(timeout=30_000)
    assert page.get_by_text("Crédit ").count() == 0  # nothing of a client before signing in
    page.evaluate(axe_source)
    violations = page.evaluate("async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']})).violations")
    assert [v["id"] for v in violations] == []
    page.get_by_label("Votre clé personnelle").fill("hc_000000000000_" + "x" * 43)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_text("Clé refusée : vérifiez-la, ou demandez-en une nouvelle à votre responsable.").wait_for(timeout=15_000)
    page.get_by_label("Votre clé personnelle").fill(live_api.key)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_text("Connecté : advisor-test (conseiller)").wait_for(timeout=15_000)
    page.get_by_role("heading", name=f"Client {live_api.accepted}").wait_for(timeout=15_000)
    page.get_by_role("button", name="Se déconnecter").click()
    page.get_by_role("heading", name="Connexion au tableau de bord").wait_for(timeout=15_000)
    assert page.get_by_text("Connecté :").count() == 0
    page.close()


def test_an_analyst_signs_in_but_cannot_read_a_client(chromium, dashboard_url, live_api: LiveApi) -> None:
    page = chromium.new_page()
    browser.open_signed_in(page, f"{dashboard_url}/?client={live_api.accepted}", KEYS["analyst"])
    page.get_by_text("Connecté : analyst-test (analyste)").wait_for(timeout=15_000)
    page.get_by_text("Votre profil ne permet pas cette consultation (droit « client:read »)").first.wait_for(
        timeout=15_000)
    page.close()


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    with run_server_in_thread() as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="module")
def oidc_world(api_world: ApiWorld, provider: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An API that accepts the provider's ID tokens (alice@bank.fr bound to an advisor) and a dashboard signing
    people in with the provider; yields the dashboard's URL."""
    folder = tmp_path_factory.mktemp("oidc")
    events_url = f"sqlite:///{folder / 'events.sqlite'}"
    store = EventStore(events_url)
    PrincipalStore(store.engine).add("alice", "advisor", subject="alice@bank.fr")
    store.dispose()
    oidc = {"HC_OIDC_ISSUER": provider, "HC_OIDC_CLIENT_ID": CLIENT_ID}
    process, api_url = start_api(api_world.env(HC_EVENTS_URL=events_url, **oidc), folder / "api.log")
    port = browser.free_port()
    try:
        with browser.serve_dashboard(api_url, port=port, log=folder / "dashboard.log", extra_env={
                **oidc, "HC_OIDC_CLIENT_SECRET": "mock-secret", "HC_DASHBOARD_URL": f"http://localhost:{port}"}) as url:
            yield url.replace("127.0.0.1", "localhost"), events_url
    finally:
        stop(process)


def test_signing_in_with_the_provider_calls_the_api_as_that_person(chromium, oidc_world, live_api: LiveApi) -> None:
    url, events_url = oidc_world
    page = browser.new_context(chromium).new_page()
    page.goto(f"{url}/?client={live_api.accepted}")
    page.get_by_role("button", name="Se connecter avec le compte de la banque").click()
    page.get_by_placeholder("sub").fill("alice@bank.fr")  # the mock provider's authorization form
    page.get_by_role("button", name="Authorize").click()
    page.get_by_text("Connecté : alice (conseiller)").wait_for(timeout=30_000)
    page.goto(f"{url}/?client={live_api.accepted}")  # the provider sends people back to the home page
    page.get_by_text("Connecté : alice (conseiller)").wait_for(timeout=30_000)  # the sign-in cookie outlives a reload
    page.get_by_role("heading", name=f"Client {live_api.accepted}").wait_for(timeout=30_000)
    browser.wait_until_drawn(page, "Crédit ")
    engine = sa.create_engine(events_url)
    with engine.connect() as con:
        readers = set(con.execute(sa.text("select distinct principal from audit_log where client_id = :c"),
                                  {"c": live_api.accepted}).scalars())
    engine.dispose()
    assert readers == {"alice"}
    page.get_by_role("button", name="Se déconnecter").click()
    # the provider ends its own session too (the mock may ask for a confirmation first), then sends the person back
    end_session = page.get_by_role("button", name="End session")
    sign_in_again = page.get_by_role("button", name="Se connecter avec le compte de la banque")
    end_session.or_(sign_in_again).first.wait_for(timeout=30_000)
    if end_session.is_visible():
        end_session.click()
    sign_in_again.wait_for(timeout=30_000)
    assert page.get_by_text("Connecté :").count() == 0


def test_an_unknown_person_of_the_provider_gets_no_access(chromium, oidc_world) -> None:
    url, _ = oidc_world
    page = browser.new_context(chromium).new_page()
    page.goto(url)
    page.get_by_role("button", name="Se connecter avec le compte de la banque").click()
    page.get_by_placeholder("sub").fill("eve@bank.fr")
    page.get_by_role("button", name="Authorize").click()
    page.get_by_text("eve@bank.fr n'a pas accès au tableau de bord").wait_for(timeout=30_000)
    assert page.get_by_text("Connecté :").count() == 0


def test_half_configured_provider_sign_in_is_refused(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "dashboard"], capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "HC_OIDC_ISSUER": "http://localhost:1", "HOME": str(tmp_path)},
                          cwd=browser.REPO_ROOT)
    assert done.returncode == 1
    assert done.stderr.strip().endswith("error: OpenID Connect sign-in needs HC_OIDC_CLIENT_ID, HC_OIDC_CLIENT_SECRET "
                                        "as well")
