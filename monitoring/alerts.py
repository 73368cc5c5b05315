"""Alerts: a row in the `alerts` table, a WARNING log line, a JSON POST to the webhook when one is set.

The caller turns "at least one alert" into a non-zero exit status (see `monitoring.__main__`), so a scheduler
sees the failure too. A webhook that cannot be reached is logged as an error and never hides the alert.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import httpx
import sqlalchemy as sa

from common.contracts.events import ALERTS, METADATA

log = logging.getLogger("monitoring.alerts")


def webhook_payload(alert: dict) -> dict:
    """The JSON body posted for one alert (`text` makes it readable in Slack/Teams-style incoming webhooks)."""
    return {"text": f"[credit-scoring {alert['source']}] {alert['message']}", **alert}


class AlertSink:
    """Where alerts go: the alerts table of `url`, the log, and `webhook` when set."""

    def __init__(self, url: str, webhook: str | None = None, timeout_s: float = 5.0) -> None:
        self.engine = sa.create_engine(url)
        self.webhook = webhook
        self.timeout_s = timeout_s

    def emit(self, alerts: list[dict], source: str, window: dict | None = None, report: str | None = None) -> list[dict]:
        """Record, log and post every alert; returns them as recorded (with `created_at` and `source`)."""
        if not alerts:
            return []
        now = datetime.now(UTC)
        rows = [{"created_at": now, "source": source, "kind": a["kind"], "message": a["message"],
                 "value": _number(a.get("value")), "threshold": _number(a.get("threshold")),
                 "columns": json.dumps(a.get("columns", [])), "window": json.dumps(window or {}, default=str),
                 "report": report} for a in alerts]
        METADATA.create_all(self.engine, tables=[ALERTS])
        with self.engine.begin() as con:
            con.execute(ALERTS.insert(), rows)
        recorded = []
        for alert in alerts:
            log.warning("ALERT %s (%s): %s", alert["kind"], source, alert["message"])
            full = {**alert, "source": source, "created_at": now.isoformat(), "window": window or {}, "report": report}
            recorded.append(full)
            self.post(full)
        return recorded

    def post(self, alert: dict) -> bool:
        """POST one alert to the webhook; False (and an ERROR log line) when it fails or none is set."""
        if not self.webhook:
            return False
        try:
            response = httpx.post(self.webhook, content=json.dumps(webhook_payload(alert), default=str),
                                  headers={"Content-Type": "application/json"}, timeout=self.timeout_s)
            response.raise_for_status()
        except httpx.HTTPError as exc:  # the URL is a secret (it carries the token): never in a log line
            status = getattr(getattr(exc, "response", None), "status_code", None)
            log.error("alert webhook (HC_ALERT_WEBHOOK) failed: %s%s", type(exc).__name__,
                      f", status {status}" if status else "")
            return False
        return True


def read_alerts(url: str) -> list[dict]:
    """Every recorded alert, oldest first (empty when the table does not exist yet)."""
    engine = sa.create_engine(url)
    if not sa.inspect(engine).has_table(ALERTS.name):
        return []
    with engine.connect() as con:
        return [dict(r._mapping) for r in con.execute(sa.select(ALERTS).order_by(ALERTS.c.id))]


def _number(value: object) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None
