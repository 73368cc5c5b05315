"""Measurements of the comparison: latency, size, and the conclusion rule (the paired bootstrap of the holdout is
training's: `training/bootstrap.py`, which the promotion gate uses too)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import cloudpickle
import pandas as pd


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
