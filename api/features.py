"""Features of a posted application, computed by the compiled SQL of the dbt models themselves.

No second copy of the feature logic: at start-up the dbt manifest gives the compiled SQL of the mart
(`client_features`) and of every model between it and the application sources (`raw.application_train`,
`raw.application_test`): today `stg_applications` and `int_applications_enriched`. Those statements are
chained into one parameterised DuckDB query in which

- the two application sources become a one-row relation built from query parameters (the posted fields,
  cast to the raw column types; nothing posted is ever written into the SQL text);
- every other input of those models (the per-client history aggregates `int_*_aggregated_to_clients`) becomes
  that client's row read from the immutable feature snapshot the model was trained on (the aggregates are
  copied there unchanged by the mart), or no row for a new client, exactly as dbt sees a client without history.

So a posted application goes through the same SQL, in the same DuckDB, as the mart row of the snapshot;
`ApplicationFeatures.verify` checks at start-up that unmodified applications give back the snapshot rows exactly.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from common.contracts.serving import ManifestError, mart_node, plan, relation_without_catalog

POSTED = 'temp.main."__hc_posted_application"'
FULL_CHECKS = 3
NEW_CLIENT_ID = 0  # SK_ID_CURR of a posted application without client: no real id is 0, and it has no history


class FeatureLogicError(ManifestError):
    """The dbt manifest cannot rebuild the feature version (missing nodes, columns or differing results)."""


@dataclass(frozen=True)
class RawColumn:
    """One column of the raw application table: Kaggle name and DuckDB type."""

    name: str
    duckdb_type: str


@dataclass(frozen=True)
class FeatureQuery:
    """The chained, parameterised query and what it needs."""

    sql: str
    ctes: Mapping[str, str]
    columns: tuple[RawColumn, ...]
    history_inputs: Mapping[str, tuple[str, ...]]
    mart_node: str


def load_manifest(path: Path) -> dict:
    """The dbt manifest (target/manifest.json) as a dict.

    Raises:
        FeatureLogicError: the file is missing or unreadable.
    """
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise FeatureLogicError(f"cannot read the dbt manifest {path}: {error} (run `make features` first)") from None


def _alias(uid: str) -> str:
    return '"__dbt_' + uid.split(".", 2)[-1].replace(".", "_").replace('"', "") + '"'


def raw_columns(con: duckdb.DuckDBPyConnection, table: str = "raw.application_test") -> tuple[RawColumn, ...]:
    """The columns of the raw application table (SK_ID_CURR first), with their DuckDB types."""
    rows = con.sql(f"describe {table}").fetchall()
    return tuple(RawColumn(r[0], r[1]) for r in rows)


def build_query(manifest: dict, con: duckdb.DuckDBPyConnection, snapshot: str,
                dbt_model_version: int | None = None) -> FeatureQuery:
    """Chain the compiled SQL of the models between the application sources and the mart into one query.

    Args:
        manifest: the dbt manifest (compiled; `dbt build` writes one).
        con: a connection to the warehouse (read-only), to read the raw and history column lists.
        snapshot: the qualified snapshot table of the feature version (e.g. `marts."client_features__fv0001"`).
        dbt_model_version: the dbt version of `client_features` the feature version was built from.

    Raises:
        FeatureLogicError: a node is not compiled, or a history input's columns are not in the snapshot.
    """
    mart = mart_node(manifest, dbt_model_version)
    order, history, sources = plan(manifest, mart)
    columns = raw_columns(con)
    snapshot_columns = {r[0] for r in con.sql(f"describe {snapshot}").fetchall()}
    ctes = {sources["application_test"]: f"select * from {POSTED}",
            sources["application_train"]: f'select *, cast(null as BIGINT) as "TARGET" from {POSTED} where false'}
    history_inputs: dict[str, tuple[str, ...]] = {}
    for uid in history:
        relation = relation_without_catalog(manifest["nodes"][uid]["relation_name"])
        cols = tuple(r[0] for r in con.sql(f"describe {relation}").fetchall())
        missing = [c for c in cols if c not in snapshot_columns]
        if missing:
            raise FeatureLogicError(f"{uid} columns {missing[:5]} are not in {snapshot}: the mart no longer copies "
                                    "this input unchanged; the API cannot rebuild posted applications")
        history_inputs[uid] = cols
        quoted = ", ".join(f'"{c}"' for c in cols)
        ctes[uid] = f"select {quoted} from {snapshot} where client_id = $client_id"
    replacements = {(manifest["nodes"].get(u) or manifest["sources"][u])["relation_name"]: _alias(u) for u in ctes}
    replacements |= {manifest["nodes"][u]["relation_name"]: _alias(u) for u in order}
    for uid in order:
        code = manifest["nodes"][uid].get("compiled_code")
        if not code:
            raise FeatureLogicError(f"{uid} is not compiled in the manifest (run `dbt build` or `make features`)")
        for relation, alias in sorted(replacements.items(), key=lambda kv: -len(kv[0])):
            code = code.replace(relation, alias)
        ctes[uid] = code
    return FeatureQuery(f"{_with(ctes)}\nselect * from {_alias(mart)}", ctes, columns, history_inputs, mart)


def _with(ctes: Mapping[str, str]) -> str:
    return "with " + ",\n".join(f"{_alias(uid)} as (\n{sql}\n)" for uid, sql in ctes.items())


class ApplicationFeatures:
    """Runs the dbt SQL for one posted application.

    Two ways, checked against each other and against the snapshot at start-up (`verify`):
    - `full`: the whole chain down to the mart, in one query (DuckDB spends about 150 ms planning the mart's
      wide joins and column expressions);
    - `fast` (used when verified): the chain down to the models just above the mart (the application-level
      models, about 20 ms), then the mart row assembled by column name from their outputs and the client's
      history inputs, which is all the mart does today (a left join on client_id, counts of absent history
      set to 0). For a new client, the history part is the one the full chain gives for no history.
    """

    def __init__(self, query: FeatureQuery, manifest: dict) -> None:
        self.query = query
        self.application_fields = [c.name for c in query.columns if c.name != "SK_ID_CURR"]
        order, _, _ = plan(manifest, query.mart_node)
        self.levels = order[:-1]
        prefix = _with({u: sql for u, sql in query.ctes.items() if u not in query.history_inputs and u != query.mart_node})
        picks = ", ".join(f"(select t from {_alias(uid)} t) as \"{i}\"" for i, uid in enumerate(self.levels))
        self.fast_prefix = prefix
        self.fast_sql = f"{prefix}\nselect {picks}"
        self.history_columns = [c for cols in query.history_inputs.values() for c in cols if c != "client_id"]
        self.history_sql = ("select " + ", ".join(f'"{c}"' for c in self.history_columns)
                            + " from {snapshot} where client_id = $client_id")
        self.columns: list[str] = []
        self.no_history: dict[str, Any] = {}
        self.snapshot = ""
        self.use_fast = False
        self._ready: set[int] = set()
        # the client's history aggregates as stored in the snapshot; default: read from it with DuckDB
        self.history_lookup: Callable[[int], dict[str, Any] | None] | None = None

    def _post(self, cursor: duckdb.DuckDBPyConnection, application: Mapping[str, Any], client_id: int | None) -> None:
        """Put the application into this connection's temporary one-row table (parameterised insert)."""
        if id(cursor) not in self._ready:
            types = ", ".join(f'"{c.name}" {c.duckdb_type}' for c in self.query.columns)
            cursor.execute(f"create or replace temp table \"__hc_posted_application\" ({types})")
            self._ready.add(id(cursor))
        values = [(NEW_CLIENT_ID if client_id is None else client_id) if c.name == "SK_ID_CURR"
                  else application.get(c.name) for c in self.query.columns]
        cursor.execute(f"delete from {POSTED}")
        cursor.execute(f"insert into {POSTED} values ({', '.join('?' for _ in values)})", values)

    def full(self, cursor: duckdb.DuckDBPyConnection, application: Mapping[str, Any],
             client_id: int | None) -> dict[str, Any]:
        """The mart row of one application by the whole chained dbt SQL."""
        self._post(cursor, application, client_id)
        relation = cursor.execute(self.query.sql, {"client_id": client_id})
        names = [d[0] for d in relation.description]
        return dict(zip(names, relation.fetchall()[0], strict=True))

    def fast(self, cursor: duckdb.DuckDBPyConnection, application: Mapping[str, Any],
             client_id: int | None) -> dict[str, Any]:
        """The mart row of one application: application-level dbt SQL, then assembly by column name."""
        self._post(cursor, application, client_id)
        levels = cursor.execute(self.fast_sql).fetchall()[0]
        history = self.no_history
        if client_id is not None:
            found = self.history_lookup(client_id) if self.history_lookup else self._history(cursor, client_id)
            history = found if found is not None else self.no_history
        values: dict[str, Any] = {}
        for level in reversed(levels):
            values.update(level or {})
        values.update(history)
        return {c: values.get(c) for c in self.columns}

    def _history(self, cursor: duckdb.DuckDBPyConnection, client_id: int) -> dict[str, Any] | None:
        found = cursor.execute(self.history_sql.format(snapshot=self.snapshot), {"client_id": client_id}).fetchall()
        return dict(zip(self.history_columns, found[0], strict=True)) if found else None

    def compute(self, cursor: duckdb.DuckDBPyConnection, application: Mapping[str, Any],
                client_id: int | None) -> dict[str, Any]:
        """The mart row (every column, as DuckDB computes it) of one application.

        Args:
            cursor: a DuckDB connection or cursor on the warehouse (one per thread).
            application: raw Kaggle fields (missing or None = NULL); SK_ID_CURR is ignored.
            client_id: an existing client whose history aggregates are kept, or None for a new client.
        """
        if self.use_fast:
            return self.fast(cursor, application, client_id)
        return self.full(cursor, application, client_id)

    def compute_variants(self, cursor: duckdb.DuckDBPyConnection, application: Mapping[str, Any],
                         client_id: int | None, changes: Mapping[str, list[Any]]) -> list[dict[str, Any]]:
        """The mart rows of variants of one application (a counter-offer's candidates) in one query.

        The application is posted as by `compute`, then copied once per variant with the changed fields (cast to
        their raw types) and a distinct negative SK_ID_CURR (which the models read only to join); the same
        application-level dbt SQL as `fast` runs over them all, then the same assembly with the client's history.
        One variant at a time through `compute` when the fast way is not verified.

        Args:
            cursor: a DuckDB connection or cursor on the warehouse (one per thread).
            application: raw Kaggle fields of the base application.
            client_id: an existing client whose history aggregates are kept, or None for a new client.
            changes: raw field -> its value in each variant (lists of the same length).
        """
        n = len(next(iter(changes.values()), []))
        if not self.use_fast:
            return [self.compute(cursor, {**application, **{f: v[i] for f, v in changes.items()}}, client_id)
                    for i in range(n)]
        types = {c.name: c.duckdb_type for c in self.query.columns}
        unknown = sorted(set(changes) - set(types) | ({"SK_ID_CURR"} & set(changes)))
        if unknown:
            raise ValueError(f"cannot vary {unknown}: not application fields")
        self._post(cursor, application, client_id)
        fields = sorted(changes)
        replaced = ", ".join(['v.k as "SK_ID_CURR"'] + [f'cast(v.c{j} as {types[f]}) as "{f}"' for j, f in enumerate(fields)])
        lists = ", ".join(["unnest($k) as k"] + [f"unnest($c{j}) as c{j}" for j in range(len(fields))])
        params = {"k": [-(i + 1) for i in range(n)]} | {f"c{j}": list(changes[f]) for j, f in enumerate(fields)}
        cursor.execute(f"insert into {POSTED} select p.* replace ({replaced}) from {POSTED} p, (select {lists}) v",
                       params)
        cursor.execute(f'delete from {POSTED} where "SK_ID_CURR" >= 0')
        picks = ", ".join(f'l{i} as "{i}"' for i in range(len(self.levels)))
        joins = " ".join(f"join {_alias(uid)} l{i} on l{i}.client_id = l0.client_id"
                         for i, uid in enumerate(self.levels) if i)
        found = cursor.execute(f"{self.fast_prefix}\nselect {picks} from {_alias(self.levels[0])} l0 {joins} "
                               "order by l0.client_id desc").fetchall()
        history = self.no_history
        if client_id is not None:
            looked_up = self.history_lookup(client_id) if self.history_lookup else self._history(cursor, client_id)
            history = looked_up if looked_up is not None else self.no_history
        out = []
        for levels in found:
            values: dict[str, Any] = {}
            for level in reversed(levels):
                values.update(level or {})
            values.update(history)
            values["client_id"] = NEW_CLIENT_ID if client_id is None else client_id
            out.append({c: values.get(c) for c in self.columns})
        return out

    def verify(self, con: duckdb.DuckDBPyConnection, snapshot: str, client_ids: list[int],
               history_lookup: Callable[[int], dict[str, Any] | None] | None = None) -> None:
        """Check both ways against the snapshot rows of `client_ids` (and each other for a new client).

        The full chain must reproduce the snapshot exactly (else FeatureLogicError); the fast way is used
        only when it gives the same rows too. `history_lookup` (e.g. the in-memory client matrix) replaces
        the DuckDB read of a client's history aggregates in the fast way when it gives the same rows.
        """
        self.snapshot = snapshot
        self.columns = [r[0] for r in con.sql(f"describe {snapshot}").fetchall()]
        probe = raw_application(con, client_ids[0], self.query.columns)
        self.no_history = {c: v for c, v in self.full(con, probe, None).items() if c in self.history_columns}
        cases = []
        for i, client_id in enumerate(client_ids):
            application = raw_application(con, client_id, self.query.columns)
            stored = snapshot_row(con, snapshot, client_id)
            if i < FULL_CHECKS:  # the full chain costs about 150 ms a row
                _compare(self.full(con, application, client_id), stored, snapshot, client_id)
            cases.append((client_id, application, stored))
        new_full = self.full(con, probe, None)
        for lookup in ([history_lookup] if history_lookup else []) + [None]:
            self.history_lookup = lookup
            same = all(not _differences(self.fast(con, a, c), stored) for c, a, stored in cases)
            if same and not _differences(self.fast(con, probe, None), new_full):
                self.use_fast = True
                return
        self.use_fast = False


def raw_application(con: duckdb.DuckDBPyConnection, client_id: int, columns: tuple[RawColumn, ...]) -> dict[str, Any]:
    """The raw application row of a client (train or test), Kaggle column names."""
    select = ", ".join(f'"{c.name}"' for c in columns)
    found = con.execute(f"select {select} from raw.application_train where SK_ID_CURR = $id union all "
                        f"select {select} from raw.application_test where SK_ID_CURR = $id", {"id": client_id})
    rows = found.fetchall()
    if not rows:
        raise FeatureLogicError(f"client {client_id} has no raw application")
    return dict(zip([c.name for c in columns], rows[0], strict=True))


def snapshot_row(con: duckdb.DuckDBPyConnection, snapshot: str, client_id: int) -> dict[str, Any]:
    """One row of the feature snapshot, every column."""
    relation = con.execute(f"select * from {snapshot} where client_id = $id", {"id": client_id})
    names = [d[0] for d in relation.description]
    return dict(zip(names, relation.fetchall()[0], strict=True))


def same_value(a: Any, b: Any) -> bool:
    """Equality with NULL == NULL and NaN == NaN (the snapshot check)."""
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


def _differences(rebuilt: Mapping[str, Any], stored: Mapping[str, Any]) -> list[str]:
    ignored = ("split", "target")
    return [c for c in stored if c not in ignored and (c not in rebuilt or not same_value(rebuilt[c], stored[c]))]


def _compare(rebuilt: Mapping[str, Any], stored: Mapping[str, Any], snapshot: str, client_id: int) -> None:
    differing = _differences(rebuilt, stored)
    if differing:
        raise FeatureLogicError(
            f"the dbt SQL of the manifest does not reproduce {snapshot} for client {client_id} (columns "
            f"{differing[:5]} differ): the raw tables or the dbt models changed since this feature version was "
            "built; rebuild the features (`make features`) and retrain, or point HC_DBT_MANIFEST_PATH to the "
            "manifest of that build")
