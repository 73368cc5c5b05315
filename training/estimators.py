"""Estimators defined here are pickled inside the registered model (this package travels with it).

Keep this module light: numpy, pandas, scikit-learn and LightGBM only.
"""

from __future__ import annotations

import re

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split

# External credit scores and their summaries: a better score must never raise the risk. Their spread
# (std, range) and missing indicators are left free.
EXT_SOURCE_DECREASING = r"ext_source(?!.*(?:std|var|range|diff|missing|nan))"


class EarlyStoppedLGBM(ClassifierMixin, BaseEstimator):
    """LightGBM with early stopping on an inner stratified validation split of the data it is fitted on.

    The validation rows come from the training data given to `fit` (inside a CV fold: the fold's training
    part), never from the fold being evaluated. Features whose name matches `monotone_decreasing` get a
    decreasing monotone constraint.
    """

    def __init__(self, n_estimators: int = 1000, learning_rate: float = 0.05, num_leaves: int = 31,
                 min_child_samples: int = 50, subsample: float = 0.8, colsample_bytree: float = 0.5,
                 reg_lambda: float = 1.0, reg_alpha: float = 0.0, class_weight: str | None = None,
                 validation_fraction: float = 0.1, early_stopping_rounds: int = 50,
                 stopping_metric: str | None = None,
                 monotone_decreasing: str | None = EXT_SOURCE_DECREASING, random_state: int = 0,
                 n_jobs: int = 2) -> None:
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.reg_lambda = reg_lambda
        self.reg_alpha = reg_alpha
        self.class_weight = class_weight
        self.validation_fraction = validation_fraction
        self.early_stopping_rounds = early_stopping_rounds
        self.stopping_metric = stopping_metric
        self.monotone_decreasing = monotone_decreasing
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _constraints(self, names: list[str]) -> list[int] | None:
        if not self.monotone_decreasing:
            return None
        pattern = re.compile(self.monotone_decreasing, re.IGNORECASE)
        signs = [-1 if pattern.search(n) else 0 for n in names]
        return signs if any(signs) else None

    def _metric(self) -> str:
        """Early-stopping metric: log-loss, or AUC with class weights (the weighted log-loss kept falling for
        thousands of rounds while the AUC got worse: 200 s instead of 37 s for 5 folds at 42,000 clients)."""
        return self.stopping_metric or ("auc" if self.class_weight else "binary_logloss")

    def fit(self, X, y) -> EarlyStoppedLGBM:
        """Fit on `X, y` minus a stratified validation share used only to stop boosting."""
        names = list(X.columns) if isinstance(X, pd.DataFrame) else [f"f{i}" for i in range(X.shape[1])]
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y)
        self.classes_ = np.unique(y)
        self.feature_names_ = names
        self.model_ = lgb.LGBMClassifier(
            n_estimators=self.n_estimators, learning_rate=self.learning_rate, num_leaves=self.num_leaves,
            min_child_samples=self.min_child_samples, subsample=self.subsample, subsample_freq=1,
            colsample_bytree=self.colsample_bytree, reg_lambda=self.reg_lambda, reg_alpha=self.reg_alpha,
            class_weight=self.class_weight, monotone_constraints=self._constraints(names),
            random_state=self.random_state, n_jobs=self.n_jobs, verbose=-1, metric=self._metric(),
        )
        if self.validation_fraction and self.early_stopping_rounds:
            X_fit, X_val, y_fit, y_val = train_test_split(
                X, y, test_size=self.validation_fraction, stratify=y, random_state=self.random_state)
            self.model_.fit(X_fit, y_fit, eval_X=(X_val,), eval_y=(y_val,),
                            callbacks=[lgb.early_stopping(self.early_stopping_rounds, first_metric_only=True,
                                                          verbose=False)])
        else:
            self.model_.fit(X, y)
        self.best_iteration_ = int(self.model_.best_iteration_ or self.model_.n_estimators)
        return self

    @property
    def booster_(self) -> lgb.Booster:
        """The fitted LightGBM booster (for exact SHAP contributions with `pred_contrib`)."""
        return self.model_.booster_

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, columns in `classes_` order."""
        return self.model_.predict_proba(np.asarray(X, dtype=np.float64))

    def predict(self, X) -> np.ndarray:
        """Class labels at 0.5 (the product decides with its business threshold, not with this)."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def contributions(self, X) -> np.ndarray:
        """Exact TreeSHAP contributions in log-odds, one column per feature plus the expected value last."""
        return self.booster_.predict(np.asarray(X, dtype=np.float64), pred_contrib=True,
                                    num_iteration=self.best_iteration_)


class MonotoneForest(ClassifierMixin, BaseEstimator):
    """A random forest with the same decreasing monotone constraints as `EarlyStoppedLGBM`.

    Each tree sees a bootstrap of `max_samples` of the rows (half by default: twice as fast, and more diverse).
    """

    def __init__(self, n_estimators: int = 100, max_depth: int | None = 10, min_samples_leaf: int = 20,
                 max_features: float | str = "sqrt", max_samples: float | None = 0.5,
                 class_weight: str | None = None, monotone_decreasing: str | None = EXT_SOURCE_DECREASING, random_state: int = 0,
                 n_jobs: int = 2) -> None:
        self.n_estimators = n_estimators
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf
        self.max_features = max_features
        self.max_samples = max_samples
        self.class_weight = class_weight
        self.monotone_decreasing = monotone_decreasing
        self.random_state = random_state
        self.n_jobs = n_jobs

    def fit(self, X, y) -> MonotoneForest:
        """Fit the forest; constraints from the column names of `X` when it is a DataFrame."""
        names = list(X.columns) if isinstance(X, pd.DataFrame) else [f"f{i}" for i in range(X.shape[1])]
        signs = None
        if self.monotone_decreasing:
            pattern = re.compile(self.monotone_decreasing, re.IGNORECASE)
            signs = [-1 if pattern.search(n) else 0 for n in names]
        self.model_ = RandomForestClassifier(
            n_estimators=self.n_estimators, max_depth=self.max_depth, min_samples_leaf=self.min_samples_leaf,
            max_features=self.max_features, max_samples=self.max_samples, class_weight=self.class_weight,
            monotonic_cst=signs if signs and any(signs) else None, random_state=self.random_state,
            n_jobs=self.n_jobs)
        self.model_.fit(np.asarray(X, dtype=np.float64), np.asarray(y))
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, columns in `classes_` order."""
        return self.model_.predict_proba(np.asarray(X, dtype=np.float64))

    def predict(self, X) -> np.ndarray:
        """Class labels at 0.5 (the product decides with its business threshold)."""
        return self.model_.predict(np.asarray(X, dtype=np.float64))
