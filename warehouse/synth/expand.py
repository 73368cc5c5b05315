"""Vectorised helpers: one parent row -> several child rows, and ids drawn from a spread-out range."""

from __future__ import annotations

import numpy as np


def expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For parents with `counts` children: (parent index of each child, rank of the child within its parent)."""
    counts = np.asarray(counts, dtype=np.int64)
    parent = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    rank = np.arange(len(parent)) - np.repeat(starts, counts)
    return parent, rank


def group_sum(keys: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(keys, weights=values, minlength=n)


def group_max(keys: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros(n)
    np.maximum.at(out, keys, values)
    return out


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


class IdSequence:
    """Increasing ids with random gaps, spread so that a small data set still spans the real id range."""

    def __init__(self, start: int, mean_gap: float):
        self.next = start
        self.mean_gap = max(1.0, mean_gap)

    def take(self, rng: np.random.Generator, n: int) -> np.ndarray:
        gaps = 1 + rng.poisson(self.mean_gap - 1, n) if n else np.zeros(0, dtype=np.int64)
        ids = self.next + np.cumsum(gaps) - gaps[0] if n else np.zeros(0, dtype=np.int64)
        if n:
            self.next = int(ids[-1]) + int(gaps[-1])
        return ids.astype(np.int64)
