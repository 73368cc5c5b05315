"""Benchmark of the feature store at full size: load + dbt build + Great Expectations + publish.

    python -m bench.features [--clients 356255] [--seed 42] [--workdir DIR]

Generates the synthetic Kaggle files with the seeded generator into the work folder when they are not there
yet (not timed), then times `python -m warehouse.load` and `python -m dbt_project.pipeline` on a fresh
warehouse in that folder, each in its own process, and prints wall time and peak RSS per step and in total.
Budget (issue 3): at most 60 s and 3 GB at full size (356,255 clients), at most 30 s at 5,000 clients.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from dbt_project.pipeline.build import run_measured

logger = logging.getLogger("bench.features")

FULL_SIZE = 356_255
BUDGET_SECONDS = {FULL_SIZE: 60.0, 5_000: 30.0}
BUDGET_RSS_MB = 3 * 1024
Row = tuple[str, float, float, float | None]  # step, wall seconds, peak RSS MB, CPU seconds


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.features",
        description=__doc__.split("\n\n")[0] + " Prints wall time and peak RSS per step and in total.",
    )
    parser.add_argument("--clients", type=int, default=FULL_SIZE, help=f"clients to generate (default {FULL_SIZE})")
    parser.add_argument("--seed", type=int, default=42, help="generator seed (default 42)")
    parser.add_argument(
        "--workdir",
        type=Path,
        help="folder for the generated files (kept and reused) and the warehouse (default: <system temp>/hc-bench-<clients>-<seed>)",
    )
    return parser


def ensure_data(workdir: Path, clients: int, seed: int) -> Path:
    """The generated Kaggle files in workdir/raw (generated once, reused by later runs)."""
    data_dir = workdir / "raw"
    args = [sys.executable, "-m", "warehouse.synth", "--clients", str(clients), "--seed", str(seed)]
    args += ["--out", str(data_dir), "--oracle", str(workdir / "oracle.csv"), "--reuse", "--no-progress"]
    run = run_measured(args, env=None, log_prefix="synth |")
    if run.code != 0:
        raise SystemExit(f"generating {clients} clients into {data_dir} failed (exit {run.code})")
    logger.info("data ready in %s (%.1f s, not part of the budget)", data_dir, run.seconds)
    return data_dir


def run_step(name: str, args: list[str], rows: list[Row]) -> None:
    """Run one timed step in its own process; exit when it fails."""
    run = run_measured(args, env=None, log_prefix=f"{name} |")
    if run.code != 0:
        raise SystemExit(f"bench step {name!r} failed (exit {run.code}): see its output above")
    rows.append((name, run.seconds, run.peak_rss_mb, run.cpu_seconds))


def print_table(rows: list[Row], total: float, clients: int) -> bool:
    """Print the figures and the verdict; True when within the budget (or no budget for this size)."""
    peak = max(row[2] for row in rows if not row[0].startswith("  "))
    cpu = sum(row[3] or 0 for row in rows if not row[0].startswith("  "))
    lines = [f"{'step':<28} {'wall s':>8} {'peak RSS MB':>12} {'CPU s':>8}"]
    lines += [f"{name:<28} {seconds:>8.1f} {rss:>12.0f} {cpu_s or 0:>8.1f}" for name, seconds, rss, cpu_s in rows]
    lines.append(f"{'total (load + features)':<28} {total:>8.1f} {peak:>12.0f} {cpu:>8.1f}")
    budget = BUDGET_SECONDS.get(clients)
    within = budget is None or (total <= budget and peak <= BUDGET_RSS_MB)
    if budget is not None:
        verdict = "within" if within else "OVER"
        lines.append(f"budget at {clients:,} clients: {budget:.0f} s and {BUDGET_RSS_MB} MB -> {verdict} budget")
    lines.append(
        f"machine load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
        "(other processes slow the wall times; CPU s is this run's own work)"
    )
    print("\n".join(lines))
    return within


def main(argv: list[str] | None = None) -> int:
    """Generate if needed, then time load and features on a fresh warehouse."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    workdir = (args.workdir or Path(tempfile.gettempdir()) / f"hc-bench-{args.clients}-{args.seed}").resolve()
    data_dir = ensure_data(workdir, args.clients, args.seed)
    duckdb_path = workdir / "homecredit.duckdb"
    for stale in (duckdb_path, duckdb_path.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    shutil.rmtree(workdir / "reports", ignore_errors=True)
    rows: list[Row] = []
    started = time.perf_counter()
    python = [sys.executable, "-m"]
    run_step("load", python + ["warehouse.load", "--data-dir", str(data_dir), "--duckdb-path", str(duckdb_path)], rows)
    features = ["dbt_project.pipeline", "--duckdb-path", str(duckdb_path), "--reports-dir", str(workdir / "reports")]
    run_step("features", python + features + ["--target-path", str(workdir / "dbt-target")], rows)
    total = time.perf_counter() - started
    report = sorted((workdir / "reports" / "features").glob("build_fv*.json"))[-1]
    steps = json.loads(report.read_text())["steps"]
    rows += [(f"  {s['name']}", s["seconds"], s["peak_rss_mb"], s.get("cpu_seconds")) for s in steps]
    print_table(rows, total, args.clients)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
