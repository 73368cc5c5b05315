"""`make bench-reload`: a new champion is promoted while the API serves under load, then the features are rebuilt.

    python -m bench.reload [--seconds 60] [--concurrency 16] [--workers 2] [--poll 10] [--promote-at 15]

Works on copies in a temporary folder (the HC_* workdir is only read): the registry (`mlflow.db`), the warehouse and
the API's matrix cache. Starts `python -m api serve` with 2 workers polling the registry every `--poll` seconds
(HC_MODEL_POLL_S); the serving snapshot of the champion's feature version is written at start-up (beside the copied
warehouse). Then:

1. reload under load: an async client keeps `--concurrency` score requests in flight for `--seconds` (and on until
   `--after` seconds past the last worker's swap, when loading takes longer on a busy machine); at
   `--promote-at` a new version (the champion's model copied to new artefacts, so that it is loaded from scratch:
   model, serving snapshot, matrices, start-up checks) is registered and the champion alias moved to it. Targets
   (issue 17): 0 non-2xx; each worker swaps within HC_MODEL_POLL_S + its load time; every request sent after the
   last swap is answered by the new version (and none before the promotion).
2. features while serving: `python -m dbt_project.pipeline` rebuilds the copied warehouse while the same load goes
   on; target: the build succeeds (it needs the warehouse's write lock: the API must not hold the file) and every
   response is 2xx, from the API's snapshot.

Prints the figures (swap delay and load time per worker, throughput, build time) and the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx
from mlflow import MlflowClient

from api.events import EventStore
from api.principals import PrincipalStore
from api.registry import export_model, registry_facts
from api.store import open_warehouse, served_version
from bench.api import NO_LIMITS, free_port, stop, wait_for
from common.contracts import serving
from common.contracts.registry import CHAMPION, tracking_uri
from common.settings import Settings, get_settings

SWAP = re.compile(r"^(\S+ \S+) INFO \[(\d+)\] api\.reload: swapped: serving \S+ version (\S+) .* loaded and checked "
                  r"in ([\d.]+) s")
READY = re.compile(r"\[(\d+)\] api\.startup: ready")


@dataclass(frozen=True)
class Answer:
    """One request: when it was sent and answered (epoch seconds), its status (-1: no HTTP answer, `error` says
    why) and the version that scored it."""

    sent: float
    received: float
    status: int
    version: str | None
    error: str | None = None


@dataclass(frozen=True)
class Swap:
    """A worker's swap, from its log line."""

    pid: str
    at: float
    version: str
    load_s: float


class Copies:
    """The registry, warehouse and matrix cache copied into `root`, and the server's environment on them."""

    def __init__(self, settings: Settings, root: Path) -> None:
        uri = tracking_uri(settings.mlflow_tracking_uri)
        if not uri.startswith("sqlite:///"):
            raise SystemExit(f"the registry must be a SQLite file to be copied (MLFLOW_TRACKING_URI is {uri})")
        self.root = root
        self.facts = registry_facts(settings)
        shutil.copy(uri.removeprefix("sqlite:///"), root / "mlflow.db")
        self.tracking = f"sqlite:///{root / 'mlflow.db'}"
        self.warehouse = Path(shutil.copy(settings.duckdb_path, root / "homecredit.duckdb"))
        if Path(settings.api_cache_dir).is_dir():  # the champion's matrices: its start-up skips rebuilding them
            shutil.copytree(settings.api_cache_dir, root / "api_cache", ignore=shutil.ignore_patterns("*.lock", "*.tmp*"))
        self.exported = export_model(settings, root / "next-champion")  # the new version's artefacts
        self.events_url = f"sqlite:///{root / 'events.sqlite'}"
        store = EventStore(self.events_url)
        self.key = PrincipalStore(store.engine).add("advisor-bench", "advisor")
        store.dispose()

    def env(self, workers: int, poll: float, port: int) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("HC_API_KEYS", "HC_API_KEY_FILE", "HC_SERVING_DIR")}
        return env | {"MLFLOW_TRACKING_URI": self.tracking, "HC_DUCKDB_PATH": str(self.warehouse),
                      "HC_API_CACHE_DIR": str(self.root / "api_cache"), "HC_EVENTS_URL": self.events_url,
                      "HC_API_WORKERS": str(workers), "HC_API_PORT": str(port), "HC_API_HOST": "127.0.0.1",
                      "HC_MODEL_POLL_S": str(poll), "HC_RATE_LIMITS": NO_LIMITS, "HC_SHADOW_CHALLENGER": "false"}

    def promote(self) -> tuple[str, float]:
        """Register the copied model as a new version, move the champion alias to it; (version, when)."""
        client = MlflowClient(tracking_uri=self.tracking)
        version = client.create_model_version(self.facts.name, str(self.exported / "model"), run_id=self.facts.run_id,
                                              tags=self.facts.tags, description="bench.reload: the champion re-registered")
        client.set_registered_model_alias(self.facts.name, CHAMPION, version.version)
        return str(version.version), time.time()


async def load(url: str, key: str, ids: list[int], concurrency: int, until, during=None) -> list[Answer]:
    """Score requests at `concurrency` until `until()` is true; `during` runs alongside (a coroutine)."""
    answers: list[Answer] = []
    async with httpx.AsyncClient(base_url=url, headers={"X-API-Key": key}, timeout=60,
                                 limits=httpx.Limits(max_connections=concurrency)) as http:
        async def one(k: int) -> None:
            rng = random.Random(k)
            while not until():
                sent, error = time.time(), None
                try:
                    response = await http.get(f"/v1/clients/{rng.choice(ids)}/score")
                    status = response.status_code
                    version = response.json().get("model_version") if status == 200 else None
                except httpx.HTTPError as failed:
                    status, version, error = -1, None, f"{type(failed).__name__}: {failed}"
                answers.append(Answer(sent, time.time(), status, version, error))

        await asyncio.gather(*(one(k) for k in range(concurrency)), *([during] if during else []))
    return answers


def print_errors(answers: list[Answer]) -> None:
    """The requests that got no HTTP answer, by error."""
    for error, n in Counter(a.error for a in answers if a.error).most_common():
        print(f"  no HTTP answer ({n}): {error}")


def swap_of(line: str) -> Swap | None:
    """The swap a log line reports, if it does."""
    match = SWAP.match(line)
    if match is None:
        return None
    at = datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S,%f").timestamp()
    return Swap(match.group(2), at, match.group(3), float(match.group(4)))


def swaps(log_path: Path) -> list[Swap]:
    """Every swap the workers logged."""
    with log_path.open(encoding="utf-8") as server_log:
        return [s for s in map(swap_of, server_log) if s is not None]


def wait_workers(log_path: Path, workers: int, server: subprocess.Popen, timeout: float = 900) -> None:
    """Until `workers` processes logged that they are ready."""
    deadline = time.monotonic() + timeout
    while len(set(READY.findall(log_path.read_text(encoding="utf-8")))) < workers:
        if server.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"the API did not start its {workers} workers (see {log_path})")
        time.sleep(0.5)


def reload_phase(args: argparse.Namespace, copies: Copies, url: str, ids: list[int], log_path: Path) -> list[tuple[str, bool]]:
    """Phase 1: promote mid-run; print the figures; the checks."""
    promoted: dict[str, object] = {}
    start = time.time()

    async def promoter() -> None:
        await asyncio.sleep(args.promote_at)
        promoted["version"], promoted["at"] = await asyncio.to_thread(copies.promote)
        with log_path.open(encoding="utf-8") as server_log:  # follow the log until every worker swapped
            pids: set[str] = set()
            while len(pids) < args.workers and time.time() < start + args.seconds + args.max_extra:
                pids |= {s.pid for s in map(swap_of, server_log.readlines()) if s and s.version == promoted["version"]}
                await asyncio.sleep(0.5)
        promoted["all_swapped"] = time.time()

    def until() -> bool:  # `--seconds`, and on until `--after` seconds past the last swap (a slow machine's load)
        now = time.time()
        swapped = promoted.get("all_swapped")
        return now > start + args.seconds and swapped is not None and now > float(swapped) + args.after

    answers = asyncio.run(load(url, copies.key, ids, args.concurrency, until, promoter()))
    new, at = str(promoted["version"]), float(promoted["at"])
    time.sleep(1)  # the last log lines
    done = [s for s in swaps(log_path) if s.version == new]
    statuses = Counter(a.status for a in answers)
    seconds = max(a.received for a in answers) - start
    print(f"reload: {len(answers)} requests in {seconds:.1f} s ({len(answers) / seconds:.0f}/s) at concurrency "
          f"{args.concurrency} over {args.workers} workers, statuses {dict(sorted(statuses.items()))}; version "
          f"{copies.facts.version} -> {new} promoted at +{at - start:.1f} s; HC_MODEL_POLL_S={args.poll:g}")
    for s in sorted(done, key=lambda s: s.at):
        print(f"  worker {s.pid}: swapped {s.at - at:.1f} s after the promotion (its load and checks {s.load_s:.1f} s)")
    last = max((s.at for s in done), default=float("inf"))
    after = [a for a in answers if a.sent >= last]
    old_after = sum(1 for a in after if a.version != new)
    early = sum(1 for a in answers if a.version == new and a.received < at)
    print_errors(answers)
    print(f"  requests sent after the last swap: {len(after)}, answered by another version than {new}: {old_after}; "
          f"answered by {new} before its promotion: {early}")
    return [("0 non-2xx during the reload", set(statuses) == {200}),
            (f"all {args.workers} workers swapped to version {new}", len({s.pid for s in done}) == args.workers),
            ("each swap within HC_MODEL_POLL_S + its load time", all(s.at - at <= args.poll + s.load_s + 1 for s in done)),
            ("every request sent after the last swap names the new version", bool(after) and old_after == 0),
            ("no response names the new version before its promotion", early == 0)]


def features_phase(args: argparse.Namespace, copies: Copies, url: str, ids: list[int]) -> list[tuple[str, bool]]:
    """Phase 2: rebuild the copied warehouse's features while the load goes on."""
    build_log = copies.root / "features.log"
    command = [sys.executable, "-m", "dbt_project.pipeline", "--duckdb-path", str(copies.warehouse),
               "--target-path", str(copies.root / "dbt-target"), "--reports-dir", str(copies.root / "reports"),
               "--serving-dir", str(serving.default_dir(copies.warehouse))]  # never an HC_SERVING_DIR of the caller
    start = time.time()
    with build_log.open("w") as out:
        build = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        answers = asyncio.run(load(url, copies.key, ids, args.concurrency, lambda: build.poll() is not None))
    seconds = time.time() - start
    statuses = Counter(a.status for a in answers)
    versions = Counter(a.version for a in answers)
    published = re.findall(r"feature version (\S+) published", build_log.read_text(encoding="utf-8"))
    snapshot = serving.folder(serving.default_dir(copies.warehouse), published[0]) if published else None
    print(f"features while serving: `python -m dbt_project.pipeline` exit {build.returncode} in {seconds:.1f} s "
          f"(published {published[0] if published else 'nothing'}; log {build_log}); {len(answers)} requests meanwhile "
          f"({len(answers) / seconds:.0f}/s), statuses {dict(sorted(statuses.items()))}, versions {dict(versions)}")
    print_errors(answers)
    return [("the feature build succeeds while the API serves", build.returncode == 0 and bool(published)),
            ("its serving snapshot is published", snapshot is not None and serving.is_complete(snapshot)),
            ("0 non-2xx during the build", bool(answers) and set(statuses) == {200})]


def main(argv: list[str] | None = None) -> int:
    """Run both phases; exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(prog="python -m bench.reload", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60, help="length of the reload phase (60)")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight (16)")
    parser.add_argument("--workers", type=int, default=2, help="API worker processes (2)")
    parser.add_argument("--poll", type=float, default=10, help="HC_MODEL_POLL_S of the server (10)")
    parser.add_argument("--promote-at", type=float, default=15, help="seconds into the phase the new version is promoted")
    parser.add_argument("--after", type=float, default=10,
                        help="the load goes on at least this long after the last worker swapped (10)")
    parser.add_argument("--max-extra", type=float, default=300,
                        help="longest the load goes on past --seconds waiting for the swaps (300)")
    parser.add_argument("--skip-features", action="store_true", help="leave out phase 2 (features while serving)")
    args = parser.parse_args(argv)
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")  # the export's bar would bury the figures
    settings = get_settings()
    root = Path(tempfile.mkdtemp(prefix="bench-reload-"))
    print(f"load average before: {' '.join(f'{v:.1f}' for v in os.getloadavg())} on {os.cpu_count()} cores; "
          f"copies in {root}", flush=True)
    copies = Copies(settings, root)
    with open_warehouse(copies.warehouse) as con:
        version = served_version(con, copies.facts.tags.get("feature_version"))
        ids = [r[0] for r in con.sql(f"select client_id from {version.snapshot} using sample 500 rows").fetchall()]
    port, log_path = free_port(), root / "server.log"
    started = time.monotonic()
    with log_path.open("w") as out:
        server = subprocess.Popen([sys.executable, "-m", "api", "serve"], env=copies.env(args.workers, args.poll, port),
                                  stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{url}/health", server, 900)
        wait_workers(log_path, args.workers, server)
        print(f"API up with {args.workers} workers in {time.monotonic() - started:.1f} s (serving snapshot written "
              f"at start-up; log {log_path})", flush=True)
        checks = reload_phase(args, copies, url, ids, log_path)
        if not args.skip_features:
            checks += features_phase(args, copies, url, ids)
    finally:
        stop(server)
    for name, ok in checks:
        print(f"  [{'met' if ok else 'NOT MET'}] {name}")
    print(f"load average after: {' '.join(f'{v:.1f}' for v in os.getloadavg())} on {os.cpu_count()} cores")
    if all(ok for _, ok in checks):
        shutil.rmtree(root, ignore_errors=True)
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
