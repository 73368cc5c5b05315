"""The Explainable Boosting Machine: construction, cross-validation on the champion's folds, exact explanations.

An EBM is a generalised additive model with pairwise interactions, logit(p) = b0 + sum_j f_j(x_j) +
sum_(i,j) f_ij(x_i, x_j), each term a lookup table over bins learned by boosting. Its local explanation of a
client is the list of its term values (`eval_terms`): they sum, with the intercept, to the log-odds exactly.
"""

from __future__ import annotations

import logging
import re
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from interpret.glassbox import ExplainableBoostingClassifier

from training.cost import ThresholdChoice, best_threshold
from training.estimators import EXT_SOURCE_DECREASING
from training.evaluate import safe_auc, threshold_metrics

log = logging.getLogger(__name__)


@dataclass
class EbmCV:
    """One EBM configuration cross-validated on the champion's folds."""

    params: dict
    oof: np.ndarray
    choice: ThresholdChoice
    metrics: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return ",".join(f"{k}={v}" for k, v in sorted(self.params.items()))


def monotone_signs(features: list[str], pattern: str = EXT_SOURCE_DECREASING) -> list[int]:
    """-1 for the external scores (a better score never raises the risk, as in the champion), 0 elsewhere."""
    regex = re.compile(pattern, re.IGNORECASE)
    return [-1 if regex.search(f) else 0 for f in features]


def make_ebm(params: dict, numeric: list[str], categorical: list[str], seed: int) -> ExplainableBoostingClassifier:
    """An EBM over the feature table's columns: numbers binned by quantiles, text columns as nominal categories.

    The external scores carry the same decreasing monotone constraint as the champion's trees (on their main
    effects; the constraint does not reach pairwise terms).
    """
    features = numeric + categorical
    return ExplainableBoostingClassifier(
        feature_names=features, feature_types=["continuous"] * len(numeric) + ["nominal"] * len(categorical),
        monotone_constraints=monotone_signs(features), random_state=seed, **params)


def fit(ebm: ExplainableBoostingClassifier, X: pd.DataFrame, y: np.ndarray) -> float:
    """Fit in place; returns the wall time in seconds."""
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        ebm.fit(X, y)
    return time.perf_counter() - start


def cross_validate(params: dict, X: pd.DataFrame, y: np.ndarray, folds: list[tuple[np.ndarray, np.ndarray]],
                   numeric: list[str], categorical: list[str], cost_fn: float, cost_fp: float, seed: int,
                   on_fold: Callable[[], None] | None = None) -> EbmCV:
    """Out-of-fold probabilities on the given folds; threshold = exact cost argmin on them (as the champion's)."""
    oof = np.zeros(len(y))
    fit_s, aucs, n_terms = [], [], []
    for tr, va in folds:
        ebm = make_ebm(params, numeric, categorical, seed)
        fit_s.append(fit(ebm, X.iloc[tr], y[tr]))
        oof[va] = ebm.predict_proba(X.iloc[va])[:, 1]
        aucs.append(safe_auc(y[va], oof[va]))
        n_terms.append(len(ebm.term_features_))
        if on_fold:
            on_fold()
    choice = best_threshold(y, oof, cost_fn, cost_fp)
    fold_costs = [threshold_metrics(y[va], oof[va], choice.threshold, cost_fn, cost_fp)["cost_per_applicant"]
                  for _, va in folds]
    metrics = {f"oof_{k}": v for k, v in threshold_metrics(y, oof, choice.threshold, cost_fn, cost_fp).items()}
    metrics.update({"threshold": choice.threshold, "cv_roc_auc_mean": float(np.mean(aucs)),
                    "cv_roc_auc_std": float(np.std(aucs)), "cv_cost_per_applicant_std": float(np.std(fold_costs)),
                    "fit_seconds_mean": float(np.mean(fit_s)), "fit_seconds_total": float(np.sum(fit_s)),
                    "n_terms_mean": float(np.mean(n_terms))})
    return EbmCV(dict(params), oof, choice, metrics)


def search(grid: list[dict], base: dict, X: pd.DataFrame, y: np.ndarray, folds: list, numeric: list[str],
           categorical: list[str], cost_fn: float, cost_fp: float, seed: int,
           on_fold: Callable[[], None] | None = None) -> list[EbmCV]:
    """Cross-validate every grid configuration (merged over `base`); objective: the out-of-fold business cost."""
    results = []
    for params in grid:
        result = cross_validate({**base, **params}, X, y, folds, numeric, categorical, cost_fn, cost_fp, seed, on_fold)
        log.info("EBM %s: OOF cost/applicant %.4f, CV AUC %.4f, %.0f s", params,
                 result.choice.cost_per_applicant, result.metrics["cv_roc_auc_mean"],
                 result.metrics["fit_seconds_total"])
        results.append(result)
    return results


def best_of(results: list[EbmCV]) -> EbmCV:
    """The lowest out-of-fold cost; on a tie the earlier (simpler) configuration."""
    return min(results, key=lambda r: r.choice.cost)


def log_odds(p: np.ndarray) -> np.ndarray:
    """logit(p), with p clipped away from 0 and 1."""
    p = np.clip(np.asarray(p, dtype=float), 1e-15, 1 - 1e-15)
    return np.log(p) - np.log1p(-p)


def contributions(ebm: ExplainableBoostingClassifier, X: pd.DataFrame) -> pd.DataFrame:
    """Local explanation per client: one column per term (mains and pairs) plus `_intercept`, in log-odds."""
    out = pd.DataFrame(ebm.eval_terms(X), columns=list(ebm.term_names_), index=X.index)
    out["_intercept"] = float(np.atleast_1d(ebm.intercept_)[0])
    return out


def fidelity(ebm: ExplainableBoostingClassifier, X: pd.DataFrame) -> dict:
    """Largest |intercept + sum of terms - logit(predicted probability)| over `X`, for `eval_terms` and for the
    values shown by `explain_local` (the same numbers through the explanation object)."""
    target = log_odds(ebm.predict_proba(X)[:, 1])
    terms = contributions(ebm, X).sum(axis=1).to_numpy()
    explanation = ebm.explain_local(X)
    shown = np.array([sum(explanation.data(i)["scores"]) + explanation.data(i)["extra"]["scores"][0]
                      for i in range(len(X))])
    return {"eval_terms_max_abs_error": float(np.max(np.abs(terms - target))),
            "explain_local_max_abs_error": float(np.max(np.abs(shown - target)))}


def term_importance(ebm: ExplainableBoostingClassifier) -> pd.DataFrame:
    """Mean |term value| over the training data (InterpretML's `avg_weight`), largest first."""
    table = pd.DataFrame({"term": list(ebm.term_names_), "mean_abs_score": ebm.term_importances("avg_weight")})
    return table.sort_values("mean_abs_score", ascending=False, ignore_index=True)
