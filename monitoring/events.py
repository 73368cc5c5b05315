"""Read a window of the API's prediction events (the API writes them; monitoring only reads).

The event store is any SQLAlchemy URL (`HC_EVENTS_URL`, SQLite in WAL mode by default); its table is a contract
(`common/contracts/events.py`). `COLUMNS` maps the names monitoring uses to its columns.
The feature values a score was computed from are a JSON object per event; only the monitored features are
expanded into columns.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
import sqlalchemy as sa

from common.contracts.events import EVENTS

log = logging.getLogger(__name__)
# canonical name -> column of the API's event table
COLUMNS = {
    "time": "created_at", "request_id": "request_id", "endpoint": "endpoint", "client_id": "client_id",
    "features": "features", "probability": "probability", "decision": "decision", "threshold": "threshold",
    "model_version": "model_version", "feature_version": "feature_version",
    "challenger_version": "challenger_version", "challenger_probability": "challenger_probability",
    "challenger_decision": "challenger_decision",
}


@dataclass(frozen=True)
class Window:
    """Which events to read: the last `last` ones, or those with since <= time < until (either bound optional)."""

    last: int | None = None
    since: datetime | None = None
    until: datetime | None = None

    def describe(self) -> str:
        """A short human description of the window."""
        if self.since or self.until:
            return f"events from {self.since or 'the start'} to {self.until or 'now'}" + (
                f" (at most the last {self.last})" if self.last else "")
        return f"the last {self.last} events" if self.last else "every event"


def events_table(engine: sa.Engine) -> sa.Table:
    """The event table of the contract, once the API has created it.

    Raises:
        LookupError: the table does not exist (the API has not scored anything yet).
    """
    if not sa.inspect(engine).has_table(EVENTS.name):
        raise LookupError(f"no {EVENTS.name!r} table in {engine.url.render_as_string(hide_password=True)}: "
                          "no prediction has been logged yet")
    return EVENTS


def read_events(url: str, window: Window, features: list[str]) -> pd.DataFrame:
    """Events of `window`, oldest first: canonical columns plus one column per monitored feature.

    Feature values absent from an event's JSON are missing values.
    """
    engine = sa.create_engine(url)
    try:
        table = events_table(engine)
        present = {c["name"] for c in sa.inspect(engine).get_columns(table.name)}  # an older database lacks some
        cols = {name: table.c[col] for name, col in COLUMNS.items() if col in table.c and col in present}
        time = cols["time"]
        query = sa.select(*[c.label(name) for name, c in cols.items()])
        if window.since is not None:
            query = query.where(time >= window.since)
        if window.until is not None:
            query = query.where(time < window.until)
        query = query.order_by(time.desc())
        if window.last:
            query = query.limit(window.last)
        with engine.connect() as con:
            frame = pd.DataFrame(con.execute(query).mappings().all(), columns=list(cols))
    finally:
        engine.dispose()
    frame = frame.iloc[::-1].reset_index(drop=True)
    return expand_features(frame, features)


def expand_features(frame: pd.DataFrame, features: list[str]) -> pd.DataFrame:
    """Replace the JSON `features` column with one column per monitored feature."""
    records = [_load(v) for v in frame.pop("features")] if "features" in frame else [{} for _ in range(len(frame))]
    values = pd.DataFrame.from_records([{f: r.get(f) for f in features} for r in records], columns=features,
                                       index=frame.index)
    for col in values:
        numeric = pd.to_numeric(values[col], errors="coerce")
        if numeric.notna().sum() == values[col].notna().sum():
            values[col] = numeric.astype("float64")
    out = pd.concat([frame, values], axis=1)
    out["time"] = pd.to_datetime(out["time"], utc=True, format="mixed")
    out["probability"] = pd.to_numeric(out["probability"], errors="coerce")
    if "client_id" in out:
        out["client_id"] = pd.to_numeric(out["client_id"], errors="coerce").astype("Int64")
    return out


def _load(value: object) -> dict:
    if isinstance(value, dict):
        return value
    if value is None or value == "":
        return {}
    try:
        loaded = json.loads(value)
    except (TypeError, ValueError):
        log.warning("an event's features are not JSON: ignored")
        return {}
    return loaded if isinstance(loaded, dict) else {}
