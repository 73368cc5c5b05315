"""Feature versions: the `marts.feature_versions` registry, the published snapshots, and which one to read.

Written by `dbt_project/pipeline` (one registry row per build attempt; a published version gets an immutable table
in schema `feature_store` and a view `marts.client_features__<id>`); read by training (the latest published version
or a pinned one), the API (the version its model was trained on), monitoring and the technology watch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import duckdb

SCHEMA = "marts"
STORE = "feature_store"
REGISTRY = "marts.feature_versions"  # in SCHEMA
FEATURES, PROFILES = "client_features", "client_profiles"
ID, SPLIT, TARGET = "client_id", "split", "target"  # the columns of a snapshot that are not features
ID_COLUMNS = (ID, SPLIT, TARGET)
PUBLISHED, REJECTED = "published", "rejected"

REGISTRY_COLUMNS = {
    "feature_version": "VARCHAR PRIMARY KEY",
    "created_at": "TIMESTAMPTZ",
    "status": "VARCHAR",  # published | rejected
    "failed_step": "VARCHAR",  # NULL when published, else the step that failed
    "validation_passed": "BOOLEAN",  # NULL when validation did not run
    "validation": "JSON",  # the Great Expectations summary
    "sql_fingerprint": "VARCHAR",
    "input_fingerprint": "VARCHAR",
    "dbt_model_version": "INTEGER",
    "n_rows": "BIGINT",
    "n_columns": "BIGINT",
    "n_features": "BIGINT",
    "table_name": "VARCHAR",  # the version's view in schema marts, e.g. client_features__fv0003 (NULL if rejected)
    "profiles_table_name": "VARCHAR",
    "storage_table": "VARCHAR",  # the table holding it, e.g. feature_store.client_features__fv0003
}


class FeatureVersionError(LookupError):
    """The feature version asked for cannot be read (the message says why and what to do)."""


class UnknownFeatureVersionError(FeatureVersionError):
    """The registry has no such feature version (another warehouse built it)."""


def version_table(mart: str, version: str) -> str:
    """The name of a published version of a mart, e.g. `client_features__fv0003`."""
    return f"{mart}__{version}"


@dataclass(frozen=True)
class FeatureVersion:
    """One published feature version: its id, the relations holding it, and its registry row."""

    feature_version: str
    snapshot: str  # qualified relation of the features, e.g. marts."client_features__fv0003"
    profiles: str | None = None  # qualified relation of the client profiles, when the version has them
    dbt_model_version: int | None = None
    created_at: str = ""
    info: dict[str, Any] = field(default_factory=dict)  # the registry row, JSON-friendly


def is_published(row: dict[str, Any]) -> bool:
    """The one validity rule: published and not rejected by its validation (registries without a `status`
    column, from before it existed, rely on `validation_passed`)."""
    if "status" in row:
        return row["status"] == PUBLISHED and row.get("validation_passed") is not False
    return bool(row.get("validation_passed"))


def from_row(row: dict[str, Any]) -> FeatureVersion:
    """The FeatureVersion of a registry row."""
    version = str(row["feature_version"])
    profiles = row.get("profiles_table_name")
    info = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}
    return FeatureVersion(version, f'{SCHEMA}."{row.get("table_name") or version_table(FEATURES, version)}"',
                          f'{SCHEMA}."{profiles}"' if profiles else None, row.get("dbt_model_version"),
                          str(info.get("created_at")), info)


def _rows(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    try:
        relation = con.sql(f"select * from {REGISTRY} order by created_at desc")
    except duckdb.CatalogException:
        raise FeatureVersionError(f"the warehouse has no {REGISTRY}: build the features (`make features`)") from None
    return [dict(zip(relation.columns, r, strict=True)) for r in relation.fetchall()]


def resolve(con: duckdb.DuckDBPyConnection, version: str | None = None) -> FeatureVersion:
    """The pinned `version`, or the latest published one when None.

    Raises:
        FeatureVersionError: no registry, the version is unknown or was rejected, or none is published.
    """
    rows = _rows(con)
    if version is None:
        published = [r for r in rows if is_published(r)]
        if not published:
            raise FeatureVersionError(f"no published feature version in {REGISTRY}: build the features "
                                      "(`make features`)")
        return from_row(published[0])
    matches = [r for r in rows if str(r["feature_version"]) == version]
    if not matches:
        known = sorted(str(r["feature_version"]) for r in rows)
        raise UnknownFeatureVersionError(f"feature version {version!r} not found in {REGISTRY} (it has {known or 'none'})")
    if not is_published(matches[0]):
        raise FeatureVersionError(f"feature version {version!r} did not pass validation (status "
                                  f"{matches[0].get('status')!r}): use a published one")
    return from_row(matches[0])


def require_snapshot(con: duckdb.DuckDBPyConnection, version: FeatureVersion) -> FeatureVersion:
    """`version` when its snapshot relation exists in the warehouse.

    Raises:
        FeatureVersionError: the snapshot is missing.
    """
    try:
        con.sql(f"select {ID} from {version.snapshot} limit 0").fetchall()
    except duckdb.CatalogException:
        raise FeatureVersionError(f"the snapshot {version.snapshot} of feature version {version.feature_version!r} "
                                  "is missing from the warehouse") from None
    return version
