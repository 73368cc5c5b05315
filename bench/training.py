"""Benchmark of a training profile on synthetic data: wall time, peak RSS and the quality targets of issue 4.

    python -m bench.training [--profile standard] [--clients 50000] [--seed 42] [--workdir DIR]

In a work folder of its own (its own DuckDB file, MLflow store and reports): generates the synthetic files,
loads them and builds the features once (not timed; a stamp file marks a finished preparation), then times
`python -m training --profile P` in its own process and prints, from its summary: the champion against the Dummy
and the best logistic regression (CV and holdout), the oracle ratios, the time and the memory, each against its
budget.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
from pathlib import Path

from dbt_project.pipeline.build import run_measured

logger = logging.getLogger("bench.training")

FULL_SIZE = 356_255
PREPARED_STAMP = "prepared.ok"
# (profile, clients) -> wall-time budget in seconds; quality floors by size (issue 4)
TIME_BUDGET_S = {("quick", 5_000): 180.0, ("standard", 50_000): 480.0, ("full", FULL_SIZE): 2_700.0}
MIN_AUC_RATIO = {50_000: 0.95, FULL_SIZE: 0.98}
MAX_COST_RATIO = {FULL_SIZE: 1.05}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.training", description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", choices=("quick", "standard", "full"), default="standard",
                        help="training profile to time (default standard)")
    parser.add_argument("--clients", type=int, default=50_000, help="synthetic clients (default 50000)")
    parser.add_argument("--seed", type=int, default=42, help="generator seed (default 42)")
    parser.add_argument("--workdir", type=Path,
                        help="folder for data, warehouse, MLflow store and reports, kept and reused "
                             "(default: <system temp>/hc-train-bench-<clients>-<seed>)")
    return parser


def workdir_env(workdir: Path) -> dict[str, str]:
    """Environment pointing every stage into the work folder."""
    return {**os.environ, "HC_DATA_DIR": str(workdir / "raw"), "HC_ORACLE_PATH": str(workdir / "oracle.csv"),
            "HC_DUCKDB_PATH": str(workdir / "homecredit.duckdb"), "HC_REPORTS_DIR": str(workdir / "reports"),
            "MLFLOW_TRACKING_URI": f"sqlite:///{workdir / 'mlflow.db'}"}


def prepare(workdir: Path, clients: int, seed: int, env: dict[str, str]) -> None:
    """Data, warehouse and a published feature version in the work folder (load and features skipped once done)."""
    python = [sys.executable, "-m"]
    steps = [("synth", python + ["warehouse.synth", "--clients", str(clients), "--seed", str(seed), "--reuse",
                                 "--no-progress"])]
    stamp = workdir / PREPARED_STAMP
    if not stamp.is_file():
        steps += [("load", python + ["warehouse.load"]),
                  ("features", python + ["dbt_project.pipeline", "--target-path", str(workdir / "dbt-target")])]
    for name, args in steps:
        run = run_measured(args, env, f"{name} |")
        if run.code != 0:
            raise SystemExit(f"bench preparation step {name!r} failed (exit {run.code}): see its output above")
        logger.info("%s ready (%.1f s, not part of the budget)", name, run.seconds)
    # written only after load and features both succeeded, so an interrupted preparation is redone next time
    stamp.write_text("warehouse loaded and features published\n", encoding="utf-8")


def best_logistic(candidates: list[dict]) -> dict:
    """The logistic-regression candidate with the lowest out-of-fold cost."""
    return min((c for c in candidates if c["name"].startswith("logistic/")), key=lambda c: c["oof_cost_per_applicant"])


def report_lines(summary: dict, seconds: float, rss_mb: float, profile: str, clients: int) -> tuple[list[str], bool]:
    """The printed table and whether every target that applies at this size is met."""
    champ = {**summary["champion"]["oof"], **{f"refit_{k}": v for k, v in summary["champion"]["holdout"].items()}}
    dummy = next(c for c in summary["candidates"] if c["name"].startswith("dummy/"))
    logistic = best_logistic(summary["candidates"])
    rows = [("dummy", dummy), ("best logistic", logistic), ("champion", champ)]
    lines = [f"champion: {summary['champion']['name']} (threshold {summary['threshold']:.4f})",
             f"{'model':<14} {'CV cost':>8} {'CV AUC':>7} {'holdout cost':>13} {'holdout AUC':>12}"]
    for label, m in rows:
        lines.append(f"{label:<14} {m['oof_cost_per_applicant']:>8.4f} {m['cv_roc_auc_mean']:>7.4f} "
                     f"{m['holdout_cost_per_applicant']:>13.4f} {m['holdout_roc_auc']:>12.4f}")
    lines.append(f"champion refitted on all development clients, holdout: cost {champ['refit_cost_per_applicant']:.4f}, "
                 f"AUC {champ['refit_roc_auc']:.4f}")
    checks = [("beats the Dummy on CV cost and AUC", champ["oof_cost_per_applicant"] < dummy["oof_cost_per_applicant"]
               and champ["cv_roc_auc_mean"] > dummy["cv_roc_auc_mean"]),
              ("beats the best logistic regression on CV cost and AUC",
               champ["oof_cost_per_applicant"] < logistic["oof_cost_per_applicant"]
               and champ["cv_roc_auc_mean"] > logistic["cv_roc_auc_mean"])]
    oracle = summary.get("oracle")
    if oracle:
        lines.append(f"oracle on the same holdout: AUC {oracle['oracle_roc_auc']:.4f}, cost "
                     f"{oracle['oracle_cost_per_applicant']:.4f}; champion/oracle AUC {oracle['auc_ratio']:.3f}, "
                     f"cost {oracle['cost_ratio']:.3f}")
        if clients in MIN_AUC_RATIO:
            checks.append((f"AUC ratio >= {MIN_AUC_RATIO[clients]}", oracle["auc_ratio"] >= MIN_AUC_RATIO[clients]))
        if clients in MAX_COST_RATIO:
            checks.append((f"cost ratio <= {MAX_COST_RATIO[clients]}", oracle["cost_ratio"] <= MAX_COST_RATIO[clients]))
    lines.append(f"wall time {seconds:.0f} s ({seconds / 60:.1f} min), peak RSS {rss_mb:.0f} MB")
    budget = TIME_BUDGET_S.get((profile, clients))
    if budget is not None:
        checks.append((f"wall time <= {budget / 60:.0f} min", seconds <= budget))
    lines += [f"  [{'met' if ok else 'NOT MET'}] {name}" for name, ok in checks]
    lines.append(f"machine load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
                 "(other processes slow the wall time)")
    return lines, all(ok for _, ok in checks)


def main(argv: list[str] | None = None) -> int:
    """Prepare the work folder, time the training run, print the figures; exit 1 when a target is missed."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    workdir = (args.workdir or Path(tempfile.gettempdir()) / f"hc-train-bench-{args.clients}-{args.seed}").resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    env = workdir_env(workdir)
    prepare(workdir, args.clients, args.seed, env)
    run = run_measured([sys.executable, "-m", "training", "--profile", args.profile], env, "train |")
    if run.code != 0:
        raise SystemExit(f"training failed (exit {run.code}): see its output above")
    summary = json.loads((workdir / "reports" / "training_summary.json").read_text())
    lines, ok = report_lines(summary, run.seconds, run.peak_rss_mb, args.profile, args.clients)
    print("\n".join(lines))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
