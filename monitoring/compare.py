"""One comparison of a current population with the reference, used by both `drift` and `monitor`.

A feature counts as drifted when its values drifted (Evidently's column test fails, and the shift is significant
by a KS or chi-square test, so the sampling noise of a small window is not taken for drift: Evidently's
distance tests ignore the sample size), or when its missing share moved (which Evidently does not check). The
predicted probability is compared separately (Evidently's test, PSI and KS) and never counts among the features.
Alerts are decided here from the thresholds, as plain dicts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from common.settings import Settings
from monitoring.evidently_drift import ColumnDrift, drift_table, parse_snapshot, run_report
from monitoring.statistics import missing_shares, score_shift, shift_p_value

SCORE = "probability"


@dataclass(frozen=True)
class Thresholds:
    """When a comparison raises an alert."""

    drift_share: float
    missing_share: float
    score_psi: float
    p_value: float = 0.01
    importance_share: float = 0.3

    @classmethod
    def from_settings(cls, settings: Settings) -> Thresholds:
        """The thresholds configured in the settings (HC_DRIFT_SHARE_ALERT, ...)."""
        return cls(settings.drift_share_alert, settings.missing_share_alert, settings.score_psi_alert,
                   settings.drift_p_value, settings.drift_importance_alert)


@dataclass
class Comparison:
    """Everything one comparison produced: the JSON-ready summary, the per-column table and the snapshot."""

    summary: dict
    table: pd.DataFrame
    snapshot: object = field(repr=False)


def compare(reference: pd.DataFrame, current: pd.DataFrame, features: list[str], thresholds: Thresholds,
            score: str | None = SCORE, importance: dict[str, float] | None = None) -> Comparison:
    """Compare `current` with `reference` on `features` (in importance order) and on the `score` column.

    Args:
        reference: reference rows (may hold the score only on some rows: missing scores are ignored).
        current: current rows, same columns.
        features: the monitored features, most important first.
        thresholds: alert thresholds.
        score: the predicted-probability column, or None when there is none.
        importance: global importance of each feature (mean |SHAP|), for the importance-weighted drifted share.
    """
    columns = features + ([score] if score else [])
    # Evidently refuses a column without any value on one side; such a column is judged by its missing share
    comparable = [c for c in columns if reference[c].notna().any() and current[c].notna().any()]
    snapshot, evidently_count, drifts = None, {"count": 0, "share": 0.0}, []
    if comparable:
        snapshot = run_report(reference, current, comparable, thresholds.drift_share)
        drifts, evidently_count = parse_snapshot(snapshot.dict(), comparable)
    drifts += [ColumnDrift(c, "not compared: no value on one side", math.nan, math.nan, False)
               for c in columns if c not in comparable]
    table = drift_table(drifts).rename(columns={"drifted": "evidently_drifted"})
    table = table.set_index("column").loc[columns].reset_index()
    table["p_value"] = [shift_p_value(reference[c], current[c]) for c in columns]
    table["value_drifted"] = table["evidently_drifted"] & (table["p_value"] < thresholds.p_value)
    missing = missing_shares(reference, current, features, thresholds.missing_share)
    missing = missing.rename(columns={"drifted": "missing_drifted", "p_value": "missing_p_value"})
    table = table.merge(missing, on="column", how="left")
    table.insert(0, "rank", range(1, len(table) + 1))
    table["kind"] = ["numerical" if pd.api.types.is_numeric_dtype(reference[c]) else "categorical" for c in columns]
    is_feature = table["column"].isin(features)
    table["drifted"] = is_feature & (table["value_drifted"] | table["missing_drifted"].eq(True))
    shift = score_shift(reference[score], current[score]) if score else None
    if score:
        row = table.loc[table["column"] == score].iloc[0]
        shift["evidently"] = {"method": row["method"], "score": float(row["score"]),
                              "drifted": bool(row["evidently_drifted"])}
    summary = summarise(table[is_feature], features, shift, thresholds, evidently_count, len(reference), len(current),
                        importance)
    return Comparison(summary, table, snapshot)


def summarise(features_table: pd.DataFrame, features: list[str], shift: dict | None, thresholds: Thresholds,
              evidently_count: dict, n_reference: int, n_current: int, importance: dict[str, float] | None = None) -> dict:
    """The JSON-ready summary of a comparison, with the alerts it raises."""
    drifted = features_table.loc[features_table["drifted"], "column"].tolist()
    share = len(drifted) / len(features) if features else 0.0
    weights = {f: float((importance or {}).get(f) or 0.0) for f in features}
    total = sum(weights.values())
    summary = {
        "n_reference": int(n_reference), "n_current": int(n_current), "features": list(features),
        "drifted_features": drifted, "drifted_share": share,
        "drifted_importance_share": sum(weights[f] for f in drifted) / total if total > 0 else None,
        "value_drifted": features_table.loc[features_table["value_drifted"], "column"].tolist(),
        "missing_drifted": features_table.loc[features_table["missing_drifted"].eq(True), "column"].tolist(),
        "evidently_dataset": evidently_count, "score": shift,
        "evidently_drifted": features_table.loc[features_table["evidently_drifted"], "column"].tolist(),
        "thresholds": {"drift_share": thresholds.drift_share, "missing_share": thresholds.missing_share,
                       "score_psi": thresholds.score_psi, "p_value": thresholds.p_value,
                       "importance_share": thresholds.importance_share},
        "columns": [_jsonable(r) for r in features_table.to_dict("records")],
    }
    summary["alerts"] = drift_alerts(summary, thresholds)
    return summary


def drift_alerts(summary: dict, thresholds: Thresholds) -> list[dict]:
    """Alerts raised by a comparison summary: drifted share of features, shift of the score distribution."""
    alerts = []
    weighted = summary.get("drifted_importance_share")
    by_count = summary["drifted_share"] >= thresholds.drift_share
    by_importance = weighted is not None and weighted >= thresholds.importance_share
    if summary["drifted_features"] and (by_count or by_importance):
        names = ", ".join(summary["drifted_features"])
        why = [f"share {summary['drifted_share']:.2f} {'>=' if by_count else '<'} {thresholds.drift_share:.2f}"]
        if weighted is not None:
            why.append(f"{weighted:.0%} of the monitored importance {'>=' if by_importance else '<'} "
                       f"{thresholds.importance_share:.0%}")
        alerts.append({"kind": "feature_drift", "value": summary["drifted_share"], "threshold": thresholds.drift_share,
                       "columns": summary["drifted_features"],
                       "message": f"{len(summary['drifted_features'])} of {len(summary['features'])} monitored "
                                  f"features drifted ({', '.join(why)}): {names}"})
    score = summary.get("score") or {}
    psi = score.get("psi", math.nan)
    if psi is not None and not math.isnan(psi) and psi >= thresholds.score_psi:
        alerts.append({"kind": "score_shift", "value": psi, "threshold": thresholds.score_psi, "columns": [SCORE],
                       "message": f"predicted probability shifted: PSI {psi:.3f} >= {thresholds.score_psi:.2f} "
                                  f"(mean {score['reference_mean']:.3f} -> {score['current_mean']:.3f})"})
    return alerts


def _jsonable(record: dict) -> dict:
    out = {}
    for key, value in record.items():
        if isinstance(value, float) and math.isnan(value):
            out[key] = None
        elif hasattr(value, "item"):
            out[key] = value.item()
        else:
            out[key] = value
    return out
