"""Write a seeded synthetic copy of the Kaggle Home Credit files, and the oracle of true default probabilities.

The eight CSV files (same names, columns, types, formatting and quirks as Kaggle's) and a column description file
go into the data folder; the oracle (SK_ID_CURR, p_default, TARGET for every client) goes to a separate path, which
the warehouse, the features and the models never read. The same seed and size give byte-identical files.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import time
from pathlib import Path

from common.contracts.columns import load_spec
from common.settings import get_settings
from warehouse.synth.descriptions import FILE_NAME
from warehouse.synth.generate import FULL_SIZE, generate
from warehouse.synth.guard import ForeignFilesError, check_writable, holds_generated, read_manifest, write_manifest

log = logging.getLogger("warehouse.synth")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    settings = get_settings()
    parser = argparse.ArgumentParser(prog="python -m warehouse.synth", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50_000,
                        help=f"number of clients, train and test together (default 50000; {FULL_SIZE} = Kaggle's size)")
    parser.add_argument("--seed", type=int, default=42, help="random seed; same seed and size = same bytes (default 42)")
    parser.add_argument("--out", type=Path, default=settings.data_dir,
                        help=f"data folder for the CSV files (default $HC_DATA_DIR = {settings.data_dir})")
    parser.add_argument("--oracle", type=Path, default=settings.oracle_path,
                        help=f"oracle CSV path, outside the data folder (default $HC_ORACLE_PATH = {settings.oracle_path})")
    parser.add_argument("--reuse", action="store_true",
                        help="do nothing when the folder already holds the Kaggle files: real ones, or generated "
                             "with the same --clients and --seed (what `make run` uses)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)
    if args.clients < 1:
        parser.error(f"--clients must be at least 1, got {args.clients}")
    return args


def _kaggle_files() -> list[str]:
    return [table.file for table in load_spec().values()]


def _publish(tmp: Path, out: Path, names: list[str]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name in names:
        os.replace(tmp / name, out / name)


def run(args: argparse.Namespace) -> int:
    out, oracle = args.out, args.oracle
    if oracle.resolve().is_relative_to(out.resolve()):
        log.error("the oracle %s must not be inside the data folder %s (models must never see it)", oracle, out)
        return 2
    params = {"clients": args.clients, "seed": args.seed}
    files = _kaggle_files()
    if args.reuse and all((out / f).exists() for f in files):
        if read_manifest(out) is None:
            log.info("%s holds the Kaggle files (not generated here): using them, generating nothing", out)
            return 0
        if holds_generated(out, params, files + [FILE_NAME]) and oracle.exists():
            log.info("%s already holds synthetic data for %s: nothing to do", out, params)
            return 0
    try:
        check_writable(out)
    except ForeignFilesError as err:
        log.error("%s", err)
        return 2
    start = time.perf_counter()
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.mkdir(parents=True)
        rows = generate(args.clients, args.seed, tmp, tmp / "oracle.csv", progress=not args.no_progress)
        oracle.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp / "oracle.csv", oracle)
        _publish(tmp, out, files + [FILE_NAME])
        write_manifest(out, params, files + [FILE_NAME])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log.info("wrote %d rows in %d files into %s and the oracle into %s in %.1f s",
             sum(rows.values()), len(files) + 1, out, oracle, time.perf_counter() - start)
    return 0


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    sys.exit(run(parse_args(argv)))


if __name__ == "__main__":
    main()
