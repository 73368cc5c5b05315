"""`python -m monitoring drift|monitor|simulate|audit`: drift report, monitoring of prediction events, drift
simulation, the audit log.

Exit status: 0 = done and no alert, 1 = at least one alert raised (for schedulers), 2 = something is missing
(no registered model, no feature store, no event table, API unreachable) or the simulation did not give the
expected outcome.

The replay of human decisions (an unbiased replay, then one with a planted biased advisor, each judged by the
override monitoring of `monitor`) is `python -m monitoring.simulate_decisions` (`make simulate-decisions`).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import sqlalchemy.exc

from common.settings import get_settings

EXIT_OK, EXIT_ALERT, EXIT_ERROR = 0, 1, 2
log = logging.getLogger("monitoring")


def _time(value: str) -> datetime:
    """An ISO 8601 time (a time without zone is UTC)."""
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def build_parser() -> argparse.ArgumentParser:
    """The command line: one sub-command per job."""
    parser = argparse.ArgumentParser(prog="python -m monitoring", description=__doc__.split("\n\n", 1)[0],
                                     epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("--log-level", default="INFO", help="logging level (DEBUG, INFO, WARNING)")
    sub = parser.add_subparsers(dest="command", required=True)
    drift = sub.add_parser(
        "drift", help="Evidently report: train clients (reference) against test clients (new clients)",
        description="Compare the champion's training clients with the test clients on the model's most important "
                    "features (global mean |SHAP|) and the predicted probability: Evidently DataDriftPreset with "
                    "its tests, missing shares, PSI of the score. Writes <HC_REPORTS_DIR>/drift.html, drift.json "
                    "and drift.md. Reads the MLflow registry and the DuckDB feature store (read-only).")
    drift.add_argument("--top", type=int, default=None,
                       help="number of most important features to monitor (default HC_DRIFT_TOP_FEATURES = 30; >= 20)")
    drift.add_argument("--html-max-mb", type=float, default=10.0,
                       help="size budget of drift.html; above it the HTML is rendered again on sampled rows")
    drift.add_argument("--fail-on-alert", action="store_true",
                       help="exit 1 when the drifted share or the score's PSI crosses its alert threshold")
    monitor = sub.add_parser(
        "monitor", help="a window of the API's prediction events against the reference, with alerts",
        description="Read a window of prediction events from HC_EVENTS_URL, compare it with the champion's "
                    "training clients like `drift` does, compute realised AUC and cost where outcomes are known "
                    "(--labels, HC_LABELS_PATH, else the synthetic oracle), measure the advisors' overrides of the "
                    "model's decisions (the human decisions in force of the same window, by advisor, contract type, "
                    "age band and gender, against the window before), write <HC_REPORTS_DIR>/monitor/ and "
                    "raise an alert for every threshold crossed: a row in the `alerts` table (HC_ALERTS_URL, "
                    "default the event store), a WARNING log line, a POST to HC_ALERT_WEBHOOK when set, exit 1. "
                    "Override alerts: the override rate moves by more than HC_OVERRIDE_RATE_CHANGE_ALERT (0.10) "
                    "between windows; refusals of clients the model accepted differ by more than "
                    "HC_OVERRIDE_GROUP_GAP_ALERT (0.10) between two genders or age bands with at least "
                    "HC_OVERRIDE_MIN_DECISIONS (50) such decisions each, over all advisors or for one advisor.")
    monitor.add_argument("--last", type=int, default=None,
                         help="the last N events, and the last N human decisions against the N before them "
                              "(default HC_MONITOR_WINDOW = 10000 when no time range is given)")
    monitor.add_argument("--since", type=_time, default=None,
                         help="first event (and decision) time, ISO 8601 (UTC if no zone); decisions are compared "
                              "with the same span just before")
    monitor.add_argument("--until", type=_time, default=None, help="events strictly before this time, ISO 8601")
    monitor.add_argument("--labels", type=Path, default=None,
                         help="CSV of known outcomes (SK_ID_CURR or client_id, TARGET)")
    monitor.add_argument("--out", type=Path, default=None, help="report folder (default <HC_REPORTS_DIR>/monitor)")
    simulate = sub.add_parser(
        "simulate", help="replay test clients through the API, unchanged then drifted, monitoring each",
        description="Post the applications of a seeded sample of test clients (raw.application_test) to the API "
                    "twice: (a) unchanged, then (b) with a realistic drift (incomes x1.5, applicants 10 years "
                    "younger, EXT_SOURCE_2/3 lowered by 0.12, EXT_SOURCE_1 no longer filled for 70%% of those "
                    "who had one), and run the monitor on each pass's events. By default an API is started on a "
                    "free loopback port with an event store of its own under <HC_REPORTS_DIR>/simulate/ and "
                    "stopped at the end; --running or --api-url use an API already running (its events are then "
                    "read from HC_EVENTS_URL). Exit 0 when (a) raises no alert and (b) raises one naming drifted "
                    "features; outcome in <HC_REPORTS_DIR>/simulate/simulation.md.")
    simulate.add_argument("--clients", type=int, default=1000, help="test clients replayed in each pass")
    simulate.add_argument("--seed", type=int, default=0, help="seed of the client sample and of the injected drift")
    simulate.add_argument("--running", action="store_true", help="use the API running at HC_API_URL")
    simulate.add_argument("--api-url", default=None, help="use the API running at this base URL")
    simulate.add_argument("--concurrency", type=int, default=4, help="requests in flight at once")
    audit = sub.add_parser(
        "audit", help="who saw a client, what a person looked at (the API's audit log)",
        description="Read the append-only audit log of the events database (HC_EVENTS_URL): one row per request to "
                    "the API's /v1/ routes (time, principal and role, method, route, client id or application hash, "
                    "status, request id), oldest first. Filters combine.")
    audit.add_argument("--client", type=int, default=None, help="only the requests about this client (SK_ID_CURR)")
    audit.add_argument("--principal", default=None, help="only the requests of this principal")
    audit.add_argument("--since", type=_time, default=None, help="from this time, ISO 8601 (UTC if no zone)")
    audit.add_argument("--limit", type=int, default=10_000, help="at most this many (the most recent)")
    audit.add_argument("--json", action="store_true", help="one JSON object per line instead of a table")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("mlflow", "alembic", "urllib3", "httpx", "evidently", "numba"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    settings = get_settings()
    # the commands import MLflow and Evidently (seconds of start-up): only when one runs, so --help answers at once
    from monitoring.audit import read_audit, render
    from monitoring.drift import run_drift
    from monitoring.events import Window
    from monitoring.monitor import run_monitor
    from monitoring.simulate import run_simulation

    try:
        if args.command == "audit":
            print(render(read_audit(settings.events_url, args.client, args.principal, args.since, args.limit), args.json))
            return EXIT_OK
        if args.command == "drift":
            summary = run_drift(settings, args.top, args.html_max_mb)
            return EXIT_ALERT if args.fail_on_alert and summary["alerts"] else EXIT_OK
        if args.command == "monitor":
            last = args.last if args.last or args.since or args.until else settings.monitor_window
            result = run_monitor(settings, Window(last, args.since, args.until), args.labels, out_dir=args.out)
            return EXIT_ALERT if result.alerts else EXIT_OK
        api_url = args.api_url or (settings.api_url if args.running else None)
        outcome = run_simulation(settings, run_monitor, args.clients, args.seed, api_url, args.concurrency)
        return EXIT_OK if outcome["ok"] else EXIT_ERROR
    except (LookupError, FileNotFoundError, ConnectionError) as exc:
        log.error("%s", exc)
        return EXIT_ERROR
    except (duckdb.Error, sqlalchemy.exc.SQLAlchemyError) as exc:  # a warehouse locked by a build, an unreadable store
        log.error("%s: %s", type(exc).__name__, str(exc).splitlines()[0])
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
