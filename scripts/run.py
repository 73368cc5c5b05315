"""`make run`: a served model in minutes, a better one later; a second run skips what is up to date.

    python -m scripts.run [--clients 50000] [--seed 42] [--profile standard] [--no-background]

1. data: synthetic Kaggle-format files in $HC_DATA_DIR unless it already holds them (real or generated alike);
2. features (load + dbt build + Great Expectations + publish), unless the data files and the dbt SQL have the
   fingerprints recorded by the previous run and its feature version is still published;
3. the quick profile (on 2 folds), unless the champion already reads the current feature version (the promotion gate decides,
   as for every training; the first model becomes champion);
4. in the background, once the API answers: the drift report, then the `--profile` search (default standard),
   each unless already done for this feature version; its model goes through the gate. Progress in
   <HC_REPORTS_DIR>/logs/run-background.log; `make status` says where it is;
5. the API, the dashboard and the MLflow UI (scripts.stack), until Ctrl-C. The background search goes on after
   Ctrl-C (`make status` shows it; stop it with `kill PID`).

What was decided and why is logged, and recorded in <HC_REPORTS_DIR>/run/state.json (scripts/run_plan.py).
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import httpx

from common.contracts.columns import load_spec
from common.contracts.feature_versions import PUBLISHED, REGISTRY, FeatureVersionError, resolve
from common.contracts.registry import CHAMPION, MODEL_NAME, TAG_FEATURE_VERSION, tracking_uri
from common.settings import Settings, get_settings
from scripts import run_plan

ROOT = Path(__file__).resolve().parents[1]
BACKGROUND_LOG = Path("logs") / "run-background.log"  # under the reports folder
# The first model only has to serve until the background search's model passes the gate: two folds fit 2 models
# per candidate instead of 5 (its holdout, on which the gate judges, is the same as every training's)
FIRST_MODEL_FOLDS = 2
BACKGROUND_GRACE_S = 20  # after the API answers: its first requests (and the person's first look) come first
log = logging.getLogger("run")


def _now() -> str:
    return datetime.now(tz=UTC).isoformat(timespec="seconds")


def _step(args: list[str], what: str) -> None:
    """Run `python -m ...` in the foreground; exit with its status when it fails."""
    started = time.perf_counter()
    log.info("%s: python -m %s", what, " ".join(args))
    done = subprocess.run([sys.executable, "-m", *args], cwd=ROOT)
    if done.returncode != 0:
        log.error("%s failed (exit %d): see the messages above", what, done.returncode)
        sys.exit(done.returncode)
    log.info("%s done in %.0f s", what, time.perf_counter() - started)


def _data(clients: int, seed: int) -> None:
    """`python -m warehouse.synth --reuse`, in this process: when the folder holds the files already (every run
    after the first) it only checks them, and a new interpreter would cost more than that."""
    # warehouse.synth: imported here, it loads the generator (numpy, pandas) that only this step needs
    from warehouse.synth.__main__ import parse_args
    from warehouse.synth.__main__ import run as synth

    started = time.perf_counter()
    log.info("data: python -m warehouse.synth --clients %d --seed %d --reuse (in process)", clients, seed)
    code = synth(parse_args(["--clients", str(clients), "--seed", str(seed), "--reuse", "--no-progress"]))
    if code != 0:
        log.error("data failed (exit %d): see the messages above", code)
        sys.exit(code)
    log.info("data done in %.0f s", time.perf_counter() - started)


def published_versions(duckdb_path: Path) -> set[str]:
    """Feature versions published in the warehouse (none when it does not exist yet)."""
    if not duckdb_path.exists():
        return set()
    try:
        with duckdb.connect(str(duckdb_path), read_only=True) as con:
            rows = con.execute(f"select feature_version from {REGISTRY} where status = ?", [PUBLISHED]).fetchall()
    except duckdb.Error:
        return set()
    return {r[0] for r in rows}


def current_feature_version(duckdb_path: Path) -> str:
    """The latest published feature version (what training reads by default)."""
    with duckdb.connect(str(duckdb_path), read_only=True) as con:
        return resolve(con).feature_version


def registry_exists(uri: str) -> bool:
    """False for a SQLite registry whose file does not exist yet (MLflow would spend seconds creating its tables
    just to say that it holds no model); True otherwise."""
    return not uri.startswith("sqlite:///") or Path(uri.removeprefix("sqlite:///")).exists()


def champion_feature_version(settings: Settings) -> str | None:
    """The feature version of credit-scoring@champion, None when there is no champion (or no registry yet)."""
    uri = tracking_uri(settings.mlflow_tracking_uri)
    if not registry_exists(uri):
        return None
    # mlflow: imported here because it takes seconds, and a run that rebuilds everything needs it only now
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    try:
        version = MlflowClient(uri).get_model_version_by_alias(MODEL_NAME, CHAMPION)
    except MlflowException:
        return None
    return version.tags.get(TAG_FEATURE_VERSION)


def _alive(pid: object) -> bool:
    try:
        os.kill(int(pid), 0)  # type: ignore[arg-type]
    except (TypeError, ValueError, OSError):
        return False
    return True


def start_background(settings: Settings, feature_version: str, steps: list[str], profile: str) -> None:
    """The background steps in their own session (Ctrl-C of the stack does not stop them), logging to a file."""
    path = settings.reports_dir / BACKGROUND_LOG
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as out:
        proc = subprocess.Popen([sys.executable, "-m", "scripts.run", "--background", feature_version, "--profile",
                                 profile, *[a for s in steps for a in ("--step", s)]], cwd=ROOT, stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    run_plan.update_state(settings.reports_dir, background={"pid": proc.pid, "feature_version": feature_version,
                                                            "steps": steps, "stage": "waiting for the API",
                                                            "started_at": _now(), "log": str(path)})
    log.info("background (pid %d): %s for %s, once the API answers; progress in %s, `make status`", proc.pid,
             " then ".join(steps), feature_version, path)


def background(settings: Settings, feature_version: str, steps: list[str], profile: str) -> int:
    """Wait for the API (at most 5 minutes: the first prediction comes first), then run `steps` in order."""
    reports = settings.reports_dir
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://{settings.api_host}:{settings.api_port}/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(2)
    time.sleep(BACKGROUND_GRACE_S)
    commands = {"drift": ["monitoring", "drift"], "standard": ["training", "--profile", profile]}
    for step in steps:
        state = run_plan.read_state(reports).get("background", {})
        run_plan.update_state(reports, background=state | {"stage": step, "stage_started_at": _now()})
        log.info("background: %s (python -m %s)", step, " ".join(commands[step]))
        done = subprocess.run([sys.executable, "-m", *commands[step]], cwd=ROOT)
        status = run_plan.DONE if done.returncode == 0 else f"failed (exit {done.returncode})"
        run_plan.update_state(reports, **{step: {"feature_version": feature_version, "status": status,
                                                 "profile": profile if step == "standard" else None,
                                                 "finished_at": _now()}})
        log.info("background: %s %s", step, status)
    state = run_plan.read_state(reports).get("background", {})
    run_plan.update_state(reports, background=state | {"stage": "finished", "finished_at": _now()})
    return 0


def prepare(settings: Settings, args: argparse.Namespace) -> None:
    """Steps 1 to 4: whatever is out of date, so that the stack serves a champion of the current features."""
    started = time.perf_counter()
    _data(args.clients, args.seed)
    files = [table.file for table in load_spec().values()]
    inputs = run_plan.input_fingerprints(settings.data_dir, files, settings.dbt_project_dir)
    state = run_plan.read_state(settings.reports_dir)
    reason = run_plan.features_reason(state, inputs, published_versions(settings.duckdb_path))
    if reason:
        log.info("features: rebuilding (%s)", reason)
        _step(["warehouse.load"], "load")
        _step(["dbt_project.pipeline"], "features")
        try:
            feature_version = current_feature_version(settings.duckdb_path)
        except FeatureVersionError as error:
            log.error("features: nothing published: %s", error)
            sys.exit(1)
        state = run_plan.update_state(settings.reports_dir, inputs=asdict(inputs), feature_version=feature_version,
                                      features_built_at=_now())
    else:
        feature_version = state["feature_version"]
        log.info("features: up to date (%s; data files and dbt SQL unchanged)", feature_version)
    champion = champion_feature_version(settings)
    reason = run_plan.quick_reason(feature_version, champion, state)
    if reason:
        log.info("quick model: training (%s)", reason)
        _step(["training", "--profile", "quick", "--folds", str(FIRST_MODEL_FOLDS)], "quick training")
        state = run_plan.update_state(settings.reports_dir, quick={"feature_version": feature_version,
                                                                   "finished_at": _now()})
    elif champion == feature_version:
        log.info("quick model: skipped (the champion reads %s)", feature_version)
    else:
        log.info("quick model: skipped (trained for %s already; the gate kept the champion, which reads %s)",
                 feature_version, champion)
    steps = [s for s in run_plan.background_steps(state, feature_version) if s != "standard" or args.profile != "quick"]
    running = state.get("background", {})
    if args.no_background or not steps:
        log.info("background: nothing to do" if not steps else "background: skipped (--no-background)")
    elif _alive(running.get("pid")) and running.get("stage") != "finished":
        log.info("background: already running (pid %s, %s)", running["pid"], running.get("stage"))
    else:
        start_background(settings, feature_version, steps, args.profile)
    log.info("ready to serve in %.0f s", time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50_000, help="synthetic clients when data is generated")
    parser.add_argument("--seed", type=int, default=42, help="seed of the synthetic data")
    parser.add_argument("--profile", choices=["quick", "standard", "full"], default="standard",
                        help="search run in the background after the quick model (quick: none)")
    parser.add_argument("--no-background", action="store_true", help="no drift report, no background search")
    parser.add_argument("--no-serve", action="store_true", help="prepare only: do not start the stack")
    parser.add_argument("--background", metavar="FEATURE_VERSION", help=argparse.SUPPRESS)
    parser.add_argument("--step", action="append", choices=["drift", "standard"], default=[], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s", stream=sys.stdout)
    settings = get_settings()
    if args.background:
        return background(settings, args.background, args.step, args.profile)
    prepare(settings, args)
    if args.no_serve:
        return 0
    sys.stdout.flush()
    os.chdir(ROOT)
    os.execv(sys.executable, [sys.executable, "-m", "scripts.stack"])  # the stack owns the terminal and Ctrl-C
    return 0  # pragma: no cover


if __name__ == "__main__":
    sys.exit(main())
