"""One training run: data, leakage check, search, champion refit, artifacts, registry, model card."""

from __future__ import annotations

import contextlib
import json
import logging
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
from mlflow import MlflowClient
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from common.contracts.pseudonyms import COLUMN as PSEUDONYM
from common.contracts.registry import CHALLENGER, HOLDOUT_PREDICTIONS, MODEL_NAME, tracking_uri
from common.settings import Settings
from training import card, gate, plots
from training.calibration import CalibrationChoice, calibration_metrics, choose
from training.candidates import build_pipeline, skewed_columns
from training.config import Profile
from training.cost import best_threshold, cost_at
from training.data import TrainingData, cv_folds, holdout_split, load_training_data, read_oracle
from training.evaluate import SUSPICIOUS_AUC, is_suspicious, safe_auc, slice_table, threshold_metrics
from training.explain import BASE, Explainer
from training.fold_pool import FoldPool
from training.folds import SearchContext
from training.leakage import check_leakage
from training.promotion import actor
from training.register import (
    feature_dataset,
    finite,
    git_commit,
    log_candidate,
    register_champion,
    setup_experiment,
    synthetic_example,
)
from training.registered_model import CreditScorer
from training.search import CVResult, best_of, coarse, refine_top

log = logging.getLogger(__name__)


def _context(data: TrainingData, settings: Settings, seed: int, holdout: float, n_splits: int) -> tuple:
    dev, hold = holdout_split(data.y, holdout, seed)
    X, y = data.X.iloc[dev], data.y[dev]
    ctx = SearchContext(X, y, data.X.iloc[hold], data.y[hold], cv_folds(y, n_splits, seed), data.numeric,
                        data.categorical, skewed_columns(X, data.numeric), settings.cost_fn, settings.cost_fp, seed)
    return ctx, dev, hold


def _oracle(settings: Settings, data: TrainingData) -> np.ndarray | None:
    oracle = read_oracle(settings.oracle_path)
    if oracle is None:
        return None
    p = pd.Series(data.client_ids).map(oracle.set_index("client_id")["p_default"])
    return p.to_numpy(dtype=float)


def _oracle_metrics(oracle_p: np.ndarray | None, hold: np.ndarray, y_hold: np.ndarray, champion: dict,
                    settings: Settings) -> dict | None:
    """Oracle AUC and cost on the holdout (Bayes decision: refuse when p >= cost_fp / (cost_fn + cost_fp))."""
    if oracle_p is None:
        return None
    p = oracle_p[hold]
    ok = ~np.isnan(p)
    bayes = settings.cost_fp / (settings.cost_fn + settings.cost_fp)
    cost = cost_at(y_hold[ok], p[ok], bayes, settings.cost_fn, settings.cost_fp)
    out = {"oracle_roc_auc": safe_auc(y_hold[ok], p[ok]), "oracle_cost_per_applicant": cost["cost_per_applicant"],
           "oracle_threshold": bayes, "oracle_clients": int(ok.sum())}
    out["auc_ratio"] = champion["roc_auc"] / out["oracle_roc_auc"]
    out["cost_ratio"] = champion["cost_per_applicant"] / out["oracle_cost_per_applicant"]
    return out


def _coefficient_path(results: list[CVResult], ctx: SearchContext, profile: Profile, out: Path) -> Path | None:
    logistic = [r for r in results if r.candidate.family == "logistic"]
    if not logistic:
        return None
    best = best_of(logistic).candidate
    pre = build_pipeline(best, ctx.numeric, ctx.categorical, ctx.skewed, ctx.seed).named_steps["preprocess"]
    Xt = pre.fit_transform(ctx.X)
    weight = "balanced" if best.imbalance == "class_weight" else None
    model = LogisticRegression(class_weight=weight, max_iter=200, warm_start=True)
    coefs = []
    for C in sorted(profile.penalty_path):
        model.set_params(C=C).fit(Xt, ctx.y)
        coefs.append(model.coef_[0].copy())
    names = list(pre.get_feature_names_out())
    Cs = sorted(profile.penalty_path)
    reference = int(np.argmin(np.abs(np.log(Cs) - np.log(best.params.get("C", 0.01)))))
    return plots.coefficient_path(Cs, np.array(coefs), names, out / "coefficient_path.png", reference=reference)


def _search(ctx: SearchContext, profile: Profile, tags: dict) -> list[CVResult]:
    def on_result(r: CVResult) -> None:
        r.metrics["suspicious_auc"] = is_suspicious(r.metrics)
        if r.metrics["suspicious_auc"]:
            log.warning("suspicious AUC (> %.2f) for %s: look for a leak", SUSPICIOUS_AUC, r.candidate.name)
        log_candidate(r, tags)

    with contextlib.ExitStack() as stack:
        if profile.fold_workers > 1:
            ctx.pool = stack.enter_context(FoldPool(ctx, profile.fold_workers))
        try:
            results = coarse(ctx, profile, on_result)
            return results + refine_top(results, ctx, profile, on_result)
        finally:
            ctx.pool = None


def _calibrate(best: CVResult, ctx: SearchContext) -> tuple[CalibrationChoice, dict]:
    """The calibration map of the champion, fitted on its out-of-fold probabilities only (never the holdout), and
    the business threshold searched again on the calibrated out-of-fold probabilities."""
    chosen = choose(ctx.y, best.oof, ctx.folds)
    calibrated = chosen.calibration(best.oof)
    threshold = best_threshold(ctx.y, calibrated, ctx.cost_fn, ctx.cost_fp)
    bayes = ctx.cost_fp / (ctx.cost_fn + ctx.cost_fp)
    report = {
        "method": chosen.method, "description": chosen.calibration.describe(), "comparison": chosen.comparison,
        "oof_raw": calibration_metrics(ctx.y, best.oof), "oof": calibration_metrics(ctx.y, calibrated),
        "raw_threshold": best.choice.threshold, "threshold": threshold.threshold, "bayes_threshold": bayes,
        "oof_cost_per_applicant": threshold.cost_per_applicant,
        "oof_cost_per_applicant_at_bayes": cost_at(ctx.y, calibrated, bayes, ctx.cost_fn, ctx.cost_fp)[
            "cost_per_applicant"],
    }
    log.info("threshold on calibrated out-of-fold probabilities: %.4f (raw scale %.4f; %.4f for a perfectly "
             "calibrated model)", threshold.threshold, best.choice.threshold, bayes)
    return chosen, report


def _champion(best: CVResult, ctx: SearchContext, data: TrainingData, profile: Profile,
              calibrated: CalibrationChoice, threshold: float) -> tuple:
    start = time.perf_counter()
    pipeline = build_pipeline(best.candidate, ctx.numeric, ctx.categorical, ctx.skewed, ctx.seed)
    pipeline.fit(ctx.X, ctx.y)
    fit_s = time.perf_counter() - start
    explainer = Explainer(pipeline, data.numeric + data.categorical, X_background=ctx.X)
    sample = ctx.X.sample(min(profile.shap_rows, len(ctx.X)), random_state=ctx.seed)
    explainer.fit_global(sample)
    scorer = CreditScorer(pipeline, threshold, data.numeric, data.categorical, explainer,
                          {"candidate": best.candidate.name, "feature_version": data.version.feature_version,
                           "calibration": calibrated.method}, calibration=calibrated.calibration)
    return scorer, sample, fit_s


def _figures(out: Path, ctx: SearchContext, best: CVResult, scorer: CreditScorer, p_hold: np.ndarray,
             raw_hold: np.ndarray, hold_metrics: dict, sample: pd.DataFrame) -> None:
    plots.roc_pr(ctx.y_hold, p_hold, out / "roc_pr_holdout.png", "holdout")
    plots.roc_pr(ctx.y, best.oof, out / "roc_pr_oof.png", "out-of-fold")
    plots.cost_vs_threshold(ctx.y, scorer.calibrate(best.oof), scorer.threshold, ctx.cost_fn, ctx.cost_fp,
                            out / "cost_vs_threshold.png")
    plots.confusion(hold_metrics, out / "confusion_holdout.png", f"holdout, threshold {scorer.threshold:.4f}")
    plots.calibration(ctx.y_hold, {"before calibration": raw_hold, "calibrated": p_hold},
                      out / "calibration_holdout.png", "Reliability, holdout")
    contrib = scorer.explainer.contributions(sample).drop(columns=BASE)
    plots.shap_summary(contrib, sample, out / "shap_summary.png")


def run(settings: Settings, profile: Profile, feature_version: str | None = None, seed: int = 0,
        holdout: float = 0.2, n_splits: int = 5) -> dict:
    """Train, evaluate, log to MLflow, register the model as challenger, let the promotion gate decide whether it
    becomes champion (training/gate.py), and write the model card.

    BLAS runs single-threaded (LightGBM and the random forest use both cores themselves): threaded BLAS on
    small matrices made the logistic regressions 10 times slower on this shared 2-core machine.

    Returns:
        The run summary (also written to `<reports_dir>/training_summary.json` and logged).
    """
    with threadpool_limits(limits=1, user_api="blas"):
        return _run(settings, profile, feature_version, seed, holdout, n_splits)


def _run(settings: Settings, profile: Profile, feature_version: str | None, seed: int, holdout: float,
         n_splits: int) -> dict:
    started = time.perf_counter()
    data = load_training_data(settings.duckdb_path, feature_version)
    log.info("feature version %s: %d train clients, %d features", data.version.feature_version, len(data.y),
             data.X.shape[1])
    ctx, dev, hold = _context(data, settings, seed, holdout, n_splits)
    oracle_p = _oracle(settings, data)
    leakage = check_leakage(ctx.X, ctx.y, data.categorical, None if oracle_p is None else oracle_p[dev])
    tags = {"feature_version": data.version.feature_version, "git_commit": git_commit(),
            "data_fingerprint": data.fingerprint, "profile": profile.name}
    setup_experiment(tracking_uri(settings.mlflow_tracking_uri))
    with mlflow.start_run(run_name=f"training-{profile.name}") as parent, tempfile.TemporaryDirectory() as tmp:
        mlflow.set_tags({**tags, "sql_fingerprint": str(data.version.info.get("sql_fingerprint")),
                         "input_fingerprint": str(data.version.info.get("input_fingerprint"))})
        mlflow.log_params({"profile": profile.name, "seed": seed, "holdout_share": holdout, "n_splits": n_splits,
                           "cost_fn": settings.cost_fn, "cost_fp": settings.cost_fp, "n_clients": len(data.y),
                           "n_features": data.X.shape[1], "n_skewed_log": len(ctx.skewed)})
        mlflow.log_input(feature_dataset(data, settings.duckdb_path), context="training",
                         tags={"feature_version": data.version.feature_version, "rows": str(len(data.y))})
        results = _search(ctx, profile, tags)
        best = best_of(results)
        log.info("champion %s: refitting on %d development clients, global SHAP on %d rows", best.candidate.name,
                 len(ctx.y), min(profile.shap_rows, len(ctx.y)))
        calibrated, calibration = _calibrate(best, ctx)
        scorer, sample, fit_s = _champion(best, ctx, data, profile, calibrated, calibration["threshold"])
        log.info("refit in %.1fs; scoring the holdout, figures, registration and model card", fit_s)
        raw_hold = scorer.raw_proba(ctx.X_hold)
        p_hold = scorer.calibrate(raw_hold)
        calibration["holdout"] = calibration_metrics(ctx.y_hold, p_hold)
        calibration["holdout_raw"] = calibration_metrics(ctx.y_hold, raw_hold) | {
            "roc_auc": safe_auc(ctx.y_hold, raw_hold), "cost_per_applicant": cost_at(
                ctx.y_hold, raw_hold, calibration["raw_threshold"], ctx.cost_fn, ctx.cost_fp)["cost_per_applicant"]}
        hold_metrics = threshold_metrics(ctx.y_hold, p_hold, scorer.threshold, ctx.cost_fn, ctx.cost_fp)
        hold_metrics |= calibration["holdout"] | {f"raw_{k}": v for k, v in calibration["holdout_raw"].items()}
        hold_metrics["refit_seconds"] = fit_s
        oracle = _oracle_metrics(oracle_p, hold, ctx.y_hold, hold_metrics, settings)
        fairness = slice_table(ctx.y_hold, p_hold, scorer.threshold, data.attributes.iloc[hold])
        figures = settings.reports_dir / "model_card"
        figures.mkdir(parents=True, exist_ok=True)
        _figures(figures, ctx, best, scorer, p_hold, raw_hold, hold_metrics, sample)
        _coefficient_path(results, ctx, profile, figures)
        suspicious = any(r.metrics["suspicious_auc"] for r in results) or is_suspicious(hold_metrics)
        mlflow.set_tags({"champion": best.candidate.name[:5000], "suspicious_auc": str(suspicious).lower(),
                         "threshold": repr(scorer.threshold), "calibration": calibrated.method})
        mlflow.log_metrics(finite({f"champion_holdout_{k}": v for k, v in hold_metrics.items()}
                                  | {f"champion_oof_{k}": v for k, v in best.metrics.items()}
                                  | {f"champion_oof_calibrated_{k}": v for k, v in calibration["oof"].items()}
                                  | {"champion_raw_threshold": calibration["raw_threshold"],
                                     "champion_bayes_threshold": calibration["bayes_threshold"]}
                                  | (oracle or {})))
        version_tags = {**tags, "cost_fn": settings.cost_fn, "cost_fp": settings.cost_fp,
                        "cost_ratio": settings.cost_fn / settings.cost_fp, "candidate": best.candidate.name,
                        "calibration": calibrated.method, "run_id": parent.info.run_id}
        model_version, _ = register_champion(scorer, synthetic_example(ctx.X, data.numeric, data.categorical),
                                             version_tags, alias=CHALLENGER, column_types=data.column_types)
        client = MlflowClient()
        verdict = gate.evaluate(client, MODEL_NAME, scorer, data.version.feature_version, ctx.X_hold, ctx.y_hold,
                                settings.cost_fn, settings.cost_fp, settings.gate_bootstrap, seed)
        gate.record(client, MODEL_NAME, model_version, verdict, actor(settings.registry_user))
        uri = f"models:/{MODEL_NAME}/{model_version}"
        tmp_dir = Path(tmp)
        # pseudonyms, never client ids, in a published artefact
        pd.DataFrame({PSEUDONYM: data.pseudonyms[hold], "target": ctx.y_hold, "probability": p_hold}).to_csv(
            tmp_dir / HOLDOUT_PREDICTIONS, index=False)
        scorer.global_importance().to_csv(tmp_dir / "global_importance.csv", index=False)
        leakage.to_csv(tmp_dir / "leakage.csv", index=False)
        summary = {
            "run_id": parent.info.run_id, "model_uri": uri, "model_version": model_version,
            "feature_version": asdict(data.version), "data_fingerprint": data.fingerprint, "profile": profile.name,
            "seed": seed, "n_clients": len(data.y), "n_dev": len(dev), "n_holdout": len(hold),
            "default_rate": float(data.y.mean()), "n_numeric": len(data.numeric),
            "n_categorical": len(data.categorical), "n_skewed_log": len(ctx.skewed), "n_splits": n_splits,
            "cost_fn": settings.cost_fn, "cost_fp": settings.cost_fp, "threshold": scorer.threshold,
            "champion": {"name": best.candidate.name, "family": best.candidate.family,
                         "imbalance": best.candidate.imbalance, "params": best.candidate.params,
                         "oof": best.metrics, "holdout": hold_metrics},
            "calibration": calibration,
            "candidates": [{"name": r.candidate.name, "stage": r.candidate.stage, **r.metrics} for r in results],
            "oracle": oracle, "suspicious_auc": suspicious, "git_commit": tags["git_commit"],
            "gate": verdict.as_dict(),
        }
        summary["seconds"] = time.perf_counter() - started
        path = card.write(settings.reports_dir, summary, scorer.global_importance(), leakage, fairness)
        (settings.reports_dir / "training_summary.json").write_text(json.dumps(summary, indent=1, default=str))
        mlflow.log_artifacts(str(tmp_dir))
        mlflow.log_artifacts(str(figures), artifact_path="model_card")  # where model_card.md's image links point
        mlflow.log_artifact(str(path))
        mlflow.log_artifact(str(settings.reports_dir / "training_summary.json"))
    return summary
