"""Metrics of a model's probabilities, at its business threshold and threshold-free, and slice metrics."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, roc_auc_score

from training.cost import cost_at

SUSPICIOUS_AUC = 0.82  # the Kaggle winners reached 0.806: anything above is more likely a leak than skill


def safe_auc(y: np.ndarray, p: np.ndarray) -> float:
    """ROC AUC, NaN when only one class is present."""
    return float(roc_auc_score(y, p)) if len(np.unique(y)) == 2 else float("nan")


def threshold_metrics(y: np.ndarray, p: np.ndarray, threshold: float, cost_fn: float, cost_fp: float) -> dict:
    """Every metric of one set of probabilities when clients with `p >= threshold` are refused.

    Returns:
        dict with roc_auc, pr_auc, accuracy, recall and precision on defaulters, approval rate, false refusal
        rate (good clients refused), and the business cost (total, per applicant, relative to accepting all).
    """
    y = np.asarray(y).astype(int)
    refused = np.asarray(p) >= threshold
    tp = int(np.sum(refused & (y == 1)))
    fp = int(np.sum(refused & (y == 0)))
    fn = int(np.sum(~refused & (y == 1)))
    tn = int(np.sum(~refused & (y == 0)))
    n = len(y)
    out = {
        "roc_auc": safe_auc(y, p),
        "pr_auc": float(average_precision_score(y, p)) if y.any() else float("nan"),
        "accuracy": (tp + tn) / n if n else float("nan"),
        "recall": tp / (tp + fn) if tp + fn else float("nan"),
        "precision": tp / (tp + fp) if tp + fp else float("nan"),
        "approval_rate": (tn + fn) / n if n else float("nan"),
        "false_refusal_rate": fp / (fp + tn) if fp + tn else float("nan"),
        "tp": tp, "fp": fp, "fn": fn, "tn": tn,
    }
    out.update(cost_at(y, p, threshold, cost_fn, cost_fp))
    return out


def fold_summary(per_fold: list[dict], keys: tuple[str, ...]) -> dict:
    """Mean and standard deviation over folds: `cv_<key>_mean`, `cv_<key>_std`."""
    out = {}
    for k in keys:
        values = np.array([f[k] for f in per_fold], dtype=float)
        defined = values[~np.isnan(values)]  # precision is undefined in a fold where nobody is refused
        out[f"cv_{k}_mean"] = float(defined.mean()) if len(defined) else float("nan")
        out[f"cv_{k}_std"] = float(defined.std()) if len(defined) else float("nan")
    return out


def slice_table(y: np.ndarray, p: np.ndarray, threshold: float, groups: pd.DataFrame) -> pd.DataFrame:
    """Approval rate, recall on defaulters and false refusal rate per group value, for each group column.

    Args:
        y: true outcome (1 = default).
        p: probabilities.
        threshold: refuse at `p >= threshold`.
        groups: one column per attribute (e.g. gender, age band), aligned with `y`.
    """
    rows = []
    for attribute in groups.columns:
        for value, idx in groups.groupby(attribute, observed=True).indices.items():
            yt, refused = np.asarray(y)[idx], np.asarray(p)[idx] >= threshold
            good, bad = yt == 0, yt == 1
            rows.append({
                "attribute": attribute, "group": str(value), "clients": len(idx),
                "default_rate": float(bad.mean()),
                "approval_rate": float((~refused).mean()),
                "recall": float(refused[bad].mean()) if bad.any() else float("nan"),
                "false_refusal_rate": float(refused[good].mean()) if good.any() else float("nan"),
            })
    return pd.DataFrame(rows)


def is_suspicious(metrics: dict) -> bool:
    """True when a validation or holdout AUC in `metrics` is above SUSPICIOUS_AUC (training AUCs excluded)."""
    keys = ("roc_auc", "cv_roc_auc_mean", "oof_roc_auc", "holdout_roc_auc")
    return any(metrics.get(k, 0) > SUSPICIOUS_AUC for k in keys)
