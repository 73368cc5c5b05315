"""Pure statistics of the drift checks that Evidently does not do: missing shares and the score's shift.

Evidently 0.7 compares the distributions of the values present and ignores how many are missing (a column
going from 66% to 95% missing is not flagged), so missing shares are compared here, per column. The predicted
probability is compared with the population stability index (PSI, on deciles of the reference) and the
two-sample Kolmogorov-Smirnov statistic.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

PSI_FLOOR = 1e-4  # share given to an empty bin so the logarithm stays finite
MISSING_P_VALUE = 0.01  # a missing-share change must also be significant (two-proportion z-test)


def missing_shares(reference: pd.DataFrame, current: pd.DataFrame, columns: list[str], threshold: float) -> pd.DataFrame:
    """Missing share of each column in both frames, and whether it moved.

    A column is flagged when its missing share changed by at least `threshold` (absolute) and the change is
    significant at `MISSING_P_VALUE` (two-proportion z-test), so a small window does not flag noise.

    Returns:
        One row per column: column, reference_missing, current_missing, delta, p_value, drifted.
    """
    rows = []
    for col in columns:
        ref, cur = reference[col].isna(), current[col].isna()
        p_ref, p_cur = float(ref.mean()) if len(ref) else math.nan, float(cur.mean()) if len(cur) else math.nan
        p_value = two_proportion_p_value(int(ref.sum()), len(ref), int(cur.sum()), len(cur))
        delta = p_cur - p_ref
        drifted = bool(abs(delta) >= threshold and p_value < MISSING_P_VALUE)
        rows.append({"column": col, "reference_missing": p_ref, "current_missing": p_cur, "delta": delta,
                     "p_value": p_value, "drifted": drifted})
    return pd.DataFrame(rows, columns=["column", "reference_missing", "current_missing", "delta", "p_value", "drifted"])


def two_proportion_p_value(k1: int, n1: int, k2: int, n2: int) -> float:
    """Two-sided p-value of the z-test that two proportions k1/n1 and k2/n2 are equal (1.0 when undefined)."""
    if n1 == 0 or n2 == 0:
        return 1.0
    pooled = (k1 + k2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 1.0
    z = (k2 / n2 - k1 / n1) / se
    return float(2 * stats.norm.sf(abs(z)))


def psi(reference: np.ndarray, current: np.ndarray, bins: int = 10) -> float:
    """Population stability index of `current` against `reference`, on the reference's quantile bins.

    Rule of thumb: below 0.1 stable, 0.1-0.2 a moderate shift, above 0.2 a significant one.
    """
    ref = np.asarray(reference, dtype=float)
    cur = np.asarray(current, dtype=float)
    ref, cur = ref[~np.isnan(ref)], cur[~np.isnan(cur)]
    if len(ref) == 0 or len(cur) == 0:
        return math.nan
    edges = np.unique(np.quantile(ref, np.linspace(0, 1, bins + 1)[1:-1]))
    ref_share = np.bincount(np.searchsorted(edges, ref, side="right"), minlength=len(edges) + 1) / len(ref)
    cur_share = np.bincount(np.searchsorted(edges, cur, side="right"), minlength=len(edges) + 1) / len(cur)
    ref_share, cur_share = np.maximum(ref_share, PSI_FLOOR), np.maximum(cur_share, PSI_FLOOR)
    return float(np.sum((cur_share - ref_share) * np.log(cur_share / ref_share)))


def score_shift(reference: np.ndarray, current: np.ndarray) -> dict:
    """How the predicted probability moved: PSI, KS statistic and p-value, means and deciles' medians."""
    ref = np.asarray(reference, dtype=float)
    cur = np.asarray(current, dtype=float)
    ref, cur = ref[~np.isnan(ref)], cur[~np.isnan(cur)]
    if len(ref) == 0 or len(cur) == 0:
        return {"psi": math.nan, "ks_statistic": math.nan, "ks_p_value": math.nan, "reference_mean": math.nan,
                "current_mean": math.nan, "reference_median": math.nan, "current_median": math.nan,
                "n_reference": int(len(ref)), "n_current": int(len(cur))}
    ks = stats.ks_2samp(ref, cur)
    return {"psi": psi(ref, cur), "ks_statistic": float(ks.statistic), "ks_p_value": float(ks.pvalue),
            "reference_mean": float(ref.mean()), "current_mean": float(cur.mean()),
            "reference_median": float(np.median(ref)), "current_median": float(np.median(cur)),
            "n_reference": int(len(ref)), "n_current": int(len(cur))}


def refusal_rate(probability: pd.Series | np.ndarray, threshold: float) -> float:
    """Share of the (non-missing) probabilities at or above the decision threshold."""
    p = np.asarray(probability, dtype=float)
    p = p[~np.isnan(p)]
    return float((p >= threshold).mean()) if len(p) else math.nan


def shift_p_value(reference: pd.Series, current: pd.Series) -> float:
    """p-value that the values present come from one distribution: two-sample KS for numbers, chi-square for text.

    1.0 when either side has no value (nothing to compare).
    """
    ref, cur = reference.dropna(), current.dropna()
    if len(ref) == 0 or len(cur) == 0:
        return 1.0
    if pd.api.types.is_numeric_dtype(ref) and pd.api.types.is_numeric_dtype(cur):
        return float(stats.ks_2samp(ref.to_numpy(dtype=float), cur.to_numpy(dtype=float)).pvalue)
    table = pd.concat([ref.astype(str).value_counts(), cur.astype(str).value_counts()], axis=1).fillna(0)
    if len(table) < 2:
        return 1.0
    return float(stats.chi2_contingency(table.to_numpy().T)[1])
