"""Champion against challenger on the same requests (shadow scoring, HC_SHADOW_CHALLENGER=1 in the API).

The API scores each request with the registry's `challenger` too, off the response path, and writes the
challenger's version, probability and decision into the request's prediction event. Here, over the window's events
that have both (per challenger version): how often the two decisions agree, the mean absolute difference of the
probabilities, and, once outcomes arrive (`monitoring.labels`), the business cost `cost_fn x FN + cost_fp x FP` of
each model's decisions on the same labelled clients (the latest event per client).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from monitoring.labels import performance


def pairs(events: pd.DataFrame) -> pd.DataFrame:
    """The events scored by both models."""
    if "challenger_probability" not in events:
        return events.iloc[0:0]
    paired = events[pd.to_numeric(events["challenger_probability"], errors="coerce").notna()].copy()
    paired["challenger_probability"] = paired["challenger_probability"].astype("float64")
    return paired


def agreement(paired: pd.DataFrame) -> dict:
    """Decision agreement rate, mean absolute probability difference and refusal rates of the pairs."""
    champion = paired["decision"] == "refuse"
    challenger = paired["challenger_decision"] == "refuse"
    difference = (paired["probability"].astype("float64") - paired["challenger_probability"]).abs()
    return {"n_pairs": len(paired), "agreement_rate": float((champion == challenger).mean()),
            "mean_abs_probability_difference": float(difference.mean()),
            "max_abs_probability_difference": float(difference.max()),
            "champion_refusal_rate": float(champion.mean()), "challenger_refusal_rate": float(challenger.mean())}


def labelled_costs(paired: pd.DataFrame, labels: pd.DataFrame, cost_fn: float, cost_fp: float) -> dict:
    """Both models' realised performance on the same labelled clients (latest paired event per client)."""
    latest = paired.dropna(subset=["client_id"]).drop_duplicates("client_id", keep="last")
    known = latest.astype({"client_id": "int64"}).merge(labels, on="client_id", how="inner")
    if known.empty:
        return {"n": 0}
    target = known["target"].to_numpy()
    champion = performance(target, known["probability"].to_numpy(dtype="float64"),
                           (known["decision"] == "refuse").to_numpy(), cost_fn, cost_fp)
    challenger = performance(target, known["challenger_probability"].to_numpy(dtype="float64"),
                             (known["challenger_decision"] == "refuse").to_numpy(), cost_fn, cost_fp)
    return {"n": len(known), "champion": champion, "challenger": challenger,
            "cost_difference": challenger["cost"] - champion["cost"],
            "cost_per_client_difference": challenger["cost_per_client"] - champion["cost_per_client"]}


def compare(events: pd.DataFrame, labels: pd.DataFrame | None, cost_fn: float, cost_fp: float) -> dict | None:
    """Per challenger version: agreement with the champion and, with labels, both costs; None without pairs."""
    paired = pairs(events)
    if paired.empty:
        return None
    out = {}
    for version, group in paired.groupby(paired["challenger_version"].astype(str), sort=True):
        section = {"n_events": len(events), "champion_versions": sorted(group["model_version"].astype(str).unique()),
                   **agreement(group)}
        if labels is not None:
            section["labels"] = labelled_costs(group, labels, cost_fn, cost_fp)
        out[version] = section
    return {"challengers": out}


def lines(shadow: dict) -> list[str]:
    """Markdown bullets of the comparison."""
    out = []
    for version, s in shadow["challengers"].items():
        out += [f"- Challenger version {version} against champion version(s) {', '.join(s['champion_versions'])}: "
                f"{s['n_pairs']:,} requests scored by both; decisions agree on {s['agreement_rate']:.1%}; mean "
                f"|probability difference| {s['mean_abs_probability_difference']:.4f}; refusal rate "
                f"{s['champion_refusal_rate']:.1%} (champion) against {s['challenger_refusal_rate']:.1%} (challenger)."]
        known = s.get("labels")
        if known is None:
            out.append("  - No labels file: the costs are compared once outcomes arrive.")
        elif known["n"] == 0:
            out.append("  - No outcome is known yet for these clients.")
        else:
            a, b = known["champion"], known["challenger"]
            out.append(f"  - On {known['n']:,} clients with a known outcome: cost {a['cost']:.0f} (champion: FN "
                       f"{a['fn']}, FP {a['fp']}) against {b['cost']:.0f} (challenger: FN {b['fn']}, FP {b['fp']}), "
                       f"{_signed(known['cost_per_client_difference'])} per client for the challenger.")
    return out


def _signed(value: float) -> str:
    return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{np.round(value, 4):+}"
