"""`python -m training`: train, evaluate and register the credit-scoring model (see --help)."""

from __future__ import annotations

import argparse
import logging
import sys
import warnings

from common.contracts.registry import tracking_uri
from common.settings import get_settings
from training.config import PROFILES


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        prog="python -m training",
        description="Cross-validate models from the simplest (Dummy) to LightGBM under the business cost "
                    "(HC_COST_FN x missed defaulters + HC_COST_FP x refused good clients), choose the "
                    "threshold on out-of-fold probabilities, log everything to MLflow, register the champion "
                    "as credit-scoring@champion and write <HC_REPORTS_DIR>/model_card.md. Reads the feature "
                    "store at HC_DUCKDB_PATH (read-only); tracking at MLFLOW_TRACKING_URI, else "
                    "HC_MLFLOW_TRACKING_URI (default sqlite:///mlflow.db).")
    parser.add_argument("--profile", choices=sorted(PROFILES), default="standard",
                        help="search size: quick (tests, small data), standard (default, 50,000 clients in "
                             "minutes), full (full-size data, larger grids and Optuna budget)")
    parser.add_argument("--feature-version", default=None,
                        help="pinned feature version from marts.feature_versions (default: latest valid)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the holdout, folds, samplers and models")
    parser.add_argument("--holdout", type=float, default=0.2, help="share of train clients kept as holdout")
    parser.add_argument("--folds", type=int, default=5, help="number of stratified CV folds")
    parser.add_argument("--print-tracking-uri", action="store_true",
                        help="print the MLflow tracking URI this command would use, and exit")
    parser.add_argument("--log-level", default="INFO", help="logging level (DEBUG, INFO, WARNING)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status (2 on a leakage failure or a missing feature version)."""
    args = parse_args(argv)
    settings = get_settings()
    if args.print_tracking_uri:
        print(tracking_uri(settings.mlflow_tracking_uri))
        return 0
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("mlflow", "alembic", "urllib3", "matplotlib", "shap"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", category=UserWarning, module="(sklearn|lightgbm|mlflow)")
    # the run imports LightGBM, MLflow, Optuna and SHAP (seconds): not for --help or --print-tracking-uri
    from training.leakage import LeakageError
    from training.train import run

    try:
        summary = run(settings, PROFILES[args.profile], args.feature_version, args.seed, args.holdout, args.folds)
    except (LeakageError, LookupError) as exc:
        logging.getLogger("training").error("%s", exc)
        return 2
    hold = summary["champion"]["holdout"]
    logging.getLogger("training").info(
        "champion %s: threshold %.4f, holdout AUC %.4f, cost/applicant %.4f; %s; card %s; %.0f s",
        summary["champion"]["name"], summary["threshold"], hold["roc_auc"], hold["cost_per_applicant"],
        summary["model_uri"], settings.reports_dir / "model_card.md", summary["seconds"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
