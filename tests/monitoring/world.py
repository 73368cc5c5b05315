"""A small seeded world for the monitoring tests: feature store, champion, event store, labels.

- a DuckDB file shaped like the feature store (`marts.feature_versions` + one snapshot table of train clients);
- a `Champion` built by hand (importance, holdout scores, threshold), as `monitoring.reference` reads it from MLflow;
- prediction events written to SQLite in the API's own event table (`api.events`);
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

from common.contracts.events import EVENTS, METADATA
from monitoring.reference import Champion

FEATURES = ["ext_source_2", "ext_source_3", "ext_source_1", "days_birth", "amt_income_total", "amt_credit",
            "name_education_type", "cnt_children"]
IMPORTANCE = [0.40, 0.35, 0.20, 0.12, 0.08, 0.06, 0.04, 0.01]
THRESHOLD = 0.12


EDUCATION = ["Secondary / secondary special", "Higher education", "Incomplete higher"]


def applicants(rng: np.random.Generator, n: int, first_id: int, drift: bool = False) -> pd.DataFrame:
    """Applicants with their true default probability; `drift` = richer, younger, lower scores, EXT_SOURCE_1 gone."""
    age = rng.uniform(21, 69, n) - (10 if drift else 0)
    frame = pd.DataFrame({
        "client_id": np.arange(first_id, first_id + n, dtype=np.int64),
        "ext_source_1": rng.beta(5, 4, n), "ext_source_2": rng.beta(5, 3, n), "ext_source_3": rng.beta(4, 3, n),
        "days_birth": -np.round(np.maximum(age, 18.5) * 365.25),
        "amt_income_total": np.exp(rng.normal(11.9, 0.5, n)) * (1.5 if drift else 1.0),
        "amt_credit": np.exp(rng.normal(13.0, 0.6, n)),
        "name_education_type": rng.choice(np.array(EDUCATION, dtype=object), n, p=[0.7, 0.25, 0.05]),
        "cnt_children": rng.poisson(0.4, n).astype(float),
    })
    if drift:
        frame["ext_source_2"] = (frame["ext_source_2"] - 0.15).clip(0.001, 1)
        frame["ext_source_3"] = (frame["ext_source_3"] - 0.15).clip(0.001, 1)
    frame.loc[rng.random(n) < (0.92 if drift else 0.56), "ext_source_1"] = np.nan
    frame.loc[rng.random(n) < 0.2, "ext_source_3"] = np.nan
    frame["probability"] = probability(frame)
    frame["target"] = (rng.random(n) < frame["probability"]).astype(int)
    return frame


def probability(features: pd.DataFrame) -> pd.Series:
    """The world's true default probability (it is also its model's score)."""
    z = (-2.2 - 3.0 * (features["ext_source_2"].fillna(0.6) - 0.6) - 2.5 * (features["ext_source_3"].fillna(0.55) - 0.55)
         - 1.5 * (features["ext_source_1"].fillna(0.55) - 0.55) + 0.02 * (features["days_birth"] / 365.25 + 45))
    return 1 / (1 + np.exp(-z))


RAW = {"ext_source_1": "EXT_SOURCE_1", "ext_source_2": "EXT_SOURCE_2", "ext_source_3": "EXT_SOURCE_3",
       "days_birth": "DAYS_BIRTH", "amt_income_total": "AMT_INCOME_TOTAL", "amt_credit": "AMT_CREDIT",
       "name_education_type": "NAME_EDUCATION_TYPE", "cnt_children": "CNT_CHILDREN"}
CONSTANT_FIELDS = {"NAME_CONTRACT_TYPE": "Cash loans", "CODE_GENDER": "F", "FLAG_OWN_CAR": "N",
                   "FLAG_OWN_REALTY": "Y", "NAME_INCOME_TYPE": "Working", "NAME_FAMILY_STATUS": "Married",
                   "NAME_HOUSING_TYPE": "House / apartment"}


def raw_applications(clients: pd.DataFrame) -> pd.DataFrame:
    """The clients as rows of raw.application_test (Kaggle names), as the API's posted applications are."""
    raw = clients[list(RAW)].rename(columns=RAW)
    raw.insert(0, "SK_ID_CURR", clients["client_id"])
    raw["DAYS_BIRTH"] = raw["DAYS_BIRTH"].astype("int64")
    raw["CNT_CHILDREN"] = raw["CNT_CHILDREN"].astype("int64")
    raw["DAYS_EMPLOYED"] = np.maximum(-(clients["client_id"] % 3000 + 100), raw["DAYS_BIRTH"] + 6000).astype("int64")
    return raw.assign(**CONSTANT_FIELDS)


def features_from_raw(application: dict) -> dict:
    """The monitored features of one posted application (what the API would log)."""
    return {feature: application.get(column) for feature, column in RAW.items()}


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
        if test is not None:
            con.execute("create schema raw")
            con.register("raw_df", raw_applications(test))
            con.execute("create table raw.application_test as select * from raw_df")


def champion(holdout: pd.DataFrame, version: str = "fv_test") -> Champion:
    """The hand-made champion: importance in FEATURES order, holdout scores, threshold."""
    importance = pd.DataFrame({"feature": FEATURES, "mean_abs_shap": IMPORTANCE})
    return Champion("credit-scoring", "7", "run-test", THRESHOLD, version, importance,
                    holdout[["client_id", "target", "probability"]].reset_index(drop=True))


def write_events(url: str, clients: pd.DataFrame, start: datetime) -> None:
    """One prediction event per client, a second apart from `start`, in the event table of the contract."""
    engine = sa.create_engine(url)
    METADATA.create_all(engine, tables=[EVENTS])
    rows = []
    for i, row in enumerate(clients.to_dict("records")):
        values = {f: (None if isinstance(row[f], float) and np.isnan(row[f]) else row[f]) for f in FEATURES}
        rows.append({"created_at": start + timedelta(seconds=i), "request_id": f"req-{row['client_id']}",
                     "endpoint": "GET /v1/clients/{client_id}/score", "client_id": int(row["client_id"]),
                     "application_hash": None, "features": json.dumps(values), "probability": float(row["probability"]),
                     "decision": "refuse" if row["probability"] >= THRESHOLD else "accept", "threshold": THRESHOLD,
                     "model_name": "credit-scoring", "model_version": "7", "feature_version": "fv_test",
                     "latency_ms": 2.0})
    with engine.begin() as con:
        con.execute(EVENTS.insert(), rows)
    engine.dispose()


T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
