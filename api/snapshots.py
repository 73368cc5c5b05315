"""The serving snapshot of the model's feature version (`common/contracts/serving.py`): found, or written once.

The features stage writes a snapshot when it publishes a version. A version published before snapshots existed has
none: the first worker to start writes it from the warehouse (read-only, a few seconds; under a file lock, the other
workers wait, then read it). Only then is the warehouse opened, and only for that copy: the API serves from the
snapshot, so `make features` and `dbt build` can write the warehouse while it serves. When the warehouse cannot be
read at that moment (a build holds it), start-up fails saying so: start the API again once the build is over (the
build itself writes the snapshot of the version it publishes).
"""

from __future__ import annotations

import fcntl
import logging
from pathlib import Path

import duckdb

from api.store import FeatureStoreError, served_version
from common.contracts import serving
from common.settings import Settings

log = logging.getLogger(__name__)


def serving_dir(settings: Settings) -> Path:
    """HC_SERVING_DIR, else the folder beside the warehouse."""
    return settings.serving_dir or serving.default_dir(settings.duckdb_path)


def manifest_path(settings: Settings) -> Path:
    """The dbt manifest of the last build (copied into a snapshot written here)."""
    return settings.dbt_manifest_path or settings.dbt_project_dir / "target" / "manifest.json"


def ensure_snapshot(settings: Settings, feature_version: str | None) -> Path:
    """The folder of the complete serving snapshot of `feature_version`, written from the warehouse when missing.

    Raises:
        FeatureStoreError: the model names no feature version, or the snapshot is missing and cannot be written
            (the message says why and what to run).
    """
    if not feature_version:
        raise FeatureStoreError("the model does not say which feature version it was trained on "
                                "(no feature_version tag): retrain it with `make train`")
    root = serving_dir(settings)
    folder = serving.folder(root, feature_version)
    if serving.is_complete(folder):
        return folder
    root.mkdir(parents=True, exist_ok=True)
    with open(root / f"{feature_version}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not serving.is_complete(folder):  # another worker may have written it while this one waited
                log.info("feature version %s was published without a serving snapshot", feature_version)
                write_from_warehouse(settings.duckdb_path, feature_version, manifest_path(settings), root)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return folder


def write_from_warehouse(warehouse: Path, feature_version: str, manifest: Path, root: Path) -> Path:
    """Write the serving snapshot of `feature_version` from the warehouse file (opened read-only) into `root`.

    Raises:
        FeatureStoreError: the warehouse is missing or cannot be read now, or the snapshot cannot be written.
    """
    warehouse = Path(warehouse)
    if not warehouse.is_file():
        raise FeatureStoreError(f"no serving snapshot of feature version {feature_version!r} in {root} and no "
                                f"warehouse at {warehouse} to write it from: build the features (`make features`), "
                                "or set HC_SERVING_DIR / HC_DUCKDB_PATH")
    log.info("writing the serving snapshot of feature version %s from %s into %s", feature_version, warehouse, root)
    con = duckdb.connect()
    try:
        try:
            con.execute(f"attach '{_quoted(warehouse.resolve())}' as warehouse (read_only)")
        except duckdb.Error as error:
            raise FeatureStoreError(
                f"feature version {feature_version!r} has no serving snapshot in {root} and the warehouse {warehouse} "
                f"cannot be read to write it ({str(error).splitlines()[0]}): a feature build is probably writing it; "
                "start the API again once `make features` is over") from None
        con.execute("use warehouse")
        version = served_version(con, feature_version)
        try:
            written = serving.write(con, version, manifest, root)
        except OSError as error:
            raise FeatureStoreError(f"cannot write the serving snapshot of {feature_version!r} into {root}: "
                                    f"{error} (`make features` writes it too)") from None
    finally:
        con.close()
    log.info("serving snapshot written: %s (%s s)", written, serving.describe(written)["seconds"])
    return written


def open_snapshot(folder: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to a snapshot's DuckDB file."""
    path = folder / serving.DATABASE
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.Error as error:
        raise FeatureStoreError(f"cannot open the serving snapshot {path} read-only: {str(error).splitlines()[0]}") from None


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")
