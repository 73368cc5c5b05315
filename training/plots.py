"""Figures logged with each training run (PNG, small): curves, confusion matrix, calibration, SHAP, paths."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.calibration import calibration_curve  # noqa: E402
from sklearn.metrics import precision_recall_curve, roc_curve  # noqa: E402

from training.cost import cost_curve  # noqa: E402


def _save(fig: plt.Figure, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def roc_pr(y: np.ndarray, p: np.ndarray, path: Path, title: str) -> Path:
    """ROC and precision-recall curves side by side."""
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 4))
    fpr, tpr, _ = roc_curve(y, p)
    a.plot(fpr, tpr)
    a.plot([0, 1], [0, 1], "--", color="grey")
    a.set(xlabel="false positive rate", ylabel="true positive rate (recall)", title=f"ROC, {title}")
    precision, recall, _ = precision_recall_curve(y, p)
    b.plot(recall, precision)
    b.axhline(np.mean(y), ls="--", color="grey")
    b.set(xlabel="recall on defaulters", ylabel="precision", title=f"Precision-recall, {title}")
    return _save(fig, path)


def cost_vs_threshold(y: np.ndarray, p: np.ndarray, threshold: float, cost_fn: float, cost_fp: float,
                      path: Path) -> Path:
    """Business cost per applicant at every candidate threshold, the chosen one marked."""
    thresholds, costs = cost_curve(y, p, cost_fn, cost_fp)
    finite = np.isfinite(thresholds)
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(thresholds[finite], costs[finite] / len(y), lw=1)
    ax.axhline(cost_fn * np.sum(y) / len(y), ls="--", color="grey", label="accept everyone")
    if np.isfinite(threshold):
        ax.axvline(threshold, color="red", label=f"chosen threshold {threshold:.4f}")
    ax.set(xlabel="threshold (refuse when p >= threshold)", ylabel="cost per applicant",
           title=f"Cost {cost_fn:g}*FN + {cost_fp:g}*FP, out-of-fold")
    ax.legend()
    return _save(fig, path)


def confusion(metrics: dict, path: Path, title: str) -> Path:
    """Confusion matrix at the threshold (rows: truth, columns: decision)."""
    m = np.array([[metrics["tn"], metrics["fp"]], [metrics["fn"], metrics["tp"]]])
    fig, ax = plt.subplots(figsize=(4, 3.5))
    ax.imshow(m, cmap="Blues")
    for (i, j), v in np.ndenumerate(m):
        ax.text(j, i, str(v), ha="center", va="center")
    ax.set(xticks=[0, 1], xticklabels=["accept", "refuse"], yticks=[0, 1], yticklabels=["repaid", "default"],
           xlabel="decision", ylabel="truth", title=title)
    return _save(fig, path)


def calibration(y: np.ndarray, curves: dict[str, np.ndarray], path: Path, title: str) -> Path:
    """Reliability diagram (10 equal-count bins) of one or more sets of probabilities, the diagonal dashed."""
    fig, ax = plt.subplots(figsize=(5, 4.5))
    top = 0.0
    for label, p in curves.items():
        frac, mean = calibration_curve(y, p, n_bins=10, strategy="quantile")
        ax.plot(mean, frac, "o-", label=label)
        top = max(top, float(np.max(mean)), float(np.max(frac)))
    ax.plot([0, top], [0, top], "--", color="grey", label="perfect calibration")
    ax.set(xlabel="mean predicted probability", ylabel="observed default rate", title=title)
    ax.legend(fontsize=8)
    return _save(fig, path)


def shap_summary(contrib: pd.DataFrame, X: pd.DataFrame, path: Path, top: int = 20) -> Path:
    """SHAP beeswarm of the input features (one-hot children summed; categoricals shown without colour)."""
    import shap  # seconds of import for one figure: only when it is drawn

    values = X[contrib.columns].apply(pd.to_numeric, errors="coerce")
    plt.figure()
    shap.summary_plot(contrib.to_numpy(), values, feature_names=list(contrib.columns), max_display=top,
                      show=False, plot_size=(8, 7))
    fig = plt.gcf()
    fig.suptitle("Global SHAP summary (log-odds of default)")
    return _save(fig, path)


def coefficient_path(Cs: list[float], coefs: np.ndarray, names: list[str], path: Path, top: int = 12,
                     reference: int = -1) -> Path:
    """Logistic regression coefficients as a function of the penalty (C = 1 / regularisation strength);
    the `top` largest coefficients at the `reference` penalty (the chosen one) are drawn."""
    order = np.argsort(-np.abs(coefs[reference]))[:top]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for j in order:
        ax.plot(Cs, coefs[:, j], marker=".", label=names[j][:40])
    ax.axvline(Cs[reference], color="grey", ls=":")
    ax.set(xscale="log", xlabel="C (weaker penalty to the right)", ylabel="coefficient (standardised)",
           title="Logistic regression coefficient path")
    ax.legend(fontsize=6, loc="upper left")
    return _save(fig, path)
