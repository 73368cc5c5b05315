"""POS_CASH_balance, installments_payments and credit_card_balance: the monthly life of previous loans."""

from __future__ import annotations

import numpy as np
import pandas as pd

from warehouse.synth.calibration import calibration
from warehouse.synth.expand import IdSequence, expand, group_max, group_sum, sigmoid

CARD_COVERAGE = 0.29
ORPHAN_SHARE = 0.01  # POS loans whose previous_application row is absent (a known inconsistency)


def _months(loans: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    first_due = loans["DAYS_FIRST_DUE"].to_numpy()
    term = np.nan_to_num(loans["CNT_PAYMENT"].to_numpy(), nan=12.0)
    start = np.maximum(-96, np.floor(first_due / 30.44)).astype(np.int64)
    elapsed = np.clip(-start, 0, 96)
    return start, np.minimum(elapsed, term.astype(np.int64) + 1)


def generate_pos(rng, loans: pd.DataFrame, behaviour: np.ndarray, columns: list[str]):
    """Monthly POS / cash loan snapshots for the instalment loans of a chunk."""
    sel = loans["NAME_CONTRACT_TYPE"].isin(["Cash loans", "Consumer loans"]).to_numpy()
    lo = loans.loc[sel]
    start, full = _months(lo)
    length = np.ceil(0.8 * full).astype(np.int64)  # POS reporting often starts after the first instalments
    start = start + (full - length)
    parent, rank = expand(length)
    term = np.nan_to_num(lo["CNT_PAYMENT"].to_numpy(), nan=12.0)[parent]
    paid = (full - length)[parent] + rank
    month = start[parent] + rank
    future = np.maximum(0, term - paid)
    finished = paid == term
    b = behaviour[lo["owner"].to_numpy()[parent]]
    late = rng.random(len(parent)) < 0.012 * np.exp(1.2 * b - 0.5)
    dpd = np.where(late, rng.geometric(0.08, len(parent)), 0).astype(np.int64)
    status = np.where(finished, "Completed", "Active").astype(object)
    status[(rank == 0) & (rng.random(len(parent)) < 0.05)] = "Signed"
    missing = rng.random(len(parent)) < 0.003
    frame = pd.DataFrame({
        "SK_ID_PREV": lo["SK_ID_PREV"].to_numpy()[parent], "SK_ID_CURR": lo["SK_ID_CURR"].to_numpy()[parent],
        "MONTHS_BALANCE": month, "CNT_INSTALMENT": np.where(missing, np.nan, term),
        "CNT_INSTALMENT_FUTURE": np.where(missing, np.nan, future), "NAME_CONTRACT_STATUS": status,
        "SK_DPD": dpd, "SK_DPD_DEF": np.where(dpd > 30, dpd, 0).astype(np.int64)})
    owner = lo["owner"].to_numpy()[parent]
    return frame[columns], owner, month, dpd


def generate_installments(rng, loans: pd.DataFrame, behaviour: np.ndarray, columns: list[str]):
    """One row per payment of each instalment due before the application (several when paid in parts)."""
    card = (loans["NAME_CONTRACT_TYPE"] == "Revolving loans").to_numpy()
    start, length = _months(loans)
    length = np.where(card, np.minimum(length, rng.integers(1, 30, len(loans))), np.maximum(length - 1, 0))
    parent, rank = expand(length)
    b = behaviour[loans["owner"].to_numpy()[parent]]
    n = len(parent)
    due = loans["DAYS_FIRST_DUE"].to_numpy()[parent] + 30.0 * rank
    due = np.minimum(due, -1)
    annuity = np.nan_to_num(loans["AMT_ANNUITY"].to_numpy(), nan=5000.0)[parent]
    instalment = np.where(card[parent], np.round(annuity * rng.uniform(0.3, 1.5, n), 3), annuity)
    late = rng.random(n) < sigmoid(-3.0 + 1.1 * b)
    delay = np.where(late, rng.geometric(0.12, n), -rng.integers(0, 20, n)).astype(float)
    under = rng.random(n) < sigmoid(-3.6 + 1.0 * b)
    paid = np.where(under, np.round(instalment * rng.uniform(0.1, 0.9, n), 3), instalment)
    split = rng.random(n) < 0.12
    rows, part = expand(np.where(split, 2, 1))
    share = np.where(split[rows], np.where(part == 0, 0.6, 0.4), 1.0)
    version = np.where(card[parent], 0.0, np.where(rng.random(n) < 0.97, 1.0, 2.0))
    entry = due[rows] + delay[rows] + part * rng.integers(1, 20, len(rows))
    amount = np.round(paid[rows] * share, 3)
    missing = rng.random(len(rows)) < 0.0002
    frame = pd.DataFrame({
        "SK_ID_PREV": loans["SK_ID_PREV"].to_numpy()[parent][rows], "SK_ID_CURR": loans["SK_ID_CURR"].to_numpy()[parent][rows],
        "NUM_INSTALMENT_VERSION": version[rows], "NUM_INSTALMENT_NUMBER": (rank + 1)[rows].astype(np.int64),
        "DAYS_INSTALMENT": due[rows], "DAYS_ENTRY_PAYMENT": np.where(missing, np.nan, np.minimum(entry, 0)),
        "AMT_INSTALMENT": instalment[rows], "AMT_PAYMENT": np.where(missing, np.nan, amount)})
    owner = loans["owner"].to_numpy()[parent]
    return frame[columns], owner, due, np.maximum(delay, 0), under


def _card_owners(rng, n: int, loans: pd.DataFrame, ids: IdSequence):
    """Card holders: their revolving loan when they have one, otherwise a card with no previous_application row."""
    holder = rng.random(n) < CARD_COVERAGE
    revolving = loans[loans["NAME_CONTRACT_TYPE"] == "Revolving loans"].drop_duplicates("owner", keep="last")
    card_prev = np.zeros(n, dtype=np.int64)
    card_start = np.zeros(n, dtype=np.int64)
    card_prev[revolving["owner"].to_numpy()] = revolving["SK_ID_PREV"].to_numpy()
    card_start[revolving["owner"].to_numpy()] = np.floor(revolving["DAYS_DECISION"].to_numpy() / 30.44)
    orphan = holder & (card_prev == 0)
    card_prev[orphan] = ids.take(rng, int(orphan.sum()))
    card_start[orphan] = -rng.integers(1, 97, int(orphan.sum()))
    who = np.flatnonzero(holder)
    return who, card_prev[who], np.maximum(card_start[who], -96)


def generate_cards(rng, client_ids: np.ndarray, loans: pd.DataFrame, behaviour: np.ndarray, ids: IdSequence,
                   columns: list[str]):
    cal = calibration("credit_card_balance")
    who, prev, start = _card_owners(rng, len(client_ids), loans, ids)
    length = np.maximum(1, np.floor(0.88 * np.minimum(-start, 96)).astype(np.int64) - rng.integers(0, 4, len(who)))
    parent, rank = expand(length)
    n = len(parent)
    owner = who[parent]
    b = behaviour[owner]
    limit = np.round(cal.quantile("AMT_CREDIT_LIMIT_ACTUAL", rng.random(len(who)), 0.2, 1.0) / 22500) * 22500
    limit = np.maximum(limit, 22500)[parent]
    base = sigmoid(rng.normal(0.9 * behaviour[who] - 0.6, 1.2))[parent]
    util = np.clip(base + rng.normal(0, 0.08, n), -0.02, 1.1) * (rng.random(n) > 0.25)
    balance = np.round(util * limit, 3)
    drawing = np.where(rng.random(n) < 0.2, np.round(rng.exponential(0.15, n) * limit, 2), 0.0)
    atm = np.round(drawing * (rng.random(n) < 0.6), 2)
    pos = np.round(drawing - atm, 2)
    group_missing = rng.random(n) < 0.217
    late = rng.random(n) < 0.01 * np.exp(1.2 * b - 0.4)
    dpd = np.where(late, rng.geometric(0.1, n), 0).astype(np.int64)
    month = -length[parent] + rank
    inst_min = np.where(rng.random(n) < 0.066, np.nan, np.round(np.maximum(balance, 0) * 0.05, 3))
    pay = np.round(np.maximum(balance, 0) * rng.uniform(0, 0.2, n), 3)
    out = {
        "SK_ID_PREV": prev[parent], "SK_ID_CURR": client_ids[owner], "MONTHS_BALANCE": month.astype(np.int64),
        "AMT_BALANCE": balance, "AMT_CREDIT_LIMIT_ACTUAL": limit.astype(np.int64),
        "AMT_DRAWINGS_ATM_CURRENT": np.where(group_missing, np.nan, atm), "AMT_DRAWINGS_CURRENT": drawing,
        "AMT_DRAWINGS_OTHER_CURRENT": np.where(group_missing, np.nan, 0.0),
        "AMT_DRAWINGS_POS_CURRENT": np.where(group_missing, np.nan, pos), "AMT_INST_MIN_REGULARITY": inst_min,
        "AMT_PAYMENT_CURRENT": np.where(rng.random(n) < 0.222, np.nan, pay), "AMT_PAYMENT_TOTAL_CURRENT": pay,
        "AMT_RECEIVABLE_PRINCIPAL": np.round(balance * 0.96, 3), "AMT_RECIVABLE": balance, "AMT_TOTAL_RECEIVABLE": balance,
        "CNT_DRAWINGS_ATM_CURRENT": np.where(group_missing, np.nan, (atm > 0) * rng.integers(1, 4, n)).astype(float),
        "CNT_DRAWINGS_CURRENT": ((drawing > 0) * rng.integers(1, 6, n)).astype(np.int64),
        "CNT_DRAWINGS_OTHER_CURRENT": np.where(group_missing, np.nan, 0.0),
        "CNT_DRAWINGS_POS_CURRENT": np.where(group_missing, np.nan, (pos > 0) * rng.integers(1, 5, n)).astype(float),
        "CNT_INSTALMENT_MATURE_CUM": np.where(rng.random(n) < 0.066, np.nan, rank.astype(float)),
        "NAME_CONTRACT_STATUS": np.where(rng.random(n) < 0.955, "Active", "Completed").astype(object),
        "SK_DPD": dpd, "SK_DPD_DEF": np.where(dpd > 30, dpd, 0).astype(np.int64)}
    util_ratio = np.where(limit > 0, balance / limit, 0.0)
    return pd.DataFrame({c: out[c] for c in columns}), owner, month, util_ratio, dpd


def payment_aggregates(n: int, pos, inst, cards) -> dict:
    """Per-client summaries of payment behaviour that enter the true default probability."""
    _, pos_owner, pos_month, pos_dpd = pos
    _, inst_owner, due, delay, under = inst
    _, card_owner, card_month, util, card_dpd = cards
    recent_inst = (due >= -365).astype(float)
    n_recent = group_sum(inst_owner, recent_inst, n)
    n_inst = group_sum(inst_owner, np.ones(len(inst_owner)), n)
    recent_card = (card_month >= -12).astype(float)
    n_card = group_sum(card_owner, recent_card, n)
    return {
        "has_installments": n_inst > 0,
        "inst_late_days_recent": group_sum(inst_owner, np.minimum(delay, 60) * recent_inst, n) / np.maximum(n_recent, 1),
        "inst_underpaid_share": group_sum(inst_owner, under.astype(float), n) / np.maximum(n_inst, 1),
        "pos_dpd_recent": group_max(pos_owner, (pos_dpd > 0) * (pos_month >= -12).astype(float), n),
        "card_util_recent": np.where(n_card > 0, group_sum(card_owner, util * recent_card, n) / np.maximum(n_card, 1), 0),
        "has_card": n_card > 0,
        "card_dpd": group_max(card_owner, (card_dpd > 0).astype(float), n),
    }
