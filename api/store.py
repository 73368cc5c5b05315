"""The feature store as the API reads it: one immutable feature version of the DuckDB warehouse (read-only).

Fetching one 376-column row from DuckDB costs about 9 ms (planning a wide projection), more than the whole
score-by-id budget. So at start-up the snapshot of the model's feature version is turned, once, into
model-ready matrices kept in `HC_API_CACHE_DIR` (one set of `.npy` files per model version and feature
version, memory-mapped, so that worker processes share one copy in the page cache):

- `ids.npy`: client ids, sorted; `numeric.npy`: the numeric features as the model reads them (float64);
- `codes.npy` + `categories` in `meta.json`: the text features (code -1 = missing);
- `transformed.npy`: the rows after the pipeline's own preprocessing (what the final estimator reads);
- `meta.json`: columns, population medians and most frequent values, and the key the files were built for.

The snapshot is immutable (a published feature version never changes), so the matrices never go stale;
the first worker builds them under a file lock, the others wait and map them.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
import threading
import time
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from api.runtime import ModelRuntime
from common.contracts.feature_versions import (
    ID_COLUMNS,
    FeatureVersion,
    FeatureVersionError,
    UnknownFeatureVersionError,
    require_snapshot,
    resolve,
)

log = logging.getLogger(__name__)
CHUNK_ROWS = 20_000
NUMERIC_TYPES = ("BIGINT", "INTEGER", "DOUBLE", "FLOAT", "HUGEINT", "SMALLINT", "TINYINT", "UBIGINT", "DECIMAL",
                 "UINTEGER", "USMALLINT", "UTINYINT", "BOOLEAN")


class FeatureStoreError(RuntimeError):
    """The warehouse does not hold what the model needs (the message says what and how to fix it)."""


def open_warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the warehouse file."""
    if not Path(path).is_file():
        raise FeatureStoreError(f"no DuckDB warehouse at {path}: build it (`make data load features`) or set HC_DUCKDB_PATH")
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.Error as error:
        raise FeatureStoreError(f"cannot open {path} read-only: {str(error).splitlines()[0]}") from None


def served_version(con: duckdb.DuckDBPyConnection, version: str | None) -> FeatureVersion:
    """The published feature version `version` (the model's), whose snapshot is in the warehouse."""
    if not version:
        raise FeatureStoreError("the model does not say which feature version it was trained on "
                                "(no feature_version tag): retrain it with `make train`")
    try:
        return require_snapshot(con, resolve(con, version))
    except UnknownFeatureVersionError as error:
        raise FeatureStoreError(f"feature version {version!r}, which the model was trained on, is not in the "
                                f"warehouse ({error}): point HC_DUCKDB_PATH to the warehouse the model was trained "
                                "on, or retrain on this one (`make train`)") from None
    except FeatureVersionError as error:
        raise FeatureStoreError(str(error)) from None


def check_signature(con: duckdb.DuckDBPyConnection, snapshot: str, schema: list[tuple[str, str]],
                    numeric: list[str], categorical: list[str]) -> None:
    """The model's inputs must be exactly the snapshot's feature columns, with matching kinds."""
    columns = {r[0]: r[1] for r in con.sql(f"describe {snapshot}").fetchall()}
    features = {c: t for c, t in columns.items() if c not in ID_COLUMNS}
    expected = dict(schema) if schema else {**{c: "double" for c in numeric}, **{c: "string" for c in categorical}}
    missing = sorted(set(expected) - set(features))
    extra = sorted(set(features) - set(expected))
    wrong = sorted(c for c, kind in expected.items() if c in features
                   and (kind == "string") != (features[c].split("(")[0] not in NUMERIC_TYPES))
    if missing or extra or wrong:
        raise FeatureStoreError(
            f"the model's signature does not match {snapshot}: {len(missing)} model inputs missing from it "
            f"{missing[:8]}, {len(extra)} columns the model does not know {extra[:8]}, {len(wrong)} of another "
            f"kind {wrong[:8]}: retrain the model on this feature version (`make train`)")


def cache_key(model_source: str, run_id: str | None, version: FeatureVersion, n_rows: int, features: list[str]) -> str:
    """What the matrices depend on: the model version, the feature version and its size."""
    text = "|".join([model_source, str(run_id), version.feature_version, version.created_at, str(n_rows), *features])
    return hashlib.sha256(text.encode()).hexdigest()[:20]


class ClientMatrix:
    """Memory-mapped model-ready rows of every client of one feature version."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        self.meta = meta
        self.ids = np.load(folder / "ids.npy", mmap_mode="r")
        self.numeric = np.load(folder / "numeric.npy", mmap_mode="r")
        self.codes = np.load(folder / "codes.npy", mmap_mode="r")
        self.transformed = np.load(folder / "transformed.npy", mmap_mode="r")
        self.numeric_columns: list[str] = meta["numeric"]
        self.categorical_columns: list[str] = meta["categorical"]
        self.categories: list[list[str]] = meta["categories"]
        self.medians: dict[str, float | None] = meta["medians"]
        self.modes: dict[str, str | None] = meta["modes"]
        self._position_cache: dict[tuple[str, ...], np.ndarray] = {}

    def index(self, client_id: int) -> int | None:
        """Row of a client, or None."""
        i = int(np.searchsorted(self.ids, client_id))
        return i if i < len(self.ids) and int(self.ids[i]) == client_id else None

    def model_rows(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """(numeric features, transformed row) of row i, each as a one-row array."""
        return np.array(self.numeric[i:i + 1]), np.array(self.transformed[i:i + 1])

    def categorical_block(self, i: int) -> np.ndarray:
        """The text features of row i as a one-row object array (None for missing)."""
        codes = self.codes[i].tolist()
        return np.array([[None if code < 0 else self.categories[j][code] for j, code in enumerate(codes)]],
                        dtype=object).reshape(1, len(codes))

    def values(self, client_id: int, columns: list[str]) -> dict[str, Any] | None:
        """Numeric features `columns` of a client (None for missing), or None for an unknown client."""
        i = self.index(client_id)
        if i is None:
            return None
        row = self.numeric[i]
        positions = self._positions(tuple(columns))
        return {c: (None if v != v else v) for c, v in zip(columns, row[positions].tolist(), strict=True)}

    def _positions(self, columns: tuple[str, ...]) -> np.ndarray:
        cached = self._position_cache.get(columns)
        if cached is None:
            index = {c: j for j, c in enumerate(self.numeric_columns)}
            cached = np.array([index[c] for c in columns], dtype=np.int64)
            self._position_cache[columns] = cached
        return cached

    def record(self, i: int) -> dict[str, Any]:
        """The features of row i as a JSON-ready dict (None for missing)."""
        out: dict[str, Any] = {}
        for c, v in zip(self.numeric_columns, self.numeric[i].tolist(), strict=True):
            out[c] = None if v != v else v
        for j, c in enumerate(self.categorical_columns):
            code = int(self.codes[i, j])
            out[c] = None if code < 0 else self.categories[j][code]
        return out


def _encode(chunk: pd.DataFrame, categorical: list[str], categories: list[dict[str, int]]) -> np.ndarray:
    codes = np.full((len(chunk), len(categorical)), -1, dtype=np.int32)
    for j, c in enumerate(categorical):
        lookup = categories[j]
        for r, v in enumerate(chunk[c].tolist()):
            if v is not None and v == v:
                codes[r, j] = lookup.setdefault(str(v), len(lookup))
    return codes


def build_matrix(con: duckdb.DuckDBPyConnection, snapshot: str, runtime: ModelRuntime, folder: Path, key: str) -> None:
    """Read the snapshot in chunks, prepare and transform it with the pipeline, write the matrices."""
    n = con.sql(f"select count(*) from {snapshot}").fetchall()[0][0]
    width = runtime.full_transform(runtime.scorer.prepare(
        con.sql(f"select * from {snapshot} order by client_id limit 1").df())).shape[1]
    tmp = folder.with_name(folder.name + f".tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    fmt = np.lib.format
    ids = fmt.open_memmap(tmp / "ids.npy", "w+", np.int64, (n,))
    numeric = fmt.open_memmap(tmp / "numeric.npy", "w+", np.float64, (n, len(runtime.numeric)))
    codes = fmt.open_memmap(tmp / "codes.npy", "w+", np.int32, (n, len(runtime.categorical)))
    transformed = fmt.open_memmap(tmp / "transformed.npy", "w+", np.float64, (n, width))
    categories: list[dict[str, int]] = [{} for _ in runtime.categorical]
    for start in range(0, n, CHUNK_ROWS):
        chunk = con.execute(f"select * from {snapshot} order by client_id limit {CHUNK_ROWS} offset {start}").df()
        prepared = runtime.scorer.prepare(chunk)
        stop = start + len(chunk)
        ids[start:stop] = chunk["client_id"].to_numpy(dtype=np.int64)
        numeric[start:stop] = prepared[runtime.numeric].to_numpy(dtype=np.float64)
        codes[start:stop] = _encode(prepared, runtime.categorical, categories)
        transformed[start:stop] = runtime.full_transform(prepared)
    medians = {c: (None if np.isnan(m) else float(m)) for c, m in zip(runtime.numeric, _nanmedian(numeric), strict=True)}
    modes = {}
    for j, c in enumerate(runtime.categorical):
        counts = np.bincount(codes[:, j][codes[:, j] >= 0], minlength=len(categories[j]))
        names = list(categories[j])
        modes[c] = names[int(counts.argmax())] if counts.size and counts.max() > 0 else None
    for array in (ids, numeric, codes, transformed):
        array.flush()
    meta = {"key": key, "snapshot": snapshot, "rows": n, "numeric": runtime.numeric, "categorical": runtime.categorical,
            "categories": [list(c) for c in categories], "medians": medians, "modes": modes}
    (tmp / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)


def _nanmedian(matrix: np.ndarray) -> np.ndarray:
    out = np.full(matrix.shape[1], np.nan)
    for j in range(matrix.shape[1]):
        column = np.asarray(matrix[:, j])
        column = column[~np.isnan(column)]
        if column.size:
            out[j] = np.median(column)
    return out


def load_matrix(con: duckdb.DuckDBPyConnection, snapshot: str, runtime: ModelRuntime, cache_dir: Path,
                key: str) -> ClientMatrix:
    """The matrices for `key`, built once under a file lock (other workers wait, then map them)."""
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    folder = cache_dir / key
    with open(cache_dir / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            meta = folder / "meta.json"
            if not meta.is_file() or json.loads(meta.read_text(encoding="utf-8")).get("key") != key:
                started = time.perf_counter()
                build_matrix(con, snapshot, runtime, folder, key)
                log.info("built the client matrices of %s in %.1f s (%s)", snapshot, time.perf_counter() - started, folder)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return ClientMatrix(folder)


class CursorPool:
    """One DuckDB cursor per thread on a shared read-only connection (a cursor is not thread-safe)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self._local = threading.local()
        self._lock = threading.Lock()
        self._all: list[duckdb.DuckDBPyConnection] = []

    def get(self) -> duckdb.DuckDBPyConnection:
        """This thread's cursor."""
        cursor = getattr(self._local, "cursor", None)
        if cursor is None:
            with self._lock:
                cursor = self.con.cursor()
                self._all.append(cursor)
            self._local.cursor = cursor
        return cursor

    def close(self) -> None:
        """Close every cursor, then the connection."""
        with self._lock:
            for cursor in self._all:
                cursor.close()
            self._all.clear()
            self.con.close()
