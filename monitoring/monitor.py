"""`python -m monitoring monitor`: a window of the API's prediction events against the reference, with alerts.

Same comparison as `drift` (Evidently column tests, missing shares, the score's PSI), on the features and
probabilities the API logged; then, where outcomes are known, the realised AUC and business cost; and, when the API
scored a challenger in the shadow, champion against challenger on the same requests (`monitoring.shadow`). Writes
`<reports_dir>/monitor/monitor.{html,json,md}` and turns every threshold crossed into an alert (see
`monitoring.alerts`).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from common.settings import Settings
from monitoring.alerts import AlertSink
from monitoring.assess import assess
from monitoring.compare import SCORE
from monitoring.events import Window, read_events
from monitoring.evidently_drift import save_html
from monitoring.figures import append_history, score_distributions, score_trend
from monitoring.labels import label_alerts, read_labels, realised
from monitoring.markdown import render_monitor
from monitoring.overrides import OverrideThresholds, override_section
from monitoring.reference import Champion, load_champion, reference_frame
from monitoring.reports import clean, write_reports
from monitoring.shadow import compare as compare_shadow

log = logging.getLogger(__name__)


@dataclass
class MonitorResult:
    """The summary written to monitor.json and the alerts it raised (as recorded)."""

    summary: dict
    alerts: list[dict]


def align(current: pd.DataFrame, reference: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """`current` with the reference's column kinds: numbers as float, everything else as text."""
    out = current.copy()
    for col in columns:
        if pd.api.types.is_numeric_dtype(reference[col]):
            out[col] = pd.to_numeric(out[col], errors="coerce").astype("float64")
        else:
            out[col] = out[col].astype(object).where(out[col].notna(), None)
    return out


def labels_for(settings: Settings, path: Path | None) -> pd.DataFrame | None:
    """Known outcomes: `path`, else HC_LABELS_PATH, else the synthetic oracle when it exists; None otherwise."""
    for candidate in (path, settings.labels_path, settings.oracle_path):
        if candidate is not None and Path(candidate).exists():
            return read_labels(Path(candidate))
    return None


def label_section(settings: Settings, champion: Champion, events: pd.DataFrame, labels: pd.DataFrame | None) -> dict | None:
    """Realised performance of the window against the holdout's, and the alerts it raises."""
    if labels is None:
        return None
    now = realised(events, labels, settings.cost_fn, settings.cost_fp)
    base = champion.baseline(settings.cost_fn, settings.cost_fp)
    alerts = label_alerts(now, base, settings.auc_drop_alert, settings.cost_increase_alert, settings.min_labels)
    return {"realised": now, "baseline": base, "auc_drop": settings.auc_drop_alert,
            "cost_increase": settings.cost_increase_alert, "min_labels": settings.min_labels, "alerts": alerts}


def window_summary(champion: Champion, window: Window, events: pd.DataFrame) -> dict:
    """The head of monitor.json: the model and the window actually read."""
    return {"kind": "monitor", "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "model": {"name": champion.name, "version": champion.version, "threshold": champion.threshold,
                      "feature_version": champion.feature_version},
            "window": {"description": window.describe(), "n_events": len(events),
                       "first": events["time"].min().isoformat() if len(events) else None,
                       "last": events["time"].max().isoformat() if len(events) else None,
                       "model_versions": sorted(events["model_version"].dropna().astype(str).unique().tolist())
                       if "model_version" in events else []}}


def compare_window(settings: Settings, champion: Champion, features: list[str], events: pd.DataFrame,
                   out: Path, labels_path: Path | None) -> dict:
    """Drift of the window against the reference, score shift, delayed labels: the body of monitor.json."""
    reference = reference_frame(settings, champion, features)
    current = align(events, reference, features)
    assessment = assess(settings, champion, reference, current, features)
    html = save_html(assessment.snapshot, out / "monitor.html", max_mb=10.0)
    body = {"status": "compared", **assessment.summary, "html": html}
    figure = score_distributions(reference[SCORE], current[SCORE], champion.threshold, out / "monitor_scores.png",
                                 ("reference", "this window"))
    body["figures"] = {"scores": figure.name}
    labels = label_section(settings, champion, current, labels_for(settings, labels_path))
    if labels is not None:
        body["alerts"] = body["alerts"] + labels.pop("alerts")
        body["labels"] = labels
    return body


def _trend(out: Path, summary: dict, threshold: float, psi_alert: float) -> Path:
    """Append this window to `history.jsonl` and draw the trend over every window so far."""
    score = summary["score"]
    history = append_history(out / "history.jsonl", {
        "created_at": summary["created_at"], "window": summary["window"]["description"],
        "n_events": summary["window"]["n_events"], "psi": score.get("psi"), "psi_alert": psi_alert,
        "reference_mean": score.get("reference_mean"), "current_mean": score.get("current_mean"),
        "reference_refusal_rate": score.get("reference_refusal_rate"),
        "current_refusal_rate": score.get("current_refusal_rate"), "drifted_share": summary.get("drifted_share"),
        "decisions": summary["overrides"]["current"]["decisions"],
        "override_rate": summary["overrides"]["current"]["override_rate"]})
    return score_trend(history, threshold, out / "monitor_trend.png")


def run_monitor(settings: Settings, window: Window, labels_path: Path | None = None, sink: AlertSink | None = None,
                out_dir: Path | None = None, source: str = "monitor", champion: Champion | None = None) -> MonitorResult:
    """Compare a window of events with the reference, write the reports and emit the alerts.

    Args:
        settings: thresholds, paths and URLs.
        window: which events.
        labels_path: known outcomes (default: HC_LABELS_PATH, else the synthetic oracle when present).
        sink: where alerts go (default: the alerts table of HC_ALERTS_URL or the event store, HC_ALERT_WEBHOOK).
        out_dir: report folder (default `<reports_dir>/monitor`).
        source: recorded with each alert.
        champion: the model the events are compared for (default: read from the MLflow registry).
    """
    started = time.perf_counter()
    champion = champion or load_champion(settings)
    features = champion.top_features(settings.drift_top_features)
    read_at = time.perf_counter()
    events = read_events(settings.events_url, window, features)
    compared_at = time.perf_counter()
    out = Path(out_dir or Path(settings.reports_dir) / "monitor")
    summary = window_summary(champion, window, events)
    others = [v for v in summary["window"]["model_versions"] if v != champion.version]
    if others:
        log.warning("the window holds events of model version(s) %s; compared with the reference of version %s",
                    ", ".join(others), champion.version)
    summary["shadow"] = compare_shadow(events, labels_for(settings, labels_path), settings.cost_fn, settings.cost_fp)
    if summary["shadow"]:
        for version, s in summary["shadow"]["challengers"].items():
            log.info("shadow: challenger version %s agrees with the champion on %.1f%% of %d requests (mean |dp| %.4f)",
                     version, 100 * s["agreement_rate"], s["n_pairs"], s["mean_abs_probability_difference"])
    overrides = override_section(settings.events_url, window, OverrideThresholds.from_settings(settings))
    sink = sink or AlertSink(settings.alerts_url or settings.events_url, settings.alert_webhook)
    if len(events) < settings.monitor_min_events:
        summary.update(status="too_few_events", alerts=overrides["alerts"], overrides=overrides,
                       message=f"{len(events)} events in the window, fewer than HC_MONITOR_MIN_EVENTS = "
                               f"{settings.monitor_min_events}: no drift verdict.")
        log.info("monitor: %s", summary["message"])
        _, md_path = write_reports(out, "monitor", clean(summary), render_monitor(summary))
        return MonitorResult(summary, sink.emit(summary["alerts"], source, window=summary["window"],
                                                report=str(md_path)))
    summary.update(compare_window(settings, champion, features, events, out, labels_path))
    summary["alerts"] = summary["alerts"] + overrides["alerts"]
    summary["overrides"] = overrides
    done = time.perf_counter()
    summary["seconds"] = round(done - started, 2)
    summary["timings"] = {"champion_s": round(read_at - started, 2), "events_s": round(compared_at - read_at, 2),
                          "compare_s": round(done - compared_at, 2)}
    summary["figures"]["trend"] = _trend(out, summary, champion.threshold, settings.score_psi_alert).name
    _, md_path = write_reports(out, "monitor", summary, render_monitor(summary))
    recorded = sink.emit(summary["alerts"], source, window=summary["window"], report=str(md_path))
    log.info("monitor: %d events, %d/%d features drifted, score PSI %.3f, %d alert(s); %s in %.1f s", len(events),
             len(summary["drifted_features"]), len(features), summary["score"]["psi"], len(recorded), md_path,
             summary["seconds"])
    return MonitorResult(summary, recorded)
