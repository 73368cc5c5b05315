"""The one assessment of a current population against the champion's reference, shared by `drift` and `monitor`.

Drift of the monitored features (values and missing shares), shift of the predicted probability, refusal rates on
both sides at the model's threshold, and the holdout baseline the delayed labels are judged against.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from common.settings import Settings
from monitoring.compare import SCORE, Thresholds, compare
from monitoring.reference import Champion
from monitoring.statistics import refusal_rate


@dataclass
class Assessment:
    """The JSON-ready summary of one assessment and the Evidently snapshot behind it (for the HTML report)."""

    summary: dict
    snapshot: object = field(repr=False)


def assess(settings: Settings, champion: Champion, reference: pd.DataFrame, current: pd.DataFrame,
           features: list[str]) -> Assessment:
    """Compare `current` with `reference` on `features` (importance order) and on the predicted probability.

    Args:
        settings: the alert thresholds and the business costs.
        champion: the model both populations are scored by (threshold, importance, holdout baseline).
        reference: the champion's training clients, with the holdout probability where known.
        current: the population to assess, with its probability in column `probability`.
        features: the monitored features.
    """
    importance = champion.importance.set_index("feature")["mean_abs_shap"]
    weights = importance.reindex(features)
    result = compare(reference, current, features, Thresholds.from_settings(settings), importance=weights.to_dict())
    summary = {**result.summary, "importance": {f: float(weights.get(f, float("nan"))) for f in features},
               "importance_share": float(weights.sum() / importance.sum()),
               "baseline": champion.baseline(settings.cost_fn, settings.cost_fp)}
    summary["score"].update(reference_refusal_rate=refusal_rate(reference[SCORE], champion.threshold),
                            current_refusal_rate=refusal_rate(current[SCORE], champion.threshold))
    return Assessment(summary, result.snapshot)
