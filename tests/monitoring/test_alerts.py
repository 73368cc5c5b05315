"""Alerts: a row in the alerts table, a WARNING line, a POST to the webhook; a dead webhook hides nothing."""

from __future__ import annotations

import json
import logging

import pytest

from monitoring.alerts import AlertSink, read_alerts

ALERT = {"kind": "feature_drift", "value": 0.4, "threshold": 0.3, "columns": ["amt_income_total", "days_birth"],
         "message": "2 of 5 monitored features drifted (share 0.40 >= 0.30): amt_income_total, days_birth"}


def test_an_alert_is_a_row_a_warning_and_a_post(tmp_path, webhook, caplog: pytest.LogCaptureFixture) -> None:
    url, received = webhook
    db = f"sqlite:///{tmp_path / 'events.sqlite'}"
    sink = AlertSink(db, url)
    with caplog.at_level(logging.WARNING, logger="monitoring.alerts"):
        recorded = sink.emit([ALERT], "monitor", window={"n_events": 500}, report="reports/monitor/monitor.md")
    rows = read_alerts(db)
    assert len(rows) == 1
    row = rows[0]
    assert (row["source"], row["kind"], row["value"], row["threshold"]) == ("monitor", "feature_drift", 0.4, 0.3)
    assert json.loads(row["columns"]) == ["amt_income_total", "days_birth"]
    assert json.loads(row["window"]) == {"n_events": 500}
    assert row["report"] == "reports/monitor/monitor.md"
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert [r.getMessage() for r in warnings] == [f"ALERT feature_drift (monitor): {ALERT['message']}"]
    assert len(received) == 1
    post = received[0]
    assert post["path"] == "/hooks/alerts" and post["content_type"] == "application/json"
    assert post["body"]["kind"] == "feature_drift"
    assert post["body"]["columns"] == ["amt_income_total", "days_birth"]
    assert post["body"]["text"] == f"[credit-scoring monitor] {ALERT['message']}"
    assert recorded[0]["source"] == "monitor"


def test_no_alert_writes_nothing(tmp_path, webhook) -> None:
    url, received = webhook
    db = f"sqlite:///{tmp_path / 'events.sqlite'}"
    assert AlertSink(db, url).emit([], "monitor") == []
    assert read_alerts(db) == []
    assert received == []


def test_an_unreachable_webhook_is_logged_and_the_alert_still_recorded(tmp_path, caplog) -> None:
    db = f"sqlite:///{tmp_path / 'events.sqlite'}"
    dead = "http://127.0.0.1:9/services/T000/B000/secret-token-0123"  # discard port: nothing listens
    with caplog.at_level(logging.DEBUG):
        AlertSink(db, dead, timeout_s=1.0).emit([ALERT], "monitor")
    assert len(read_alerts(db)) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert errors == ["alert webhook (HC_ALERT_WEBHOOK) failed: ConnectError"]
    assert "secret-token" not in caplog.text and "127.0.0.1:9" not in caplog.text  # the URL is a secret
