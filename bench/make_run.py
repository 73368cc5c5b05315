"""`make run` timed as a new user meets it: command to first served prediction, fresh clone then second run.

    python -m bench.make_run [--workdir DIR] [--clients 50000] [--reuse-clone] [--budget-first 300] [--budget-second 60]

1. `git clone` of this checkout's HEAD into DIR/clone (no .venv, no data: the install is timed too, from the
   package index or uv's cache) unless --reuse-clone keeps a previous one;
2. `make run CLIENTS=N` there, on free ports; the clock stops when GET /v1/clients/{id}/score answers 200 with the
   development advisor's key that `make run` prints; then Ctrl-C (SIGINT) stops the stack;
3. `make run` again with nothing changed: same clock (it must skip data, features and the quick model).
The background search the first run started is stopped at the end (its pid is in the run state). The machine is
shared: the load average is printed with each figure; exit 1 when a budget is missed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import httpx

ROOT = Path(__file__).resolve().parents[1]
KEY = re.compile(r"\bhc_[0-9a-f]{12}_[A-Za-z0-9_-]{43}\b")


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def first_client(clone: Path) -> int:
    """A client id of the served features (the warehouse is opened read-only beside the API)."""
    with duckdb.connect(str(clone / "warehouse" / "homecredit.duckdb"), read_only=True) as con:
        return con.execute("select client_id from marts.client_features order by client_id limit 1").fetchone()[0]


def bench_key(clone: Path, env: dict[str, str]) -> str:
    """A key of our own when the run printed none (the development advisor's key is shown once only)."""
    done = subprocess.run([str(clone / ".venv/bin/python"), "-m", "api", "principals", "add",
                           f"bench-make-run-{os.getpid()}", "--role", "analyst"], cwd=clone, env=env,
                          capture_output=True, text=True, check=True)
    return done.stdout.strip().splitlines()[-1]


def timed_run(clone: Path, env: dict[str, str], log: Path, key: str | None, timeout: float) -> tuple[float, str]:
    """Seconds from `make run` to the first 200 score, and the key used; the stack is stopped afterwards."""
    started = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.Popen(["make", "run", f"CLIENTS={env['BENCH_CLIENTS']}"], cwd=clone, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{env['HC_API_PORT']}"
    client = None
    try:
        while time.perf_counter() - started < timeout:
            if proc.poll() is not None:
                sys.exit(f"make run exited with {proc.returncode} before serving: see {log}")
            key = key or next(iter(KEY.findall(log.read_text(errors="replace"))), None)
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    key = key or bench_key(clone, env)
                    client = client or first_client(clone)
                    if httpx.get(f"{url}/v1/clients/{client}/score", headers={"X-API-Key": key},
                                 timeout=10).status_code == 200:
                        return time.perf_counter() - started, key
            except (httpx.HTTPError, duckdb.Error):
                pass
            time.sleep(0.5)
        sys.exit(f"no served prediction within {timeout:.0f} s: see {log}")
    finally:
        if proc.poll() is None:
            # SIGTERM: the stack stops its three services (each in its own session) as on Ctrl-C; SIGINT would be
            # ignored when this bench itself runs in the background (nohup, &)
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=180)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                print(f"warning: make run did not stop within 180 s: services may be left on {url}", file=sys.stderr)


def stop_background(clone: Path) -> None:
    """Stop the background drift report / search a run started (its own session; pid in the run state)."""
    state = clone / "reports" / "run" / "state.json"
    pid = json.loads(state.read_text()).get("background", {}).get("pid") if state.exists() else None
    if pid:
        with contextlib.suppress(OSError):  # already finished
            os.killpg(int(pid), signal.SIGTERM)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "hc-bench-make-run",
                        help="where the clone goes (default: <temp>/hc-bench-make-run)")
    parser.add_argument("--clients", type=int, default=50_000, help="synthetic clients (make run's default 50,000)")
    parser.add_argument("--reuse-clone", action="store_true", help="keep DIR/clone as it is (time a later run only)")
    parser.add_argument("--budget-first", type=float, default=300.0, help="seconds to the first prediction (300)")
    parser.add_argument("--budget-second", type=float, default=60.0, help="seconds for the second run (60)")
    args = parser.parse_args()
    clone = args.workdir / "clone"
    args.workdir.mkdir(parents=True, exist_ok=True)
    if not args.reuse_clone:
        shutil.rmtree(clone, ignore_errors=True)
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=clone, capture_output=True, text=True).stdout
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HC_", "MLFLOW_", "VIRTUAL_ENV"))}
    env["BENCH_CLIENTS"] = str(args.clients)
    rows = []
    key = None
    try:
        for name, budget in (("first (fresh clone, install included)", args.budget_first),
                             ("second (nothing changed)", args.budget_second)):
            if args.reuse_clone and not rows:
                name = "first (reused clone)"
            # fresh ports for every run: an answer can only come from this run's API
            env |= {"HC_API_PORT": str(free_port()), "HC_DASHBOARD_PORT": str(free_port()),
                    "HC_MLFLOW_PORT": str(free_port())}
            env["HC_API_URL"] = f"http://127.0.0.1:{env['HC_API_PORT']}"
            before = load()
            seconds, key = timed_run(clone, env, args.workdir / f"run-{len(rows) + 1}.log", key, max(budget * 4, 600))
            rows.append((name, seconds, budget, before, load()))
            stop_background(clone)  # each run is timed alone; the second starts the unfinished search again
            print(f"{name}: first served prediction after {seconds:.1f} s (load {before} -> {load()})", flush=True)
    finally:
        stop_background(clone)
    print(f"\nmake run of {head.strip()} with {args.clients:,} clients, {os.cpu_count()} cores (shared machine)\n"
          "| run | first served prediction (s) | budget (s) | load before | load after |\n|---|---|---|---|---|")
    for name, seconds, budget, before, after in rows:
        print(f"| {name} | {seconds:.1f} | {budget:.0f} | {before} | {after} |")
    print(f"logs: {args.workdir}/run-*.log")
    sys.exit(0 if all(s <= b for _, s, b, _, _ in rows) else 1)


if __name__ == "__main__":
    main()
