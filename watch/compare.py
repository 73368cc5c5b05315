"""Measurements of the comparison: paired bootstrap on the holdout, latency, size, and the conclusion rule."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import cloudpickle
import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, roc_auc_score

from training.cost import cost_at

METRICS = ("cost_per_applicant", "roc_auc", "pr_auc")


def holdout_metrics(y: np.ndarray, p: np.ndarray, threshold: float, cost_fn: float, cost_fp: float) -> dict:
    """Business cost per applicant at the threshold, ROC AUC and PR AUC of one set of probabilities."""
    return {"cost_per_applicant": cost_at(y, p, threshold, cost_fn, cost_fp)["cost_per_applicant"],
            "roc_auc": float(roc_auc_score(y, p)), "pr_auc": float(average_precision_score(y, p))}


def paired_bootstrap(y: np.ndarray, models: dict[str, tuple[np.ndarray, float]], cost_fn: float, cost_fp: float,
                     n: int, seed: int, level: float = 0.95) -> dict:
    """Percentile intervals of each model's holdout metrics and of their differences to the first model.

    The same resampled clients score every model (paired), so the interval of a difference is much narrower
    than the two intervals side by side would suggest.

    Args:
        y: holdout outcomes.
        models: name -> (probabilities on the holdout, decision threshold); the first one is the reference.
        n: number of resamples.

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
        values = {m: holdout_metrics(y[idx], p[idx], t, cost_fn, cost_fp) for m, (p, t) in models.items()}
        for m in names:
            for k in METRICS:
                draws.setdefault((m, k), []).append(values[m][k])
                if m != names[0]:
                    draws.setdefault((f"{m}-{names[0]}", k), []).append(values[m][k] - values[names[0]][k])
    alpha = (1 - level) / 2
    return {key: (float(np.quantile(v, alpha)), float(np.quantile(v, 1 - alpha))) for key, v in draws.items()}


def median_seconds(fn: Callable[[pd.DataFrame], object], X: pd.DataFrame, calls: int) -> float:
    """Median wall time of `fn` on single rows (the first `calls` rows of X, one call each, after one warm-up)."""
    fn(X.iloc[:1])
    times = []
    for i in range(min(calls, len(X))):
        row = X.iloc[i:i + 1]
        start = time.perf_counter()
        fn(row)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def pickled_bytes(obj: object) -> int:
    """Size of the object serialised as the registry does (cloudpickle)."""
    return len(cloudpickle.dumps(obj))


def conclusion(diff_cost: tuple[float, float], diff_auc: tuple[float, float], ebm_exact: bool,
               champion_exact: bool) -> tuple[str, str]:
    """Adopt, keep as challenger, or reject the EBM, from the paired 95% intervals (EBM - champion).

    - adopt: the cost difference interval lies entirely below 0 (the EBM costs significantly less);
    - reject: it lies entirely above 0 (significantly more costly), or there is no gain on either side;
    - keep as challenger: no significant cost difference, and the EBM's explanations are exact by construction
      (a glass box) — worth a second look on new data or with more tuning.
    """
    lo, hi = diff_cost
    if hi < 0:
        return "adopt", (f"the EBM costs significantly less per applicant (95% interval of the difference "
                         f"[{lo:+.4f}, {hi:+.4f}] entirely below 0)")
    if lo > 0:
        return "reject", (f"the EBM costs significantly more per applicant (95% interval of the difference "
                          f"[{lo:+.4f}, {hi:+.4f}] entirely above 0), whatever its interpretability")
    auc = f"ROC AUC difference [{diff_auc[0]:+.4f}, {diff_auc[1]:+.4f}]"
    if ebm_exact and not champion_exact:
        return "keep as challenger", (f"no significant cost difference ([{lo:+.4f}, {hi:+.4f}] contains 0; {auc}) "
                                      "and the EBM explains each decision exactly by its own terms, where the "
                                      "champion needs a post-hoc approximation")
    if ebm_exact:
        return "keep as challenger", (f"no significant cost difference ([{lo:+.4f}, {hi:+.4f}] contains 0; {auc}); "
                                      "both explain exactly, but the EBM's explanation is the model itself (shape "
                                      "functions that can be read and edited), not a Shapley attribution")
    return "reject", f"no significant cost difference ([{lo:+.4f}, {hi:+.4f}]) and no interpretability advantage"
