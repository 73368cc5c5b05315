"""`python -m api`: serve the scoring API or export the served model (see --help)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

import uvicorn

from api.registry import ModelLoadError, export_model
from api.security import KeyConfigError, load_keys, new_key
from common.settings import get_settings

DEFAULT_EXPORT = Path("data/models/champion")
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
    """Run uvicorn with the app factory; a development key is generated and printed when none is configured."""
    settings = get_settings()
    try:
        load_keys(settings)
    except KeyConfigError as error:
        if settings.api_keys or settings.api_key_file:
            print(f"error: {error}", file=sys.stderr)
            return 2
        key = new_key()
        os.environ["HC_API_KEYS"] = key
        get_settings.cache_clear()
        print(f"No API key configured (HC_API_KEYS / HC_API_KEY_FILE): development key for this run:\n  X-API-Key: {key}",
              flush=True)
    settings = get_settings()
    host, port = args.host or settings.api_host, args.port or settings.api_port
    workers = args.workers or settings.api_workers
    print(f"Serving on http://{host}:{port} ({workers} worker(s)); docs at http://{host}:{port}/docs", flush=True)
    uvicorn.run("api.main:create_app", factory=True, host=host, port=port, workers=workers, access_log=False,
                log_config=log_config(args.log_level.upper()), timeout_graceful_shutdown=10)
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


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m api", description="Credit-scoring API (FastAPI).")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("serve", help="serve the API with uvicorn (HC_API_HOST, HC_API_PORT, HC_API_WORKERS)",
                         description="Serve the API. Loads HC_MODEL_NAME@HC_MODEL_ALIAS from the MLflow registry "
                                     "(HC_MLFLOW_TRACKING_URI) or the folder HC_MODEL_DIR, reads HC_DUCKDB_PATH "
                                     "read-only, logs every score to HC_EVENTS_URL. Without HC_API_KEYS or "
                                     "HC_API_KEY_FILE, prints a development key valid for this run.")
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
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
