"""`python -m monitoring drift`: training clients (reference) against new clients (application_test).

Writes into `<reports_dir>/`: `drift.html` (Evidently, with its tests), `drift.json` (the summary: drifted
columns and share, method and score per column, missing shares, score shift, alerts) and `drift.md` (what it
means). The new clients are scored by the champion model itself, so the predicted probability is compared too.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from common.settings import Settings
from monitoring.assess import assess
from monitoring.compare import SCORE
from monitoring.evidently_drift import run_report, save_html
from monitoring.figures import score_distributions
from monitoring.markdown import render_drift
from monitoring.reference import ID, Champion, load_champion, read_clients, reference_frame, score_clients
from monitoring.reports import write_reports

log = logging.getLogger(__name__)
HTML_SAMPLE_ROWS = 20_000  # rows per side when the full HTML would be too large


def sample(frame: pd.DataFrame, n: int, seed: int = 0) -> pd.DataFrame:
    """At most `n` rows of `frame`, drawn without replacement (seeded)."""
    return frame if len(frame) <= n else frame.sample(n, random_state=seed)


def run_drift(settings: Settings, top_k: int | None = None, html_max_mb: float = 10.0,
              champion: Champion | None = None, scorer: Callable[[pd.DataFrame], np.ndarray] | None = None) -> dict:
    """Build the drift report of the champion's training clients against the test clients.

    Args:
        settings: paths and thresholds.
        top_k: number of most important features monitored (default HC_DRIFT_TOP_FEATURES).
        html_max_mb: size budget of drift.html.
        champion: the model (default: read from the MLflow registry).
        scorer: probability of default of a frame of clients (default: the champion model from MLflow).

    Returns:
        The summary written to `drift.json`.
    """
    started = time.perf_counter()
    timings: dict[str, float] = {}
    champion = champion or load_champion(settings)
    features = champion.top_features(top_k or settings.drift_top_features)
    reference = reference_frame(settings, champion, features)
    test = read_clients(settings.duckdb_path, champion.feature_version, "test", None)
    timings["read_s"] = time.perf_counter() - started
    mark = time.perf_counter()
    test[SCORE] = scorer(test) if scorer else score_clients(champion, test)
    current = test[[ID, *features, SCORE]]
    timings["score_s"] = time.perf_counter() - mark
    mark = time.perf_counter()
    assessment = assess(settings, champion, reference, current, features)
    timings["evidently_s"] = time.perf_counter() - mark
    out = Path(settings.reports_dir)
    columns, share = [*features, SCORE], settings.drift_share_alert
    html = save_html(assessment.snapshot, out / "drift.html", html_max_mb, resample=lambda: run_report(
        sample(reference, HTML_SAMPLE_ROWS), sample(current, HTML_SAMPLE_ROWS), columns, share))
    summary = {
        "kind": "drift", "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "reference": "train clients (probability: the champion's holdout clients)", "current": "test clients",
        "model": {"name": champion.name, "version": champion.version, "run_id": champion.run_id,
                  "threshold": champion.threshold, "feature_version": champion.feature_version},
        **assessment.summary, "html": html,
    }
    figure = score_distributions(reference[SCORE], current[SCORE], champion.threshold, out / "drift_scores.png",
                                 ("train clients (holdout)", "test clients"))
    summary["figures"] = {"scores": figure.name}
    timings["total_s"] = time.perf_counter() - started
    summary["timings"] = {k: round(v, 2) for k, v in timings.items()}
    write_reports(out, "drift", summary, render_drift(summary))
    log.info("drift: %d/%d features drifted (share %.2f, alert at %.2f), score PSI %.3f; %s in %.1f s",
             len(summary["drifted_features"]), len(features), summary["drifted_share"], share,
             summary["score"]["psi"], out / "drift.md", timings["total_s"])
    return summary
