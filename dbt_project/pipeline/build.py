"""Build one feature version: `dbt build`, then Great Expectations on the mart, then publish, then write the
version's serving snapshot (what the API reads, in files of its own: `common/contracts/serving.py`).

Any failure (a dbt model or test, an expectation) stops the build, is recorded in marts.feature_versions as
a rejected attempt, and leaves the views marts.client_features / marts.client_profiles where they were. A serving
snapshot that cannot be written does not undo the publication (it is logged; the API writes it at start-up).
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import resource
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

from common.contracts import serving
from common.contracts.feature_versions import resolve
from dbt_project.pipeline import versions
from dbt_project.pipeline.expectations import ValidationResult, validate
from dbt_project.pipeline.validation_frames import compute_frames, documented_columns

logger = logging.getLogger(__name__)

MARTS_YAML = Path("models") / "marts" / "_marts__models.yml"
# selectors.yml: the default leaves out the tests tagged `expensive`; the other one runs them too
SELECTORS = {False: "everyday", True: "with_expensive_tests"}


class BuildError(RuntimeError):
    """A step failed; the message names the step and what failed in it."""

    def __init__(self, step: str, message: str, version: str | None = None) -> None:
        super().__init__(f"{step} failed: {message}")
        self.step = step
        self.version = version


@dataclass(frozen=True)
class BuildOptions:
    """Where the build reads and writes (absolute paths are resolved by the CLI)."""

    duckdb_path: Path
    project_dir: Path
    reports_dir: Path
    target_path: Path
    log_path: Path
    expensive_tests: bool = False
    serving_dir: Path | None = None  # where the serving snapshots go (default: beside the warehouse)

    @property
    def serving_root(self) -> Path:
        """The serving snapshots' folder."""
        return self.serving_dir or serving.default_dir(self.duckdb_path)


@dataclass
class StepTiming:
    """Wall time, peak resident memory (MB; for in-process steps, the process peak so far) and CPU time."""

    name: str
    seconds: float
    peak_rss_mb: float
    cpu_seconds: float | None = None


@dataclass
class BuildResult:
    """What a successful build published."""

    feature_version: str
    n_rows: int
    n_columns: int
    validation: dict
    steps: list[StepTiming] = field(default_factory=list)


def _self_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def dbt_command(options: BuildOptions, command: str = "build") -> list[str]:
    """The dbt CLI invocation (run in a subprocess: its DuckDB memory is returned when it exits)."""
    args = [sys.executable, "-m", "dbt.cli.main", command, "--project-dir", str(options.project_dir)]
    args += ["--profiles-dir", str(options.project_dir), "--target-path", str(options.target_path)]
    args += ["--log-path", str(options.log_path), "--no-use-colors"]
    if command == "build":
        args += ["--selector", SELECTORS[options.expensive_tests]]
    return args


def dbt_environment(options: BuildOptions) -> dict[str, str]:
    """The environment of dbt: the warehouse path (absolute) that profiles.yml reads, no tracking."""
    env = dict(os.environ)
    env.update(HC_DUCKDB_PATH=str(options.duckdb_path), DBT_SEND_ANONYMOUS_USAGE_STATS="false", DO_NOT_TRACK="1")
    return env


@dataclass(frozen=True)
class Measured:
    """A finished child process: exit code, wall seconds, peak RSS (MB) and CPU seconds (user + system)."""

    code: int
    seconds: float
    peak_rss_mb: float
    cpu_seconds: float


def run_measured(args: list[str], env: dict[str, str] | None, log_prefix: str) -> Measured:
    """Run a command, logging its output line by line, and measure it (os.wait4 gives the child's own usage)."""
    started = time.perf_counter()
    process = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    for line in process.stdout:
        logger.info("%s %s", log_prefix, line.rstrip())
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    return Measured(process.returncode, seconds, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime)


def dbt_failures(target_path: Path) -> list[str]:
    """The failed nodes of the last dbt run (from run_results.json), readable."""
    path = target_path / "run_results.json"
    if not path.is_file():
        return ["dbt did not run (no run_results.json): see the dbt output above"]
    failed = []
    for result in json.loads(path.read_text(encoding="utf-8"))["results"]:
        if result["status"] in ("error", "fail", "runtime error"):
            name = result["unique_id"].split(".", 2)[-1]
            failed.append(f"{name}: {result['status']} ({(result.get('message') or '').strip()[:300]})")
    return failed or ["dbt exited with an error: see the dbt output above"]


def run_dbt_build(options: BuildOptions) -> StepTiming:
    """`dbt build` (models, data tests, unit tests); BuildError naming the failed nodes when any fails."""
    run = run_measured(dbt_command(options), dbt_environment(options), "dbt |")
    if run.code != 0:
        raise BuildError("dbt build", "; ".join(dbt_failures(options.target_path)))
    return StepTiming("dbt build", run.seconds, run.peak_rss_mb, run.cpu_seconds)


def run_validation(con: duckdb.DuckDBPyConnection, options: BuildOptions) -> tuple[ValidationResult, dict]:
    """Great Expectations on the candidate feature_store.client_features_v1; (result, counts of the mart)."""
    table = versions.BUILD_TABLES["client_features"]
    frames = compute_frames(con, table)
    applications = con.sql("select (select count(*) from raw.application_train) + (select count(*) from raw.application_test)").fetchall()[
        0
    ][0]
    expected = documented_columns(options.project_dir / MARTS_YAML)
    result = validate(frames, expected, applications)
    return result, {"n_rows": len(frames.rows), "n_columns": len(frames.schema.columns)}


def write_report(options: BuildOptions, version: str, report: dict) -> Path:
    """reports/features/build_<version>.json: steps, fingerprints, counts and the validation result."""
    folder = options.reports_dir / "features"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"build_{version}.json"
    path.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    return path


def _reject(options: BuildOptions, attempt: versions.Attempt, error: BuildError, steps: list) -> BuildError:
    with duckdb.connect(str(options.duckdb_path)) as con:
        error.version = versions.record_rejection(con, attempt)
        current = versions.current_version(con)
    report = {"feature_version": error.version, "status": "rejected", "error": str(error), **asdict(attempt)}
    write_report(options, error.version, report | {"steps": [asdict(s) for s in steps]})
    logger.error(
        "%s; recorded as rejected attempt %s; marts.client_features stays on %s",
        error,
        error.version,
        current or "nothing (no version published yet)",
    )
    return error


def _validate_step(con: duckdb.DuckDBPyConnection, options: BuildOptions, attempt: versions.Attempt) -> StepTiming:
    """Run the expectations, record their result in the attempt; BuildError when any fails."""
    started, cpu = time.perf_counter(), _self_cpu()
    try:
        result, counts = run_validation(con, options)
    except duckdb.Error as error:
        raise BuildError("great expectations", str(error).splitlines()[0]) from error
    attempt.validation, attempt.n_rows, attempt.n_columns = result.summary(), counts["n_rows"], counts["n_columns"]
    step = StepTiming("great expectations", time.perf_counter() - started, _self_peak_mb(), _self_cpu() - cpu)
    logger.info("%d expectations in %.1f s", result.evaluated, step.seconds)
    if not result.success:
        failed = "; ".join(f"{f['expectation']} {f['kwargs']} observed {f['observed']}" for f in result.failures)
        raise BuildError("great expectations", failed)
    return step


def warm_up_great_expectations() -> threading.Thread:
    """Import great_expectations (about 3 s) in the background while dbt runs in its own process."""
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    thread = threading.Thread(target=importlib.import_module, args=("great_expectations",), daemon=True)
    thread.start()
    return thread


def write_serving_snapshot(con: duckdb.DuckDBPyConnection, options: BuildOptions, version: str) -> StepTiming | None:
    """The published version's serving snapshot, from the manifest of this build; None (logged) when it fails."""
    started, cpu = time.perf_counter(), _self_cpu()
    try:
        folder = serving.write(con, resolve(con, version), options.target_path / "manifest.json", options.serving_root)
    except (duckdb.Error, OSError, ValueError) as error:
        logger.error("%s is published but its serving snapshot could not be written into %s (%s): the API writes it "
                     "when it starts", version, options.serving_root, str(error).splitlines()[0])
        return None
    step = StepTiming("serving snapshot", time.perf_counter() - started, _self_peak_mb(), _self_cpu() - cpu)
    logger.info("serving snapshot of %s written in %.1f s: %s", version, step.seconds, folder)
    return step


def build(options: BuildOptions) -> BuildResult:
    """dbt build -> expectations -> publish. Raises BuildError (after recording the rejection) on any failure."""
    with duckdb.connect(str(options.duckdb_path), read_only=True) as con:
        attempt = versions.Attempt(versions.dbt_fingerprint(options.project_dir), versions.input_fingerprint(con))
    steps: list[StepTiming] = []
    warm_up = warm_up_great_expectations()
    try:
        steps.append(run_dbt_build(options))
        warm_up.join()
        logger.info("dbt build done in %.1f s (peak RSS %.0f MB)", steps[-1].seconds, steps[-1].peak_rss_mb)
        with duckdb.connect(str(options.duckdb_path)) as con:
            steps.append(_validate_step(con, options, attempt))
            started, cpu = time.perf_counter(), _self_cpu()
            try:
                version = versions.publish(con, attempt)
            except duckdb.Error as error:
                raise BuildError("publish", str(error).splitlines()[0]) from error
            steps.append(StepTiming("publish", time.perf_counter() - started, _self_peak_mb(), _self_cpu() - cpu))
            snapshot_step = write_serving_snapshot(con, options, version)
            steps += [snapshot_step] if snapshot_step else []
    except BuildError as error:
        attempt.failed_step = error.step
        raise _reject(options, attempt, error, steps) from None
    report = {"feature_version": version, "status": "published", **asdict(attempt), "steps": [asdict(s) for s in steps]}
    logger.info(
        "published %s (%d rows, %d columns); report %s", version, attempt.n_rows, attempt.n_columns, write_report(options, version, report)
    )
    return BuildResult(version, attempt.n_rows, attempt.n_columns, attempt.validation, steps)
