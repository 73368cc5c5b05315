"""Worker processes that fit the cross-validation folds of single-threaded models side by side.

A logistic regression (and its preprocessing) runs on one core: at full size its five folds took 2.5-4 min
per candidate while the second core idled. LightGBM and the random forest already use every core, so they
keep fitting in the main process. The workers receive the development data once, when they start (spawned,
not forked: a fork after LightGBM's OpenMP threads have run can hang).
"""

from __future__ import annotations

import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from threadpoolctl import threadpool_limits

from training.candidates import Candidate
from training.folds import SearchContext, fit_fold

log = logging.getLogger(__name__)
PARALLEL_FAMILIES = frozenset({"logistic"})
_WORKER_CTX: SearchContext | None = None


def _start_worker(ctx: SearchContext) -> None:
    global _WORKER_CTX
    _WORKER_CTX = ctx
    # each worker gets one core: threaded BLAS beside a second worker only fights for it
    threadpool_limits(limits=1, user_api="blas")


def _fit_one(candidate: Candidate, fold: int) -> tuple:
    tr, va = _WORKER_CTX.folds[fold]
    return fit_fold(candidate, _WORKER_CTX, tr, va)


class FoldPool:
    """`workers` processes holding a copy of the search context; `fit_folds` returns what `fit_fold` returns,
    fold by fold, in fold order (the results are the same as fitting them one after the other)."""

    def __init__(self, ctx: SearchContext, workers: int) -> None:
        log.info("starting %d fold workers for %s", workers, ", ".join(sorted(PARALLEL_FAMILIES)))
        self._executor = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_start_worker, initargs=(ctx,))
        self.n_folds = len(ctx.folds)

    def handles(self, candidate: Candidate) -> bool:
        return candidate.family in PARALLEL_FAMILIES

    def fit_folds(self, candidate: Candidate) -> list[tuple]:
        futures = [self._executor.submit(_fit_one, candidate, i) for i in range(self.n_folds)]
        return [f.result() for f in futures]

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> FoldPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
