"""The development data with its folds, and the fit of one candidate on one fold.

Shared by the search (`search.py`, which fits folds one after the other) and the fold workers (`fold_pool.py`,
which fit a single-threaded candidate's folds side by side), so that both give the same results.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning

from training.candidates import Candidate, build_pipeline

TRAIN_AUC_ROWS = 20_000  # the train-vs-validation gap needs an AUC on the training part, not a pass over all of it


class FoldFitter(Protocol):
    """Something that fits every fold of some candidates elsewhere (the fold workers of `fold_pool.py`)."""

    def handles(self, candidate: Candidate) -> bool:
        """Whether this fitter takes the candidate's folds."""

    def fit_folds(self, candidate: Candidate) -> list[tuple]:
        """What `fit_fold` returns, fold by fold, in fold order."""


@dataclass
class SearchContext:
    """The development data and its folds, the holdout, and the cost of errors."""

    X: pd.DataFrame
    y: np.ndarray
    X_hold: pd.DataFrame
    y_hold: np.ndarray
    folds: list[tuple[np.ndarray, np.ndarray]]
    numeric: list[str]
    categorical: list[str]
    skewed: list[str]
    cost_fn: float
    cost_fp: float
    seed: int = 0
    pool: FoldFitter | None = field(default=None, repr=False, compare=False)

    def __getstate__(self) -> dict:
        # the workers receive the data, not the pool that feeds them
        return {**self.__dict__, "pool": None}


def train_sample(tr: np.ndarray, seed: int) -> np.ndarray:
    """At most TRAIN_AUC_ROWS rows of the training part (all of them on small data), in their order."""
    if len(tr) <= TRAIN_AUC_ROWS:
        return tr
    return np.sort(np.random.default_rng(seed).choice(tr, TRAIN_AUC_ROWS, replace=False))


def fit_fold(c: Candidate, ctx: SearchContext, tr: np.ndarray, va: np.ndarray) -> tuple:
    """Fit `c` on the training rows `tr` of a fold and score its validation rows `va`.

    Returns:
        (validation probabilities, (training sample, its probabilities), holdout probabilities, fit seconds,
        predict seconds, best boosting iteration or None).
    """
    pipe = build_pipeline(c, ctx.numeric, ctx.categorical, ctx.skewed, ctx.seed)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipe.fit(ctx.X.iloc[tr], ctx.y[tr])
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    p_val = pipe.predict_proba(ctx.X.iloc[va])[:, 1]
    predict_s = time.perf_counter() - start
    seen = train_sample(tr, ctx.seed)
    p_train = pipe.predict_proba(ctx.X.iloc[seen])[:, 1]
    p_hold = pipe.predict_proba(ctx.X_hold)[:, 1]
    return p_val, (seen, p_train), p_hold, fit_s, predict_s, getattr(pipe[-1], "best_iteration_", None)
