"""A small seeded world for the monitoring tests: feature store, champion, event store, labels.

- a DuckDB file shaped like the feature store (`marts.feature_versions` + one snapshot table of train clients);
- a `Champion` built by hand (importance, holdout scores, threshold), as `monitoring.reference` reads it from MLflow;
- prediction events written to SQLite in the event table layout `monitoring.events` reads;
- the "model" is the true default probability, so labels drawn from it give a realistic AUC.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import sqlalchemy as sa

from monitoring.events import COLUMNS, TABLE
from monitoring.reference import Champion

FEATURES = ["ext_source_2", "ext_source_3", "ext_source_1", "days_birth", "amt_income_total", "amt_credit",
            "name_education_type", "cnt_children"]
IMPORTANCE = [0.40, 0.35, 0.20, 0.12, 0.08, 0.06, 0.04, 0.01]
THRESHOLD = 0.12


def applicants(rng: np.random.Generator, n: int, first_id: int, drift: bool = False) -> pd.DataFrame:
    """Applicants with their true default probability; `drift` = richer, younger, lower scores, EXT_SOURCE_1 gone."""
    age = rng.uniform(21, 69, n) - (10 if drift else 0)
    frame = pd.DataFrame({
        "client_id": np.arange(first_id, first_id + n, dtype=np.int64),
        "ext_source_1": rng.beta(5, 4, n), "ext_source_2": rng.beta(5, 3, n), "ext_source_3": rng.beta(4, 3, n),
        "days_birth": -np.round(np.maximum(age, 18) * 365.25),
        "amt_income_total": np.exp(rng.normal(11.9, 0.5, n)) * (1.5 if drift else 1.0),
        "amt_credit": np.exp(rng.normal(13.0, 0.6, n)),
        "name_education_type": rng.choice(np.array(["Secondary", "Higher education", "Incomplete higher"],
                                                   dtype=object), n, p=[0.7, 0.25, 0.05]),
        "cnt_children": rng.poisson(0.4, n).astype(float),
    })
    if drift:
        frame["ext_source_2"] = (frame["ext_source_2"] - 0.15).clip(0.001, 1)
        frame["ext_source_3"] = (frame["ext_source_3"] - 0.15).clip(0.001, 1)
    frame.loc[rng.random(n) < (0.92 if drift else 0.56), "ext_source_1"] = np.nan
    frame.loc[rng.random(n) < 0.2, "ext_source_3"] = np.nan
    z = (-2.2 - 3.0 * (frame["ext_source_2"] - 0.6) - 2.5 * (frame["ext_source_3"].fillna(0.55) - 0.55)
         - 1.5 * (frame["ext_source_1"].fillna(0.55) - 0.55) + 0.02 * (frame["days_birth"] / 365.25 + 45))
    frame["probability"] = 1 / (1 + np.exp(-z))
    frame["target"] = (rng.random(n) < frame["probability"]).astype(int)
    return frame


def write_feature_store(path: Path, train: pd.DataFrame, test: pd.DataFrame | None = None,
                        version: str = "fv_test") -> None:
    """Train (and test) clients as one published feature version."""
    table = f"client_features__{version}"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.feature_versions (feature_version varchar, created_at timestamp, "
                    "validation_passed boolean, table_name varchar)")
        features = train[["client_id", *FEATURES, "target"]].assign(split="train")
        if test is not None:
            features = pd.concat([features, test[["client_id", *FEATURES]].assign(split="test", target=None)])
        con.register("features_df", features)
        con.execute(f'create table marts."{table}" as select * from features_df')
        con.execute("insert into marts.feature_versions values (?, now(), true, ?)", [version, table])


def champion(holdout: pd.DataFrame, version: str = "fv_test") -> Champion:
    """The hand-made champion: importance in FEATURES order, holdout scores, threshold."""
    importance = pd.DataFrame({"feature": FEATURES, "mean_abs_shap": IMPORTANCE})
    return Champion("credit-scoring", "7", "run-test", THRESHOLD, version, importance,
                    holdout[["client_id", "target", "probability"]].reset_index(drop=True))


def write_events(url: str, clients: pd.DataFrame, start: datetime) -> None:
    """One prediction event per client, a second apart from `start`, in the event table layout."""
    engine = sa.create_engine(url)
    meta = sa.MetaData()
    c = COLUMNS
    table = sa.Table(TABLE, meta, sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column(c["time"], sa.DateTime(timezone=True)), sa.Column(c["request_id"], sa.String),
                     sa.Column(c["endpoint"], sa.String), sa.Column(c["client_id"], sa.Integer),
                     sa.Column(c["features"], sa.Text), sa.Column(c["probability"], sa.Float),
                     sa.Column(c["decision"], sa.String), sa.Column(c["threshold"], sa.Float),
                     sa.Column(c["model_version"], sa.String), sa.Column(c["feature_version"], sa.String))
    meta.create_all(engine)
    rows = []
    for i, row in enumerate(clients.to_dict("records")):
        values = {f: (None if isinstance(row[f], float) and np.isnan(row[f]) else row[f]) for f in FEATURES}
        rows.append({c["time"]: start + timedelta(seconds=i), c["request_id"]: f"req-{row['client_id']}",
                     c["endpoint"]: "/clients/{id}/score", c["client_id"]: int(row["client_id"]),
                     c["features"]: json.dumps(values), c["probability"]: float(row["probability"]),
                     c["decision"]: "refuse" if row["probability"] >= THRESHOLD else "accept",
                     c["threshold"]: THRESHOLD, c["model_version"]: "7", c["feature_version"]: "fv_test"})
    with engine.begin() as con:
        con.execute(table.insert(), rows)
    engine.dispose()


T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
