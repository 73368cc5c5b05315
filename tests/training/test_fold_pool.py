"""Folds fitted in worker processes give exactly what fitting them one after the other gives."""

import numpy as np
import pandas as pd

from training.candidates import Candidate
from training.data import cv_folds
from training.fold_pool import FoldPool
from training.folds import SearchContext
from training.search import cross_validate


def _context() -> SearchContext:
    rng = np.random.default_rng(1)
    n = 800
    X = pd.DataFrame({"ext_source_2": rng.random(n), "amount": rng.lognormal(10, 1, n),
                      "kind": rng.choice(["a", "b", "c"], n).astype(object)})
    X.loc[rng.random(n) < 0.1, "ext_source_2"] = np.nan
    y = (rng.random(n) < 0.3 - 0.25 * X["ext_source_2"].fillna(0.5)).astype(int).to_numpy()
    return SearchContext(X.iloc[100:].reset_index(drop=True), y[100:], X.iloc[:100], y[:100],
                         cv_folds(y[100:], 5, 0), ["ext_source_2", "amount"], ["kind"], ["amount"], 10, 1)


def test_pooled_logistic_folds_equal_sequential_ones_and_boosting_stays_in_process():
    ctx = _context()
    logistic = Candidate("logistic", "undersample", {"C": 0.05})
    sequential = cross_validate(logistic, ctx)
    with FoldPool(ctx, workers=2) as pool:
        ctx.pool = pool
        assert pool.handles(logistic) and not pool.handles(Candidate("lightgbm", "none", {}))
        pooled = cross_validate(logistic, ctx)
    ctx.pool = None
    np.testing.assert_array_equal(pooled.oof, sequential.oof)
    np.testing.assert_array_equal(pooled.holdout, sequential.holdout)
    assert pooled.choice == sequential.choice
    assert pooled.metrics["overfit_gap_auc"] == sequential.metrics["overfit_gap_auc"]
    assert pooled.oof.min() > 0 and len(np.unique(pooled.oof)) > 100  # real predictions, not a constant


def test_the_context_sent_to_workers_leaves_the_pool_behind():
    ctx = _context()
    ctx.pool = object()
    state = ctx.__getstate__()
    assert state["pool"] is None and ctx.pool is not None
    assert state["X"] is ctx.X
