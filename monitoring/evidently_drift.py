"""Evidently 0.7 (new API): run DataDriftPreset with its tests, parse the result, save a bounded HTML report.

Only the monitoring CLI imports this module (importing Evidently costs about 4 s and 0.2 GB): the API never does.

The parser reads `snapshot.dict()`: `metrics` holds one `DriftedColumnsCount` ({count, share}) and one
`ValueDrift` per column (config: column, method, threshold; value: the drift score); `tests` holds one test per
`ValueDrift`, linked by `metric_config.metric_id`, whose status is `FAIL` when the column drifted. Evidently
decides the direction (a p-value drifts below its threshold, a distance above), so the parser takes the verdict
from the tests and checks it against the count: any layout it does not recognise raises `DriftParseError`
instead of silently finding no drift.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

log = logging.getLogger(__name__)
COUNT_METRIC = "DriftedColumnsCount"
VALUE_METRIC = "ValueDrift"


class DriftParseError(RuntimeError):
    """Evidently's result does not have the layout this parser was written for."""


@dataclass
class ColumnDrift:
    """Evidently's verdict on one column."""

    column: str
    method: str
    threshold: float
    score: float
    drifted: bool


def _metric_type(metric: dict) -> str:
    kind = str(metric.get("config", {}).get("type", ""))
    return kind.rsplit(":", 1)[-1] if kind else str(metric.get("metric_name", "")).split("(", 1)[0]


def parse_snapshot(result: dict, columns: list[str]) -> tuple[list[ColumnDrift], dict]:
    """Per-column drift and Evidently's own count from `snapshot.dict()`.

    Args:
        result: `snapshot.dict()` of a report with `DataDriftPreset` run with `include_tests=True`.
        columns: the columns the report was asked to cover; each must be found.

    Returns:
        (one ColumnDrift per column in `columns` order, {"count": n drifted, "share": share drifted}).

    Raises:
        DriftParseError: missing metrics, tests or columns, or verdicts that disagree with Evidently's count.
    """
    metrics = result.get("metrics")
    tests = result.get("tests")
    if not isinstance(metrics, list) or not isinstance(tests, list):
        raise DriftParseError("snapshot has no 'metrics' and 'tests' lists: run the report with include_tests=True")
    counts = [m for m in metrics if _metric_type(m) == COUNT_METRIC]
    values = {m["config"].get("column"): m for m in metrics if _metric_type(m) == VALUE_METRIC}
    if len(counts) != 1 or not isinstance(counts[0].get("value"), dict):
        raise DriftParseError(f"expected one {COUNT_METRIC} metric with a {{count, share}} value, found {len(counts)}")
    status = {t.get("metric_config", {}).get("metric_id"): t.get("status") for t in tests}
    missing = [c for c in columns if c not in values]
    if missing:
        raise DriftParseError(f"no {VALUE_METRIC} metric for columns {missing}")
    out = []
    for col in columns:
        metric = values[col]
        verdict = status.get(metric.get("id"))
        if verdict not in ("SUCCESS", "FAIL"):
            raise DriftParseError(f"no pass/fail test for the {VALUE_METRIC} of {col!r} (found {verdict!r})")
        cfg = metric["config"]
        out.append(ColumnDrift(col, str(cfg.get("method")), float(cfg.get("threshold") or float("nan")),
                               float(metric["value"]), verdict == "FAIL"))
    count = {"count": int(counts[0]["value"]["count"]), "share": float(counts[0]["value"]["share"])}
    if len(columns) == len(values) and count["count"] != sum(c.drifted for c in out):
        raise DriftParseError(f"{COUNT_METRIC} says {count['count']} drifted columns, the tests say "
                              f"{sum(c.drifted for c in out)}")
    return out, count


def _evidently():
    """Import Evidently on first use, without the deprecation warnings its dependencies raise at import."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        # seconds of import, and only drift and monitor need it
        import evidently
        import evidently.presets
    return evidently


def data_definition(frame: pd.DataFrame, columns: list[str]):
    """Evidently's DataDefinition: numeric dtypes are numerical, everything else categorical."""
    DataDefinition = _evidently().DataDefinition

    numerical = [c for c in columns if pd.api.types.is_numeric_dtype(frame[c])]
    categorical = [c for c in columns if c not in numerical]
    return DataDefinition(numerical_columns=numerical, categorical_columns=categorical)


def run_report(reference: pd.DataFrame, current: pd.DataFrame, columns: list[str], drift_share: float):
    """Run DataDriftPreset (with tests) on `columns`; returns the Evidently snapshot.

    Categorical columns are passed as strings with missing values left missing.
    """
    ev = _evidently()
    ref, cur = _prepared(reference, columns), _prepared(current, columns)
    definition = data_definition(ref, columns)
    report = ev.Report([ev.presets.DataDriftPreset(columns=columns, drift_share=drift_share)], include_tests=True)
    return report.run(current_data=ev.Dataset.from_pandas(cur, data_definition=definition),
                      reference_data=ev.Dataset.from_pandas(ref, data_definition=definition))


def _prepared(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    out = frame[columns].copy()
    for col in columns:
        if not pd.api.types.is_numeric_dtype(out[col]):
            out[col] = out[col].astype(object).where(out[col].notna(), None)
        else:
            out[col] = out[col].astype("float64")
    return out.reset_index(drop=True)


def drift_table(column_drifts: list[ColumnDrift]) -> pd.DataFrame:
    """The parsed verdicts as a frame (column, method, threshold, score, drifted)."""
    return pd.DataFrame([vars(c) for c in column_drifts], columns=["column", "method", "threshold", "score", "drifted"])


def save_html(snapshot, path: Path, max_mb: float, resample=None) -> dict | None:
    """Write the HTML report; if it exceeds `max_mb`, call `resample()` for a snapshot on fewer rows and retry.

    Returns:
        {"path", "megabytes", "sampled"}: where it went, its size, and whether rows were sampled for it
        (None when there is no snapshot: no column had values on both sides).
    """
    if snapshot is None:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    snapshot.save_html(str(path))
    size = path.stat().st_size / 1e6
    sampled = False
    if size > max_mb and resample is not None:
        log.info("HTML report is %.1f MB (> %.1f MB): rendering it again on sampled rows", size, max_mb)
        resample().save_html(str(path))
        size, sampled = path.stat().st_size / 1e6, True
    if size > max_mb:
        log.warning("HTML report %s is %.1f MB, above the %.1f MB budget", path, size, max_mb)
    return {"path": str(path), "megabytes": round(size, 2), "sampled": sampled}
