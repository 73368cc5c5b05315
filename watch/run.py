"""One PoC run: champion and its split from MLflow, EBM search on the same folds, measures, MLflow, the note."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
from sklearn.base import clone
from threadpoolctl import threadpool_limits
from tqdm.auto import tqdm

from common.contracts.pseudonyms import COLUMN as PSEUDONYM
from common.contracts.registry import tracking_uri
from common.settings import Settings
from training import bootstrap
from watch import compare, ebm, report, table
from watch.champion import Champion, ComparisonError, Split, load_champion, oracle_on_holdout, rebuild_split
from watch.config import PocProfile

log = logging.getLogger(__name__)


@dataclass
class PocResult:
    """What the run produced (the same numbers are in MLflow and in the methodology note)."""

    table: pd.DataFrame
    verdict: str
    reason: str
    summary: dict
    model: object
    split: Split
    champion: Champion
    run_id: str
    note: Path


def _fit_ebm(split: Split, profile: PocProfile, seed: int) -> tuple[list[ebm.EbmCV], ebm.EbmCV, object, float]:
    data = split.data
    total = len(profile.grid) * len(split.folds) + 1
    with tqdm(total=total, desc="EBM fits (CV grid + refit)", unit="fit") as bar:
        results = ebm.search(profile.grid, profile.base, split.X_dev, split.y_dev, split.folds, data.numeric,
                             data.categorical, split.cost_fn, split.cost_fp, seed, on_fold=bar.update)
        best = ebm.best_of(results)
        model = ebm.make_ebm(best.params, data.numeric, data.categorical, seed)
        fit_s = ebm.fit(model, split.X_dev, split.y_dev)
        bar.update()
    log.info("best EBM %s: OOF cost/applicant %.4f; refit on %d clients in %.0f s", best.name,
             best.choice.cost_per_applicant, len(split.y_dev), fit_s)
    return results, best, model, fit_s


def _champion_probabilities(champion: Champion, split: Split) -> np.ndarray:
    p = champion.scorer.predict_proba(split.X_hold)
    recorded = (champion.holdout_predictions.set_index(PSEUDONYM)["probability"].reindex(split.hold_pseudonyms)
                .to_numpy())
    if not np.allclose(p, recorded, rtol=0, atol=1e-9):
        raise ComparisonError("the registered model does not reproduce its run's holdout probabilities")
    return p


def _champion_fidelity(champion: Champion, X: pd.DataFrame) -> tuple[float, str]:
    """Largest |base value + contributions - model output|; a random forest's TreeSHAP is in probability units."""
    total = champion.scorer.contributions(X).sum(axis=1).to_numpy()
    p = champion.scorer.predict_proba(X)
    units = "probability" if champion.scorer.explainer.kind == "forest" else "log-odds"
    target = p if units == "probability" else ebm.log_odds(p)
    return float(np.max(np.abs(total - target))), units


def _measures(champion: Champion, split: Split, best: ebm.EbmCV, model, ebm_fit_s: float, profile: PocProfile,
              p_champion: np.ndarray, p_ebm: np.ndarray, intervals: dict) -> tuple[list[dict], dict]:
    scorer, X_hold, calls = champion.scorer, split.X_hold, profile.latency_calls
    start = time.perf_counter()
    clone(scorer.pipeline).fit(split.X_dev, split.y_dev)
    champion_fit_s = time.perf_counter() - start
    y, cfn, cfp = split.y_hold, split.cost_fn, split.cost_fp
    hold_c = bootstrap.holdout_metrics(y, p_champion, scorer.threshold, cfn, cfp)
    hold_e = bootstrap.holdout_metrics(y, p_ebm, best.choice.threshold, cfn, cfp)
    sample = X_hold.head(profile.fidelity_rows)
    champion_error, units = _champion_fidelity(champion, sample)
    fidelity = ebm.fidelity(model, sample)
    ms = 1000.0
    rows = [
        table.row("oof_cost_per_applicant", f"out-of-fold cost per applicant (same {len(split.folds)} folds)",
                  champion.metrics["champion_oof_oof_cost_per_applicant"], best.metrics["oof_cost_per_applicant"]),
        table.row("threshold", "decision threshold (exact argmin on out-of-fold probabilities)",
                  scorer.threshold, best.choice.threshold),
        table.row("holdout_cost_per_applicant", "holdout cost per applicant [95% CI]", hold_c["cost_per_applicant"],
                  hold_e["cost_per_applicant"], intervals, "cost_per_applicant"),
        table.row("holdout_roc_auc", "holdout ROC AUC [95% CI]", hold_c["roc_auc"], hold_e["roc_auc"], intervals,
                  "roc_auc"),
        table.row("holdout_pr_auc", "holdout PR AUC [95% CI]", hold_c["pr_auc"], hold_e["pr_auc"], intervals,
                  "pr_auc"),
        table.row("fit_seconds", "fit time on the development set (s, this machine)", champion_fit_s, ebm_fit_s),
        table.row("predict_ms_one_client", f"predict latency, one client (ms, median of {calls})",
                  ms * compare.median_seconds(scorer.predict_proba, X_hold, calls),
                  ms * compare.median_seconds(model.predict_proba, X_hold, calls)),
        table.row("model_kb", "model size (KB, cloudpickle)", compare.pickled_bytes(scorer) / 1024,
                  compare.pickled_bytes(model) / 1024),
        table.row("explain_ms_one_client", f"local explanation, one client (ms, median of {calls})",
                  ms * compare.median_seconds(scorer.contributions, X_hold, calls),
                  ms * compare.median_seconds(model.eval_terms, X_hold, calls)),
        table.row("explanation_max_abs_error", f"explanation fidelity: max abs(sum - model output) on "
                  f"{len(sample):,} clients", champion_error, fidelity["eval_terms_max_abs_error"]),
    ]
    extra = {"champion_fidelity_units": units, **fidelity, "champion_holdout": hold_c, "ebm_holdout": hold_e}
    return rows, extra


def _oracle(settings: Settings, split: Split, profile: PocProfile) -> dict | None:
    p = oracle_on_holdout(settings, split)
    if p is None or np.isnan(p).any():
        return None
    bayes = split.cost_fp / (split.cost_fn + split.cost_fp)
    out = bootstrap.holdout_metrics(split.y_hold, p, bayes, split.cost_fn, split.cost_fp)
    ci = bootstrap.paired_bootstrap(split.y_hold, {"oracle": (p, bayes)}, split.cost_fn, split.cost_fp,
                                  profile.bootstrap, seed=1)
    return {**out, "threshold": bayes, "probabilities": p,
            **{f"{k}_low": ci[("oracle", k)][0] for k in bootstrap.METRICS},
            **{f"{k}_high": ci[("oracle", k)][1] for k in bootstrap.METRICS}}


def run(settings: Settings, profile: PocProfile, out: Path) -> PocResult:
    """Compare an EBM with `credit-scoring@champion` on the champion's data, log to MLflow, write the note.

    BLAS is kept single-threaded (as in `training`); the EBM itself uses `n_jobs` of the profile.
    """
    started = time.perf_counter()
    mlflow.set_tracking_uri(tracking_uri(settings.mlflow_tracking_uri))
    champion = load_champion()
    split = rebuild_split(settings, champion)
    with threadpool_limits(limits=1, user_api="blas"):
        results, best, model, fit_s = _fit_ebm(split, profile, champion.seed)
        p_champion = _champion_probabilities(champion, split)
        p_ebm = model.predict_proba(split.X_hold)[:, 1]
        models = {"champion": (p_champion, champion.scorer.threshold), "ebm": (p_ebm, best.choice.threshold)}
        log.info("paired bootstrap of the holdout (%d resamples)", profile.bootstrap)
        intervals = bootstrap.paired_bootstrap(split.y_hold, models, split.cost_fn, split.cost_fp, profile.bootstrap,
                                             seed=champion.seed)
        rows, extra = _measures(champion, split, best, model, fit_s, profile, p_champion, p_ebm, intervals)
    comparison = table.build(rows)
    verdict, reason = compare.conclusion(
        intervals[("ebm-champion", "cost_per_applicant")], intervals[("ebm-champion", "roc_auc")],
        ebm_exact=extra["eval_terms_max_abs_error"] < 1e-6,
        champion_exact=comparison.set_index("key").loc["explanation_max_abs_error", "champion"] < 1e-6)
    log.info("conclusion: %s (%s)", verdict, reason)
    context = report.Context(settings, profile, champion, split, results, best, model, comparison, verdict, reason,
                             extra, _oracle(settings, split, profile), p_champion, p_ebm, started)
    run_id, note = report.publish(context, out)
    return PocResult(comparison, verdict, reason, context.summary(), model, split, champion, run_id, note)
