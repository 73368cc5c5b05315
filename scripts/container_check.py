"""`python -m scripts.container_check`: check a running API from outside, as the container test and the
deployment (.github/workflows/cd.yml) do: `/health` answers ok, a client's score with the key is a probability
and a decision, and the same request without a key is refused (401). Exit status 1 when a check fails.

The key comes from `HC_API_KEY` (never a command-line argument: it would show in process lists and CI logs): that
of a principal with the scopes score and client:read. A private Hugging Face Space answers only with the owner's
token: `HF_TOKEN`, when set, goes with every request (`Authorization`), the key with those that need one.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import httpx


def _headers(key: str | None = None) -> dict[str, str]:
    """The Space's token when HF_TOKEN is set (private Spaces), and the principal's key when given."""
    headers = {"Authorization": f"Bearer {os.environ['HF_TOKEN']}"} if os.environ.get("HF_TOKEN") else {}
    return headers | ({"X-API-Key": key} if key else {})


class CheckError(RuntimeError):
    """The API answered, but not what a healthy deployment answers."""


def wait_health(url: str, timeout: float) -> dict:
    """`GET /health` until it answers 200 with status ok (a deployment may still be starting)."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        try:
            answer = httpx.get(f"{url}/health", headers=_headers(), timeout=10)
            if answer.status_code == 200 and answer.json().get("status") == "ok":
                return answer.json()
            last = f"{answer.status_code} {answer.text[:200]}"
        except httpx.HTTPError as error:
            last = repr(error)
        time.sleep(3)
    raise CheckError(f"{url}/health did not answer ok within {timeout:.0f} s (last: {last})")


def first_client(url: str, key: str) -> int:
    """The first client id the API serves."""
    answer = httpx.get(f"{url}/v1/clients", params={"limit": 1}, headers=_headers(key), timeout=30)
    if answer.status_code != 200 or not answer.json().get("clients"):
        raise CheckError(f"GET /v1/clients answered {answer.status_code} {answer.text[:200]}")
    return int(answer.json()["clients"][0])


def score(url: str, key: str, client_id: int) -> dict:
    """`GET /v1/clients/{id}/score` with the key: a probability in [0, 1] and a decision."""
    answer = httpx.get(f"{url}/v1/clients/{client_id}/score", headers=_headers(key), timeout=30)
    body = answer.json() if answer.headers.get("content-type", "").startswith("application/json") else {}
    if answer.status_code != 200 or body.get("decision") not in ("accepted", "refused") \
            or not 0.0 <= float(body.get("probability_default", -1)) <= 1.0:
        raise CheckError(f"score of client {client_id} answered {answer.status_code} {answer.text[:300]}")
    return body


def refused_without_key(url: str, client_id: int) -> None:
    """The same score without a key must be 401."""
    answer = httpx.get(f"{url}/v1/clients/{client_id}/score", headers=_headers(), timeout=30)
    if answer.status_code != 401:
        raise CheckError(f"score without a key answered {answer.status_code}, not 401")


def check(url: str, key: str, client_id: int | None = None, timeout: float = 300) -> dict:
    """Every check; returns the health and the score."""
    url = url.rstrip("/")
    health = wait_health(url, timeout)
    client_id = client_id if client_id is not None else first_client(url, key)
    result = score(url, key, client_id)
    refused_without_key(url, client_id)
    return {"health": health, "score": result}


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(prog="python -m scripts.container_check", description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="the API's base URL")
    parser.add_argument("--client", type=int, help="client id to score (default: the first one the API lists)")
    parser.add_argument("--timeout", type=float, default=300, help="seconds to wait for /health (default 300)")
    args = parser.parse_args(argv)
    key = os.environ.get("HC_API_KEY", "")
    if not key:
        parser.error("set HC_API_KEY to a key the API accepts")
    try:
        result = check(args.url, key, args.client, args.timeout)
    except (CheckError, httpx.HTTPError) as error:
        print(f"FAILED: {error}", file=sys.stderr)
        return 1
    s, h = result["score"], result["health"]
    print(f"ok: {args.url} model {h['model_name']} version {h['model_version']}, feature version "
          f"{h['feature_version']}; client {s['client_id']}: p = {s['probability_default']:.4f}, {s['decision']}; "
          "401 without key")
    return 0


if __name__ == "__main__":
    sys.exit(main())
