"""The comparison table (one row per measure: champion, EBM, difference and their 95% intervals) and its Markdown."""

from __future__ import annotations

import math

import pandas as pd

COLUMNS = ["key", "measure", "champion", "champion_low", "champion_high", "ebm", "ebm_low", "ebm_high",
           "difference", "difference_low", "difference_high"]
NAN = float("nan")


def row(key: str, measure: str, champion: float, ebm: float, intervals: dict | None = None,
        metric: str | None = None) -> dict:
    """One measure; `intervals` (from `paired_bootstrap`) adds the 95% intervals of both and of the difference."""
    out = {"key": key, "measure": measure, "champion": float(champion), "ebm": float(ebm),
           "difference": float(ebm) - float(champion)}
    for side, name in (("champion", "champion"), ("ebm", "ebm"), ("difference", "ebm-champion")):
        low, high = (intervals or {}).get((name, metric), (NAN, NAN))
        out[f"{side}_low"], out[f"{side}_high"] = low, high
    return out


def build(rows: list[dict]) -> pd.DataFrame:
    """The table in a fixed column order."""
    return pd.DataFrame(rows)[COLUMNS]


def _number(v: float, digits: int) -> str:
    if math.isinf(v):
        return "inf"
    return f"{v:.{digits}f}"


def _cell(v: float, low: float, high: float, digits: int, signed: bool = False) -> str:
    text = (f"{v:+.{digits}f}" if signed else _number(v, digits))
    if not (math.isnan(low) or math.isnan(high)):
        text += f" [{low:+.{digits}f}, {high:+.{digits}f}]" if signed else f" [{low:.{digits}f}, {high:.{digits}f}]"
    return text


def digits_for(key: str) -> int:
    """Decimals shown for a measure."""
    if key in ("model_kb", "fit_seconds"):
        return 1
    if key.endswith("_ms_one_client"):
        return 2
    if key == "explanation_max_abs_error":
        return 12
    return 4


def markdown(table: pd.DataFrame) -> str:
    """The table as Markdown: value [95% interval] for each model, then the difference EBM - champion."""
    lines = ["| measure | champion | EBM | EBM - champion |", "|---|---|---|---|"]
    for r in table.itertuples(index=False):
        d = digits_for(r.key)
        if r.key == "explanation_max_abs_error":
            cells = [f"{r.champion:.1e}", f"{r.ebm:.1e}", f"{r.difference:+.1e}"]
        else:
            cells = [_cell(r.champion, r.champion_low, r.champion_high, d), _cell(r.ebm, r.ebm_low, r.ebm_high, d),
                     _cell(r.difference, r.difference_low, r.difference_high, d, signed=True)]
        lines.append(f"| {r.measure} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def metrics_for_mlflow(table: pd.DataFrame) -> dict:
    """Every finite number of the table as `<key>_<column>` (e.g. `holdout_roc_auc_ebm_low`)."""
    out = {}
    for record in table.to_dict("records"):
        for column in COLUMNS[2:]:
            value = record[column]
            if isinstance(value, float) and math.isfinite(value):
                out[f"{record['key']}_{column}"] = value
    return out
