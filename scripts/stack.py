"""Serve the product together: the scoring API, the advisor dashboard and the MLflow UI, until Ctrl-C.

Started by `make run` after the data, features and model are built (or by `make up` alone). In development, when
nobody can call the API yet (no principal in the events database, no HC_API_KEYS), the advisor `dev-advisor` is
added and its key printed, once: the key to sign in to the dashboard with. Keys are never printed otherwise (and
never in production). The dashboard gets no key: each person signs in. Each service logs to
reports/logs/<service>.log; the three addresses are printed once all answer.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from api.principals import DEV_ADVISOR, development_advisor
from common.settings import get_settings

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT_S = 300


def _wait(url: str, proc: subprocess.Popen, name: str, timeout: float, headers: dict | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with status {proc.returncode}: see its log")
        try:
            if httpx.get(url, timeout=2, headers=headers).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{name} did not answer {url} within {timeout:.0f} s")


def _stop(signum: int, frame) -> None:
    raise KeyboardInterrupt  # SIGTERM (a scheduler, `timeout`) stops the three services like Ctrl-C


def main() -> None:
    signal.signal(signal.SIGTERM, _stop)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dashboard-port", type=int, default=int(os.environ.get("HC_DASHBOARD_PORT", 8501)),
                        help="dashboard port (HC_DASHBOARD_PORT, default 8501)")
    parser.add_argument("--mlflow-port", type=int, default=int(os.environ.get("HC_MLFLOW_PORT", 5000)),
                        help="MLflow UI port (default $HC_MLFLOW_PORT, else 5000)")
    args = parser.parse_args()
    settings = get_settings()
    env = dict(os.environ)
    key = development_advisor(settings)
    api_url = f"http://{settings.api_host}:{settings.api_port}"
    env.update({"HC_API_URL": api_url, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"})
    env.pop("HC_API_KEY", None)  # the dashboard calls the API as the person signed in, never with a shared key
    tracking = subprocess.run([sys.executable, "-m", "training", "--print-tracking-uri"], cwd=ROOT, env=env,
                              capture_output=True, text=True, check=True).stdout.strip()
    commands = {
        "api": [sys.executable, "-m", "api", "serve"],
        "dashboard": [sys.executable, "-m", "dashboard", "--port", str(args.dashboard_port)],
        "mlflow": [sys.executable, "-m", "mlflow", "ui", "--host", "127.0.0.1", "--port", str(args.mlflow_port),
                   "--backend-store-uri", tracking],
    }
    logs = settings.reports_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    procs = {name: subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=open(logs / f"{name}.log", "w"),  # noqa: SIM115
                                    stderr=subprocess.STDOUT, start_new_session=True)
             for name, cmd in commands.items()}
    try:
        # generous: the API's first start on a feature version builds its feature cache, and a busy 2-core
        # machine (a background search, other users) makes every start several times slower
        _wait(f"{api_url}/health", procs["api"], "the API", START_TIMEOUT_S)
        _wait(f"http://127.0.0.1:{args.dashboard_port}/_stcore/health", procs["dashboard"], "the dashboard",
              START_TIMEOUT_S)
        _wait(f"http://127.0.0.1:{args.mlflow_port}/health", procs["mlflow"], "the MLflow UI", START_TIMEOUT_S)
        print(f"\nAPI        {api_url}/docs")
        print(f"Dashboard  http://127.0.0.1:{args.dashboard_port}")
        print(f"MLflow UI  http://127.0.0.1:{args.mlflow_port}")
        drift = settings.reports_dir / "drift.md"
        if drift.exists():
            print(f"Drift      {drift} (train vs test clients; HTML beside it)")
        if key is not None:
            print(f"Key of the development advisor {DEV_ADVISOR!r} (sign in to the dashboard with it; X-API-Key for the "
                  f"API; shown once):\n           {key}")
        else:
            print("Sign in with your own key (`python -m api principals add NAME --role advisor` gives one).")
        print(f"Logs in {logs}/. Ctrl-C stops all three.", flush=True)
        while all(p.poll() is None for p in procs.values()):
            time.sleep(1)
        stopped = [n for n, p in procs.items() if p.poll() is not None]
        print(f"{', '.join(stopped)} stopped: see {logs}/", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        pass
    except RuntimeError as err:
        print(f"error: {err} ({logs}/)", file=sys.stderr)
        sys.exit(1)
    finally:
        # a second Ctrl-C (or make passing the signal on) must not cut the stop short with a traceback
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for proc in procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


if __name__ == "__main__":
    main()
