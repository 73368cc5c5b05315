"""`python -m api`: serve the scoring API, export the served model, manage the principals (see --help)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

import uvicorn

from api.principals import (
    DEV_ADVISOR,
    ROLE_SCOPES,
    PrincipalError,
    development_advisor,
    principal_store,
    seed_record,
)
from api.registry import ModelLoadError, export_model
from api.security import KeyConfigError, load_keys
from common.settings import get_settings

DEFAULT_EXPORT = Path("data/models/champion")
# uvicorn kills (and restarts) a worker that does not answer its supervisor's ping within this time (default 5 s):
# on a busy 2-core machine a worker building its service at start-up was killed so (bench.reload), and one loading a
# new champion beside the running one (a reload) would drop its connections the same way.
WORKER_HEALTHCHECK_S = 60
LOG_FORMAT = "%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s"


def log_config(level: str = "INFO") -> dict:
    """uvicorn logging: our format; uvicorn's own access log off (it records client addresses)."""
    handler = {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"}
    return {"version": 1, "disable_existing_loggers": False,
            "formatters": {"plain": {"format": LOG_FORMAT}}, "handlers": {"default": handler},
            "root": {"handlers": ["default"], "level": level},
            "loggers": {"uvicorn.access": {"level": "WARNING"}, "mlflow": {"level": "WARNING"},
                        "alembic": {"level": "WARNING"}}}


def serve(args: argparse.Namespace) -> int:
    """Run uvicorn with the app factory; in development a first advisor is created (and its key printed) when
    nobody can call the API yet."""
    settings = get_settings()
    if settings.api_keys or settings.api_key_file:
        try:
            load_keys(settings)
        except KeyConfigError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    key = development_advisor(settings)
    if key is not None:
        print(f"No principal yet: development advisor {DEV_ADVISOR!r} added to the events database; its key (shown "
              f"once; `python -m api principals rotate {DEV_ADVISOR}` gives a new one):\n  {key}", flush=True)
    host, port = args.host or settings.api_host, args.port or settings.api_port
    workers = args.workers or settings.api_workers
    print(f"Serving on http://{host}:{port} ({workers} worker(s)); docs at http://{host}:{port}/docs", flush=True)
    uvicorn.run("api.main:create_app", factory=True, host=host, port=port, workers=workers, access_log=False,
                log_config=log_config(args.log_level.upper()), timeout_graceful_shutdown=10,
                timeout_worker_healthcheck=WORKER_HEALTHCHECK_S)
    return 0


def export(args: argparse.Namespace) -> int:
    """Copy the registered model and its registry facts into a folder usable as HC_MODEL_DIR."""
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    for noisy in ("mlflow", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        folder = export_model(get_settings(), args.out)
    except ModelLoadError as error:
        logging.getLogger("api").error("%s", error)
        return 2
    print(f"exported to {folder}: serve it with HC_MODEL_DIR={folder} (no MLflow database needed)")
    return 0


def principals(args: argparse.Namespace) -> int:
    """add | seed | list | revoke | rotate: the principals of HC_EVENTS_URL; keys printed alone on the last line."""
    # seed needs no database: the record goes into HC_PRINCIPALS_SEED
    store = None if args.action == "seed" else principal_store(get_settings())
    try:
        if args.action == "add":
            scopes = [s.strip() for s in args.scopes.split(",") if s.strip()] if args.scopes else None
            key = store.add(args.name, args.role, scopes, args.subject)
            print(f"principal {args.name!r} added (role {args.role}); its key, shown once:", flush=True)
            print(key)
        elif args.action == "rotate":
            key = store.rotate(args.name)
            print(f"principal {args.name!r}: new key (the old one stops working now), shown once:", flush=True)
            print(key)
        elif args.action == "seed":
            scopes = [s.strip() for s in args.scopes.split(",") if s.strip()] if args.scopes else None
            record, key = seed_record(args.name, args.role, scopes, args.subject)
            print("HC_PRINCIPALS_SEED record (a list of these; hashes only):", flush=True)
            print(json.dumps([record]))
            print("its key, shown once:")
            print(key)
        elif args.action == "revoke":
            store.revoke(args.name)
            print(f"principal {args.name!r} revoked: its key stops working on the next request")
        else:
            print_principals(store.list())
    except PrincipalError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


def print_principals(rows: list[dict]) -> None:
    """A table of principals (never a key)."""
    columns = ("name", "role", "scopes", "subject", "created_at", "rotated_at", "revoked_at")
    cells = [[str(r.get(c) or "")[:40] if c.endswith("_at") else str(r.get(c) or "") for c in columns] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    for row in cells:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)))
    if not rows:
        print("(no principal: `python -m api principals add NAME --role ROLE`)")


def _principals_parser(sub: argparse._SubParsersAction) -> None:
    roles = "; ".join(f"{r}: {', '.join(sorted(s))}" for r, s in ROLE_SCOPES.items())
    parser = sub.add_parser("principals", help="add, list, revoke or rotate the principals (people, applications)",
                            description="The named people and applications allowed to call the API, in the events "
                                        f"database HC_EVENTS_URL. Roles and their scopes: {roles}. A key is printed "
                                        "once, alone on the last line, and stored only as a salted scrypt hash.")
    actions = parser.add_subparsers(dest="action", required=True)
    for action, text in (("add", "add a principal and print its key"),
                         ("seed", "print a principal as a HC_PRINCIPALS_SEED record (no database) and its key")):
        add = actions.add_parser(action, help=text)
        add.add_argument("name", help="unique name (letters, digits, . _ @ + -), e.g. an e-mail or an application")
        add.add_argument("--role", required=True, choices=sorted(ROLE_SCOPES), help="the role, which sets the scopes")
        add.add_argument("--scopes", help="narrower scopes than the role's, comma-separated (e.g. score,client:read)")
        add.add_argument("--subject", help="identity at the sign-in provider (e-mail of the ID token) bound to it")
    actions.add_parser("list", help="every principal (never a key)")
    for action, text in (("revoke", "revoke a principal: its key stops working on the next request"),
                         ("rotate", "give a principal a new key and print it (the old one stops working)")):
        actions.add_parser(action, help=text).add_argument("name", help="the principal's name")
    parser.set_defaults(func=principals)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m api", description="Credit-scoring API (FastAPI).")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("serve", help="serve the API with uvicorn (HC_API_HOST, HC_API_PORT, HC_API_WORKERS)",
                         description="Serve the API. Loads HC_MODEL_NAME@HC_MODEL_ALIAS from the MLflow registry "
                                     "(HC_MLFLOW_TRACKING_URI) or the folder HC_MODEL_DIR, reads the serving "
                                     "snapshot of its feature version in HC_SERVING_DIR (written once from "
                                     "HC_DUCKDB_PATH when the build published none; the warehouse is never held "
                                     "open, so `make features` runs meanwhile), records every request and score in "
                                     "HC_EVENTS_URL. Each worker reloads a new champion without downtime within "
                                     "HC_MODEL_POLL_S seconds (30; 0: only on POST /v1/admin/reload); with "
                                     "HC_SHADOW_CHALLENGER=1 it also scores the challenger alias off the response path. "
                                     "In development, when nobody can call it yet, adds the advisor dev-advisor "
                                     "and prints its key once.")
    run.add_argument("--host", help="interface (default HC_API_HOST = 127.0.0.1)")
    run.add_argument("--port", type=int, help="port (default HC_API_PORT = 8000)")
    run.add_argument("--workers", type=int, help="worker processes (default HC_API_WORKERS = 1)")
    run.add_argument("--log-level", default="INFO", help="logging level (DEBUG, INFO, WARNING)")
    run.set_defaults(func=serve)
    exp = sub.add_parser("export-model", help="copy the registered champion into a folder (for HC_MODEL_DIR)",
                         description="Copy HC_MODEL_NAME@HC_MODEL_ALIAS (model files, version, tags, run "
                                     "metrics) into a folder, so that a host without the MLflow database can "
                                     "serve it with HC_MODEL_DIR=<folder>.")
    exp.add_argument("--out", type=Path, default=DEFAULT_EXPORT, help=f"destination folder (default {DEFAULT_EXPORT})")
    exp.set_defaults(func=export)
    _principals_parser(sub)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
