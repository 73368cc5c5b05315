"""Command line of the feature build: `python -m dbt_project.pipeline [options]`."""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

import duckdb

from common.settings import get_settings
from dbt_project.pipeline.build import BuildError, BuildOptions, build

logger = logging.getLogger("dbt_project.pipeline")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m dbt_project.pipeline",
        description=(
            "Build the client feature store from the raw tables loaded by `python -m warehouse.load`: run "
            "`dbt build` (staging, intermediate, marts; data tests and unit tests), validate the mart with "
            "Great Expectations, then publish an immutable feature version (marts.client_features__<id>, "
            "recorded in marts.feature_versions) and point the views marts.client_features and "
            "marts.client_profiles to it, and write its serving snapshot (what the API reads, in files of its own: "
            "the API never opens the warehouse while it serves, so this runs while it serves). Any failure exits with "
            "status 1, names what failed, is recorded as a rejected attempt, and leaves the views on the previous "
            "version."
        ),
    )
    parser.add_argument("--duckdb-path", type=Path, help="DuckDB warehouse (default: $HC_DUCKDB_PATH, else warehouse/homecredit.duckdb)")
    parser.add_argument("--reports-dir", type=Path, help="where build_<version>.json goes, under features/ (default: $HC_REPORTS_DIR)")
    parser.add_argument(
        "--target-path",
        type=Path,
        help="dbt target folder: compiled SQL, run_results.json (default: <dbt project>/target)",
    )
    parser.add_argument(
        "--serving-dir",
        type=Path,
        help="where the serving snapshot of the published version goes (default: $HC_SERVING_DIR, else "
        "<warehouse>.serving/ beside the warehouse)",
    )
    parser.add_argument(
        "--with-expensive-tests",
        action="store_true",
        help="also run the tests tagged `expensive` (composite-key uniqueness of the monthly history tables: about 15 s more at full size)",
    )
    return parser


def options_from(args: argparse.Namespace) -> BuildOptions:
    """Absolute paths from the arguments and the settings (read once)."""
    settings = get_settings()
    project_dir = settings.dbt_project_dir.resolve()
    target = (args.target_path or project_dir / "target").resolve()
    serving_dir = args.serving_dir or settings.serving_dir
    return BuildOptions(
        duckdb_path=(args.duckdb_path or settings.duckdb_path).resolve(),
        project_dir=project_dir,
        reports_dir=(args.reports_dir or settings.reports_dir).resolve(),
        target_path=target,
        log_path=target.parent / "logs" if args.target_path else project_dir / "logs",
        expensive_tests=args.with_expensive_tests,
        serving_dir=serving_dir.resolve() if serving_dir else None,
    )


def main(argv: list[str] | None = None) -> int:
    """Run the build; 0 when a version was published, 1 when anything failed."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    options = options_from(args)
    if not options.duckdb_path.is_file():
        logger.error("no warehouse at %s: load the data first (python -m warehouse.load)", options.duckdb_path)
        return 1
    started = time.perf_counter()
    try:
        result = build(options)
    except (BuildError, LookupError) as error:
        logger.error("feature build FAILED: %s", error)
        return 1
    except duckdb.Error as error:  # e.g. the warehouse is locked by another writer
        logger.error("feature build FAILED: cannot use %s: %s", options.duckdb_path, str(error).splitlines()[0])
        return 1
    for step in result.steps:
        logger.info("step %-20s %6.1f s  peak RSS %6.0f MB", step.name, step.seconds, step.peak_rss_mb)
    logger.info(
        "feature version %s published: %d clients, %d features, in %.1f s",
        result.feature_version,
        result.n_rows,
        result.n_columns - 3,
        time.perf_counter() - started,
    )
    return 0
