"""previous_application.csv: earlier Home Credit applications, their statuses, amounts and contract dates."""

from __future__ import annotations

import numpy as np
import pandas as pd

from warehouse.synth.application import SENTINEL
from warehouse.synth.calibration import calibration, cat_with_nans
from warehouse.synth.expand import IdSequence, expand, group_sum

COVERAGE = 0.95
MEAN_PREVIOUS = 4.93  # per client with previous applications: 1,670,214 rows / 338,857 clients
STATUS = np.array(["Approved", "Refused", "Canceled", "Unused offer"], dtype=object)
COMBINATIONS = {
    "Cash loans": ["Cash X-Sell: low", "Cash X-Sell: middle", "Cash X-Sell: high", "Cash Street: high",
                   "Cash Street: middle", "Cash Street: low", "Cash"],
    "Consumer loans": ["POS household with interest", "POS mobile with interest", "POS industry with interest",
                       "POS household without interest", "POS mobile without interest",
                       "POS industry without interest", "POS other with interest", "POS others without interest"],
    "Revolving loans": ["Card Street", "Card X-Sell"],
}


def _status(rng, behaviour: np.ndarray) -> np.ndarray:
    logits = np.stack([np.full_like(behaviour, np.log(0.636)), np.log(0.167) + 0.8 * behaviour - 0.32,
                       np.full_like(behaviour, np.log(0.179)), np.full_like(behaviour, np.log(0.018))], axis=1)
    p = np.exp(logits)
    p /= p.sum(axis=1, keepdims=True)
    u = rng.random(len(behaviour))[:, None]
    return STATUS[(u > np.cumsum(p, axis=1)).sum(axis=1).clip(0, 3)]


def _pick(cal, col, rng, kind: np.ndarray, mask: np.ndarray, exclude=()) -> np.ndarray:
    out = np.empty(len(kind), dtype=object)
    out[mask] = cal.choice(col, rng, int(mask.sum()), exclude=exclude)
    return out


def _amounts(cal, rng, m: int, kind, status, out: dict) -> np.ndarray:
    application = np.round(cal.quantile("AMT_APPLICATION", rng.random(m), 0.2, 1.0), 1)
    application[kind == "Revolving loans"] = rng.choice([0.0, 45000.0, 90000.0, 135000.0, 180000.0, 225000.0],
                                                        (kind == "Revolving loans").sum())
    canceled = status == "Canceled"
    application[canceled & (rng.random(m) < 0.85)] = 0.0
    granted = np.round(application * np.where(rng.random(m) < 0.5, 1.0, rng.uniform(0.9, 1.25, m)), 1)
    granted[canceled | ((status == "Refused") & (rng.random(m) < 0.12))] = 0.0
    no_offer = canceled | ((status == "Refused") & (rng.random(m) < 0.2))
    term = np.where(kind == "Cash loans", rng.choice([12, 18, 24, 30, 36, 48, 60], m),
                    rng.choice([4, 6, 8, 10, 12, 18, 24], m)).astype(float)
    term[kind == "Revolving loans"] = 0.0
    rate = rng.uniform(0.01, 0.03, m)
    annuity = np.where(term > 0, granted * rate / (1 - (1 + rate) ** -np.maximum(term, 1)), granted * 0.05)
    consumer = kind == "Consumer loans"
    down_rate = np.where(consumer, cal.quantile("RATE_DOWN_PAYMENT", rng.random(m)), 0.0)
    down_rate[~consumer & (rng.random(m) > 0.1)] = np.nan  # recorded for POS loans, rarely for the others
    out["AMT_APPLICATION"] = application
    out["AMT_CREDIT"] = granted
    out["AMT_ANNUITY"] = np.where(no_offer, np.nan, np.round(annuity, 3))
    out["AMT_GOODS_PRICE"] = np.where(no_offer, np.nan, application)
    out["CNT_PAYMENT"] = np.where(no_offer, np.nan, term)
    out["RATE_DOWN_PAYMENT"] = down_rate
    out["AMT_DOWN_PAYMENT"] = np.round(down_rate * application, 2)
    return no_offer


def _codes(cal, rng, m: int, kind, status, no_offer, out: dict) -> None:
    cash, consumer, card = kind == "Cash loans", kind == "Consumer loans", kind == "Revolving loans"
    purpose = np.full(m, "XAP", dtype=object)
    purpose[cash] = np.where(rng.random(cash.sum()) < 0.85, "XNA",
                             _pick(cal, "NAME_CASH_LOAN_PURPOSE", rng, kind, cash, ("XAP", "XNA"))[cash])
    out["NAME_CASH_LOAN_PURPOSE"] = purpose
    refused = status == "Refused"
    reason = np.full(m, "XAP", dtype=object)
    reason[refused] = cal.choice("CODE_REJECT_REASON", rng, int(refused.sum()), exclude=("XAP",))
    out["CODE_REJECT_REASON"] = reason
    goods = np.full(m, "XNA", dtype=object)
    goods[consumer] = cal.choice("NAME_GOODS_CATEGORY", rng, int(consumer.sum()), exclude=("XNA",))
    out["NAME_GOODS_CATEGORY"] = goods
    out["NAME_PORTFOLIO"] = np.select([consumer, card, cash & (status == "Canceled")], ["POS", "Cards", "XNA"],
                                      "Cash").astype(object)
    product = np.full(m, "XNA", dtype=object)
    product[cash] = np.where(rng.random(cash.sum()) < 0.7, "x-sell", "walk-in")
    out["NAME_PRODUCT_TYPE"] = product
    industry = np.full(m, "XNA", dtype=object)
    industry[consumer] = cal.choice("NAME_SELLER_INDUSTRY", rng, int(consumer.sum()), exclude=("XNA",))
    out["NAME_SELLER_INDUSTRY"] = industry
    out["SELLERPLACE_AREA"] = np.where(consumer, np.round(cal.quantile("SELLERPLACE_AREA", rng.random(m), 0.45, 1.0)),
                                       -1).astype(np.int64)
    yield_group = cal.choice("NAME_YIELD_GROUP", rng, m, exclude=("XNA",))
    yield_group[no_offer] = "XNA"
    out["NAME_YIELD_GROUP"] = yield_group
    combo = np.empty(m, dtype=object)
    for k, names in COMBINATIONS.items():
        sel = kind == k
        combo[sel] = np.asarray(names, dtype=object)[rng.integers(0, len(names), sel.sum())]
    combo[kind == "XNA"] = None
    out["PRODUCT_COMBINATION"] = combo
    out["NAME_TYPE_SUITE"] = cat_with_nans(cal.choice("NAME_TYPE_SUITE", rng, m), rng, cal.nan_rate("NAME_TYPE_SUITE"))


def _dates(rng, m: int, kind, status, out: dict) -> np.ndarray:
    decision = out["DAYS_DECISION"]
    approved = (status == "Approved") & (rng.random(m) < 0.96)
    card = kind == "Revolving loans"
    term = np.nan_to_num(out["CNT_PAYMENT"], nan=12.0)
    first_due = decision + rng.integers(20, 45, m).astype(float)
    never_drawn = approved & (rng.random(m) < 0.04)
    last_1st = first_due + 30 * np.maximum(term - 1, 0)
    running = last_1st > 0
    last_due = np.where(running | card, SENTINEL, last_1st + rng.choice([0, 0, 0, 30, -30], m))
    termination = np.where(last_due == SENTINEL, SENTINEL, last_due + rng.integers(0, 10, m))
    first_draw = np.where(rng.random(m) < 0.94, SENTINEL, decision + rng.integers(1, 30, m))
    for col, v in (("DAYS_FIRST_DRAWING", first_draw), ("DAYS_FIRST_DUE", np.where(never_drawn, SENTINEL, first_due)),
                   ("DAYS_LAST_DUE_1ST_VERSION", np.where(card, SENTINEL, last_1st)),
                   ("DAYS_LAST_DUE", np.where(never_drawn, SENTINEL, last_due)),
                   ("DAYS_TERMINATION", np.where(never_drawn, SENTINEL, termination))):
        out[col] = np.where(approved, v, np.nan).astype(float)
    out["NFLAG_INSURED_ON_APPROVAL"] = np.where(approved, (rng.random(m) < 0.33).astype(float), np.nan)
    return approved & ~never_drawn


def generate_previous(rng, client_ids: np.ndarray, behaviour: np.ndarray, ids: IdSequence, columns: list[str]):
    """previous_application rows for a chunk, the loans that have a payment history, and per-client aggregates."""
    cal = calibration("previous_application")
    n = len(client_ids)
    counts = np.where(rng.random(n) < COVERAGE,
                      1 + rng.negative_binomial(1.6, 1.6 / (1.6 + MEAN_PREVIOUS - 1), n), 0)
    owner, _ = expand(counts)
    m = len(owner)
    b = behaviour[owner]
    kind = cal.choice("NAME_CONTRACT_TYPE", rng, m)
    status = _status(rng, b)
    out: dict = {"SK_ID_PREV": ids.take(rng, m), "SK_ID_CURR": client_ids[owner], "NAME_CONTRACT_TYPE": kind,
                 "NAME_CONTRACT_STATUS": status}
    out["DAYS_DECISION"] = np.round(cal.quantile("DAYS_DECISION", rng.random(m))).astype(np.int64)
    no_offer = _amounts(cal, rng, m, kind, status, out)
    _codes(cal, rng, m, kind, status, no_offer, out)
    has_contract = _dates(rng, m, kind, status, out)
    for col in ("WEEKDAY_APPR_PROCESS_START", "HOUR_APPR_PROCESS_START", "FLAG_LAST_APPL_PER_CONTRACT",
                "NFLAG_LAST_APPL_IN_DAY", "NAME_PAYMENT_TYPE", "NAME_CLIENT_TYPE", "CHANNEL_TYPE",
                "RATE_INTEREST_PRIMARY", "RATE_INTEREST_PRIVILEGED"):
        if col in ("HOUR_APPR_PROCESS_START", "NFLAG_LAST_APPL_IN_DAY"):
            out[col] = cal.numeric(col, rng, m).astype(np.int64)
        elif col.startswith("RATE"):
            out[col] = np.where(rng.random(m) < cal.nan_rate(col), np.nan, cal.numeric(col, rng, m))
        else:
            out[col] = cal.choice(col, rng, m)
    frame = pd.DataFrame({c: out[c] for c in columns})
    refused = (status == "Refused").astype(float)
    agg = {"prev_refused": group_sum(owner, refused, n),
           "prev_refused_share": group_sum(owner, refused, n) / np.maximum(counts, 1)}
    loans = frame.loc[has_contract, ["SK_ID_PREV", "SK_ID_CURR", "NAME_CONTRACT_TYPE", "AMT_CREDIT", "AMT_ANNUITY",
                                     "CNT_PAYMENT", "DAYS_FIRST_DUE", "DAYS_DECISION"]].copy()
    loans["owner"] = owner[has_contract]
    return frame, loans, agg
