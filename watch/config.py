"""PoC profiles: how large the EBM search is and how much measuring is done (the data is never sampled)."""

from __future__ import annotations

from dataclasses import dataclass

EXPERIMENT = "credit-scoring-poc"


@dataclass(frozen=True)
class PocProfile:
    """EBM settings shared by every configuration, the small grid searched on the CV folds, and measurement sizes.

    Attributes:
        base: ExplainableBoostingClassifier parameters common to the grid (bags, rounds, early stopping, cores).
        grid: the configurations cross-validated on the champion's folds; the lowest out-of-fold cost wins.
        bootstrap: paired bootstrap resamples of the holdout for the confidence intervals.
        latency_calls: single-row calls timed for the one-client predict and explanation latencies (median).
        fidelity_rows: holdout rows on which explanations are checked against the log-odds.
    """

    name: str
    base: dict
    grid: list[dict]
    bootstrap: int
    latency_calls: int
    fidelity_rows: int


PROFILES = {
    "quick": PocProfile(
        name="quick",
        base={"outer_bags": 2, "max_rounds": 1000, "early_stopping_rounds": 50, "smoothing_rounds": 25,
              "interaction_smoothing_rounds": 25, "max_interaction_bins": 32, "n_jobs": 2},
        grid=[{"interactions": 0, "learning_rate": 0.05, "max_bins": 128},
              {"interactions": 5, "learning_rate": 0.05, "max_bins": 128}],
        bootstrap=200, latency_calls=50, fidelity_rows=500,
    ),
    "standard": PocProfile(
        name="standard",
        base={"outer_bags": 4, "max_rounds": 3000, "early_stopping_rounds": 50, "smoothing_rounds": 50,
              "interaction_smoothing_rounds": 50, "max_interaction_bins": 32, "n_jobs": 2},
        grid=[{"interactions": 0, "learning_rate": 0.04, "max_bins": 256},
              {"interactions": 10, "learning_rate": 0.04, "max_bins": 256},
              {"interactions": 25, "learning_rate": 0.02, "max_bins": 512}],
        bootstrap=500, latency_calls=200, fidelity_rows=2000,
    ),
}
