"""Paired bootstrap of holdout metrics: the promotion gate and the technology watch compare models with it.

The same resampled clients score every model (paired), so the interval of a difference is much narrower than
the two intervals side by side would suggest.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

from training.cost import cost_at

METRICS = ("cost_per_applicant", "roc_auc", "pr_auc")
COST = "cost_per_applicant"


def holdout_metrics(y: np.ndarray, p: np.ndarray, threshold: float, cost_fn: float, cost_fp: float,
                    metrics: tuple[str, ...] = METRICS) -> dict:
    """Business cost per applicant at the threshold, ROC AUC and PR AUC (those of `metrics`) of one set of
    probabilities."""
    out = {}
    if COST in metrics:
        out[COST] = cost_at(y, p, threshold, cost_fn, cost_fp)["cost_per_applicant"]
    if "roc_auc" in metrics:
        out["roc_auc"] = float(roc_auc_score(y, p))
    if "pr_auc" in metrics:
        out["pr_auc"] = float(average_precision_score(y, p))
    return out


def paired_bootstrap(y: np.ndarray, models: dict[str, tuple[np.ndarray, float]], cost_fn: float, cost_fp: float,
                     n: int, seed: int, level: float = 0.95, metrics: tuple[str, ...] = METRICS) -> dict:
    """Percentile intervals of each model's holdout metrics and of their differences to the first model.

    Args:
        y: holdout outcomes.
        models: name -> (probabilities on the holdout, decision threshold); the first one is the reference.
        n: number of resamples (resamples holding a single class are left out: no AUC on them).
        metrics: which of METRICS to resample (the cost alone is much cheaper than the AUCs).

    Returns:
        {(name, metric): (low, high)} and {(f"{name}-{reference}", metric): (low, high)}.
    """
    rng = np.random.default_rng(seed)
    names = list(models)
    draws: dict[tuple[str, str], list[float]] = {}
    for _ in range(n):
        idx = rng.integers(0, len(y), len(y))
        if y[idx].min() == y[idx].max():
            continue
        values = {m: holdout_metrics(y[idx], p[idx], t, cost_fn, cost_fp, metrics) for m, (p, t) in models.items()}
        for m in names:
            for k in metrics:
                draws.setdefault((m, k), []).append(values[m][k])
                if m != names[0]:
                    draws.setdefault((f"{m}-{names[0]}", k), []).append(values[m][k] - values[names[0]][k])
    alpha = (1 - level) / 2
    return {key: (float(np.quantile(v, alpha)), float(np.quantile(v, 1 - alpha))) for key, v in draws.items()}
