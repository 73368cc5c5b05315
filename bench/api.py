"""`make bench-api`: this API against `mlflow models serve` on the same registered model, on loopback, and what
its access checks cost.

The servers are started in the same run on the same machine; `wrk` (Debian package `wrk`) drives each with
the same clients at concurrency 1 and 16, cycling through the requests prepared here (a Lua script), and
reports p50/p95/p99 latency and throughput. Targets: this API's score by id, explanation by id and POST
score (the client's stored application), called as an advisor principal of a temporary events database (every
check on: principal lookup, scope, rate-limit counter, audit row); the same API without its checks
(`bench.unchecked`) on score by id; MLflow's /invocations with the same client's feature row. Results: printed,
with issue 15's targets (the checks add at most 1 ms to the p50 of score by id; at least 500 req/s at concurrency
16), and written as JSON to <HC_REPORTS_DIR>/bench_api.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb
import httpx

from api.__main__ import WORKER_HEALTHCHECK_S
from api.events import EventStore
from api.features import raw_application, raw_columns
from api.principals import PrincipalStore, seed_record
from api.registry import ModelLoadError, RegistryFacts, registry_facts
from api.store import FeatureStoreError, open_warehouse, served_version
from common.contracts.feature_versions import FeatureVersion
from common.contracts.registry import tracking_uri
from common.settings import Settings, get_settings

NO_LIMITS = "score=100000000/minute,read=100000000/minute,population=100000000/minute"
MAX_CHECK_MS, MIN_THROUGHPUT = 1.0, 500.0  # issue 15
LUA = r"""
local requests = {}
local counter = 0
function init(args)
  for line in io.lines(args[1]) do
    local method, path, body = line:match("^(%u+)\t([^\t]+)\t?(.*)$")
    if body == "" then body = nil end
    requests[#requests + 1] = {method = method, path = path, body = body}
  end
  counter = math.random(#requests)
end
function request()
  counter = counter + 1
  local r = requests[(counter % #requests) + 1]
  return wrk.format(r.method, r.path, nil, r.body)
end
function done(summary, latency, requests)
  io.write(string.format('BENCH {"requests": %d, "duration_us": %d, "non_2xx": %d, "socket_errors": %d, ' ..
    '"p50_us": %d, "p95_us": %d, "p99_us": %d, "mean_us": %.1f}\n', summary.requests, summary.duration,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.timeout, latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.mean))
end
"""


@dataclass
class Result:
    """One wrk run."""

    target: str
    concurrency: int
    requests: int
    seconds: float
    throughput: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, timeout: float) -> float:
    """Seconds until `url` answers 200; RuntimeError if the process dies or time runs out."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"server exited ({process.returncode}) before answering {url}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


def sample_requests(settings: Settings, snapshot: str, n: int, seed: int) -> dict[str, list[str]]:
    """Request lines (METHOD \\t PATH \\t BODY) per target, for the same random clients."""

    with duckdb.connect(str(settings.duckdb_path), read_only=True) as con:
        ids = [r[0] for r in con.sql(f"select client_id from {snapshot} order by client_id").fetchall()]
        chosen = random.Random(seed).sample(ids, min(n, len(ids)))
        columns = raw_columns(con)
        lines: dict[str, list[str]] = {"api score by id": [], "api explanation": [], "api POST score": [],
                                       "mlflow /invocations": []}
        features = con.execute(f"select * exclude (split, target) from {snapshot} where client_id in "
                               f"({', '.join('?' for _ in chosen)})", chosen).df().set_index("client_id")
        for client_id in chosen:
            application = {k: v for k, v in raw_application(con, client_id, columns).items() if k != "SK_ID_CURR"}
            lines["api score by id"].append(f"GET\t/v1/clients/{client_id}/score")
            lines["api explanation"].append(f"GET\t/v1/clients/{client_id}/explanation")
            body = json.dumps({"client_id": client_id, "application": application}, separators=(",", ":"))
            lines["api POST score"].append(f"POST\t/v1/score\t{body}")
            row = features.loc[client_id]
            payload = {"dataframe_split": {"columns": list(row.index),
                                           "data": [[_plain(v) for v in row.tolist()]]}}
            lines["mlflow /invocations"].append(f"POST\t/invocations\t{json.dumps(payload, separators=(',', ':'), default=str)}")
    return lines


def _plain(value: object) -> object:
    """JSON-ready: None for NULL / NaN / NA."""
    try:
        return None if value is None or value != value else value
    except TypeError:  # pandas.NA
        return None


def run_wrk(url: str, lines: list[str], concurrency: int, seconds: int, workdir: Path, headers: dict[str, str],
            target: str) -> Result:
    """One closed-loop wrk run (`concurrency` connections) cycling through `lines`."""
    requests_file = workdir / f"{abs(hash(target))}.tsv"
    requests_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    script = workdir / "bench.lua"
    script.write_text(LUA, encoding="utf-8")
    threads = min(concurrency, 2)
    args = ["wrk", "-t", str(threads), "-c", str(concurrency), "-d", f"{seconds}s", "--timeout", "30s",
            "-s", str(script)]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    done = subprocess.run([*args, url, "--", str(requests_file)], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed on {target}: {(done.stderr or done.stdout).strip()[:500]}")
    out = done.stdout
    data = json.loads(next(line for line in out.splitlines() if line.startswith("BENCH ")).removeprefix("BENCH "))
    duration = data["duration_us"] / 1e6
    return Result(target, concurrency, data["requests"], round(duration, 2), round(data["requests"] / duration, 1),
                  data["p50_us"] / 1000, data["p95_us"] / 1000, data["p99_us"] / 1000, data["non_2xx"],
                  data["socket_errors"])


def bench_principal(events_url: str) -> str:
    """An advisor principal in the temporary event store; returns its key."""
    store = EventStore(events_url)
    key = PrincipalStore(store.engine).add("bench-advisor", "advisor")
    store.dispose()
    return key


def start_api(port: int, workers: int, events_url: str, checked: bool = True,
              synchronous: str = "FULL", log: Path | None = None) -> subprocess.Popen:
    """This API (python -m api serve), or the same without its checks (`bench.unchecked`), on a temporary event
    store, with rate limits far above the benchmark's pace."""
    env = {**os.environ, "HC_API_PORT": str(port), "HC_API_HOST": "127.0.0.1", "HC_API_WORKERS": str(workers),
           "HC_EVENTS_URL": events_url, "HC_RATE_LIMITS": NO_LIMITS, "HC_EVENTS_SYNCHRONOUS": synchronous}
    for shared in ("HC_API_KEYS", "HC_API_KEY_FILE"):
        env.pop(shared, None)
    if not checked:  # it starts like the real one (a principal must exist), then answers everyone as BENCH_PRINCIPAL
        env["HC_PRINCIPALS_SEED"] = json.dumps([seed_record("bench-unchecked", "advisor")[0]])
    command = ([sys.executable, "-m", "api", "serve", "--log-level", "WARNING"] if checked else
               [sys.executable, "-m", "uvicorn", "bench.unchecked:create_app", "--factory", "--host", "127.0.0.1",
                "--port", str(port), "--workers", str(workers), "--no-access-log", "--log-level", "warning",
                "--timeout-worker-healthcheck", str(WORKER_HEALTHCHECK_S)])
    output = open(log, "w") if log is not None else subprocess.DEVNULL  # noqa: SIM115 - the server's lifetime
    return subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)


def start_mlflow(settings: Settings, model_uri: str, port: int, workers: int) -> subprocess.Popen:
    """`mlflow models serve` on the same model (local env: this venv, whose bin/ goes first on PATH)."""

    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ.get('PATH', '')}",
           "MLFLOW_TRACKING_URI": tracking_uri(settings.mlflow_tracking_uri)}
    args = [str(Path(bin_dir) / "mlflow"), "models", "serve", "-m", model_uri, "--env-manager", "local",
            "--host", "127.0.0.1", "-p", str(port), "-w", str(workers)]
    return subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop(process: subprocess.Popen) -> None:
    """SIGINT, then SIGKILL after 15 s (only the process this script started)."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def print_table(results: list[Result], ratios: dict[str, float]) -> None:
    """The results as a table, then the throughput ratios."""
    print(f"{'target':<22}{'conc.':>6}{'req/s':>10}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'requests':>10}{'errors':>8}")
    for r in results:
        print(f"{r.target:<22}{r.concurrency:>6}{r.throughput:>10.1f}{r.p50_ms:>9.2f}{r.p95_ms:>9.2f}{r.p99_ms:>9.2f}"
              f"{r.requests:>10}{r.non_2xx + r.socket_errors:>8}")
    for name, value in ratios.items():
        print(f"{name}: {value:.1f}x")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m bench.api", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="measured seconds per target and concurrency (10)")
    parser.add_argument("--warmup", type=int, default=2, help="warm-up seconds before each measurement (2)")
    parser.add_argument("--clients", type=int, default=500, help="distinct clients cycled through (500)")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16], help="connection counts (1 16)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes of each server (2)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the client sample")
    parser.add_argument("--skip-mlflow", action="store_true", help="do not start `mlflow models serve`")
    parser.add_argument("--synchronous", choices=["FULL", "NORMAL"], default="FULL",
                        help="HC_EVENTS_SYNCHRONOUS of both APIs (FULL: an fsync per commit, the default)")
    return parser.parse_args(argv)


def served_champion(settings: Settings) -> tuple[RegistryFacts, FeatureVersion] | None:
    """(registry facts, served feature version) of the champion the API would serve; None, said on stderr, when wrk,
    the model or its feature version is missing."""
    if shutil.which("wrk") is None:
        print("wrk is not installed: `apt-get install wrk` (Debian) and run again", file=sys.stderr)
        return None
    try:
        facts = registry_facts(settings)
        with open_warehouse(settings.duckdb_path) as con:
            return facts, served_version(con, facts.tags.get("feature_version"))
    except (ModelLoadError, FeatureStoreError) as error:
        print(f"cannot benchmark: {error}", file=sys.stderr)
        return None


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 when every run completed without errors."""
    args = parse_args(argv)
    settings = get_settings()
    served = served_champion(settings)
    if served is None:
        return 2
    facts, version = served
    lines = sample_requests(settings, version.snapshot, args.clients, args.seed)
    lines["unchecked score by id"] = lines["api score by id"]
    workdir = Path(tempfile.mkdtemp(prefix="bench-api-"))
    api_port, mlflow_port, bare_port = free_port(), free_port(), free_port()
    events_url = f"sqlite:///{workdir / 'events.sqlite'}"
    key = bench_principal(events_url)
    logs = {"api": workdir / "api.log", "unchecked": workdir / "unchecked.log"}
    api = start_api(api_port, args.workers, events_url, synchronous=args.synchronous, log=logs["api"])
    bare = start_api(bare_port, args.workers, f"sqlite:///{workdir / 'unchecked.sqlite'}", checked=False,
                     synchronous=args.synchronous, log=logs["unchecked"])
    ml = None if args.skip_mlflow else start_mlflow(settings, f"models:/{facts.name}/{facts.version}", mlflow_port,
                                                    args.workers)
    results: list[Result] = []
    try:
        api_ready = wait_for(f"http://127.0.0.1:{api_port}/health", api, 120)
        wait_for(f"http://127.0.0.1:{bare_port}/health", bare, 120)
        ml_ready = None if ml is None else wait_for(f"http://127.0.0.1:{mlflow_port}/ping", ml, 180)
        print(f"model {facts.name} v{facts.version}, feature version {version.feature_version}, {args.workers} "
              f"worker(s) each, events synchronous={args.synchronous}; API ready in {api_ready:.1f} s"
              + ("" if ml_ready is None else f", MLflow in {ml_ready:.1f} s"))
        json_headers = {"Content-Type": "application/json"}
        plan = [(t, f"http://127.0.0.1:{api_port}", {"X-API-Key": key, **json_headers})
                for t in ("api score by id", "api explanation", "api POST score")]
        plan.insert(1, ("unchecked score by id", f"http://127.0.0.1:{bare_port}", json_headers))
        if ml is not None:
            plan.append(("mlflow /invocations", f"http://127.0.0.1:{mlflow_port}", {"Content-Type": "application/json"}))
        for concurrency in args.concurrency:
            for target, url, headers in plan:
                if args.warmup:
                    run_wrk(url, lines[target], concurrency, args.warmup, workdir, headers, target)
                result = run_wrk(url, lines[target], concurrency, args.seconds, workdir, headers, target)
                results.append(result)
                print(f"  {target} at {concurrency}: {result.throughput:.1f} req/s, p50 {result.p50_ms:.2f} ms, "
                      f"p99 {result.p99_ms:.2f} ms", flush=True)
    except RuntimeError as error:  # a server stopped answering: say what it logged before its folder goes
        print(f"error: {error}", file=sys.stderr)
        for name, path in logs.items():
            tail = path.read_text(errors="replace").splitlines()[-15:] if path.exists() else []
            print(f"--- last lines of the {name} server's log ---\n" + "\n".join(tail), file=sys.stderr)
        return 1
    finally:
        stop(api)
        stop(bare)
        if ml is not None:
            stop(ml)
        shutil.rmtree(workdir, ignore_errors=True)
    ratios = {}
    for concurrency in args.concurrency:
        by = {r.target: r for r in results if r.concurrency == concurrency}
        if "mlflow /invocations" in by and by["mlflow /invocations"].throughput > 0:
            ratios[f"score by id / mlflow serving throughput at concurrency {concurrency}"] = (
                by["api score by id"].throughput / by["mlflow /invocations"].throughput)
    print_table(results, ratios)
    checks = check_costs(results, args.concurrency)
    for line in checks["lines"]:
        print(line)
    report = settings.reports_dir / "bench_api.json"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(json.dumps({"model": facts.name, "model_version": facts.version,
                                  "feature_version": version.feature_version, "workers": args.workers,
                                  "seconds": args.seconds, "synchronous": args.synchronous, "results": [asdict(r) for r in results],
                                  "ratios": ratios, "checks": checks["figures"]}, indent=2), encoding="utf-8")
    print(f"written to {report}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0 if all(r.non_2xx + r.socket_errors == 0 for r in results) and checks["met"] else 1


def check_costs(results: list[Result], concurrencies: list[int]) -> dict:
    """What the access checks add to score by id (p50 and throughput, checked vs unchecked), against the targets."""
    figures, lines, met = {}, [], True
    for concurrency in concurrencies:
        by = {r.target: r for r in results if r.concurrency == concurrency}
        checked, bare = by["api score by id"], by["unchecked score by id"]
        added = checked.p50_ms - bare.p50_ms
        figures[concurrency] = {"p50_added_ms": round(added, 3), "checked_rps": checked.throughput,
                                "unchecked_rps": bare.throughput}
        lines.append(f"checks at concurrency {concurrency}: p50 {checked.p50_ms:.2f} ms vs {bare.p50_ms:.2f} ms "
                     f"unchecked (+{added:.2f} ms), {checked.throughput:.0f} vs {bare.throughput:.0f} req/s")
        if concurrency == 1:
            ok = added <= MAX_CHECK_MS
            lines.append(f"  [{'met' if ok else 'NOT MET'}] the checks add at most {MAX_CHECK_MS:g} ms to the p50")
            met &= ok
        if concurrency == 16:
            ok = checked.throughput >= MIN_THROUGHPUT
            lines.append(f"  [{'met' if ok else 'NOT MET'}] at least {MIN_THROUGHPUT:g} req/s at concurrency 16")
            met &= ok
    return {"figures": figures, "lines": lines, "met": met}


if __name__ == "__main__":
    sys.exit(main())
