"""Delayed labels: realised AUC and business cost of the decisions actually made, once outcomes are known.

For synthetic data the oracle's test labels stand in for the outcomes that would arrive months after scoring.
The cost of a window is `cost_fn x FN + cost_fp x FP` where a false negative is a defaulter the model accepted
and a false positive a good client it refused, at the decision logged with each event (the model's threshold).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score


def read_labels(path: Path) -> pd.DataFrame:
    """Outcomes as (client_id, target) from a CSV with SK_ID_CURR or client_id, and TARGET or target."""
    frame = pd.read_csv(path)
    lower = {c.lower(): c for c in frame.columns}
    id_col = lower.get("client_id") or lower.get("sk_id_curr")
    target_col = lower.get("target")
    if id_col is None or target_col is None:
        raise ValueError(f"{path}: a labels file needs SK_ID_CURR (or client_id) and TARGET columns")
    out = frame[[id_col, target_col]].dropna().rename(columns={id_col: "client_id", target_col: "target"})
    return out.astype({"client_id": "int64", "target": "int64"}).drop_duplicates("client_id", keep="last")


def performance(target: np.ndarray, probability: np.ndarray, refused: np.ndarray, cost_fn: float,
                cost_fp: float) -> dict:
    """AUC, confusion counts and business cost of decisions (`refused` True = predicted defaulter)."""
    y = np.asarray(target, dtype=int)
    refused = np.asarray(refused, dtype=bool)
    fn = int(((y == 1) & ~refused).sum())
    fp = int(((y == 0) & refused).sum())
    tp = int(((y == 1) & refused).sum())
    tn = int(((y == 0) & ~refused).sum())
    auc = float(roc_auc_score(y, probability)) if 0 < y.sum() < len(y) else math.nan
    cost = cost_fn * fn + cost_fp * fp
    n = len(y)
    return {"n": n, "n_positive": int(y.sum()), "default_rate": float(y.mean()) if n else math.nan,
            "roc_auc": auc, "tp": tp, "fp": fp, "tn": tn, "fn": fn, "cost": float(cost),
            "cost_per_client": float(cost / n) if n else math.nan}


def realised(window: pd.DataFrame, labels: pd.DataFrame, cost_fn: float, cost_fp: float) -> dict:
    """Performance on the scored clients of `window` whose outcome is known (latest event per client).

    Args:
        window: events with client_id, probability, and decision (`refuse`/`accept`) or threshold.
        labels: (client_id, target).
    """
    scored = window.dropna(subset=["client_id"]).drop_duplicates("client_id", keep="last")
    scored = scored.astype({"client_id": "int64"}).merge(labels, on="client_id", how="inner")
    if scored.empty:
        return {"n": 0, "n_positive": 0, "roc_auc": math.nan, "cost_per_client": math.nan}
    if "decision" in scored and scored["decision"].notna().all():
        refused = (scored["decision"] == "refuse").to_numpy()
    else:
        refused = (scored["probability"] >= scored["threshold"]).to_numpy()
    return performance(scored["target"].to_numpy(), scored["probability"].to_numpy(), refused, cost_fn, cost_fp)


def label_alerts(now: dict, baseline: dict, auc_drop: float, cost_increase: float, min_labels: int) -> list[dict]:
    """Alerts when the realised AUC fell or the cost per client rose beyond the thresholds.

    Nothing is judged on fewer than `min_labels` labelled clients or without both classes.
    """
    if now.get("n", 0) < min_labels or math.isnan(now.get("roc_auc", math.nan)):
        return []
    alerts = []
    if now["roc_auc"] <= baseline["roc_auc"] - auc_drop:
        alerts.append({"kind": "auc_drop", "value": now["roc_auc"], "threshold": baseline["roc_auc"] - auc_drop,
                       "columns": [], "message": f"realised AUC {now['roc_auc']:.3f} on {now['n']} labelled clients "
                       f"is {baseline['roc_auc'] - now['roc_auc']:.3f} below the holdout's {baseline['roc_auc']:.3f} "
                       f"(alert at a drop of {auc_drop:.3f})"})
    limit = baseline["cost_per_client"] * (1 + cost_increase)
    if now["cost_per_client"] >= limit:
        alerts.append({"kind": "cost_increase", "value": now["cost_per_client"], "threshold": limit, "columns": [],
                       "message": f"realised cost per client {now['cost_per_client']:.3f} (FN {now['fn']}, FP "
                       f"{now['fp']}) is above {limit:.3f} = holdout's {baseline['cost_per_client']:.3f} "
                       f"+ {cost_increase:.0%}"})
    return alerts
