"""Leakage check: single-feature AUCs and correlations with the target; fails on target or oracle leaks.

A feature fails when its name says it comes from the target or the oracle, when on its own it separates
defaulters almost perfectly (AUC >= `max_auc`, either direction), or when it is almost the oracle's
probability (|Spearman| >= `max_oracle_corr`; only when the oracle file exists).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from scipy.stats import rankdata

FORBIDDEN_NAME = re.compile(r"target|oracle|p_default|default_prob|sk_id_curr_target|label", re.IGNORECASE)
MAX_AUC = 0.95
MAX_ORACLE_CORR = 0.99


class LeakageError(RuntimeError):
    """A feature derived from the target or from the oracle was found."""


def _auc_columns(values: np.ndarray, y: np.ndarray) -> np.ndarray:
    """ROC AUC of each column of `values` as a score for `y` (missing values ranked lowest), vectorised."""
    filled = np.where(np.isnan(values), np.nanmin(values, axis=0, initial=np.inf) - 1, values)
    filled = np.where(np.isfinite(filled), filled, 0.0)
    ranks = rankdata(filled, axis=0)
    n1 = y.sum()
    n0 = len(y) - n1
    return (ranks[y == 1].sum(axis=0) - n1 * (n1 + 1) / 2) / (n1 * n0)


def _corr_columns(values: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Pearson correlation of each column with `target`, missing values replaced by the column mean."""
    means = np.nanmean(np.where(np.isnan(values).all(axis=0), 0.0, values), axis=0)
    filled = np.where(np.isnan(values), means, values)
    centred = filled - filled.mean(axis=0)
    t = target - target.mean()
    denom = np.sqrt((centred ** 2).sum(axis=0) * (t ** 2).sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom > 0, centred.T @ t / denom, 0.0)


def leakage_table(X: pd.DataFrame, y: np.ndarray, categorical: list[str],
                  oracle_p: np.ndarray | None = None) -> pd.DataFrame:
    """Per feature: single-feature AUC, strength max(AUC, 1-AUC), correlation with the target and, when
    given, Spearman correlation with the oracle probability. Categoricals are scored by their default rate."""
    y = np.asarray(y, dtype=float)
    numeric = X.drop(columns=categorical).astype(float)
    encoded = {c: X[c].astype(str).map(pd.Series(y, index=X.index).groupby(X[c].astype(str)).mean())
               for c in categorical}
    frame = pd.concat([numeric, pd.DataFrame(encoded, index=X.index)], axis=1)
    values = frame.to_numpy(dtype=float)
    auc = _auc_columns(values, y.astype(int))
    table = pd.DataFrame({"feature": frame.columns, "auc": auc, "strength": np.maximum(auc, 1 - auc),
                          "corr_target": _corr_columns(values, y)})
    if oracle_p is not None:
        ok = ~np.isnan(oracle_p)
        ranked = rankdata(np.where(np.isnan(values[ok]), -np.inf, values[ok]), axis=0)
        table["spearman_oracle"] = _corr_columns(ranked, rankdata(oracle_p[ok]))
    return table.sort_values("strength", ascending=False, ignore_index=True)


def leakage_failures(table: pd.DataFrame, max_auc: float = MAX_AUC,
                     max_oracle_corr: float = MAX_ORACLE_CORR) -> list[str]:
    """Human-readable reasons why features must not be used (empty when the check passes)."""
    problems = [f"{f}: name refers to the target or the oracle" for f in table["feature"]
                if FORBIDDEN_NAME.search(f)]
    strong = table[table["strength"] >= max_auc]
    problems += [f"{r.feature}: single-feature AUC {r.auc:.3f}" for r in strong.itertuples()]
    if "spearman_oracle" in table:
        close = table[table["spearman_oracle"].abs() >= max_oracle_corr]
        problems += [f"{r.feature}: Spearman {r.spearman_oracle:.3f} with the oracle" for r in close.itertuples()]
    return problems


def check_leakage(X: pd.DataFrame, y: np.ndarray, categorical: list[str],
                  oracle_p: np.ndarray | None = None, max_auc: float = MAX_AUC) -> pd.DataFrame:
    """The leakage table; raises LeakageError listing every offending feature."""
    table = leakage_table(X, y, categorical, oracle_p)
    problems = leakage_failures(table, max_auc=max_auc)
    if problems:
        raise LeakageError("leakage check failed:\n  " + "\n  ".join(problems))
    return table


def provenance(feature: str) -> str:
    """Why a feature is known at application time (for the model card)."""
    name = feature.lower()
    rules = [
        ("ext_source", "external scores from outside bureaus, returned when the application is scored"),
        ("bureau", "Credit Bureau records of credits opened before the application"),
        ("prev", "the client's earlier Home Credit applications, all decided before this one"),
        ("installments", "repayments of earlier Home Credit credits, observed before the application"),
        ("pos", "monthly status of earlier point-of-sale / cash loans, before the application"),
        ("credit_card", "monthly balances of earlier Home Credit cards, before the application"),
        ("cc_", "monthly balances of earlier Home Credit cards, before the application"),
    ]
    for prefix, why in rules:
        if name.startswith(prefix):
            return why
    return "declared in the application form or computed from it (known when the client applies)"
