"""Cross-validation of candidates under the business cost, coarse then refined (Optuna) search.

Every candidate gets out-of-fold probabilities on the development data (the threshold is chosen on them),
per-fold metrics at that threshold, a train-vs-validation AUC gap, fit and predict times, and holdout
metrics from the mean of its fold models (the holdout never drives a choice).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import optuna

from training.calibration import expected_calibration_error
from training.candidates import Candidate
from training.config import Profile
from training.cost import ThresholdChoice, best_threshold
from training.evaluate import fold_summary, safe_auc, threshold_metrics
from training.folds import SearchContext, fit_fold

log = logging.getLogger(__name__)
FOLD_KEYS = ("roc_auc", "pr_auc", "cost_per_applicant", "accuracy", "recall", "precision", "approval_rate")


@dataclass
class CVResult:
    """A candidate's cross-validation: out-of-fold and holdout probabilities, threshold, metrics."""

    candidate: Candidate
    oof: np.ndarray
    holdout: np.ndarray
    choice: ThresholdChoice
    metrics: dict = field(default_factory=dict)


def cross_validate(c: Candidate, ctx: SearchContext) -> CVResult:
    """K-fold cross-validation of one candidate, threshold chosen on the pooled out-of-fold probabilities."""
    oof = np.zeros(len(ctx.y))
    hold = np.zeros(len(ctx.y_hold))
    train_auc, fit_s, predict_s, iterations = [], [], [], []
    pooled = ctx.pool is not None and ctx.pool.handles(c)
    fits = ctx.pool.fit_folds(c) if pooled else [fit_fold(c, ctx, tr, va) for tr, va in ctx.folds]
    for (_, va), (p_val, (seen, p_train), p_hold, f_s, p_s, it) in zip(ctx.folds, fits, strict=True):
        oof[va] = p_val
        hold += p_hold / len(ctx.folds)
        train_auc.append(safe_auc(ctx.y[seen], p_train))
        fit_s.append(f_s)
        predict_s.append(p_s / len(va) * 1000)
        iterations.append(it)
    choice = best_threshold(ctx.y, oof, ctx.cost_fn, ctx.cost_fp)
    per_fold = [threshold_metrics(ctx.y[va], oof[va], choice.threshold, ctx.cost_fn, ctx.cost_fp)
                for _, va in ctx.folds]
    metrics = fold_summary(per_fold, FOLD_KEYS)
    metrics.update({f"oof_{k}": v for k, v in
                    threshold_metrics(ctx.y, oof, choice.threshold, ctx.cost_fn, ctx.cost_fp).items()})
    metrics.update({f"holdout_{k}": v for k, v in
                    threshold_metrics(ctx.y_hold, hold, choice.threshold, ctx.cost_fn, ctx.cost_fp).items()})
    metrics.update({
        "threshold": choice.threshold,
        "train_roc_auc_mean": float(np.nanmean(train_auc)),
        "overfit_gap_auc": float(np.nanmean(train_auc) - metrics["cv_roc_auc_mean"]),
        "fit_seconds_mean": float(np.mean(fit_s)),
        "fit_seconds_total": float(np.sum(fit_s)),
        "predict_ms_per_1000": float(np.mean(predict_s)),
        "oof_ece": expected_calibration_error(ctx.y, oof),  # of the raw probabilities: resampling distorts them
    })
    if iterations[0] is not None:
        metrics["best_iteration_mean"] = float(np.mean(iterations))
    return CVResult(c, oof, hold, choice, metrics)


def _log_result(r: CVResult, prefix: str = "") -> None:
    log.info("  %s%s: cost/applicant %.4f, AUC %.4f, %.1fs", prefix, r.candidate.name, r.choice.cost_per_applicant,
             r.metrics["cv_roc_auc_mean"], r.metrics["fit_seconds_total"])


def progress(k: int, total: int, elapsed: float, budget: float | None = None) -> str:
    """`3 of 17, 42 s elapsed, about 196 s left`: where a long search stands. Without a time budget, the time
    left is estimated from the mean time per step so far; with one, it is the budget left."""
    text = f"{k} of {total}, {elapsed:.0f} s elapsed"
    if budget is not None:
        return f"{text}, {max(budget - elapsed, 0.0):.0f} s left of its {budget:.0f} s budget"
    if k > 1:
        return f"{text}, about {elapsed / (k - 1) * (total - k + 1):.0f} s left"
    return text


def coarse_count(profile: Profile) -> int:
    """How many candidates `coarse` cross-validates."""
    return 1 + 2 * 4 + len(profile.logistic_grid) + len(profile.lgbm_grid) + len(profile.forest_grid)


def best_of(results: list[CVResult]) -> CVResult:
    """The lowest out-of-fold cost; on a tie the earlier (simpler) candidate."""
    return min(results, key=lambda r: r.choice.cost)


def suggest(trial: optuna.Trial, family: str) -> dict:
    """The refined search space of a family."""
    if family == "lightgbm":
        return {
            "learning_rate": trial.suggest_float("learning_rate", 0.02, 0.15, log=True),
            "num_leaves": trial.suggest_int("num_leaves", 4, 64, log=True),
            "min_child_samples": trial.suggest_int("min_child_samples", 20, 400, log=True),
            "colsample_bytree": trial.suggest_float("colsample_bytree", 0.1, 0.8),
            "subsample": trial.suggest_float("subsample", 0.6, 1.0),
            "reg_lambda": trial.suggest_float("reg_lambda", 1e-3, 50.0, log=True),
        }
    if family == "logistic":
        return {"C": trial.suggest_float("C", 1e-4, 10.0, log=True),
                "log_skewed": trial.suggest_categorical("log_skewed", [True, False])}
    if family == "random_forest":
        return {"n_estimators": 60, "max_depth": trial.suggest_int("max_depth", 4, 16),
                "min_samples_leaf": trial.suggest_int("min_samples_leaf", 5, 200, log=True),
                "max_features": trial.suggest_float("max_features", 0.05, 0.5)}
    raise ValueError(f"no refined search for {family!r}")


def refine(base: Candidate, ctx: SearchContext, profile: Profile,
           on_result: Callable[[CVResult], None]) -> list[CVResult]:
    """Optuna (TPE, seeded) on the chosen family and imbalance strategy, objective: out-of-fold cost."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(seed=ctx.seed))
    if base.family != "dummy":
        start = {k: v for k, v in base.params.items() if k != "n_estimators" and not isinstance(v, str)}
        study.enqueue_trial(start, skip_if_exists=True)
    results: list[CVResult] = []
    started = time.monotonic()

    def objective(trial: optuna.Trial) -> float:
        log.info("refine trial %s", progress(trial.number + 1, profile.refine_trials, time.monotonic() - started,
                                             profile.refine_timeout_s))
        candidate = replace(base, params=suggest(trial, base.family), stage="refine")
        result = cross_validate(candidate, ctx)
        _log_result(result, f"refine trial {trial.number} ")
        results.append(result)
        on_result(result)
        return result.choice.cost_per_applicant

    if base.family != "dummy":
        study.optimize(objective, n_trials=profile.refine_trials,
                       callbacks=[stop_before_overrun(profile.refine_timeout_s, time.monotonic())])
    return results


def stop_before_overrun(budget_s: float, started: float) -> Callable[[optuna.Study, optuna.trial.FrozenTrial], None]:
    """An Optuna callback stopping the study when one more trial of the mean length so far would end past the
    budget (it replaces Optuna's timeout, which only refuses to start a trial once the budget is spent, so the
    last trial ran over by a whole trial: minutes at full size)."""
    def callback(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        durations = [t.duration.total_seconds() for t in study.trials if t.duration is not None]
        if durations and time.monotonic() - started + float(np.mean(durations)) > budget_s:
            log.info("refinement stops after %d trials: another would end past its %.0f s budget",
                     len(durations), budget_s)
            study.stop()
    return callback


def refine_top(results: list[CVResult], ctx: SearchContext, profile: Profile,
               on_result: Callable[[CVResult], None]) -> list[CVResult]:
    """Refine the best configuration of each of the `profile.refine_families` best families (by out-of-fold
    cost), sharing the trial and time budget: on data where a linear model is nearly as good as boosting,
    refining only the coarse winner would never give the runner-up its tuning."""
    best_per_family: dict[str, CVResult] = {}
    for r in sorted(results, key=lambda r: r.choice.cost):
        if r.candidate.family != "dummy":
            best_per_family.setdefault(r.candidate.family, r)
    chosen = list(best_per_family.values())[:profile.refine_families]
    share = replace(profile, refine_trials=max(1, profile.refine_trials // max(len(chosen), 1)),
                    refine_timeout_s=profile.refine_timeout_s / max(len(chosen), 1))
    refined: list[CVResult] = []
    for r in chosen:
        log.info("refining %s/%s with Optuna", r.candidate.family, r.candidate.imbalance)
        refined += refine(r.candidate, ctx, share, on_result)
    return refined


def coarse(ctx: SearchContext, profile: Profile, on_result: Callable[[CVResult], None]) -> list[CVResult]:
    """From the simplest model up: dummy; per family the imbalance strategies, then a small grid."""
    results: list[CVResult] = []
    total, started = coarse_count(profile), time.monotonic()

    def run(c: Candidate) -> CVResult:
        log.info("candidate %s: cross-validating %s", progress(len(results) + 1, total, time.monotonic() - started), c.name)
        r = cross_validate(c, ctx)
        _log_result(r)
        results.append(r)
        on_result(r)
        return r

    run(Candidate("dummy"))
    for family, base in (("logistic", {"C": 0.01}), ("lightgbm", profile.lgbm_base)):
        strategies = [run(Candidate(family, s, dict(base))) for s in ("none", "class_weight", "undersample",
                                                                     "smote")]
        strategy = best_of(strategies).candidate.imbalance
        grid = profile.logistic_grid if family == "logistic" else profile.lgbm_grid
        for params in grid:
            run(Candidate(family, strategy, dict(params)))
        if family == "logistic":
            for params in profile.forest_grid:
                run(Candidate("random_forest", "class_weight", dict(params)))
    return results
