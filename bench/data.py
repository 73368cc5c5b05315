"""Benchmark of the generator: wall time and peak RSS of a full-size run in a temporary folder."""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _data_rows(path: Path) -> int:
    with open(path, "rb") as fh:
        return sum(1 for _ in fh) - 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=356_255, help="clients to generate (default: Kaggle's 356255)")
    parser.add_argument("--seed", type=int, default=42, help="random seed")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "warehouse.synth", "--clients", str(args.clients), "--seed", str(args.seed),
               "--out", f"{tmp}/raw", "--oracle", f"{tmp}/oracle.csv", "--no-progress"]
        start = time.perf_counter()
        subprocess.run(cmd, check=True)
        wall = time.perf_counter() - start
        peak_gb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024**2
        rows = sum(_data_rows(p) for p in Path(tmp, "raw").glob("*.csv") if p.name != "HomeCredit_columns_description.csv")
        size_gb = sum(p.stat().st_size for p in Path(tmp, "raw").glob("*.csv")) / 1024**3
    print(f"clients: {args.clients}")
    print(f"rows written: {rows:,} ({size_gb:.2f} GB of CSV)")
    print(f"wall time: {wall:.1f} s (budget 300 s)")
    print(f"peak RSS: {peak_gb:.2f} GB (budget 6 GB)")


if __name__ == "__main__":
    main()
