"""A seeded stand-in for the feature store: a DuckDB file shaped like the dbt marts, plus an oracle CSV.

Used by the training tests (and for timing) until the real chain synthetic data -> loader -> dbt is wired.
Shape of the contract: `marts.feature_versions`, one immutable snapshot table per version,
`marts.client_features` a view on the latest valid one, `marts.client_profiles`.

    python -m tests.training.synthetic_mart --clients 50000 --db /tmp/hc.duckdb --oracle /tmp/oracle.csv
"""

from __future__ import annotations

import argparse
import hashlib
import warnings
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from common.contracts.pseudonyms import ensure_key

CATEGORIES = {
    "name_contract_type": (["Cash loans", "Revolving loans"], [0.9, 0.1]),
    "name_income_type": (["Working", "Commercial associate", "Pensioner", "State servant"], [0.5, 0.25, 0.17, 0.08]),
    "name_education_type": (["Secondary / secondary special", "Higher education", "Incomplete higher",
                             "Lower secondary"], [0.7, 0.24, 0.04, 0.02]),
    "occupation_type": (["Laborers", "Sales staff", "Core staff", "Managers", "Drivers", None],
                        [0.18, 0.1, 0.09, 0.07, 0.06, 0.5]),
    "organization_type": ([f"Business Entity Type {i}" for i in range(1, 4)] + ["Self-employed", "Other",
                          "Medicine", "School", "XNA"], [0.2, 0.05, 0.05, 0.12, 0.05, 0.04, 0.03, 0.46]),
}


def _history_block(rng: np.random.Generator, latent: np.ndarray, n_cols: int) -> dict[str, np.ndarray]:
    """Correlated aggregate-like columns (bureau_*, previous_*, ...), some counts, some missing, some skewed."""
    prefixes = ["bureau", "previous_applications", "installments", "pos_cash", "credit_card"]
    n = latent.shape[0]
    out: dict[str, np.ndarray] = {}
    for j in range(n_cols):
        prefix = prefixes[j % len(prefixes)]
        weights = rng.normal(0, 1, latent.shape[1]) * (rng.random() < 0.4)
        values = latent @ weights * 0.3 + rng.normal(0, 1, n)
        kind = j % 3
        if kind == 0:
            col = np.round(np.exp(values)).astype(float)
            name = f"{prefix}_count_items_{j}"
        elif kind == 1:
            col = np.exp(values * 0.8 + 9)
            name = f"{prefix}_sum_amount_{j}"
        else:
            col = values
            name = f"{prefix}_mean_ratio_{j}"
        missing = rng.random(n) < {0: 0.15, 1: 0.3, 2: 0.7, 3: 0.5, 4: 0.75}[j % 5]
        col[missing] = np.nan
        out[name] = col
    return out


def make_clients(n_clients: int, seed: int = 0, n_history: int = 300) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (client_features, oracle) with a known true default probability per client."""
    rng = np.random.default_rng(seed)
    n = n_clients
    latent = rng.normal(0, 1, (n, 4))
    ext = [1 / (1 + np.exp(-(0.9 * latent[:, 0] + 0.5 * rng.normal(0, 1, n) + 0.2 * k))) for k in range(3)]
    for share, e in zip([0.56, 0.002, 0.2], ext, strict=True):
        e[rng.random(n) < share] = np.nan
    age_years = rng.uniform(21, 69, n)
    income = np.exp(rng.normal(11.9, 0.5, n))
    credit = income * np.exp(rng.normal(0.9, 0.6, n))
    annuity = credit / rng.uniform(10, 40, n)
    employed = -rng.exponential(2000, n)
    employed[rng.random(n) < 0.18] = np.nan
    gender = rng.choice(["F", "M", "XNA"], n, p=[0.655, 0.3449, 0.0001])
    stack = np.vstack(ext)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        summaries = np.nanmean(stack, axis=0), np.nanmin(stack, axis=0), np.nanmax(stack, axis=0)
    z = (-2.4 - 1.3 * np.nan_to_num(stack - 0.5).sum(axis=0) - 0.4 * np.isnan(stack[0])
         + 0.25 * latent[:, 1] + 0.3 * (annuity / income - 0.15) * 4 - 0.012 * (age_years - 43)
         + 0.15 * (gender == "M") + 0.3 * latent[:, 2] * (latent[:, 3] > 0))
    p_default = 1 / (1 + np.exp(-z))
    target = (rng.random(n) < p_default).astype(int)
    frame = {
        "client_id": np.arange(100001, 100001 + n, dtype=np.int64),
        "split": np.where(rng.random(n) < 0.85, "train", "test"),
        "code_gender": gender,
        "days_birth": np.round(-age_years * 365.25).astype(np.int64),
        "days_employed": employed,
        "amt_income_total": income, "amt_credit": credit, "amt_annuity": annuity,
        "amt_goods_price": credit * 0.9,
        "ext_source_1": ext[0], "ext_source_2": ext[1], "ext_source_3": ext[2],
        "ext_source_mean": summaries[0], "ext_source_min": summaries[1], "ext_source_max": summaries[2],
        "cnt_children": rng.poisson(0.4, n).astype(np.int64),
        "credit_to_income_ratio": credit / income, "annuity_to_income_ratio": annuity / income,
    }
    for name, (values, probs) in CATEGORIES.items():
        frame[name] = rng.choice(np.array(values, dtype=object), n, p=probs)
    frame.update(_history_block(rng, latent, n_history))
    df = pd.DataFrame(frame)
    df.insert(2, "target", pd.array(np.where(df["split"] == "train", target, -1), dtype="Int64"))
    df.loc[df["split"] == "test", "target"] = pd.NA
    oracle = pd.DataFrame({"SK_ID_CURR": df["client_id"], "p_default": p_default, "TARGET": target})
    return df, oracle


def write_warehouse(db_path: Path, features: pd.DataFrame, version: str = "v1", valid: bool = True) -> None:
    """Publish `features` as an immutable snapshot and point `marts.client_features` to the latest valid one."""
    table = f"client_features__{version}"
    fingerprint = hashlib.sha256(pd.util.hash_pandas_object(features).to_numpy().tobytes()).hexdigest()[:16]
    with duckdb.connect(str(db_path)) as con:
        ensure_key(con)  # the loader's pseudonym key, as a loaded warehouse has it
        con.execute("create schema if not exists marts")
        con.execute("""create table if not exists marts.feature_versions (feature_version varchar,
            created_at timestamp, sql_fingerprint varchar, input_fingerprint varchar, n_rows bigint,
            n_columns bigint, validation_passed boolean, table_name varchar)""")
        con.register("features_df", features)
        con.execute(f'create table marts."{table}" as select * replace (target::integer as target) from features_df')
        con.execute("insert into marts.feature_versions values (?, now(), ?, ?, ?, ?, ?, ?)",
                    [version, "sql-" + fingerprint, "in-" + fingerprint, len(features),
                     features.shape[1], valid, table])
        latest = con.execute("""select table_name from marts.feature_versions where validation_passed
                                order by created_at desc limit 1""").fetchall()[0][0]
        con.execute(f'create or replace view marts.client_features as select * from marts."{latest}"')
        con.execute("""create or replace table marts.client_profiles as select client_id,
            round(-days_birth / 365.25, 1) as age_years, amt_income_total as income, code_gender as gender
            from features_df""")
        con.unregister("features_df")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=5000, help="number of clients (train + test)")
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    parser.add_argument("--history-columns", type=int, default=300, help="number of aggregate-like columns")
    parser.add_argument("--db", type=Path, required=True, help="DuckDB file to write (must not exist)")
    parser.add_argument("--oracle", type=Path, required=True, help="oracle CSV to write")
    args = parser.parse_args()
    features, oracle = make_clients(args.clients, args.seed, args.history_columns)
    args.db.parent.mkdir(parents=True, exist_ok=True)
    write_warehouse(args.db, features)
    args.oracle.parent.mkdir(parents=True, exist_ok=True)
    oracle.to_csv(args.oracle, index=False)


if __name__ == "__main__":
    main()
