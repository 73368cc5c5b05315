"""The dashboard tests' world: the API tests' warehouse and champion (reused), served by a real API process, the
dashboard served by `python -m dashboard`, and headless Debian Chromium with axe-core for the browser tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from live_api import LiveApi, decided_clients, point_dashboard_at, start_api, stop

from dashboard.settings import get_settings
from tests.api.conftest import KEY, ApiWorld, api_world  # noqa: F401 - the API tests' world, reused as a fixture
from tools import browser

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def live_api(api_world: ApiWorld, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApi]:  # noqa: F811
    """`python -m api serve` on the API tests' world, for the whole session."""
    log = tmp_path_factory.mktemp("dashboard_api") / "api.log"
    process, url = start_api(api_world.env(), log)
    try:
        accepted, refused, ids = decided_clients(api_world.settings.duckdb_path, url, KEY)
        yield LiveApi(url, KEY, accepted, refused, ids)
    finally:
        stop(process)


@pytest.fixture
def dashboard_env(live_api: LiveApi, monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveApi]:
    """AppTest pages talk to the live API."""
    point_dashboard_at(live_api.url, live_api.key, monkeypatch)
    yield live_api
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def dashboard_url(live_api: LiveApi, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`python -m dashboard` on a free loopback port, talking to the live API."""
    log = tmp_path_factory.mktemp("dashboard") / "streamlit.log"
    with browser.serve_dashboard(live_api.url, log=log) as url:
        yield url


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    """Headless Debian Chromium driven by Playwright; fails (never skips) when `make browser-deps` was not run."""
    from playwright.sync_api import sync_playwright

    missing = [str(p) for p in (browser.CHROMIUM, AXE) if not p.exists()]
    if missing:
        pytest.fail(f"missing {', '.join(missing)}: run `make browser-deps` (chromium from apt, axe-core from npm)")
    with sync_playwright() as playwright:
        chrome = browser.launch(playwright)
        yield chrome
        chrome.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's script, injected into each page."""
    return AXE.read_text(encoding="utf-8")
