"""Pictures of the reports: reference vs current score distributions, and the trend of the score over windows.

PNG files written beside the Markdown reports that link them (small: about 30 KB each); matplotlib without a
display. The trend reads `history.jsonl`, one line appended per `monitor` window.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

REFERENCE, CURRENT, THRESHOLD = "#0072B2", "#D55E00", "#000000"  # Okabe-Ito blue / vermillion, black


def score_distributions(reference: pd.Series, current: pd.Series, threshold: float, path: Path,
                        labels: tuple[str, str] = ("reference", "current")) -> Path:
    """Overlaid histograms (share of clients per bin) of the probability of default, with the threshold."""
    ref, cur = _finite(reference), _finite(current)
    top = max(float(np.quantile(np.concatenate([ref, cur]), 0.995)) if len(ref) + len(cur) else 1.0, threshold * 1.5)
    bins = np.linspace(0.0, min(1.0, top), 41)
    fig, ax = plt.subplots(figsize=(7, 3.6), dpi=100)
    for values, color, label in ((ref, REFERENCE, labels[0]), (cur, CURRENT, labels[1])):
        weights = np.full(len(values), 1 / len(values)) if len(values) else None
        ax.hist(np.clip(values, 0, bins[-1]), bins=bins, weights=weights, histtype="step", linewidth=2, color=color,
                label=f"{label} ({len(values):,} clients, mean {values.mean() if len(values) else float('nan'):.3f})")
    ax.axvline(threshold, color=THRESHOLD, linestyle="--", linewidth=1.5, label=f"threshold {threshold:.3f}")
    ax.set(xlabel="probability of default", ylabel="share of clients",
           title="Predicted probability: reference vs current")
    ax.legend(fontsize=8, frameon=False)
    return _save(fig, path)


def append_history(path: Path, row: dict) -> list[dict]:
    """Append one window's summary to `history.jsonl` and return every row, oldest first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps(row, default=str) + "\n")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def score_trend(history: list[dict], threshold: float, path: Path) -> Path:
    """Mean probability and refusal rate per window (current) against the reference's, and the score PSI."""
    x = np.arange(1, len(history) + 1)
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.4), dpi=100)
    left.plot(x, [h["current_mean"] for h in history], marker="o", color=CURRENT, label="mean probability")
    left.plot(x, [h["current_refusal_rate"] for h in history], marker="s", color=REFERENCE, label="refusal rate")
    left.axhline(history[-1]["reference_mean"], color=CURRENT, linestyle=":", label="reference mean")
    left.axhline(history[-1]["reference_refusal_rate"], color=REFERENCE, linestyle=":", label="reference refusals")
    left.set(xlabel="window (oldest first)", title=f"Scores over the windows (threshold {threshold:.3f})")
    left.legend(fontsize=7, frameon=False)
    right.plot(x, [h["psi"] for h in history], marker="o", color=THRESHOLD)
    right.axhline(history[-1]["psi_alert"], color=CURRENT, linestyle="--", label="alert level")
    right.set(xlabel="window (oldest first)", title="Score PSI against the reference")
    right.legend(fontsize=7, frameon=False)
    for ax in (left, right):
        ax.set_xticks(x)
    return _save(fig, path)


def _finite(values: pd.Series) -> np.ndarray:
    array = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64")
    return array[np.isfinite(array)]


def _save(fig, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
