"""Start-up: load everything once, check it fits together, or refuse to start saying what is wrong.

Order: API keys -> model (registry or exported folder) -> the serving snapshot of its feature version (read-only;
written once from the warehouse when an older build published none: `api.snapshots`) -> the feature version
(published, validated, snapshot present) -> signature vs snapshot columns -> the dbt SQL for posted
applications (the snapshot's manifest; reproduces sample snapshot rows exactly) -> model-ready matrices (cached) ->
fast scoring path (reproduces the scorer exactly) -> population profiles -> event store.

The same checks run on a model loaded while the API serves (`api.reload`: a new champion, or the challenger scored
in the shadow): it is served only when they pass.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import duckdb
import numpy as np

from api.access import Guard, RateLimitConfigError, parse_rate_limits
from api.events import EventStore
from api.features import ApplicationFeatures, FeatureLogicError, build_query, load_manifest
from api.oidc import IdTokenVerifier, OidcConfigError
from api.population import Population
from api.principals import PrincipalError, PrincipalStore, parse_seed
from api.registry import LoadedModel, ModelLoadError, load_model
from api.runtime import ModelRuntime
from api.security import KeyConfigError, load_keys
from api.service import ScoringService
from api.snapshots import ensure_snapshot, open_snapshot
from api.store import (
    ClientMatrix,
    CursorPool,
    FeatureStoreError,
    FeatureVersion,
    cache_key,
    check_signature,
    load_matrix,
    served_version,
)
from common.contracts import serving
from common.settings import Settings

log = logging.getLogger(__name__)
SAMPLE_CLIENTS = 6
RUNTIME_CHECKS = 3


class StartupError(RuntimeError):
    """The API cannot serve: the message says what is wrong and how to fix it."""


def sample_clients(con: duckdb.DuckDBPyConnection, snapshot: str, n: int = SAMPLE_CLIENTS) -> list[int]:
    """A few clients spread over the id range, with and without history, for the start-up checks."""
    rows = con.sql(f"select client_id from {snapshot} order by client_id").fetchall()
    ids = [r[0] for r in rows]
    if not ids:
        raise StartupError(f"{snapshot} is empty")
    step = max(len(ids) // n, 1)
    return sorted(set(ids[::step][:n] + [ids[-1]]))


def _feature_logic(manifest_file: Path, con: duckdb.DuckDBPyConnection, version: FeatureVersion,
                   sample: list[int], matrix: ClientMatrix) -> ApplicationFeatures:
    manifest = load_manifest(manifest_file)
    features = ApplicationFeatures(build_query(manifest, con, version.snapshot, version.dbt_model_version), manifest)
    history = features.history_columns
    lookup = None
    if all(c in matrix.numeric_columns for c in history):
        lookup = lambda client_id: matrix.values(client_id, history)  # noqa: E731
    features.verify(con, version.snapshot, sample, lookup)
    log.info("posted applications: dbt SQL of %s verified on %d clients (%s path%s)", features.query.mart_node,
             len(sample), "fast" if features.use_fast else "full",
             ", history from the client matrix" if features.history_lookup else "")
    return features


def _runtime(model: LoadedModel, con: duckdb.DuckDBPyConnection, snapshot: str, sample: list[int]) -> ModelRuntime:
    """The model runtime, its fast path checked on a few rows (the scorer's own methods take ~0.1 s a row);
    the end-to-end check of every sample client follows in `_check_consistency`."""
    runtime = ModelRuntime(model.scorer)
    placeholders = ", ".join(str(int(i)) for i in sample[:RUNTIME_CHECKS])
    rows = con.sql(f"select * from {snapshot} where client_id in ({placeholders}) order by client_id").df()
    runtime.verify(rows)
    return runtime


def build_service(settings: Settings, events: EventStore | None = None, alias: str | None = None) -> ScoringService:
    """Everything a worker needs; StartupError with a readable message when something does not fit.

    Args:
        settings: the API's settings.
        events: the worker's event store when it already has one (a reload), else one is opened.
        alias: the registry alias to load (default: HC_MODEL_ALIAS, the champion).
    """
    started = time.perf_counter()
    steps: dict[str, float] = {}
    con = None

    def step(name: str) -> None:
        steps[name] = round(time.perf_counter() - started - sum(steps.values()), 2)

    try:
        model = load_model(settings if alias is None else settings.model_copy(update={"model_alias": alias}))
        step("model")
        snapshot = ensure_snapshot(settings, model.feature_version)
        con = open_snapshot(snapshot)
        step("snapshot")
        version = served_version(con, model.feature_version)
        runtime_model = model.scorer
        check_signature(con, version.snapshot, model.input_schema, runtime_model.numeric, runtime_model.categorical)
        sample = sample_clients(con, version.snapshot)
        runtime = _runtime(model, con, version.snapshot, sample)
        step("checks")
        n_rows = con.sql(f"select count(*) from {version.snapshot}").fetchall()[0][0]
        key = cache_key(model.facts.source, model.facts.run_id, version, n_rows, runtime.features)
        matrix = load_matrix(con, version.snapshot, runtime, settings.api_cache_dir, key)
        _check_matrix(matrix, runtime, con, version.snapshot, sample)
        step("matrix")
        features = _feature_logic(snapshot / serving.MANIFEST, con, version, sample, matrix)
        step("dbt SQL")
        profiles = version.profiles or "marts.client_profiles"
        population = Population.load(con, profiles, version.snapshot)
        own_events = events is None
        events = events or EventStore(settings.events_url, settings.events_synchronous)
        step("population and events")
    except (ModelLoadError, FeatureStoreError, FeatureLogicError, ValueError, OSError, duckdb.Error) as error:
        if con is not None:
            con.close()
        raise StartupError(str(error).splitlines()[0] if isinstance(error, duckdb.Error) else str(error)) from None
    service = ScoringService(model, runtime, version, matrix, features, CursorPool(con), population, events,
                             owns_events=own_events, snapshot=snapshot)
    try:
        _check_consistency(service, sample)
    except StartupError:
        service.close()
        raise
    step("consistency")
    seconds = time.perf_counter() - started
    service.startup_seconds = seconds
    log.info("ready: %s version %s, feature version %s, %d clients, threshold %.4f, %.1f s (%s)", model.facts.name,
             model.facts.version, version.feature_version, len(matrix.ids), model.threshold, seconds,
             ", ".join(f"{k} {v:.1f} s" for k, v in steps.items()))
    return service


def _check_consistency(service: ScoringService, sample: list[int]) -> None:
    """Posting a client's stored application unchanged must give exactly its stored score."""
    if service.stored_equals_posted(sample):
        log.warning("cached transformed rows differ from one-row transforms: scores by id transform on the fly")
        service.use_cached_rows = False
        differing = service.stored_equals_posted(sample)
        if differing:
            raise StartupError(f"posted applications do not reproduce the stored scores of clients {differing[:5]}: "
                               "the model's preprocessing is not deterministic row by row")


def _check_matrix(matrix: ClientMatrix, runtime: ModelRuntime, con: duckdb.DuckDBPyConnection, snapshot: str,
                  sample: list[int]) -> None:
    """The cached rows must equal what the pipeline gives for the same snapshot rows now."""
    placeholders = ", ".join(str(int(i)) for i in sample)
    rows = con.sql(f"select * from {snapshot} where client_id in ({placeholders}) order by client_id").df()
    expected = runtime.full_transform(runtime.scorer.prepare(rows))
    for k, client_id in enumerate(rows["client_id"].tolist()):
        i = matrix.index(int(client_id))
        if i is None or not np.array_equal(np.asarray(matrix.transformed[i]), expected[k], equal_nan=True):
            raise FeatureStoreError(f"the cached client matrix in {matrix.folder} does not match {snapshot} "
                                    f"(client {client_id}): delete the folder and restart")


def build_guard(settings: Settings, events: EventStore) -> Guard:
    """The principals, limits and token verifier every request is checked against; StartupError when the access
    configuration is incomplete (production: named principals only)."""
    shared = bool(settings.api_keys or settings.api_key_file)
    if settings.env == "production" and shared:
        raise StartupError("HC_API_KEYS / HC_API_KEY_FILE are shared development keys, with no named person behind "
                           "them: not allowed in production; add principals (`python -m api principals add NAME "
                           "--role ROLE`) and unset them")
    try:
        dev_keys = load_keys(settings) if shared else ()
        limits = parse_rate_limits(settings.rate_limits)
    except (KeyConfigError, RateLimitConfigError) as error:
        raise StartupError(str(error)) from None
    principals = PrincipalStore(events.engine, dev_keys, events.nowait)
    if settings.principals_seed:
        try:
            principals.seed(parse_seed(settings.principals_seed))
        except PrincipalError as error:
            raise StartupError(str(error)) from None
    if not dev_keys and principals.count_active() == 0:
        raise StartupError("no principal can call the API: add one (`python -m api principals add NAME --role "
                           "ROLE`, in the events database HC_EVENTS_URL)"
                           + ("" if settings.env == "production" else " or set HC_API_KEYS for development"))
    verifier = None
    if settings.oidc_issuer or settings.oidc_client_id:
        if not (settings.oidc_issuer and settings.oidc_client_id):
            raise StartupError("OpenID Connect needs both HC_OIDC_ISSUER and HC_OIDC_CLIENT_ID")
        try:
            verifier = IdTokenVerifier(settings.oidc_issuer, settings.oidc_client_id)
        except OidcConfigError as error:
            raise StartupError(str(error)) from None
    log.info("access: %d active principal(s)%s, limits %s%s", principals.count_active(),
             " + the development key(s) of HC_API_KEYS" if dev_keys else "",
             ", ".join(f"{k} {v.count}/{v.unit}" for k, v in limits.items()),
             f", ID tokens of {settings.oidc_issuer}" if verifier else "")
    return Guard(principals, events, limits, verifier)
