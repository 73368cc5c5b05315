"""Immutable feature versions: fingerprints, the `marts.feature_versions` registry and the pointer views.

Layout in the warehouse:
- `feature_store.client_features_v1`, `feature_store.client_profiles`: dbt's build-time candidates, rebuilt by
  every `dbt build`, never read by consumers; once published, views on the version they became (so that
  `dbt docs generate` and `dbt test` find them); after a failed build, the rejected candidate;
- `feature_store.client_features__<id>`, `feature_store.client_profiles__<id>`: the published versions. The
  publish step renames the validated candidates (a catalog change: no copy of 356k x 376 values, which would
  cost several seconds and a second copy on disk), so each version is kept as built; nothing writes to them
  afterwards;
- schema `marts` (written only here, never by dbt), what consumers read: `marts.feature_versions` (one row
  per attempt: id, time, fingerprints, counts, validation result, status `published` or `rejected`),
  `marts.client_features__<id>` and `marts.client_profiles__<id>` (a view per published version), and
  `marts.client_features` / `marts.client_profiles`, views on the latest published version.
Publishing is one DuckDB transaction: renames, views and registry row change together or not at all, so a
failed build never moves the pointer.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from common.contracts.feature_versions import (
    FEATURES,
    ID_COLUMNS,
    PROFILES,
    PUBLISHED,
    REGISTRY,
    REGISTRY_COLUMNS,
    REJECTED,
    SCHEMA,
    STORE,
    version_table,
)

BUILD_TABLES = {FEATURES: f"{STORE}.client_features_v1", PROFILES: f"{STORE}.client_profiles"}
DBT_MODEL_VERSION = 1
DBT_SOURCES = ("dbt_project.yml", "models", "macros", "tests")


@dataclass
class Attempt:
    """One build attempt, recorded in the registry whatever its outcome."""

    sql_fingerprint: str
    input_fingerprint: str
    created_at: datetime = field(default_factory=lambda: datetime.now(tz=UTC))
    validation: dict | None = None
    failed_step: str | None = None
    n_rows: int | None = None
    n_columns: int | None = None


def dbt_fingerprint(project_dir: Path) -> str:
    """SHA-256 of the dbt project's SQL and YAML (models, macros, tests, dbt_project.yml), path by path."""
    digest = hashlib.sha256()
    files: list[Path] = []
    for name in DBT_SOURCES:
        path = project_dir / name
        files += [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.suffix in (".sql", ".yml"))
    for path in files:
        digest.update(path.relative_to(project_dir).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def input_fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """SHA-256 over the input files' fingerprints recorded by the loader in raw._load_manifest."""
    try:
        relation = con.sql("select * from raw._load_manifest")
    except duckdb.CatalogException:
        raise LookupError("raw._load_manifest is missing: load the data first (python -m warehouse.load)") from None
    rows = [dict(zip(relation.columns, row, strict=True)) for row in relation.fetchall()]
    entries = sorted(f"{row.get('raw_table') or row.get('file_name') or row.get('file')}={row['fingerprint']}" for row in rows)
    return hashlib.sha256("\n".join(entries).encode()).hexdigest()


def ensure_registry(con: duckdb.DuckDBPyConnection) -> None:
    """Create schema marts and the registry table when absent."""
    columns = ", ".join(f"{name} {kind}" for name, kind in REGISTRY_COLUMNS.items())
    con.execute(f"create schema if not exists {SCHEMA}")
    con.execute(f"create table if not exists {REGISTRY} ({columns})")


def next_version_id(con: duckdb.DuckDBPyConnection) -> str:
    """fv0001, fv0002, ...: one more than the highest id in the registry."""
    rows = con.sql(f"select max(cast(substr(feature_version, 3) as integer)) from {REGISTRY}").fetchall()
    return f"fv{(rows[0][0] or 0) + 1:04d}"


def current_version(con: duckdb.DuckDBPyConnection) -> str | None:
    """The published version the view marts.client_features points to (the latest published), if any."""
    try:
        rows = con.sql(f"select feature_version from {REGISTRY} where status = '{PUBLISHED}' order by created_at desc limit 1").fetchall()
    except duckdb.CatalogException:
        return None
    return rows[0][0] if rows else None


def _insert(con: duckdb.DuckDBPyConnection, version: str, attempt: Attempt, published: bool) -> None:
    validation = attempt.validation
    values = {
        "feature_version": version,
        "created_at": attempt.created_at,
        "status": PUBLISHED if published else REJECTED,
        "failed_step": None if published else attempt.failed_step,
        "validation_passed": None if validation is None else bool(validation["success"]),
        "validation": None if validation is None else json.dumps(validation),
        "sql_fingerprint": attempt.sql_fingerprint,
        "input_fingerprint": attempt.input_fingerprint,
        "dbt_model_version": DBT_MODEL_VERSION,
        "n_rows": attempt.n_rows,
        "n_columns": attempt.n_columns,
        "n_features": None if attempt.n_columns is None else attempt.n_columns - len(ID_COLUMNS),
        "table_name": version_table(FEATURES, version) if published else None,
        "profiles_table_name": version_table(PROFILES, version) if published else None,
        "storage_table": f"{STORE}.{version_table(FEATURES, version)}" if published else None,
    }
    placeholders = ", ".join("?" for _ in values)
    con.execute(f"insert into {REGISTRY} ({', '.join(values)}) values ({placeholders})", list(values.values()))


def record_rejection(con: duckdb.DuckDBPyConnection, attempt: Attempt) -> str:
    """Record a failed attempt (no snapshot, the views stay where they are); returns its id."""
    ensure_registry(con)
    version = next_version_id(con)
    _insert(con, version, attempt, published=False)
    return version


def publish(con: duckdb.DuckDBPyConnection, attempt: Attempt) -> str:
    """Rename the validated candidates into version tables and move the views to them, in one transaction."""
    ensure_registry(con)
    con.execute("begin transaction")
    try:
        version = next_version_id(con)
        for mart, build_table in BUILD_TABLES.items():
            name = version_table(mart, version)
            con.execute(f"alter table {build_table} rename to {name}")
            # dbt's name now shows the published version (dbt docs, dbt test); the next dbt build replaces it
            con.execute(f"create view {build_table} as select * from {STORE}.{name}")
            con.execute(f"create view {SCHEMA}.{name} as select * from {STORE}.{name}")
            con.execute(f"create or replace view {SCHEMA}.{mart} as select * from {STORE}.{name}")
        _insert(con, version, attempt, published=True)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return version
