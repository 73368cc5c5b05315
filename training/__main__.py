"""`python -m training`: train, evaluate and register the credit-scoring model; `promote` and `rollback` move the
champion alias by hand (see --help of each)."""

from __future__ import annotations

import argparse
import logging
import sys
import warnings

from common.contracts.registry import CHAMPION, MODEL_NAME, tracking_uri
from common.settings import Settings, get_settings
from training.config import PROFILES

COMMANDS = ("promote", "rollback")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        prog="python -m training",
        description="Cross-validate models from the simplest (Dummy) to LightGBM under the business cost "
                    "(HC_COST_FN x missed defaulters + HC_COST_FP x refused good clients), choose the "
                    "threshold on out-of-fold probabilities, log everything to MLflow, register the model as "
                    "credit-scoring@challenger; the promotion gate moves credit-scoring@champion to it unless, on "
                    "its holdout, it costs significantly more than the champion (paired bootstrap, "
                    "HC_GATE_BOOTSTRAP resamples) or the champion reads another feature contract; the first model "
                    "becomes champion. Writes <HC_REPORTS_DIR>/model_card.md. Reads the feature store at "
                    "HC_DUCKDB_PATH (read-only); tracking at MLFLOW_TRACKING_URI, else HC_MLFLOW_TRACKING_URI "
                    "(default sqlite:///mlflow.db). Other commands: `python -m training promote VERSION --reason "
                    "TEXT` forces a version to champion, `python -m training rollback` puts the previous champion "
                    "back (see their --help).")
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


def parse_command(argv: list[str]) -> argparse.Namespace:
    """Options of `promote` and `rollback`."""
    by = ("who acts, recorded as a version tag (default: $HC_REGISTRY_USER, else the OS user)")
    parser = argparse.ArgumentParser(prog="python -m training", description=(
        f"Move {MODEL_NAME}@{CHAMPION} by hand, whatever the promotion gate said; who, when and why are recorded "
        "as tags of the versions concerned, and the registered model's champion_history tag lists the champions. "
        "A running API that follows the alias picks the change up."))
    sub = parser.add_subparsers(dest="command", required=True)
    promote = sub.add_parser("promote", help="make VERSION the champion (forced promotion)",
                             description=f"Make VERSION of {MODEL_NAME} the champion, bypassing the gate.")
    promote.add_argument("version", help="registered model version (a number, as in the MLflow UI)")
    promote.add_argument("--reason", required=True, help="why (recorded as the promotion_reason tag)")
    promote.add_argument("--by", help=by)
    rollback = sub.add_parser("rollback", help="put the previous champion back",
                              description="Move the champion alias back to the version that held it before the "
                                          "current one (repeat to go further back).")
    rollback.add_argument("--reason", default="rolled back by hand", help="why (recorded as the rollback_reason tag)")
    rollback.add_argument("--by", help=by)
    return parser.parse_args(argv)


def run_command(args: argparse.Namespace, settings: Settings) -> int:
    """promote / rollback; 1 with a message when the move is impossible."""
    # MLflow's client only for the commands that use it (seconds to import)
    import mlflow
    from mlflow import MlflowClient

    from training.promotion import PromotionError, actor, promote, rollback

    logging.basicConfig(level="INFO", format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    mlflow.set_tracking_uri(tracking_uri(settings.mlflow_tracking_uri))
    by, log = actor(args.by or settings.registry_user), logging.getLogger("training")
    try:
        if args.command == "promote":
            previous = promote(MlflowClient(), MODEL_NAME, args.version, by, args.reason)
            log.info("%s@%s is version %s (was %s)", MODEL_NAME, CHAMPION, args.version, previous or "none")
        else:
            old, new = rollback(MlflowClient(), MODEL_NAME, by, args.reason)
            log.info("%s@%s is version %s again (was %s)", MODEL_NAME, CHAMPION, new, old)
    except PromotionError as error:
        log.error("%s", error)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status (2 on a leakage failure or a missing feature version)."""
    argv = sys.argv[1:] if argv is None else argv
    settings = get_settings()
    if argv and argv[0] in COMMANDS:
        return run_command(parse_command(argv), settings)
    args = parse_args(argv)
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
        "chosen %s: threshold %.4f, holdout AUC %.4f, cost/applicant %.4f; %s, %s; card %s; %.0f s",
        summary["champion"]["name"], summary["threshold"], hold["roc_auc"], hold["cost_per_applicant"],
        summary["model_uri"], "promoted to champion" if summary["gate"]["promoted"] else "kept as challenger",
        settings.reports_dir / "model_card.md", summary["seconds"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
