"""Command line of the loader: `python -m warehouse.load [--data-dir DIR] [--duckdb-path FILE]`."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from tqdm.contrib.logging import logging_redirect_tqdm

from common.settings import get_settings
from warehouse.load.errors import LoadError
from warehouse.load.loader import load_raw
from warehouse.load.parquet import export_parquet

logger = logging.getLogger("warehouse.load")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m warehouse.load",
        description=(
            "Load the eight Kaggle-format CSV files (application_train.csv, application_test.csv, "
            "bureau.csv, bureau_balance.csv, previous_application.csv, POS_CASH_balance.csv, "
            "installments_payments.csv, credit_card_balance.csv) into the DuckDB schema raw, with the column "
            "types of "
            "common/contracts/columns.json. Every file is validated (columns, types, primary keys, encoding) "
            "before anything is replaced: on any error the previous raw tables stay as they were, the error "
            "names the file, line and column, and the exit status is 1."
        ),
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="folder holding the eight CSV files (default: $HC_DATA_DIR, else data/raw)",
    )
    parser.add_argument(
        "--duckdb-path",
        type=Path,
        help="DuckDB warehouse file, created when absent "
        "(default: $HC_DUCKDB_PATH, else warehouse/homecredit.duckdb)",
    )
    parser.add_argument(
        "--parquet",
        type=Path,
        metavar="DIR",
        help="after a successful load, also write every raw table as Parquet into DIR/<table>/data.parquet "
        "(the loader's types; what Apache Spark reads: see docs/scale.md)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the load; returns the exit status (0 loaded, 1 the input or the warehouse has a problem)."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    data_dir = args.data_dir or settings.data_dir
    duckdb_path = args.duckdb_path or settings.duckdb_path
    logger.info("loading %s into %s (schema raw)", data_dir, duckdb_path)
    try:
        with logging_redirect_tqdm():
            load_raw(data_dir, duckdb_path)
    except LoadError as error:
        logger.error("load failed: %s", error)
        logger.error("nothing was replaced: the raw tables of %s are unchanged", duckdb_path)
        return 1
    if args.parquet is not None:
        try:
            export_parquet(duckdb_path, args.parquet)
        except LoadError as error:
            logger.error("Parquet export failed: %s", error)
            return 1
    return 0
