"""Accountable access under load: every response has its audit row, every successful score its event, nothing lost.

    python -m bench.access [--requests 10000] [--concurrency 32] [--workers 2]

Starts `python -m api serve` with 2 workers on the warehouse and champion of the HC_* settings and a temporary
events database holding four principals (advisor, analyst, service, operator), then sends `--requests` requests at
`--concurrency` from the four of them, mixed: scores by id, explanations, profiles, population summaries, the model.
Each principal gets what its scopes allow (200, 404 for unknown clients) or 403, and the population routes are
limited to 60 per principal and minute, across workers (HC_RATE_LIMITS). Then it counts, from the database: audit
rows against responses, prediction events against successful scores, principals on both, 5xx; and the population
requests each principal got through against the limit. Exit 1 when one of issue 15's targets is missed.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import sqlalchemy as sa

from api.events import EventStore
from api.principals import PrincipalStore
from api.registry import registry_facts
from api.store import open_warehouse, served_version
from bench.api import free_port, stop, wait_for
from common.settings import get_settings

ROLES = ("advisor", "analyst", "service", "operator")
LIMITS = "score=1000000/minute,read=1000000/minute,population=60/minute"
POPULATION_LIMIT = 60


def plan(requests: int, client_ids: list[int], seed: int) -> list[tuple[str, str]]:
    """(role, path) of every request, shuffled: a fifth each of scores, explanations, profiles, summaries, model."""
    rng = random.Random(seed)
    kinds = ["/v1/clients/{id}/score", "/v1/clients/{id}/explanation", "/v1/clients/{id}",
             "/v1/population/summary", "/v1/model"]
    out = []
    for i in range(requests):
        client = rng.choice(client_ids) if rng.random() > 0.05 else 1  # 5 % unknown clients: 404
        out.append((ROLES[i % len(ROLES)], kinds[(i // len(ROLES)) % len(kinds)].replace("{id}", str(client))))
    rng.shuffle(out)
    return out


def count(url: str, sql: str) -> list[tuple]:
    engine = sa.create_engine(url)
    with engine.connect() as con:
        rows = [tuple(r) for r in con.execute(sa.text(sql))]
    engine.dispose()
    return rows


def main(argv: list[str] | None = None) -> int:
    """Run the load, count, print; exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(prog="python -m bench.access", description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=10_000, help="requests in all (10000)")
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight (32)")
    parser.add_argument("--workers", type=int, default=2, help="API worker processes (2)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the request mix")
    args = parser.parse_args(argv)
    settings = get_settings()
    with open_warehouse(settings.duckdb_path) as con:
        version = served_version(con, registry_facts(settings).tags.get("feature_version"))
        client_ids = [r[0] for r in con.sql(f"select client_id from {version.snapshot} using sample 300 rows "
                                             "order by 1").fetchall()]
    workdir = Path(tempfile.mkdtemp(prefix="bench-access-"))
    events_url = f"sqlite:///{workdir / 'events.sqlite'}"
    store = EventStore(events_url)
    keys = {role: PrincipalStore(store.engine).add(f"{role}-bench", role) for role in ROLES}
    store.dispose()
    port = free_port()
    env = {**os.environ, "HC_API_PORT": str(port), "HC_API_HOST": "127.0.0.1", "HC_API_WORKERS": str(args.workers),
           "HC_EVENTS_URL": events_url, "HC_RATE_LIMITS": LIMITS}
    for shared in ("HC_API_KEYS", "HC_API_KEY_FILE"):
        env.pop(shared, None)
    server = subprocess.Popen([sys.executable, "-m", "api", "serve", "--log-level", "WARNING"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    requests = plan(args.requests, client_ids, args.seed)
    statuses: Counter[tuple[str, str, int]] = Counter()
    try:
        wait_for(f"{url}/health", server, 180)
        clients = {role: httpx.Client(base_url=url, headers={"X-API-Key": key}, timeout=60) for role, key in keys.items()}

        def send(item: tuple[str, str]) -> tuple[str, str, int]:
            role, path = item
            kind = "score" if path.endswith("/score") or path.endswith("/explanation") else path.split("/")[2]
            return role, kind, clients[role].get(path).status_code

        started, first_second = time.perf_counter(), time.time()
        with ThreadPoolExecutor(args.concurrency) as pool:
            for result in pool.map(send, requests):
                statuses[result] += 1
        seconds, last_second = time.perf_counter() - started, time.time()
    finally:
        stop(server)
    responses = sum(statuses.values())
    scored = sum(n for (_, kind, status), n in statuses.items() if kind == "score" and status == 200)
    audit = count(events_url, "select count(*), count(distinct request_id), sum(principal is null) from audit_log")[0]
    events = count(events_url, "select count(*), count(distinct request_id), sum(principal is null) "
                               "from prediction_events")[0]
    population_ok = dict(count(events_url, "select principal, count(*) from audit_log where route = "
                                           "'/v1/population/summary' and status = 200 group by principal"))
    # the minute windows the run touched (the counters table keeps only the current and the previous one)
    windows = int(last_second // 60) - int(first_second // 60) + 1
    refused = sum(n for (_, kind, status), n in statuses.items() if kind == "population" and status == 429)
    by_status = Counter()
    for (_, _, status), n in statuses.items():
        by_status[status] += n
    print(f"{responses} responses in {seconds:.1f} s ({responses / seconds:.0f}/s) at concurrency {args.concurrency}, "
          f"{args.workers} workers: {dict(sorted(by_status.items()))}")
    print(f"audit rows {audit[0]} ({audit[1]} distinct request ids, {audit[2]} without principal); prediction events "
          f"{events[0]} ({events[1]} distinct, {events[2]} without principal) for {scored} successful scores")
    print(f"population summaries answered 200 per principal (limit {POPULATION_LIMIT}/minute across workers): "
          f"{population_ok} over {windows} minute windows; {refused} refused with 429")
    checks = [
        ("audit rows == responses, one per request id", audit[0] == audit[1] == responses and audit[2] == 0),
        ("events == successful scores, each with its principal", events[0] == events[1] == scored and events[2] == 0),
        ("0 5xx", not any(s >= 500 for s in by_status)),
        ("rate limit holds across workers (at most 60 a minute window, and some refused)",
         refused > 0 and all(n <= POPULATION_LIMIT * windows for n in population_ok.values())),
    ]
    for name, ok in checks:
        print(f"  [{'met' if ok else 'NOT MET'}] {name}")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
