"""Driving the dashboard in headless Chromium (Debian's /usr/bin/chromium) with Playwright: for the browser
tests and `make screenshots`. Not imported by the app itself.

Zoom: a browser at 200 % lays a 1280-pixel-wide window out as 640 CSS pixels with two device pixels each;
`zoom_context` reproduces exactly that (viewport divided by the zoom, device scale factor = zoom).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

CHROMIUM = Path(os.environ.get("HC_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--disable-gpu", "--headless"]
WINDOW = (1280, 900)  # CSS pixels at 100 %
REPO_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class PageSpec:
    """One page of the dashboard: URL path, expected heading, a text that proves it is drawn, and its charts."""

    slug: str
    path: str
    heading: str
    ready_text: str
    charts: int


PAGES = (
    PageSpec("client", "", "Client : décision et explications", "Crédit ", 2),
    PageSpec("comparison", "comparaison", "Comparaison avec d'autres clients", "Répartition", 3),
    PageSpec("simulation", "simulation", "Simulation : et si la demande changeait ?", "Décision actuelle", 0),
    PageSpec("new_application", "nouvelle-demande", "Nouvelle demande de crédit", "Calculer le score", 0),
    PageSpec("model", "modele", "Le modèle : comment lire le score", "Comment lire le score", 1),
)


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float, process: subprocess.Popen | None = None) -> None:
    """Wait until `url` answers 200 (fails early when `process` died)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the process serving {url} exited with code {process.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


@contextlib.contextmanager
def serve_dashboard(api_url: str, port: int | None = None, log: Path | None = None,
                    extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """Run `python -m dashboard` on loopback against the API (people sign in: it holds no key); yields its base URL."""
    port = port or free_port()
    env = {**os.environ, "HC_API_URL": api_url, "HC_DASHBOARD_PORT": str(port), "HC_DASHBOARD_HOST": "127.0.0.1",
           "PYTHONPATH": str(REPO_ROOT), **(extra_env or {})}
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115 - closed below
    process = subprocess.Popen([sys.executable, "-m", "dashboard"], env=env, stdout=out, stderr=subprocess.STDOUT,
                               cwd=REPO_ROOT)
    try:
        wait_http(f"http://127.0.0.1:{port}/_stcore/health", 60, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        if log:
            out.close()


def launch(playwright):
    """Headless Debian Chromium (never a downloaded browser)."""
    if not CHROMIUM.exists():
        raise FileNotFoundError(f"{CHROMIUM} is missing: run `make browser-deps` (apt-get install chromium)")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)


def new_context(browser, zoom: float = 1.0):
    """A browser context showing pages as a 1280 x 900 window at `zoom` (1.0 = 100 %, 2.0 = 200 %)."""
    width, height = WINDOW
    return browser.new_context(viewport={"width": int(width / zoom), "height": int(height / zoom)},
                               device_scale_factor=zoom, locale="fr-FR")


def sign_in(page, key: str, timeout: float = 15_000) -> None:
    """Sign in with a personal key when the page shows the sign-in form (each new browser session does)."""
    field = page.get_by_label("Votre clé personnelle")
    # the app reports "notRunning" before its first run too: wait for the form or for a signed-in page instead
    field.or_(page.get_by_role("button", name="Se déconnecter")).first.wait_for(state="visible", timeout=timeout)
    if not field.is_visible():
        return
    field.fill(key)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("button", name="Se déconnecter").wait_for(timeout=timeout)


def open_signed_in(page, url: str, key: str, timeout: float = 15_000) -> None:
    """Open `url` in a new session and sign in with `key`."""
    page.goto(url)
    sign_in(page, key, timeout)


def wait_until_drawn(page, ready_text: str | None = None, charts: int = 0, timeout: float = 15_000) -> None:
    """Wait until Streamlit has finished running the page, `ready_text` is visible and `charts` charts are drawn."""
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout)
    if ready_text:
        page.get_by_text(ready_text).first.wait_for(state="visible", timeout=timeout)
    if charts:
        page.wait_for_function(
            "n => document.querySelectorAll('[data-testid=\"stVegaLiteChart\"] canvas, "
            "[data-testid=\"stVegaLiteChart\"] svg.marks').length >= n", arg=charts, timeout=timeout)


def overflow(page) -> dict:
    """Horizontal overflow of the page (WCAG 1.4.4 / 1.4.10: nothing may need scrolling sideways)."""
    return page.evaluate("""() => ({scrollWidth: document.documentElement.scrollWidth,
                                    innerWidth: window.innerWidth})""")


def complete(page, slug: str, timeout: float = 15_000) -> None:
    """Bring a page to the state worth showing: the form pages submitted, so that a decision is on screen."""
    if slug == "simulation":
        credit = page.get_by_label("Montant du crédit demandé")
        credit.fill(str(max(int(float(credit.input_value().replace(",", "")) / 2), 1000)))
        page.get_by_role("button", name="Recalculer le score").click()
        page.get_by_text("Ce qui change").wait_for(timeout=timeout)
    elif slug == "new_application":
        page.get_by_role("button", name="Calculer le score de la demande").click()
        page.get_by_text("Résultat de la demande").wait_for(timeout=timeout)
    else:
        return
    wait_until_drawn(page, None, 1, timeout)


def screenshot_full(page, path: Path) -> None:
    """The whole page, not only the window: Streamlit scrolls inside its main area, so the window is stretched."""
    size = page.viewport_size
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], int(height))})
    page.wait_for_timeout(300)  # charts resize to the new window
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)
