"""Resampling happens inside the training part of each fold, never on validation rows."""

import numpy as np
import pandas as pd
import pytest
from imblearn.over_sampling import SMOTE
from imblearn.under_sampling import RandomUnderSampler

import training.candidates
from training.candidates import Candidate
from training.data import cv_folds
from training.folds import SearchContext
from training.search import cross_validate

SEEN: list[set[int]] = []


def _record(X) -> None:
    SEEN.append(set(np.asarray(X["numeric__row_id"]).astype(int)))


class SpyUnderSampler(RandomUnderSampler):
    def fit_resample(self, X, y, **kw):
        _record(X)
        return super().fit_resample(X, y, **kw)


class SpySMOTE(SMOTE):
    def fit_resample(self, X, y, **kw):
        _record(X)
        return super().fit_resample(X, y, **kw)


def _context() -> SearchContext:
    rng = np.random.default_rng(0)
    n = 600
    X = pd.DataFrame({"row_id": np.arange(n, dtype=float), "ext_source_2": rng.random(n),
                      "amount": rng.lognormal(10, 1, n), "kind": rng.choice(["a", "b"], n).astype(object)})
    y = (rng.random(n) < 0.25 - 0.2 * X["ext_source_2"]).astype(int).to_numpy()
    hold = X.iloc[:50]
    return SearchContext(X.iloc[50:].reset_index(drop=True), y[50:], hold, y[:50], cv_folds(y[50:], 5, 0),
                         ["row_id", "ext_source_2", "amount"], ["kind"], [], 10, 1)


@pytest.mark.parametrize("strategy, spy", [("undersample", "RandomUnderSampler"), ("smote", "SMOTE")])
def test_sampler_sees_exactly_the_training_rows_of_each_fold(monkeypatch, strategy, spy):
    monkeypatch.setattr(training.candidates, spy, SpyUnderSampler if spy == "RandomUnderSampler" else SpySMOTE)
    SEEN.clear()
    ctx = _context()
    cross_validate(Candidate("lightgbm", strategy, {"learning_rate": 0.2, "num_leaves": 4}), ctx)
    row_id = ctx.X["row_id"].astype(int).to_numpy()
    assert len(SEEN) == len(ctx.folds)  # one resampling per fold fit, none elsewhere
    for seen, (train_idx, valid_idx) in zip(SEEN, ctx.folds, strict=True):
        assert seen == set(row_id[train_idx])
        assert seen.isdisjoint(row_id[valid_idx])

