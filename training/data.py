"""Read a pinned feature version (default: the latest valid one) from the DuckDB feature store and split it.

Only the `train` clients are read; a stratified holdout is kept out of every tuning step and the rest is
cut into stratified cross-validation folds. The whole mart is read: no row sampling before or after joins.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold, train_test_split

from common.contracts.feature_versions import ID, SPLIT, TARGET, FeatureVersion, resolve
from common.contracts.pseudonyms import pseudonymize, read_key

GENDER_COLUMNS = ("code_gender", "gender")
AGE_COLUMNS = ("age_years", "age", "days_birth")
# age bands of the fairness table (training) and of the override monitoring (monitoring/overrides.py)
AGE_BAND_EDGES = (0, 30, 40, 50, 60, 200)
AGE_BAND_LABELS = ("<30", "30-39", "40-49", "50-59", "60+")
UNKNOWN = "unknown"


def age_bands(years: pd.Series) -> pd.Series:
    """The age band of each age in years (`unknown` where the age is missing)."""
    bands = pd.cut(pd.to_numeric(years, errors="coerce"), list(AGE_BAND_EDGES), right=False,
                   labels=list(AGE_BAND_LABELS))
    return bands.astype(str).replace("nan", UNKNOWN)


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
    pseudonyms: np.ndarray  # of the client ids: what artefacts carry (`common/contracts/pseudonyms.py`)
    # each feature's type as the feature table gives it (`feature_types`), for the model's MLflow signature
    column_types: dict[str, str] = field(default_factory=dict)


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
        profiles = fv.profiles or 'marts."client_profiles"'
        try:
            source = con.sql(f"select * from {profiles}").df()
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
    out = pd.DataFrame({"gender": gender, "age_band": age_bands(age)})
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
        fv = resolve(con, version)
        df = con.sql(f"select * from {fv.snapshot} where {SPLIT} = 'train' order by {ID}").df()
        attributes = _attributes(con, df, fv)
        pseudonyms = np.array(pseudonymize(df[ID], read_key(con)))
        types = feature_types(con, fv.snapshot)
    numeric, categorical = split_columns(df)
    X = df[numeric + categorical].copy()
    X[numeric] = X[numeric].astype("float64")
    for c in categorical:
        X[c] = X[c].astype(object).where(X[c].notna(), None)
    y = df[TARGET].to_numpy(dtype=np.int64)
    return TrainingData(X, y, df[ID].to_numpy(), fv, numeric, categorical, frame_fingerprint(df), attributes,
                        pseudonyms, {c: types[c] for c in numeric + categorical})


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
