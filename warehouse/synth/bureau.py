"""bureau.csv and bureau_balance.csv: credits reported by other institutions and their monthly statuses."""

from __future__ import annotations

import numpy as np
import pandas as pd

from warehouse.synth.calibration import calibration, with_nans
from warehouse.synth.expand import IdSequence, expand, group_max, group_sum, sigmoid

COVERAGE = 0.86
MEAN_CREDITS = 5.6  # per client with bureau rows: 1,716,428 rows / 305,811 clients


def _credits(cal, rng, n_rows: int, behaviour: np.ndarray) -> dict:
    days_credit = np.round(cal.quantile("DAYS_CREDIT", rng.random(n_rows))).astype(np.int64)
    recent = sigmoid((days_credit + 700) / 250)
    active = rng.random(n_rows) < 0.06 + 0.72 * recent
    status = np.where(active, "Active", "Closed").astype(object)
    sold = rng.random(n_rows) < 0.004 * np.exp(0.6 * behaviour)
    status[sold] = "Sold"
    status[sold & (rng.random(n_rows) < 0.01)] = "Bad debt"
    duration = np.exp(rng.normal(6.5, 0.8, n_rows))
    enddate = days_credit + np.round(duration)
    extreme = rng.random(n_rows) < 0.0005
    enddate[extreme] = rng.choice([31198.0, -41832.0, 29000.0, -40000.0], extreme.sum())
    closed = status != "Active"
    fact = np.where(closed, np.minimum(0, np.minimum(enddate, days_credit + np.round(duration * rng.uniform(0.5, 1.1, n_rows)))), np.nan)
    fact = np.where(closed & (fact < days_credit), days_credit + rng.integers(0, 60, n_rows), fact)
    fact = np.minimum(fact, 0)
    return {"DAYS_CREDIT": days_credit, "CREDIT_ACTIVE": status, "active": ~closed,
            "DAYS_CREDIT_ENDDATE": with_nans(enddate, rng, cal.nan_rate("DAYS_CREDIT_ENDDATE")),
            "DAYS_ENDDATE_FACT": fact}


def _amounts(cal, rng, n_rows: int, behaviour: np.ndarray, c: dict) -> dict:
    total = np.round(cal.quantile("AMT_CREDIT_SUM", rng.random(n_rows)), 2)
    active = c["active"]
    remaining = np.clip(sigmoid(rng.normal(0.3 * behaviour - 0.3, 1.0)), 0, 1)
    debt = np.where(active, np.round(total * remaining, 2), 0.0)
    negative = rng.random(n_rows) < 0.0037
    debt[negative] = -np.round(rng.exponential(20000, negative.sum()), 2)
    overdue_days = np.where(active & (rng.random(n_rows) < 0.012 * np.exp(0.9 * behaviour)),
                            np.round(rng.exponential(60, n_rows)) + 1, 0).astype(np.int64)
    overdue_amt = np.where(overdue_days > 0, np.round(np.abs(debt) * rng.uniform(0.01, 0.2, n_rows), 2), 0.0)
    max_overdue = np.where(rng.random(n_rows) < 0.12 * np.exp(0.5 * behaviour),
                           np.round(rng.exponential(8000, n_rows), 2), 0.0)
    max_overdue = np.maximum(max_overdue, overdue_amt)
    is_card = c["CREDIT_TYPE"] == "Credit card"
    limit = np.where(is_card & active, np.round(np.maximum(total - debt, 0), 2), 0.0)
    update = np.where(active, -rng.integers(0, 40, n_rows),
                      np.minimum(0, np.nan_to_num(c["DAYS_ENDDATE_FACT"], nan=0) + rng.integers(0, 30, n_rows)))
    update = np.maximum(update, c["DAYS_CREDIT"])
    return {
        "CREDIT_DAY_OVERDUE": overdue_days,
        "AMT_CREDIT_MAX_OVERDUE": np.where(rng.random(n_rows) < cal.nan_rate("AMT_CREDIT_MAX_OVERDUE"),
                                           np.nan, max_overdue),
        "CNT_CREDIT_PROLONG": (rng.random(n_rows) < 0.005).astype(np.int64) * rng.integers(1, 3, n_rows),
        "AMT_CREDIT_SUM": total,
        "AMT_CREDIT_SUM_DEBT": with_nans(debt, rng, cal.nan_rate("AMT_CREDIT_SUM_DEBT")),
        "AMT_CREDIT_SUM_LIMIT": with_nans(limit, rng, cal.nan_rate("AMT_CREDIT_SUM_LIMIT")),
        "AMT_CREDIT_SUM_OVERDUE": overdue_amt,
        "DAYS_CREDIT_UPDATE": update.astype(np.int64),
        "AMT_ANNUITY": with_nans(cal.numeric("AMT_ANNUITY", rng, n_rows), rng, cal.nan_rate("AMT_ANNUITY")),
        "debt": debt,
    }


def _balance(rng, credits: pd.DataFrame, behaviour: np.ndarray) -> pd.DataFrame:
    """Monthly statuses from the credit's opening month (or a later start of reporting) to the application."""
    n = len(credits)
    age_months = np.minimum(96, (-credits["DAYS_CREDIT"].to_numpy() / 30.44).astype(np.int64))
    has = rng.random(n) < 0.48
    length = np.where(has, 1 + np.floor(age_months * rng.beta(8.0, 1.0, n)).astype(np.int64), 0)
    parent, rank = expand(length)
    month = -(length[parent] - 1) + rank
    fact = credits["DAYS_ENDDATE_FACT"].to_numpy()
    close_month = np.where(np.isnan(fact), 1, np.floor(np.nan_to_num(fact) / 30.44))[parent]
    unknown_credit = rng.random(n) < 0.27
    b = behaviour[parent]
    late = rng.random(len(parent)) < 0.016 * np.exp(1.1 * b - 0.6)
    severity = np.minimum(5, 1 + rng.geometric(0.55, len(parent)) - 1)
    status = np.where(late, severity.astype(str), "0").astype(object)
    status[unknown_credit[parent] & (rng.random(len(parent)) < 0.8)] = "X"
    status[month > close_month] = "C"
    return pd.DataFrame({"SK_ID_BUREAU": credits["SK_ID_BUREAU"].to_numpy()[parent],
                         "MONTHS_BALANCE": month.astype(np.int64), "STATUS": status}), parent


def generate_bureau(rng, client_ids: np.ndarray, behaviour: np.ndarray, ids: IdSequence,
                    columns: list[str], balance_columns: list[str]):
    """Bureau and bureau_balance rows for a chunk of clients, and the per-client aggregates the signal uses."""
    cal = calibration("bureau")
    n = len(client_ids)
    counts = np.where(rng.random(n) < COVERAGE, 1 + rng.negative_binomial(2.0, 2.0 / (2.0 + MEAN_CREDITS - 1), n), 0)
    owner, _ = expand(counts)
    m = len(owner)
    b = behaviour[owner]
    c = {"CREDIT_TYPE": cal.choice("CREDIT_TYPE", rng, m), "CREDIT_CURRENCY": cal.choice("CREDIT_CURRENCY", rng, m)}
    c.update(_credits(cal, rng, m, b))
    c.update(_amounts(cal, rng, m, b, c))
    c["SK_ID_CURR"] = client_ids[owner]
    c["SK_ID_BUREAU"] = ids.take(rng, m)
    frame = pd.DataFrame({k: c[k] for k in columns})
    balance, bb_parent = _balance(rng, frame, b)
    status = balance["STATUS"].to_numpy()
    sev = np.zeros(len(status))
    for k in range(1, 6):
        sev[status == str(k)] = k
    recent = balance["MONTHS_BALANCE"].to_numpy() >= -12
    bb_owner = owner[bb_parent]
    active = c["active"].astype(float)
    credit_active = group_sum(owner, active * c["AMT_CREDIT_SUM"], n)
    debt_active = group_sum(owner, active * np.maximum(c["debt"], 0), n)
    agg = {
        "has_bureau": counts > 0,
        "bureau_overdue_active": group_sum(owner, (c["CREDIT_DAY_OVERDUE"] > 0).astype(float), n),
        "bureau_debt_ratio": np.where(credit_active > 0, debt_active / np.maximum(credit_active, 1), 0.0),
        "bb_late_recent": group_sum(bb_owner, sev * recent, n),
        "bb_late_old": group_sum(bb_owner, sev * ~recent, n),
        "bureau_max_overdue_days": group_max(owner, c["CREDIT_DAY_OVERDUE"].astype(float), n),
    }
    return frame, balance[balance_columns], agg
