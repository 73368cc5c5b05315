"""Benchmark: the dbt feature build on local Apache Spark vs DuckDB, on the same generated files.

    python -m bench.spark_scale --clients 5000 [--seed 42] [--workdir DIR]

Generates the synthetic Kaggle files once (not timed), then runs each step in its own process and prints its
wall time and peak memory:
- load: `python -m warehouse.load --parquet DIR` (the loader's checks, DuckDB raw tables, then the Parquet export);
- dbt build on DuckDB (target dev): every model, data test and unit test;
- dbt build on Spark (target spark, `python -m dbt_project.pipeline.spark`, local[2]): the same nodes, from the
  Parquet files; its JVM starts and its Derby metastore is created inside the timed step.
Then (not timed) the parity check of `dbt_project.pipeline.parity` on the two builds; exit 1 if they differ.
Peak memory is the largest sum of the resident set sizes of the step's whole process tree (the Python process,
Spark's JVM and its Python workers), sampled every 0.2 s from /proc; for DuckDB it is one process. CPU seconds are
the tree's user + system time (each process's last sample: the last 0.2 s of a process can be missed). The
machine is shared: wall times grow with the load average printed beside them; CPU seconds do not.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")
TICKS = os.sysconf("SC_CLK_TCK")


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                    parent = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            tree.setdefault(parent, []).append(int(entry))
    return tree


def tree_sample(root: int, cpu: dict[int, float]) -> int:
    """Resident memory (bytes) of a process and all its descendants; records each one's CPU seconds in `cpu`."""
    tree, todo, total = _children(), [root], 0
    while todo:
        pid = todo.pop()
        todo += tree.get(pid, [])
        try:
            with open(f"/proc/{pid}/statm", encoding="ascii") as handle:
                total += int(handle.read().split()[1]) * PAGE
            with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            cpu[pid] = (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime
        except (OSError, IndexError, ValueError):
            continue
    return total


@dataclass
class Step:
    """A measured step."""

    name: str
    seconds: float
    peak_mb: float
    cpu_seconds: float


def measure(name: str, args: list[str], env: dict[str, str] | None = None) -> Step:
    """Run a command; wall time and peak memory of its process tree. Exit on failure."""
    started = time.perf_counter()
    log = Path(tempfile.gettempdir()) / f"bench-spark-{os.getpid()}.log"
    with log.open("w") as output:
        process = subprocess.Popen(args, env=env, stdout=output, stderr=subprocess.STDOUT)
        peak, cpu, done = [0], {}, threading.Event()

        def sample() -> None:
            while not done.is_set():
                peak[0] = max(peak[0], tree_sample(process.pid, cpu))
                done.wait(0.2)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        code = process.wait()
        done.set()
        sampler.join()
    if code != 0:
        sys.stderr.write(log.read_text()[-5000:])
        raise SystemExit(f"step {name!r} failed (exit {code})")
    step = Step(name, time.perf_counter() - started, peak[0] / 2**20, sum(cpu.values()))
    print(f"{step.name:<34} {step.seconds:>8.1f} s {step.peak_mb:>8.0f} MB {step.cpu_seconds:>8.1f} CPU s "
          f"(load average {os.getloadavg()[0]:.1f})", flush=True)
    return step


def main(argv: list[str] | None = None) -> int:
    """Generate if needed, then load, dbt build on DuckDB, dbt build on Spark; print the table."""
    parser = argparse.ArgumentParser(prog="python -m bench.spark_scale", description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=5000, help="clients to generate (default 5000)")
    parser.add_argument("--seed", type=int, default=42, help="generator seed (default 42)")
    parser.add_argument("--workdir", type=Path, help="work folder (default: <temp>/hc-bench-spark-<clients>-<seed>)")
    args = parser.parse_args(argv)
    workdir = (args.workdir or Path(tempfile.gettempdir()) / f"hc-bench-spark-{args.clients}-{args.seed}").resolve()
    python = [sys.executable, "-m"]
    subprocess.run(python + ["warehouse.synth", "--clients", str(args.clients), "--seed", str(args.seed), "--out",
                             str(workdir / "raw"), "--oracle", str(workdir / "oracle.csv"), "--reuse", "--no-progress"], check=True)
    (workdir / "homecredit.duckdb").unlink(missing_ok=True)
    for stale in ("raw-parquet", "spark", "dbt-target-duckdb", "dbt-target-spark"):  # a fresh build, a fresh metastore
        shutil.rmtree(workdir / stale, ignore_errors=True)
    print(f"{args.clients:,} clients, {os.cpu_count()} cores, load average before: {os.getloadavg()[0]:.1f}")
    duckdb_path, parquet = workdir / "homecredit.duckdb", workdir / "raw-parquet"
    env = dict(os.environ, HC_DUCKDB_PATH=str(duckdb_path), DBT_SEND_ANONYMOUS_USAGE_STATS="false", DO_NOT_TRACK="1")
    load = measure("load + Parquet export", python + ["warehouse.load", "--data-dir", str(workdir / "raw"), "--duckdb-path",
                                                    str(duckdb_path), "--parquet", str(parquet)], env)
    dbt = ["--project-dir", "dbt_project", "--profiles-dir", "dbt_project", "--exclude", "tag:expensive"]
    duck = measure("dbt build on DuckDB (dev)", python + ["dbt.cli.main", "build", *dbt, "--target-path",
                                                           str(workdir / "dbt-target-duckdb")], env)
    spark = measure("dbt build on Spark (local[2])", python + ["dbt_project.pipeline.spark", "--raw-parquet", str(parquet),
                                                               "--spark-dir", str(workdir / "spark"), "--target-path",
                                                               str(workdir / "dbt-target-spark")], env)
    print("\n| step | wall s | peak MB | CPU s |\n|---|---|---|---|")
    for step in (load, duck, spark):
        print(f"| {step.name} | {step.seconds:.1f} | {step.peak_mb:,.0f} | {step.cpu_seconds:.1f} |")
    print(f"Spark / DuckDB (dbt build): {spark.seconds / duck.seconds:.1f}x wall time, {spark.peak_mb / duck.peak_mb:.1f}x "
          f"peak memory, {spark.cpu_seconds / duck.cpu_seconds:.1f}x CPU time; load average after: "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return parity(workdir)


def parity(workdir: Path) -> int:
    """The parity check on the two builds just measured (not timed); 0 when the engines agree."""
    # after the measured steps: importing dbt and pyspark earlier would add to the bench process itself
    from dbt_project.pipeline.parity import ParityRun, check
    from dbt_project.pipeline.spark import local_session

    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")  # the parity summary per table
    run = ParityRun(workdir / "raw", workdir, Path("dbt_project").resolve())
    difference = check(run, local_session(workdir / "spark", run.project_dir))
    print(f"parity: {'the engines agree' if difference is None else difference}", flush=True)
    return 0 if difference is None else 1


if __name__ == "__main__":
    raise SystemExit(main())
