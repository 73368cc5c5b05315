"""Serving snapshots: what the API reads of one published feature version, in files of its own, defined once.

The API never reads the warehouse that `make features` and `dbt build` write (DuckDB gives a file's writer an
exclusive lock, so a server holding it open makes every build fail): it reads an immutable copy of what it needs:

    <serving dir>/<feature_version>/     HC_SERVING_DIR, default `<warehouse>.serving/` beside the warehouse file
        snapshot.duckdb    the version's row of marts.feature_versions, its feature snapshot and client profiles,
                           the raw applications of its clients (raw.application_train / raw.application_test), and,
                           empty, the per-client history models whose column lists the posted-application SQL reads
        manifest.json      the dbt manifest of the build (the compiled SQL that rebuilds a posted application)
        snapshot.json      written last, so its presence marks a complete snapshot: what it holds and when

Written by `dbt_project/pipeline` when it publishes a version, by the API once (under a file lock) for a version
published before snapshots existed, and by `scripts/container_bundle` into the serving bundle; read by the API.
The dbt manifest's graph (which models rebuild a posted application, which per-client inputs they read) is read
here too, because both the writer and the API need it.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from common.contracts.feature_versions import ID, REGISTRY, FeatureVersion

DATABASE, MANIFEST, DESCRIPTION = "snapshot.duckdb", "manifest.json", "snapshot.json"
APPLICATION_SOURCES = ("application_train", "application_test")
MART = "client_features"
RAW_APPLICATIONS = tuple(f"raw.{name}" for name in APPLICATION_SOURCES)
ATTACHED = "serving_snapshot"  # the snapshot's name while it is being written


class ManifestError(ValueError):
    """The dbt manifest cannot rebuild the feature version (missing nodes or sources)."""


def default_dir(duckdb_path: Path) -> Path:
    """`<warehouse stem>.serving/` beside the warehouse: each warehouse has its own (version ids restart at fv0001)."""
    path = Path(duckdb_path)
    return path.with_name(f"{path.stem}.serving")


def folder(serving_dir: Path, feature_version: str) -> Path:
    """The folder of one version's snapshot."""
    return Path(serving_dir) / feature_version


def is_complete(snapshot: Path) -> bool:
    """Whether `snapshot` (a folder) was written to the end."""
    return (snapshot / DESCRIPTION).is_file() and (snapshot / DATABASE).is_file() and (snapshot / MANIFEST).is_file()


def describe(snapshot: Path) -> dict[str, Any]:
    """What a complete snapshot holds (its snapshot.json)."""
    return json.loads((snapshot / DESCRIPTION).read_text(encoding="utf-8"))


# -- the dbt manifest's graph ------------------------------------------------------------------------------------
def mart_node(manifest: dict, model_version: int | None) -> str:
    """The unique id of the client_features node (the given dbt model version, else the latest)."""
    candidates = {k: n for k, n in manifest["nodes"].items() if n["resource_type"] == "model" and n["name"] == MART}
    if not candidates:
        raise ManifestError(f"the dbt manifest has no model {MART!r}")
    if model_version is None:
        model_version = max(int(n.get("latest_version") or n.get("version") or 0) for n in candidates.values())
    for key, node in candidates.items():
        if int(node.get("version") or 0) == int(model_version):
            return key
    raise ManifestError(f"the dbt manifest has no version {model_version} of {MART!r}")


def _parents(manifest: dict, unique_id: str) -> list[str]:
    node = manifest["nodes"].get(unique_id) or manifest["sources"].get(unique_id)
    return list((node or {}).get("depends_on", {}).get("nodes", []))


def _application_sources(manifest: dict) -> dict[str, str]:
    found = {n["name"]: k for k, n in manifest["sources"].items() if n["name"] in APPLICATION_SOURCES}
    if set(found) != set(APPLICATION_SOURCES):
        raise ManifestError(f"the dbt manifest lacks the sources {sorted(set(APPLICATION_SOURCES) - set(found))}")
    return found


def plan(manifest: dict, mart: str) -> tuple[list[str], list[str], dict[str, str]]:
    """Split the mart's ancestry into the models to re-run and the inputs to read per client.

    Returns:
        (models that depend on the application sources, in dependency order, ending with the mart;
        their other parents: the per-client history inputs; the application sources by name).
    """
    sources = _application_sources(manifest)
    touched: dict[str, bool] = {}

    def depends_on_application(uid: str) -> bool:
        if uid not in touched:
            touched[uid] = uid in sources.values() or any(depends_on_application(p) for p in _parents(manifest, uid))
        return touched[uid]

    order: list[str] = []

    def visit(uid: str) -> None:
        for parent in _parents(manifest, uid):
            if parent not in order and parent in manifest["nodes"] and depends_on_application(parent):
                visit(parent)
        if uid not in order:
            order.append(uid)

    if not depends_on_application(mart):
        raise ManifestError(f"{mart} does not depend on the application sources")
    visit(mart)
    history = sorted({p for uid in order for p in _parents(manifest, uid)
                      if p in manifest["nodes"] and not depends_on_application(p)})
    return order, history, sources


def relation_without_catalog(relation_name: str) -> str:
    """`"hc"."intermediate"."x"` -> `"intermediate"."x"` (the serving file's name differs from the build's)."""
    return ".".join(relation_name.split(".")[-2:])


def history_relations(manifest: dict, dbt_model_version: int | None) -> list[str]:
    """The per-client history models whose columns the posted-application SQL reads (`describe` only)."""
    _, history, _ = plan(manifest, mart_node(manifest, dbt_model_version))
    return [relation_without_catalog(manifest["nodes"][uid]["relation_name"]) for uid in history]


# -- the selection, and its writer -------------------------------------------------------------------------------
def selection(version: FeatureVersion, history: list[str]) -> dict[str, str]:
    """Relation of the snapshot -> the query on the warehouse that fills it: what the API reads, nothing more."""
    statements = {REGISTRY: f"select * from {REGISTRY} where feature_version = $v",
                  version.snapshot: f"select * from {version.snapshot}"}
    if version.profiles:
        statements[version.profiles] = f"select * from {version.profiles}"
    for table in RAW_APPLICATIONS:
        statements[table] = f"select * from {table} where SK_ID_CURR in (select {ID} from {version.snapshot})"
    for relation in history:
        statements[relation] = f"select * from {relation} limit 0"
    return statements


def write(con: duckdb.DuckDBPyConnection, version: FeatureVersion, manifest_path: Path, serving_dir: Path) -> Path:
    """Write the snapshot of `version` from the warehouse that is `con`'s default catalog; replace any older one.

    Written into a temporary folder renamed at the end, so a reader sees a complete snapshot or none.

    Returns:
        The snapshot's folder.
    """
    manifest_text = Path(manifest_path).read_text(encoding="utf-8")
    history = history_relations(json.loads(manifest_text), version.dbt_model_version)
    target = folder(serving_dir, version.feature_version)
    staging = target.with_name(f".{target.name}.tmp{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    started = time.perf_counter()
    con.execute(f"attach '{str(staging / DATABASE).replace(chr(39), chr(39) * 2)}' as {ATTACHED}")
    try:
        for schema in sorted({name.split(".")[0] for name in selection(version, history)}):
            con.execute(f"create schema if not exists {ATTACHED}.{schema}")
        rows = {}
        for table, select in selection(version, history).items():
            params = {"v": version.feature_version} if "$v" in select else None
            con.execute(f"create table {ATTACHED}.{table} as {select}", params)
            rows[table] = con.execute(f"select count(*) from {ATTACHED}.{table}").fetchall()[0][0]
    finally:
        con.execute(f"detach {ATTACHED}")
    (staging / MANIFEST).write_text(manifest_text, encoding="utf-8")
    description = {"feature_version": version.feature_version, "created_at": datetime.now(tz=UTC).isoformat(),
                   "feature_version_created_at": version.created_at, "tables": rows,
                   "seconds": round(time.perf_counter() - started, 2)}
    (staging / DESCRIPTION).write_text(json.dumps(description, indent=2), encoding="utf-8")
    if target.exists():  # an older warehouse's version of the same id
        old = target.with_name(f".{target.name}.old{os.getpid()}")
        target.rename(old)
        shutil.rmtree(old, ignore_errors=True)
    staging.rename(target)
    return target
