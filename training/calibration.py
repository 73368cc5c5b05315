"""Calibration: a monotone map from the model's raw score to a probability of default that means what it says.

Class weights, undersampling and SMOTE move a model's probabilities away from the true default rate while keeping
the ranking. After the search, a map is fitted on the champion's out-of-fold probabilities (never on the holdout):
Platt's sigmoid on the logit of the raw probability, and isotonic regression. Each is judged by cross-fitting on
the same folds (fitted on the other folds' out-of-fold rows, applied to this fold's): out-of-fold log loss, then
Brier score. The better one is kept, or none when the raw probabilities are already better.

`Calibration` is pickled inside the registered model (this package travels with it): numpy only, no fitted
scikit-learn object, so that every consumer applies exactly the same map.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, log_loss

log = logging.getLogger(__name__)
METHODS = ("none", "sigmoid", "isotonic")
# Calibrated probabilities stay inside [EPS, 1 - EPS]: isotonic regression can reach 0 or 1 on a flat end, which
# no applicant's risk is, and which would make the log loss infinite.
EPS = 1e-4


def logit(p: np.ndarray) -> np.ndarray:
    """log(p / (1 - p)), with p clipped away from 0 and 1."""
    q = np.clip(np.asarray(p, dtype=np.float64), 1e-12, 1 - 1e-12)
    return np.log(q) - np.log1p(-q)


@dataclass(frozen=True)
class Calibration:
    """A fitted monotone (non-decreasing) map of raw probabilities; `none` is the identity."""

    method: str = "none"
    slope: float = 1.0  # sigmoid: calibrated logit = slope * raw logit + intercept
    intercept: float = 0.0
    x: tuple[float, ...] = field(default_factory=tuple)  # isotonic: breakpoints (raw) and values (calibrated)
    y: tuple[float, ...] = field(default_factory=tuple)

    def __call__(self, p: np.ndarray) -> np.ndarray:
        """The calibrated probabilities of raw probabilities `p`."""
        raw = np.asarray(p, dtype=np.float64)
        if self.method == "none":
            return raw
        if self.method == "sigmoid":
            out = 1.0 / (1.0 + np.exp(-(self.slope * logit(raw) + self.intercept)))
        elif self.method == "isotonic":
            out = np.interp(raw, np.asarray(self.x), np.asarray(self.y))
        else:
            raise ValueError(f"unknown calibration method {self.method!r}")
        return np.clip(out, EPS, 1 - EPS)

    def describe(self) -> str:
        """One line for logs and the model card."""
        if self.method == "sigmoid":
            return f"sigmoid (Platt): logit(p) = {self.slope:.4f} x raw logit {self.intercept:+.4f}"
        if self.method == "isotonic":
            return f"isotonic regression ({len(self.x)} breakpoints)"
        return "none (raw probabilities)"


def fit(method: str, y: np.ndarray, p: np.ndarray) -> Calibration:
    """Fit one calibration map on labels `y` and raw probabilities `p`."""
    y = np.asarray(y).astype(int)
    if method == "none":
        return Calibration()
    if method == "sigmoid":
        model = LogisticRegression(C=np.inf, max_iter=1000).fit(logit(p)[:, None], y)
        slope, intercept = float(model.coef_[0, 0]), float(model.intercept_[0])
        if slope <= 0:  # a reversed ranking is not a calibration: keep the raw scores
            return Calibration()
        return Calibration("sigmoid", slope, intercept)
    if method == "isotonic":
        iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(np.asarray(p, dtype=float), y)
        return Calibration("isotonic", x=tuple(map(float, iso.X_thresholds_)), y=tuple(map(float, iso.y_thresholds_)))
    raise ValueError(f"unknown calibration method {method!r}; expected one of {METHODS}")


def cross_fitted(method: str, y: np.ndarray, p: np.ndarray, folds: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Out-of-fold calibrated probabilities: each fold mapped by a calibration fitted on the other folds' rows."""
    out = np.empty(len(y), dtype=np.float64)
    for train, valid in folds:
        out[valid] = fit(method, y[train], p[train])(p[valid])
    return out


@dataclass(frozen=True)
class CalibrationChoice:
    """The map kept, and how each method did on cross-fitted out-of-fold probabilities."""

    calibration: Calibration
    comparison: dict[str, dict[str, float]]

    @property
    def method(self) -> str:
        """`none`, `sigmoid` or `isotonic`."""
        return self.calibration.method


def choose(y: np.ndarray, oof: np.ndarray, folds: list[tuple[np.ndarray, np.ndarray]]) -> CalibrationChoice:
    """Compare no calibration, sigmoid and isotonic on cross-fitted out-of-fold log loss (then Brier score), and
    fit the best one on all the out-of-fold probabilities.

    Args:
        y: labels of the development clients (1 = default).
        oof: the champion's out-of-fold raw probabilities for them.
        folds: the cross-validation folds that produced `oof` (train, validation indices into `y`).
    """
    y = np.asarray(y).astype(int)
    comparison = {}
    for method in METHODS:
        q = np.clip(cross_fitted(method, y, oof, folds), EPS, 1 - EPS)
        comparison[method] = {"log_loss": float(log_loss(y, q, labels=[0, 1])),
                              "brier": float(brier_score_loss(y, q)), "ece": expected_calibration_error(y, q)}
    best = min(METHODS, key=lambda m: (round(comparison[m]["log_loss"], 12), comparison[m]["brier"]))
    calibration = fit(best, y, oof)
    log.info("calibration: %s (out-of-fold log loss %s)", calibration.describe(),
             ", ".join(f"{m} {comparison[m]['log_loss']:.5f}" for m in METHODS))
    return CalibrationChoice(calibration, comparison)


def expected_calibration_error(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    """ECE over `bins` equal-count bins of `p`: the count-weighted mean |mean predicted - observed rate|."""
    y = np.asarray(y, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    if len(y) == 0:
        return float("nan")
    order = np.argsort(p, kind="mergesort")
    total = 0.0
    for chunk in np.array_split(order, min(bins, len(y))):
        total += len(chunk) * abs(p[chunk].mean() - y[chunk].mean())
    return float(total / len(y))


def calibration_metrics(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    """How well probabilities `p` match outcomes `y`.

    Returns:
        ece (10 equal-count bins), brier, log_loss, calibration_slope and calibration_intercept (logistic regression
        of the label on the logit of p: 1 and 0 for a calibrated model), mean_predicted and observed_rate.
    """
    y = np.asarray(y).astype(int)
    p = np.asarray(p, dtype=np.float64)
    out = {"ece": expected_calibration_error(y, p), "brier": float(brier_score_loss(y, p)),
           "log_loss": float(log_loss(y, np.clip(p, 1e-12, 1 - 1e-12), labels=[0, 1])),
           "mean_predicted": float(p.mean()), "observed_rate": float(y.mean())}
    if len(np.unique(y)) == 2:
        fit_ = LogisticRegression(C=np.inf, max_iter=1000).fit(logit(p)[:, None], y)
        out["calibration_slope"], out["calibration_intercept"] = float(fit_.coef_[0, 0]), float(fit_.intercept_[0])
    else:
        out["calibration_slope"] = out["calibration_intercept"] = float("nan")
    return out
