"""`python -m tools.screenshots`: every page of the dashboard at 100 % and 200 % zoom, as PNG files.

Needs the API running (`make serve`) at HC_API_URL and an advisor's key in HC_API_KEY (it signs in with it, as an
advisor would); starts its own dashboard on a free loopback port (or uses --url), and drives Debian's headless
Chromium (`make browser-deps`).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import httpx

from dashboard.settings import get_settings
from tools import browser

ZOOMS = (1.0, 2.0)


def advisor_key() -> str:
    """The advisor key the screenshots are taken with (HC_API_KEY)."""
    return os.environ.get("HC_API_KEY", "")


def first_client() -> int | None:
    """The API's first client (GET /v1/clients?limit=1), or None when it cannot say."""
    settings = get_settings()
    try:
        answer = httpx.get(f"{settings.api_url}/v1/clients", params={"limit": 1}, timeout=10,
                           headers={"X-API-Key": advisor_key()}).json()
        return int(answer["clients"][0])
    except (httpx.HTTPError, ValueError, KeyError, IndexError, TypeError):
        return None


def check_api(client_id: int) -> str | None:
    """None when the API answers for this client, else what is wrong (in English, for the operator)."""
    settings = get_settings()
    headers = {"X-API-Key": advisor_key()}
    try:
        response = httpx.get(f"{settings.api_url}/v1/clients/{client_id}/score", headers=headers, timeout=10)
    except httpx.HTTPError as error:
        return f"the API at {settings.api_url} does not answer ({error}): start it with `make serve`"
    if response.status_code in (401, 403):
        return ("the API refuses the key: set HC_API_KEY to an advisor's key (`python -m api principals add NAME "
                "--role advisor`)")
    if response.status_code == 404:
        return f"client {client_id} is unknown to the API: choose another with --client (CLIENT=id)"
    return None if response.is_success else f"the API answered {response.status_code}"


def shoot(url: str, client_id: int, out: Path) -> list[Path]:
    """Screenshots of every page at every zoom; returns the files written."""
    from playwright.sync_api import sync_playwright  # a test dependency, absent from the dashboard image

    out.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as playwright:
        chrome = browser.launch(playwright)
        for zoom in ZOOMS:
            context = browser.new_context(chrome, zoom)
            page = context.new_page()
            for number, spec in enumerate(browser.PAGES, start=1):
                browser.open_signed_in(page, f"{url}/{spec.path}?client={client_id}", advisor_key())
                browser.wait_until_drawn(page, spec.ready_text, spec.charts)
                browser.complete(page, spec.slug)
                path = out / f"{number}-{spec.slug}-{int(zoom * 100)}.png"
                browser.screenshot_full(page, path)
                written.append(path)
            context.close()
        chrome.close()
    return written


def main(argv: list[str] | None = None) -> int:
    """Parse the options, check the API, take the screenshots."""
    parser = argparse.ArgumentParser(prog="python -m tools.screenshots", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("reports/screenshots"), help="folder of the PNG files (default %(default)s)")
    parser.add_argument("--client", type=int, help="client shown on the client pages (default: the API's first client)")
    parser.add_argument("--url", help="a dashboard already running (default: start one on a free loopback port)")
    args = parser.parse_args(argv)
    args.client = args.client or first_client() or 100002
    problem = check_api(args.client)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    if args.url:
        written = shoot(args.url.rstrip("/"), args.client, args.out)
    else:
        settings = get_settings()
        with browser.serve_dashboard(settings.api_url) as url:
            written = shoot(url, args.client, args.out)
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
