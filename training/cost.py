"""The business cost of decisions and the exact search of the threshold that minimises it.

A client is refused when the predicted probability of default is >= the threshold. A false negative (a
defaulter accepted) costs `cost_fn`, a false positive (a good client refused) costs `cost_fp`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ACCEPT_EVERYONE = float("inf")


@dataclass(frozen=True)
class ThresholdChoice:
    """The cost-minimising threshold on a set of scores and what it costs."""

    threshold: float
    cost: float
    cost_per_applicant: float
    relative_cost: float
    n_refused: int


def business_cost(y_true: np.ndarray, refused: np.ndarray, cost_fn: float, cost_fp: float) -> float:
    """Total cost of accept/refuse decisions: `cost_fn * FN + cost_fp * FP`.

    Args:
        y_true: 1 for a defaulter, 0 otherwise.
        refused: True (or 1) where the client is refused.
        cost_fn: cost of an accepted defaulter.
        cost_fp: cost of a refused good client.
    """
    y = np.asarray(y_true).astype(bool)
    r = np.asarray(refused).astype(bool)
    return float(cost_fn * np.sum(y & ~r) + cost_fp * np.sum(~y & r))


def accept_everyone_cost(y_true: np.ndarray, cost_fn: float) -> float:
    """The cost of the reference policy that grants every credit (all defaulters are missed)."""
    return float(cost_fn * np.sum(np.asarray(y_true) == 1))


def cost_curve(
    y_true: np.ndarray, scores: np.ndarray, cost_fn: float, cost_fp: float
) -> tuple[np.ndarray, np.ndarray]:
    """The cost at every distinct candidate threshold, from +inf (accept everyone) down to the lowest score.

    Sorting once makes this O(n log n): with scores sorted in decreasing order, refusing the first k clients
    leaves `P - TP_k` missed defaulters and `FP_k` refused good clients. Only the last position of each group
    of equal scores is a candidate (a threshold cannot separate equal scores).

    Returns:
        (thresholds, costs), thresholds decreasing, the first one being +inf.
    """
    y = np.asarray(y_true, dtype=np.int64)
    s = np.asarray(scores, dtype=np.float64)
    order = np.argsort(-s, kind="mergesort")
    s, y = s[order], y[order]
    tp = np.cumsum(y)
    fp = np.cumsum(1 - y)
    last_of_group = np.r_[s[1:] != s[:-1], True] if len(s) else np.array([], dtype=bool)
    n_pos = int(tp[-1]) if len(s) else 0
    thresholds = np.r_[ACCEPT_EVERYONE, s[last_of_group]]
    costs = np.r_[cost_fn * n_pos, cost_fn * (n_pos - tp[last_of_group]) + cost_fp * fp[last_of_group]]
    return thresholds, costs


def best_threshold(y_true: np.ndarray, scores: np.ndarray, cost_fn: float, cost_fp: float) -> ThresholdChoice:
    """The exact argmin of the cost over every candidate threshold (ties: the highest threshold, fewest refusals).

    Args:
        y_true: 1 for a defaulter, 0 otherwise.
        scores: predicted probabilities of default (out-of-fold when choosing a model's threshold).
        cost_fn: cost of an accepted defaulter.
        cost_fp: cost of a refused good client.
    """
    thresholds, costs = cost_curve(y_true, scores, cost_fn, cost_fp)
    i = int(np.argmin(costs))
    threshold = float(thresholds[i])
    n = len(np.asarray(y_true))
    reference = accept_everyone_cost(y_true, cost_fn)
    return ThresholdChoice(
        threshold=threshold,
        cost=float(costs[i]),
        cost_per_applicant=float(costs[i] / n) if n else float("nan"),
        relative_cost=float(costs[i] / reference) if reference else float("nan"),
        n_refused=int(np.sum(np.asarray(scores) >= threshold)),
    )


def cost_at(y_true: np.ndarray, scores: np.ndarray, threshold: float, cost_fn: float, cost_fp: float) -> dict:
    """Cost, per applicant and relative to accepting everyone, of refusing `scores >= threshold`."""
    y = np.asarray(y_true)
    total = business_cost(y, np.asarray(scores) >= threshold, cost_fn, cost_fp)
    reference = accept_everyone_cost(y, cost_fn)
    return {
        "cost": total,
        "cost_per_applicant": total / len(y) if len(y) else float("nan"),
        "relative_cost": total / reference if reference else float("nan"),
    }
