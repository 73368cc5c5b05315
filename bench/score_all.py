"""`make score-all` at full size: every one of 356,255 clients scored into marts.client_scores, budget 60 s on 2 cores.

    python -m bench.score_all [--clients 356255] [--budget 60]

Source: the warehouse and champion of the HC_* settings (HC_DUCKDB_PATH, MLFLOW_TRACKING_URI or
HC_MLFLOW_TRACKING_URI), e.g. a 50,000-client `make run`. Nothing is written there: the warehouse file is copied
into a temporary folder, where the rows of the champion's feature version are replicated with new client ids up to
`--clients` (a full-size feature table in seconds, instead of generating and building 356,255 clients). Then it
times `python -m training.batch --engine duckdb --warehouse` (what `make score-all` runs, process start and model
load included) on the source's own table (the baseline) and on the full-size one, and checks the table written.
The machine is shared: the load average is printed before and after; exit 1 when the full size exceeds the budget.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from common.contracts.feature_versions import ID, STORE
from common.contracts.registry import tracking_uri
from common.contracts.scores import CLIENT_SCORES
from common.settings import get_settings
from training.batch import default_duckdb_table, resolve_champion

ROOT = Path(__file__).resolve().parents[1]
FULL_SIZE = 356_255
BENCH_TABLE = f"{STORE}.client_features__bench_full_size"


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def replicate(duckdb_path: Path, source: str, clients: int) -> None:
    """`BENCH_TABLE`: the rows of `source` repeated with new ids (id + k * 10,000,000) until `clients` rows."""
    with duckdb.connect(str(duckdb_path)) as con:
        n = con.execute(f"select count(*) from {source}").fetchone()[0]
        copies = -(-clients // n)
        con.execute(f"create or replace table {BENCH_TABLE} as select * replace ({ID} + k * 10000000 as {ID}) "
                    f"from {source}, range({copies}) as r(k) order by k, {ID} limit {clients}")


def score_all(env: dict[str, str], table: str) -> float:
    """Wall seconds of `python -m training.batch --engine duckdb --warehouse --table TABLE` (exit 1 on failure)."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "training.batch", "--engine", "duckdb", "--warehouse", "--table", table],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"score-all failed on {table}:\n{done.stderr[-3000:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=FULL_SIZE, help=f"size of the scored table (default {FULL_SIZE:,})")
    parser.add_argument("--budget", type=float, default=60.0, help="seconds allowed at that size (default 60)")
    args = parser.parse_args()
    settings = get_settings()
    champion = resolve_champion(settings)
    source = default_duckdb_table(settings.duckdb_path, champion)
    with tempfile.TemporaryDirectory(prefix="hc-bench-score-all-") as tmp:
        copy = Path(tmp) / "homecredit.duckdb"
        shutil.copyfile(settings.duckdb_path, copy)
        started = time.perf_counter()
        replicate(copy, source, args.clients)
        print(f"{args.clients:,}-client feature table from {source} in {time.perf_counter() - started:.1f} s "
              f"(copy of {settings.duckdb_path}); champion version {champion.version}, feature version "
              f"{champion.feature_version}", flush=True)
        env = {**os.environ, "HC_DUCKDB_PATH": str(copy),
               "MLFLOW_TRACKING_URI": tracking_uri(settings.mlflow_tracking_uri)}
        with duckdb.connect(str(copy), read_only=True) as con:
            base_rows = con.execute(f"select count(*) from {source}").fetchone()[0]
        print(f"load average before: {load()} on {os.cpu_count()} cores", flush=True)
        base = score_all(env, source)
        full = score_all(env, BENCH_TABLE)
        after = load()
        with duckdb.connect(str(copy), read_only=True) as con:
            rows, distinct, versions = con.execute(f"select count(*), count(distinct {ID}), count(distinct model_version) "
                                               f"from {CLIENT_SCORES}").fetchone()
    print(f"\n| table | clients | make score-all (s) | clients/s |\n|---|---|---|---|\n"
          f"| {source} (baseline) | {base_rows:,} | {base:.1f} | {base_rows / base:,.0f} |\n"
          f"| full size (replicated) | {args.clients:,} | {full:.1f} | {args.clients / full:,.0f} |")
    print(f"ratio full / baseline: {full / base:.2f} for {args.clients / base_rows:.2f} times the clients")
    print(f"{CLIENT_SCORES}: {rows:,} rows, {distinct:,} distinct clients, {versions} model version")
    print(f"load average after: {after} on {os.cpu_count()} cores (shared machine: timings are noisy)")
    ok = full <= args.budget and rows == distinct == args.clients
    print(f"budget {args.budget:.0f} s: {'met' if ok else 'MISSED'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
