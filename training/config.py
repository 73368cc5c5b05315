"""Search profiles: how much searching `quick`, `standard` and `full` do (the data is never sampled)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Profile:
    """Sizes of the searches; everything else (folds, holdout share, cost) is the same in every profile."""

    name: str
    lgbm_base: dict
    lgbm_grid: list[dict]
    logistic_grid: list[dict]
    forest_grid: list[dict]
    refine_trials: int
    refine_timeout_s: float
    shap_rows: int
    refine_families: int = 2
    fold_workers: int = 1  # processes fitting the folds of single-threaded models (logistic) side by side
    penalty_path: list[float] = field(default_factory=lambda: [1e-4, 1e-3, 1e-2, 1e-1, 1.0])


PROFILES = {
    "quick": Profile(
        name="quick",
        lgbm_base={"learning_rate": 0.1, "num_leaves": 15, "min_child_samples": 40},
        lgbm_grid=[{"learning_rate": 0.1, "num_leaves": 7, "min_child_samples": 80}],
        logistic_grid=[{"C": 0.001}, {"C": 0.01, "log_skewed": False}],
        forest_grid=[{"n_estimators": 60, "max_depth": 8, "min_samples_leaf": 20}],
        refine_trials=4, refine_timeout_s=25, shap_rows=500,
    ),
    "standard": Profile(
        name="standard",
        lgbm_base={"learning_rate": 0.08, "num_leaves": 15, "min_child_samples": 80},
        lgbm_grid=[{"learning_rate": 0.03, "num_leaves": 8, "min_child_samples": 200, "colsample_bytree": 0.2},
                   {"learning_rate": 0.05, "num_leaves": 15, "min_child_samples": 100, "colsample_bytree": 0.3}],
        logistic_grid=[{"C": 0.001}, {"C": 0.01, "log_skewed": False}],
        forest_grid=[{"n_estimators": 60, "max_depth": 10, "min_samples_leaf": 40}],
        refine_trials=10, refine_timeout_s=170, shap_rows=2000, fold_workers=2,
        penalty_path=[1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 1.0],
    ),
    "full": Profile(
        name="full",
        lgbm_base={"learning_rate": 0.1, "num_leaves": 31, "min_child_samples": 200},
        lgbm_grid=[{"learning_rate": 0.05, "num_leaves": 31, "min_child_samples": 300, "colsample_bytree": 0.3}],
        logistic_grid=[{"C": 0.003}, {"C": 0.01, "log_skewed": False}],
        forest_grid=[{"n_estimators": 60, "max_depth": 12, "min_samples_leaf": 200}],
        # one family refined: at full size a logistic trial takes ~3 min and never catches up with LightGBM
        refine_trials=20, refine_timeout_s=480, shap_rows=5000, refine_families=1, fold_workers=2,
        penalty_path=[1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 1.0],
    ),
}
