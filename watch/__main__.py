"""`python -m watch`: an Explainable Boosting Machine against the registered champion (see --help)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import warnings
from pathlib import Path

from common.settings import get_settings
from watch.config import EXPERIMENT, PROFILES


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        prog="python -m watch",
        description="Technology watch proof of concept. Reads credit-scoring@champion from the MLflow registry "
                    "(MLFLOW_TRACKING_URI, else HC_MLFLOW_TRACKING_URI) and rebuilds exactly its data: the "
                    "feature version, seed, holdout share, folds and cost recorded in its run (the data "
                    "fingerprint and the holdout client ids are checked; exit status 2 on a mismatch). Tunes an "
                    "Explainable Boosting Machine (interpret-core) on the same folds with the business cost as "
                    "objective, chooses its threshold on its out-of-fold probabilities, compares both models on "
                    "the same holdout (cost, threshold, ROC/PR AUC with paired bootstrap intervals, fit time, "
                    "one-client latency, size, explanation time and fidelity; the oracle on synthetic data), "
                    f"concludes adopt / keep as challenger / reject, logs everything to the MLflow experiment "
                    f"{EXPERIMENT!r} and writes the methodology note (figures in <note folder>/figures/), with the "
                    "champion run's numbers and the drift findings of <HC_REPORTS_DIR>/drift.json when present. "
                    "Reads the feature store at HC_DUCKDB_PATH (read-only) and the oracle at HC_ORACLE_PATH "
                    "(evaluation only).")
    parser.add_argument("--profile", choices=sorted(PROFILES), default="standard",
                        help="search and measurement size: quick (tests, a few thousand clients, under a minute), "
                             "standard (default: 3 EBM configurations x 5 folds, 500 bootstrap resamples; "
                             "50,000 clients in under 20 minutes on 2 cores)")
    parser.add_argument("--out", type=Path, default=Path("docs/methodology.md"),
                        help="where the generated methodology note goes (default docs/methodology.md; its "
                             "figures go to the figures/ folder beside it)")
    parser.add_argument("--log-level", default="INFO", help="logging level (DEBUG, INFO, WARNING)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Entry point; prints the comparison table and returns the exit status (2 when the data differ)."""
    args = parse_args(argv)
    settings = get_settings()
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("mlflow", "alembic", "urllib3", "matplotlib", "shap", "interpret"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", category=UserWarning, module="(sklearn|lightgbm|mlflow|interpret)")
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    # MLflow, InterpretML and the training stack take seconds to import: not for --help
    from mlflow.exceptions import MlflowException

    from watch.champion import ComparisonError
    from watch.run import run
    from watch.table import markdown

    try:
        result = run(settings, PROFILES[args.profile], args.out)
    except (ComparisonError, LookupError, MlflowException) as exc:
        logging.getLogger("watch").error("%s", exc)
        return 2
    print(markdown(result.table))
    print(f"\nConclusion: {result.verdict}: {result.reason}.")
    print(f"MLflow run {result.run_id} (experiment {EXPERIMENT}); note {result.note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
