"""The events database (`HC_EVENTS_URL`, any SQLAlchemy URL): its tables, defined once.

| table | written by | read by |
|---|---|---|
| `prediction_events`: one row per scoring response | api | monitoring |
| `alerts`: one row per alert | monitoring | operators (`python -m monitoring`), tests |
| `principals`: the people and applications allowed in, their role, scopes and key hash | `python -m api principals` | api |
| `audit_log`: one row per request to `/v1/...`, append-only | api | `python -m monitoring audit` |
| `rate_counters`: requests per principal, kind of route and minute | api | api (every worker) |
| `decisions`: one row per human decision on a score, append-only (corrections supersede) | api | api, monitoring |

Events: created_at (UTC), request_id, endpoint, client_id (NULL for a new client), application_hash (SHA-256 of a
posted application, NULL for a score by id), features (JSON object: the model inputs used, by name), probability
(calibrated), decision (`refuse` / `accept`: the model's own words), threshold, model_name, model_version,
feature_version, latency_ms, principal (who asked); with shadow scoring (HC_SHADOW_CHALLENGER=1), the registry's
`challenger` version scored on the same request off the response path, written a moment after the row:
challenger_version, challenger_probability, challenger_decision (NULL without shadow scoring, or while it is
pending). Columns added after a table was created are nullable: `ensure_schema` adds them to an existing database.

Decisions: decision_id (public id), created_at, request_id (of the scoring response decided on, its event's
`request_id`), client_id (copied from that event), principal and role (who decided), decision (`accepted` /
`refused` / `referred`), reason_code (`common/contracts/decisions.py`), comment, supersedes (the decision_id it
corrects), and the model's side copied from the scoring event, never from the request: model_probability,
model_decision (`accepted` / `refused`), threshold, model_name, model_version, feature_version.
"""

from __future__ import annotations

import sqlalchemy as sa

METADATA = sa.MetaData()
EVENTS_TABLE = "prediction_events"
ALERTS_TABLE = "alerts"

EVENTS = sa.Table(
    EVENTS_TABLE, METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("request_id", sa.String(64), nullable=False, unique=True),
    sa.Column("endpoint", sa.String(64), nullable=False),
    sa.Column("client_id", sa.BigInteger, nullable=True, index=True),
    sa.Column("application_hash", sa.String(64), nullable=True),
    sa.Column("features", sa.Text, nullable=False),
    sa.Column("probability", sa.Float, nullable=False),
    sa.Column("decision", sa.String(16), nullable=False),
    sa.Column("threshold", sa.Float, nullable=False),
    sa.Column("model_name", sa.String(128), nullable=False),
    sa.Column("model_version", sa.String(32), nullable=False),
    sa.Column("feature_version", sa.String(64), nullable=False),
    sa.Column("latency_ms", sa.Float, nullable=False),
    sa.Column("principal", sa.String(128), nullable=True, index=True),
    sa.Column("challenger_version", sa.String(32), nullable=True),
    sa.Column("challenger_probability", sa.Float, nullable=True),
    sa.Column("challenger_decision", sa.String(16), nullable=True),
)

ALERTS = sa.Table(
    ALERTS_TABLE, METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("source", sa.String(32), nullable=False),  # drift | monitor | simulate
    sa.Column("kind", sa.String(32), nullable=False),  # feature_drift | score_shift | auc_drop | cost_increase
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("value", sa.Float),
    sa.Column("threshold", sa.Float),
    sa.Column("columns", sa.Text),  # JSON list of the columns concerned
    sa.Column("window", sa.Text),  # JSON: first and last event time, number of events
    sa.Column("report", sa.Text),  # path of the report that explains the alert
)

PRINCIPALS = sa.Table(
    "principals", METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(128), nullable=False, unique=True),
    sa.Column("role", sa.String(32), nullable=False),  # advisor | analyst | service | operator
    sa.Column("scopes", sa.String(256), nullable=False),  # space-separated, at most the role's
    sa.Column("key_id", sa.String(32), nullable=False, unique=True),  # public part of the key, finds the row
    sa.Column("key_hash", sa.String(256), nullable=False),  # scrypt of the secret part; the key itself is never stored
    sa.Column("subject", sa.String(256), nullable=True, unique=True),  # identity at the sign-in provider (e-mail)
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("rotated_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
)

AUDIT_LOG = sa.Table(
    "audit_log", METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("request_id", sa.String(64), nullable=False),
    sa.Column("principal", sa.String(128), nullable=True, index=True),  # NULL: no valid key
    sa.Column("role", sa.String(32), nullable=True),
    sa.Column("method", sa.String(8), nullable=False),
    sa.Column("route", sa.String(128), nullable=False),  # the route template, e.g. /v1/clients/{client_id}/score
    sa.Column("client_id", sa.BigInteger, nullable=True, index=True),
    sa.Column("application_hash", sa.String(64), nullable=True),
    sa.Column("status", sa.Integer, nullable=False),
)

DECISIONS = sa.Table(
    "decisions", METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),  # insertion order
    sa.Column("decision_id", sa.String(32), nullable=False, unique=True),  # the public id
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("decision_request_id", sa.String(64), nullable=False),  # the POST /v1/decisions request (audit_log)
    sa.Column("request_id", sa.String(64), nullable=False, index=True),  # the scoring decided on (prediction_events)
    sa.Column("client_id", sa.BigInteger, nullable=True, index=True),
    sa.Column("principal", sa.String(128), nullable=False, index=True),
    sa.Column("role", sa.String(32), nullable=True),
    sa.Column("decision", sa.String(16), nullable=False),  # accepted | refused | referred
    sa.Column("reason_code", sa.String(64), nullable=True),
    sa.Column("comment", sa.Text, nullable=True),
    sa.Column("supersedes", sa.String(32), nullable=True, unique=True),  # a decision is corrected at most once
    sa.Column("model_probability", sa.Float, nullable=False),
    sa.Column("model_decision", sa.String(16), nullable=False),  # accepted | refused
    sa.Column("threshold", sa.Float, nullable=False),
    sa.Column("model_name", sa.String(128), nullable=False),
    sa.Column("model_version", sa.String(32), nullable=False),
    sa.Column("feature_version", sa.String(64), nullable=False),
)

RATE_COUNTERS = sa.Table(
    "rate_counters", METADATA,
    sa.Column("principal", sa.String(128), primary_key=True),
    sa.Column("bucket", sa.String(32), primary_key=True),  # the kind of route: score, read, population, ...
    sa.Column("window_start", sa.BigInteger, primary_key=True),  # epoch seconds of the window's start
    sa.Column("count", sa.Integer, nullable=False),
)

# SQLite refuses any change to an audit row or a decision (other servers: grant INSERT and SELECT only on them)
APPEND_ONLY_TABLES = ("audit_log", "decisions")
APPEND_ONLY_SQLITE = [
    f"CREATE TRIGGER IF NOT EXISTS {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
    for table in APPEND_ONLY_TABLES for verb in ("UPDATE", "DELETE")]


def ensure_schema(engine: sa.Engine) -> None:
    """Create the missing tables, add columns newer than an existing table (nullable ones only), and make the
    audit log and the decisions append-only on SQLite. Safe to run from several workers at once."""
    try:
        METADATA.create_all(engine, checkfirst=True)
    except sa.exc.OperationalError:  # another worker created them at the same moment
        METADATA.create_all(engine, checkfirst=True)
    inspector = sa.inspect(engine)
    with engine.begin() as con:
        for table in METADATA.sorted_tables:
            present = {c["name"] for c in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name not in present and column.nullable:
                    kind = column.type.compile(dialect=engine.dialect)
                    con.execute(sa.text(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}'))
        if engine.dialect.name == "sqlite":
            for statement in APPEND_ONLY_SQLITE:
                con.execute(sa.text(statement))
