"""The true default probability: a known function of quantities computable from the seven tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

from warehouse.synth.expand import sigmoid

# Tuned once with `python -m tools.tune_synth` so that on train clients the default rate is 8.1% and the
# expected AUC of p (the Bayes limit) is 0.80, as for the best real models.
INTERCEPT = -3.847
SCALE = 0.27
HISTORY_WEIGHT = 2.0
NONLINEAR = 4.0  # weight of the threshold and interaction shapes: what boosting finds and a linear model misses
BEHAVIOUR_LINK = 0.55  # correlation between the application score and the hidden payment behaviour


def _ext(frame: pd.DataFrame, k: int, centre: float) -> tuple[np.ndarray, np.ndarray]:
    x = frame[f"EXT_SOURCE_{k}"].to_numpy(dtype=float)
    missing = np.isnan(x)
    return np.where(missing, centre, x), missing.astype(float)


def application_score(frame: pd.DataFrame) -> np.ndarray:
    """Standardised risk suggested by the application alone; drives the hidden payment behaviour."""
    es = frame[["EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3"]].to_numpy(dtype=float)
    mean = np.nan_to_num(np.nanmean(np.where(np.isnan(es).all(axis=1, keepdims=True), 0.5, es), axis=1), nan=0.5)
    age = -frame["DAYS_BIRTH"].to_numpy() / 365.25
    return -(mean - 0.5) / 0.14 + 0.3 * np.clip((40 - age) / 12, -1.5, 1.5)


def behaviour(rng: np.random.Generator, frame: pd.DataFrame) -> np.ndarray:
    s = application_score(frame)
    return BEHAVIOUR_LINK * s / 1.1 + np.sqrt(1 - BEHAVIOUR_LINK**2) * rng.standard_normal(len(s))


def application_terms(frame: pd.DataFrame) -> np.ndarray:
    es1, m1 = _ext(frame, 1, 0.5)
    es2, _ = _ext(frame, 2, 0.51)
    es3, m3 = _ext(frame, 3, 0.51)
    age = -frame["DAYS_BIRTH"].to_numpy() / 365.25
    days_emp = frame["DAYS_EMPLOYED"].to_numpy()
    years_emp = np.where(days_emp == 365243, np.nan, -days_emp / 365.25)
    credit = frame["AMT_CREDIT"].to_numpy()
    goods = frame["AMT_GOODS_PRICE"].fillna(frame["AMT_CREDIT"]).to_numpy()
    pay_rate = frame["AMT_ANNUITY"].to_numpy() / credit
    edu = frame["NAME_EDUCATION_TYPE"].to_numpy()
    rating = frame["REGION_RATING_CLIENT"].to_numpy()
    t = (-2.6 * (es2 - 0.51) - 2.8 * (es3 - 0.51) - 1.8 * (es1 - 0.5) * (1 - m1) + 0.25 * m3 + 0.05 * m1
         + 0.45 * np.clip((40 - age) / 15, -1, 1.3)
         + 0.35 * np.nan_to_num(years_emp < 1.5, nan=0.0)
         + 0.35 * np.clip((0.055 - pay_rate) / 0.02, -1.5, 2.0)
         + 1.5 * np.clip(credit / goods - 1, 0, 0.3)
         + 0.35 * np.isin(edu, ["Secondary / secondary special", "Lower secondary"]) - 0.25 * (edu == "Higher education")
         + 0.3 * (rating == 3) - 0.15 * (rating == 1)
         + 0.25 * (frame["CODE_GENDER"].to_numpy() == "M") - 0.15 * (frame["FLAG_OWN_CAR"].to_numpy() == "Y")
         + 0.6 * ((es2 < 0.3) & (age < 32))
         + 0.15 * np.log(credit / frame["AMT_INCOME_TOTAL"].to_numpy())
         + NONLINEAR * _application_shape(es2, es3, age, pay_rate, credit / frame["AMT_INCOME_TOTAL"].to_numpy()))
    return t


def _application_shape(es2, es3, age, pay_rate, credit_income) -> np.ndarray:
    """Thresholds, U-shapes and interactions that a linear model in the raw columns cannot express."""
    return (1.2 * np.clip((0.3 - es2) / 0.2, 0, 1)          # the risk steepens below an external score of 0.3
            + 0.8 * ((es2 < 0.4) & (es3 < 0.4))              # two weak external scores together
            + 0.5 * np.clip((age - 58) / 7, 0, 1)            # U-shaped age: risk rises again near retirement
            + 0.6 * (pay_rate > 0.085)                       # short, heavy credits (U-shaped in the payment rate)
            + 0.4 * (credit_income > 6))                     # a jump beyond six years of income


def history_terms(agg: dict, weight: float = HISTORY_WEIGHT) -> np.ndarray:
    return weight * (NONLINEAR * _history_shape(agg) + 0.45 * np.minimum(agg["bureau_overdue_active"], 2) + 0.7 * agg["bureau_debt_ratio"]
            + 0.22 * np.minimum(agg["bb_late_recent"], 6) + 0.06 * np.minimum(agg["bb_late_old"], 10)
            + 0.15 * (~agg["has_bureau"])
            + 0.22 * np.minimum(agg["prev_refused"], 4) + 0.5 * agg["prev_refused_share"]
            + 0.05 * np.minimum(agg["inst_late_days_recent"], 20) + 2.0 * agg["inst_underpaid_share"]
            + 0.4 * agg["pos_dpd_recent"]
            + 0.9 * agg["card_util_recent"] + 0.4 * agg["card_dpd"])


def _history_shape(agg: dict) -> np.ndarray:
    """Thresholds and interactions in the payment history."""
    late = agg["inst_late_days_recent"]
    return (0.5 * (agg["card_util_recent"] > 0.85)                        # cards near their limit
            + 0.35 * (late > 5)                                          # habitual lateness, not a one-off
            + 0.5 * (agg["bureau_overdue_active"] > 0) * (agg["prev_refused"] > 0)  # overdue and refused elsewhere
            - 0.3 * (agg["has_bureau"] & (agg["bureau_debt_ratio"] < 0.2) & (late < 1)))  # a clean, light record


def default_probability(frame: pd.DataFrame, agg: dict, intercept: float = INTERCEPT,
                        scale: float = SCALE) -> np.ndarray:
    return sigmoid(intercept + scale * (application_terms(frame) + history_terms(agg)))


def draw_labels(rng: np.random.Generator, p: np.ndarray) -> np.ndarray:
    """Labels with P(label_i = 1) = p_i exactly (systematic sampling along sorted p, random start).

    Sorting first stratifies the draw: every stretch of similar probabilities gets its expected number of
    defaults, so small data sets show the designed default rate and AUC instead of their sampling noise.
    """
    order = np.argsort(p, kind="stable")
    cum = np.concatenate([[0.0], np.cumsum(p[order])])
    u = rng.random()
    hits = np.floor(cum[1:] - u) - np.floor(cum[:-1] - u)
    labels = np.empty(len(p), dtype=np.int64)
    labels[order] = hits.astype(np.int64)
    return labels


def expected_auc(score: np.ndarray, p: np.ndarray) -> float:
    """AUC of `score` averaged over labels drawn as Bernoulli(p) (pairs of one client excluded)."""
    order = np.argsort(score, kind="stable")
    s, q = score[order], p[order]
    # ties: count half of the negatives sharing the same score
    _, first, counts = np.unique(s, return_index=True, return_counts=True)
    group_neg = np.add.reduceat(1 - q, first)
    tie_adj = np.repeat(np.concatenate([[0.0], np.cumsum(group_neg)[:-1]]), counts)
    within = np.repeat(group_neg, counts)
    wins = q * (tie_adj + 0.5 * (within - (1 - q)))
    denom = q.sum() * (1 - q).sum() - (q * (1 - q)).sum()
    return float(wins.sum() / denom)
