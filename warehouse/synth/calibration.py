"""Marginal distributions measured on the genuine rows (quantiles, category frequencies, null rates)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy.special import ndtr

GRID = np.linspace(0, 1, 201)
CALIBRATION_PATH = Path(__file__).with_name("calibration.json")


class Calibration:
    """Samplers for one table: numeric columns by inverse empirical CDF, categories by frequency."""

    def __init__(self, table: str, data: dict):
        self.table = table
        self.data = data

    def nan_rate(self, col: str) -> float:
        return self.data[col]["nan_pct"] / 100.0

    def quantile(self, col: str, u: np.ndarray, lo: float = 0.0, hi: float = 1.0) -> np.ndarray:
        """Inverse CDF of `col` at u in [0, 1], optionally restricted to the [lo, hi] part of the distribution."""
        q = np.asarray(self.data[col]["q"])
        return np.interp(lo + (hi - lo) * u, GRID, q)

    def from_normal(self, col: str, z: np.ndarray, lo: float = 0.0, hi: float = 1.0) -> np.ndarray:
        """Gaussian copula: a standard normal score mapped onto the column's marginal."""
        return self.quantile(col, ndtr(z), lo, hi)

    def categories(self, col: str, exclude: tuple[str, ...] = ()) -> tuple[list[str], np.ndarray]:
        freq = {k: v for k, v in self.data[col]["freq"].items() if k not in exclude}
        p = np.array(list(freq.values()), dtype=float)
        return list(freq), p / p.sum()

    def choice(self, col: str, rng: np.random.Generator, n: int, exclude: tuple[str, ...] = ()) -> np.ndarray:
        cats, p = self.categories(col, exclude)
        return np.asarray(cats, dtype=object)[rng.choice(len(cats), size=n, p=p)]

    def numeric(self, col: str, rng: np.random.Generator, n: int) -> np.ndarray:
        """Independent draws from the column's marginal, rounded when the column is integer-valued."""
        x = self.quantile(col, rng.random(n))
        return np.round(x) if self.data[col].get("all_int") else x


@lru_cache(maxsize=1)
def _raw() -> dict:
    return json.loads(CALIBRATION_PATH.read_text())


def calibration(table: str) -> Calibration:
    return Calibration(table, _raw()[table])


def with_nans(x: np.ndarray, rng: np.random.Generator, rate: float) -> np.ndarray:
    """Return a float copy of x with a share `rate` of entries set to NaN."""
    out = np.asarray(x, dtype=float).copy()
    out[rng.random(len(out)) < rate] = np.nan
    return out


def cat_with_nans(x: np.ndarray, rng: np.random.Generator, rate: float) -> np.ndarray:
    out = np.asarray(x, dtype=object).copy()
    out[rng.random(len(out)) < rate] = None
    return out
