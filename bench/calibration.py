"""Is the probability we show a calibrated probability of default? Holdout figures against issue 14's targets.

    python -m bench.calibration synthetic [--clients 50000] [--seed 42] [--profile standard]
    python -m bench.calibration real [--shared ../shared] [--profile standard]

`synthetic` generates the data, loads it and builds the features in a work folder of its own (once; see
`bench.training`), `real` does the same from the genuine application rows of `../shared` (pooled into one
`application_train.csv`, header-only history files: `bench.real_rows`). Both then run `python -m training` and
print, from the run's summary, the champion's holdout calibration before and after the calibration map (ECE over 10
equal-count bins, Brier score, log loss, slope and intercept, mean predicted vs observed default rate), its AUC and
cost before and after, the threshold beside FP / (FP + FN), and each target of the issue; exit 1 when one is missed.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
from pathlib import Path

from bench.real_rows import write_folder
from bench.training import prepare, workdir_env
from dbt_project.pipeline.build import run_measured

log = logging.getLogger("bench.calibration")
TARGETS = {  # issue 14
    "synthetic": {"ece": 0.015, "mean_gap": 0.005, "slope": (0.85, 1.15), "auc_drop": 0.002, "cost_rise": 0.005},
    "real": {"ece": 0.03, "mean_gap": 0.015},
}
ROWS = ("ece", "brier", "log_loss", "calibration_slope", "calibration_intercept", "mean_predicted", "observed_rate",
        "roc_auc", "cost_per_applicant")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.calibration", description=__doc__.split("\n\n")[0])
    parser.add_argument("data", choices=("synthetic", "real"), help="generated clients, or the genuine sample rows")
    parser.add_argument("--clients", type=int, default=50_000, help="synthetic clients (default 50000)")
    parser.add_argument("--seed", type=int, default=42, help="generator seed (default 42)")
    parser.add_argument("--profile", choices=("quick", "standard", "full"), default="standard",
                        help="training profile (default standard)")
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[1] / ".." / "shared",
                        help="the shared folder holding homecredit/real_samples (default ../shared)")
    parser.add_argument("--workdir", type=Path, help="work folder, kept and reused (default: under the system temp)")
    return parser


def prepare_real(workdir: Path, shared: Path, env: dict[str, str]) -> None:
    """The genuine rows as a Kaggle folder, loaded, features built (redone every time: it takes seconds)."""
    counts = write_folder(shared.resolve(), workdir / "raw")
    log.info("genuine rows: %s", counts)
    for name, args in (("load", ["warehouse.load"]),
                       ("features", ["dbt_project.pipeline", "--target-path", str(workdir / "dbt-target")])):
        run = run_measured([sys.executable, "-m", *args], env, f"{name} |")
        if run.code != 0:
            raise SystemExit(f"step {name!r} failed (exit {run.code}): see its output above")


def report(summary: dict, data: str) -> tuple[list[str], bool]:
    """The printed figures and whether every target of `data` is met."""
    c, hold = summary["calibration"], summary["champion"]["holdout"]
    before = c["holdout_raw"]
    after = {**c["holdout"], "roc_auc": hold["roc_auc"], "cost_per_applicant": hold["cost_per_applicant"]}
    lines = [f"champion {summary['champion']['name']} on {summary['n_clients']:,} clients "
             f"(default rate {summary['default_rate']:.4f}); holdout {summary['n_holdout']:,} clients",
             f"calibration kept: {c['description']}",
             "cross-fitted out-of-fold: " + "; ".join(f"{m} log loss {v['log_loss']:.5f} Brier {v['brier']:.5f} "
                                                      f"ECE {v['ece']:.4f}" for m, v in c["comparison"].items()),
             f"{'holdout':<24} {'before':>10} {'after':>10}"]
    lines += [f"{k:<24} {before[k]:>10.4f} {after[k]:>10.4f}" for k in ROWS]
    lines.append(f"threshold {c['threshold']:.4f} (raw scale {c['raw_threshold']:.4f}; FP/(FP+FN) "
                 f"{c['bayes_threshold']:.4f}); OOF cost {c['oof_cost_per_applicant']:.4f} at the threshold, "
                 f"{c['oof_cost_per_applicant_at_bayes']:.4f} at FP/(FP+FN)")
    t = TARGETS[data]
    gap = abs(after["mean_predicted"] - after["observed_rate"])
    checks = [(f"holdout ECE <= {t['ece']}", after["ece"] <= t["ece"]),
              (f"|mean predicted - observed| <= {t['mean_gap']} ({gap:.4f})", gap <= t["mean_gap"])]
    if "slope" in t:
        low, high = t["slope"]
        checks += [(f"calibration slope in [{low}, {high}]", low <= after["calibration_slope"] <= high),
                   (f"holdout AUC not lower by more than {t['auc_drop']}",
                    before["roc_auc"] - after["roc_auc"] <= t["auc_drop"]),
                   (f"holdout cost not higher by more than {t['cost_rise']}",
                    after["cost_per_applicant"] - before["cost_per_applicant"] <= t["cost_rise"])]
    lines += [f"  [{'met' if ok else 'NOT MET'}] {name}" for name, ok in checks]
    return lines, all(ok for _, ok in checks)


def main(argv: list[str] | None = None) -> int:
    """Prepare, train, print the calibration figures; exit 1 when a target is missed."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    name = f"hc-calibration-{args.data}" + (f"-{args.clients}-{args.seed}" if args.data == "synthetic" else "")
    workdir = (args.workdir or Path(tempfile.gettempdir()) / name).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    env = workdir_env(workdir)
    if args.data == "synthetic":
        prepare(workdir, args.clients, args.seed, env)
    else:
        prepare_real(workdir, args.shared, env)
    run = run_measured([sys.executable, "-m", "training", "--profile", args.profile], env, "train |")
    if run.code != 0:
        raise SystemExit(f"training failed (exit {run.code}): see its output above")
    summary = json.loads((workdir / "reports" / "training_summary.json").read_text())
    lines, ok = report(summary, args.data)
    lines.append(f"training {run.seconds:.0f} s; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("\n".join(lines))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
