"""Read a pinned feature version (default: the latest valid one) from the DuckDB feature store and split it.

Only the `train` clients are read; a stratified holdout is kept out of every tuning step and the rest is
cut into stratified cross-validation folds. The whole mart is read: no row sampling before or after joins.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold, train_test_split

ID, SPLIT, TARGET = "client_id", "split", "target"
GENDER_COLUMNS = ("code_gender", "gender")
AGE_COLUMNS = ("age_years", "age", "days_birth")


@dataclass
class FeatureVersion:
    """One row of `marts.feature_versions` and the snapshot table that holds it."""

    feature_version: str
    table: str
    info: dict = field(default_factory=dict)


@dataclass
class TrainingData:
    """The training clients of one feature version, ready for the model pipelines."""

    X: pd.DataFrame
    y: np.ndarray
    client_ids: np.ndarray
    version: FeatureVersion
    numeric: list[str]
    categorical: list[str]
    fingerprint: str
    attributes: pd.DataFrame
    # each feature's type as the feature table gives it (`feature_types`), for the model's MLflow signature
    column_types: dict[str, str] = field(default_factory=dict)


def snapshot_table(row: dict) -> str:
    """The qualified name of the relation holding a feature version (the one place to adapt).

    dbt_project/pipeline/versions.py publishes each version as the view `marts.<table_name>`
    (e.g. `marts.client_features__fv0003`) over an immutable table in schema `feature_store`.
    """
    if row.get("table_name"):
        return f'marts."{row["table_name"]}"'
    return f'marts."client_features__{row["feature_version"]}"'


def is_valid(row: dict) -> bool:
    """Published and validated (`status` when the registry has it, else `validation_passed`)."""
    if "status" in row:
        return row["status"] == "published" and row.get("validation_passed") is not False
    return bool(row.get("validation_passed"))


def resolve_version(con: duckdb.DuckDBPyConnection, version: str | None = None) -> FeatureVersion:
    """The pinned version, or the latest one whose validation passed.

    Raises:
        LookupError: the version does not exist, failed validation, or no valid version exists.
    """
    rel = con.sql("select * from marts.feature_versions order by created_at desc")
    rows = [dict(zip(rel.columns, r, strict=True)) for r in rel.fetchall()]
    if version is None:
        rows = [r for r in rows if is_valid(r)]
        if not rows:
            raise LookupError("no valid feature version in marts.feature_versions")
        row = rows[0]
    else:
        matches = [r for r in rows if str(r["feature_version"]) == version]
        if not matches:
            raise LookupError(f"feature version {version!r} not found in marts.feature_versions")
        row = matches[0]
        if not is_valid(row):
            raise LookupError(f"feature version {version!r} did not pass validation")
    info = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}
    return FeatureVersion(str(row["feature_version"]), snapshot_table(row), info)


def frame_fingerprint(df: pd.DataFrame) -> str:
    """A short content hash of a frame (values, column names and order)."""
    digest = hashlib.sha256(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
    digest.update("|".join(df.columns).encode())
    return digest.hexdigest()[:16]


def split_columns(df: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Feature columns by kind: numeric ones, and text ones left for the model pipeline to encode."""
    features = [c for c in df.columns if c not in (ID, SPLIT, TARGET)]
    categorical = [c for c in features if not pd.api.types.is_numeric_dtype(df[c])]
    return [c for c in features if c not in categorical], categorical


def _attributes(con: duckdb.DuckDBPyConnection, df: pd.DataFrame, fv: FeatureVersion) -> pd.DataFrame:
    """Gender and age band per client (for the fairness table), from the mart or else from its profiles."""
    source = df
    lower = {c.lower(): c for c in df.columns}
    if not any(c in lower for c in GENDER_COLUMNS) or not any(c in lower for c in AGE_COLUMNS):
        profiles = fv.info.get("profiles_table_name") or "client_profiles"
        try:
            source = con.sql(f'select * from marts."{profiles}"').df()
            source = df[[ID]].merge(source, on=ID, how="left")
            lower = {c.lower(): c for c in source.columns}
        except duckdb.Error:
            return pd.DataFrame({"gender": "unknown", "age_band": "unknown"}, index=df.index)
    gender_col = next((lower[c] for c in GENDER_COLUMNS if c in lower), None)
    age_col = next((lower[c] for c in AGE_COLUMNS if c in lower), None)
    gender = source[gender_col].fillna("unknown").astype(str) if gender_col else "unknown"
    age = pd.to_numeric(source[age_col], errors="coerce") if age_col else pd.Series(np.nan, index=source.index)
    if age_col and age_col.lower() == "days_birth":
        age = -age / 365.25
    bands = pd.cut(age, [0, 30, 40, 50, 60, 200], right=False, labels=["<30", "30-39", "40-49", "50-59", "60+"])
    out = pd.DataFrame({"gender": gender, "age_band": bands.astype(str).replace("nan", "unknown")})
    return out.set_axis(df.index)


INTEGER_TYPES = ("BIGINT", "INTEGER", "SMALLINT", "TINYINT", "UBIGINT", "UINTEGER", "USMALLINT", "UTINYINT")


def feature_types(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    """Column -> `(DuckDB type, nullable)` of a feature table, as `TYPE` or `TYPE NULL` when a row holds NULL.

    An integer column with NULLs reads as pandas `Int64` (with `<NA>`), one without as `int64`: the model's
    signature declares them differently (training/register.py).
    """
    columns = con.sql(f"describe {table}").fetchall()
    integers = [name for name, kind, *_ in columns if kind in INTEGER_TYPES]
    nulls: dict[str, int] = {}
    if integers:
        counts = con.sql("select " + ", ".join(f'count(*) - count("{c}")' for c in integers) + f" from {table}").fetchall()[0]
        nulls = dict(zip(integers, counts, strict=True))
    return {name: f"{kind} NULL" if nulls.get(name) else kind for name, kind, *_ in columns}


def load_training_data(db_path: Path, version: str | None = None) -> TrainingData:
    """Read the train clients of a feature version (read-only connection), features typed for the pipelines."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        fv = resolve_version(con, version)
        df = con.sql(f"select * from {fv.table} where {SPLIT} = 'train' order by {ID}").df()
        attributes = _attributes(con, df, fv)
        types = feature_types(con, fv.table)
    numeric, categorical = split_columns(df)
    X = df[numeric + categorical].copy()
    X[numeric] = X[numeric].astype("float64")
    for c in categorical:
        X[c] = X[c].astype(object).where(X[c].notna(), None)
    y = df[TARGET].to_numpy(dtype=np.int64)
    return TrainingData(X, y, df[ID].to_numpy(), fv, numeric, categorical, frame_fingerprint(df), attributes,
                        {c: types[c] for c in numeric + categorical})


def holdout_split(y: np.ndarray, size: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices (development, holdout) of a stratified split."""
    idx = np.arange(len(y))
    dev, hold = train_test_split(idx, test_size=size, stratify=y, random_state=seed)
    return np.sort(dev), np.sort(hold)


def cv_folds(y: np.ndarray, n_splits: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified folds as (train indices, validation indices) into `y`."""
    skf = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    return list(skf.split(np.zeros(len(y)), y))


def read_oracle(path: Path) -> pd.DataFrame | None:
    """The synthetic truth (client_id, p_default), for evaluation only; None when the file does not exist."""
    if not Path(path).exists():
        return None
    oracle = pd.read_csv(path, usecols=["SK_ID_CURR", "p_default"])
    return oracle.rename(columns={"SK_ID_CURR": ID})


def feature_dataset(data: TrainingData, duckdb_path: Path) -> Any:
    """The training rows as an MLflow dataset (metadata only: the rows stay in the warehouse), for `log_input`.

    Name: the feature version's table; digest: the content hash of the rows read (`TrainingData.fingerprint`);
    source: the warehouse file (the table is in the name); schema: the feature table's own types.
    """
    from mlflow.data.meta_dataset import MetaDataset
    from mlflow.types.schema import ColSpec, Schema

    from training.register import input_type  # the signature's own mapping of the feature table's types

    source = _local_source(duckdb_path)
    schema = Schema([ColSpec(input_type(t, t.startswith("VARCHAR")), c, required=False) for c, t in data.column_types.items()])
    return MetaDataset(source, name=f"client_features__{data.version.feature_version}", digest=data.fingerprint,
                       schema=schema)


def _local_source(path: Path) -> Any:
    import warnings

    from mlflow.data.dataset_source_registry import resolve_dataset_source

    with warnings.catch_warnings():  # "no source type given, resolved from the path": as intended
        warnings.simplefilter("ignore")
        return resolve_dataset_source(str(Path(path).resolve()))
