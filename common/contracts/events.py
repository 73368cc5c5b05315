"""The events database (`HC_EVENTS_URL`, any SQLAlchemy URL): its tables, defined once.

| table | written by | read by |
|---|---|---|
| `prediction_events`: one row per scoring response | api | monitoring |
| `alerts`: one row per alert | monitoring | operators (`python -m monitoring`), tests |

Events: created_at (UTC), request_id, endpoint, client_id (NULL for a new client), application_hash (SHA-256 of a
posted application, NULL for a score by id), features (JSON object: the model inputs used, by name), probability
(calibrated), decision (`refuse` / `accept`: the model's own words), threshold, model_name, model_version,
feature_version, latency_ms.
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
