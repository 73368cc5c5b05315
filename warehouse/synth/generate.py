"""Seeded synthetic Home Credit data: the eight Kaggle files, chunk by chunk, and the oracle file."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from common.contracts.columns import load_spec
from warehouse.synth.application import generate_applications
from warehouse.synth.bureau import generate_bureau
from warehouse.synth.descriptions import write_descriptions
from warehouse.synth.expand import IdSequence
from warehouse.synth.payments import generate_cards, generate_installments, generate_pos, payment_aggregates
from warehouse.synth.previous import generate_previous
from warehouse.synth.signal import behaviour, default_probability, draw_labels
from warehouse.synth.writer import CsvWriter, connection

log = logging.getLogger(__name__)
FULL_SIZE = 356_255
TRAIN_SHARE = 0.863
CHUNK = 20_000
RARE_TRAIN_VALUES = {"CODE_GENDER": ("XNA", 4), "NAME_INCOME_TYPE": ("Maternity leave", 5),
                     "NAME_FAMILY_STATUS": ("Unknown", 2)}
HISTORY = ["bureau", "bureau_balance", "previous_application", "POS_CASH_balance", "installments_payments",
           "credit_card_balance"]


@dataclass
class Plan:
    """Everything decided for all clients before the chunks: ids, split, rare values."""

    ids: np.ndarray
    is_train: np.ndarray
    rare: dict[str, np.ndarray]


def make_plan(n: int, seed: int) -> Plan:
    rng = np.random.default_rng([seed, 0])
    ids = 100_001 + np.sort(rng.choice(max(FULL_SIZE, n), n, replace=False))
    is_train = rng.random(n) < TRAIN_SHARE
    train_pos = np.flatnonzero(is_train)
    rare = {}
    for col, (_, full_count) in RARE_TRAIN_VALUES.items():
        k = min(len(train_pos), max(2, round(full_count * n / FULL_SIZE)))
        rare[col] = np.sort(rng.choice(train_pos, k, replace=False))
    return Plan(ids, is_train, rare)


def _apply_rare(frame: pd.DataFrame, plan: Plan, lo: int, hi: int) -> None:
    for col, positions in plan.rare.items():
        local = positions[(positions >= lo) & (positions < hi)] - lo
        frame.loc[local, col] = RARE_TRAIN_VALUES[col][0]
    frame.loc[frame["NAME_INCOME_TYPE"] == "Maternity leave", "DAYS_EMPLOYED"] = frame["DAYS_EMPLOYED"].clip(upper=-1)
    if lo == 0 and len(frame) > 1000:
        frame.loc[int(np.flatnonzero(plan.is_train[lo:hi])[0]), "AMT_INCOME_TOTAL"] = 117_000_000.0


def histories(rng: np.random.Generator, apps: pd.DataFrame, id_seqs: dict, cols: dict) -> tuple[dict, dict]:
    """The six history tables of these applicants and the per-client aggregates that enter p."""
    ids = apps["SK_ID_CURR"].to_numpy()
    h = behaviour(rng, apps)
    bureau, balance, agg = generate_bureau(rng, ids, h, id_seqs["bureau"], cols["bureau"], cols["bureau_balance"])
    prev, loans, prev_agg = generate_previous(rng, ids, h, id_seqs["prev"], cols["previous_application"])
    hidden_prev = rng.random(len(prev)) < 0.003  # loans whose previous_application row is missing
    pos = generate_pos(rng, loans, h, cols["POS_CASH_balance"])
    inst = generate_installments(rng, loans, h, cols["installments_payments"])
    cards = generate_cards(rng, ids, loans, h, id_seqs["prev"], cols["credit_card_balance"])
    agg.update(prev_agg)
    agg.update(payment_aggregates(len(ids), pos, inst, cards))
    tables = {"bureau": bureau, "bureau_balance": balance, "previous_application": prev[~hidden_prev],
              "POS_CASH_balance": pos[0], "installments_payments": inst[0], "credit_card_balance": cards[0]}
    return tables, agg


def applications(seed: int, k: int, plan: Plan, spec, lo: int, hi: int) -> tuple[np.random.Generator, pd.DataFrame]:
    rng = np.random.default_rng([seed, 1, k])
    apps, _ = generate_applications(rng, plan.ids[lo:hi], plan.is_train[lo:hi], spec["application_train"].columns)
    _apply_rare(apps, plan, lo, hi)
    return rng, apps


def generate_chunk(seed: int, k: int, plan: Plan, spec, id_seqs: dict, lo: int, hi: int) -> dict:
    """All rows of clients lo..hi-1 and their true default probability and label."""
    cols = {t: spec[t].column_names for t in spec}
    is_train = plan.is_train[lo:hi]
    rng, apps = applications(seed, k, plan, spec, lo, hi)
    tables, agg = histories(rng, apps, id_seqs, cols)
    p = default_probability(apps, agg)
    target = draw_labels(rng, p)
    train = apps[is_train].copy()
    train.insert(1, "TARGET", target[is_train])
    oracle = pd.DataFrame({"SK_ID_CURR": apps["SK_ID_CURR"].to_numpy(), "p_default": p, "TARGET": target})
    return {"application_train": train, "application_test": apps[~is_train], **tables, "oracle": oracle}


def generate(n_clients: int, seed: int, out_dir: Path, oracle_path: Path, progress: bool = True) -> dict:
    """Write the eight Kaggle files and the column description file into out_dir, the oracle to oracle_path."""
    spec = load_spec()
    out_dir.mkdir(parents=True, exist_ok=True)
    oracle_path.parent.mkdir(parents=True, exist_ok=True)
    plan = make_plan(n_clients, seed)
    scale = max(1.0, FULL_SIZE / n_clients)
    id_seqs = {"prev": IdSequence(1_000_001, 1.03 * scale), "bureau": IdSequence(5_000_001, 1.06 * scale)}
    con = connection()
    tables = ["application_train", "application_test", *HISTORY]
    writers = {t: CsvWriter(out_dir / spec[t].file, spec[t].column_names, con) for t in tables}
    oracle = CsvWriter(oracle_path, ["SK_ID_CURR", "p_default", "TARGET"], con)
    bars = {t: tqdm(desc=f"{t:<22}", unit=" rows", position=i, disable=not progress, leave=True)
            for i, t in enumerate(tables)}
    for k, lo in enumerate(range(0, n_clients, CHUNK)):
        hi = min(n_clients, lo + CHUNK)
        chunk = generate_chunk(seed, k, plan, spec, id_seqs, lo, hi)
        for t in tables:
            writers[t].write(chunk[t])
            bars[t].update(len(chunk[t]))
        oracle.write(chunk["oracle"])
    for bar in bars.values():
        bar.close()
    write_descriptions(out_dir)
    rows = {t: w.rows for t, w in writers.items()}
    log.info("wrote %s", json.dumps(rows))
    return rows
