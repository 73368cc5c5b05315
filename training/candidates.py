"""Candidate models, from the simplest to the most complex, as imbalanced-learn Pipelines.

Preprocessing and any resampling live inside the pipeline: a sampler in an imblearn Pipeline acts in
`fit` only, so inside cross-validation it touches the training part of each fold, never the validation part,
and the registered model scores raw feature rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from imblearn.over_sampling import SMOTE
from imblearn.pipeline import Pipeline
from imblearn.under_sampling import RandomUnderSampler
from sklearn.compose import ColumnTransformer
from sklearn.dummy import DummyClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from training.estimators import EarlyStoppedLGBM, MonotoneForest

FAMILIES = ("dummy", "logistic", "random_forest", "lightgbm")
IMBALANCE = ("none", "class_weight", "undersample", "smote")
# Bounded SMOTE (it interpolates in the space of every feature, and the booster then fits easy synthetic points
# for many rounds: 177 s for 5 folds at 43,000 clients vs 9 s with undersampling): defaulters raised to 30% of
# the good clients, not to parity; median imputation without missing indicators; at most SMOTE_MAX_TREES trees.
SMOTE_RATIO = 0.3
SMOTE_MAX_TREES = 300


@dataclass(frozen=True)
class Candidate:
    """One model configuration: an algorithm family, an imbalance strategy and hyperparameters."""

    family: str
    imbalance: str = "none"
    params: dict = field(default_factory=dict)
    stage: str = "coarse"

    @property
    def name(self) -> str:
        """Readable identifier, e.g. `lightgbm/class_weight/lr=0.05,leaves=31`."""
        shown = ",".join(f"{k}={v}" for k, v in sorted(self.params.items()) if k not in ("skewed",))
        return "/".join(p for p in (self.family, self.imbalance, shown) if p)


def skewed_columns(X: pd.DataFrame, numeric: list[str], threshold: float = 2.0) -> list[str]:
    """Numeric columns with |skewness| above `threshold` and many distinct values (amounts, counts).

    Unsupervised (no target), decided once on the development data.
    """
    sample = X[numeric]
    skew = sample.skew(numeric_only=True).abs()
    many = sample.nunique() > 20
    return [c for c in numeric if skew.get(c, 0) > threshold and many.get(c, False)]


def _categorical_encoder() -> object:
    return make_pipeline(
        SimpleImputer(strategy="constant", fill_value="missing"),
        OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=0.005, sparse_output=False),
    )


def linear_preprocessor(numeric: list[str], categorical: list[str], skewed: list[str]) -> ColumnTransformer:
    """Median imputation with missing indicators, arcsinh (a log that accepts 0 and negatives) on skewed
    columns, standard scaling, one-hot encoding of the categoricals."""
    plain = [c for c in numeric if c not in skewed]
    steps = [
        ("skewed", make_pipeline(SimpleImputer(strategy="median", add_indicator=True),
                                 FunctionTransformer(np.arcsinh, feature_names_out="one-to-one"),
                                 StandardScaler()), skewed),
        ("numeric", make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler()), plain),
        ("categorical", _categorical_encoder(), categorical),
    ]
    return ColumnTransformer([s for s in steps if s[2]]).set_output(transform="pandas")


def tree_preprocessor(numeric: list[str], categorical: list[str], impute: bool = False) -> ColumnTransformer:
    """Numeric columns as they are (trees handle missing values), one-hot categoricals; median imputation
    when a step needs complete data (SMOTE, the Dummy)."""
    num = SimpleImputer(strategy="median") if impute else "passthrough"
    steps = [("numeric", num, numeric), ("categorical", _categorical_encoder(), categorical)]
    return ColumnTransformer([s for s in steps if s[2]]).set_output(transform="pandas")


def _classifier(c: Candidate, seed: int) -> object:
    weight = "balanced" if c.imbalance == "class_weight" else None
    p = {k: v for k, v in c.params.items() if k != "log_skewed"}
    if c.family == "dummy":
        return DummyClassifier(strategy="prior")
    if c.family == "logistic":
        return LogisticRegression(C=p.get("C", 0.1), class_weight=weight, max_iter=p.get("max_iter", 300),
                                  random_state=seed)
    if c.family == "random_forest":
        return MonotoneForest(class_weight="balanced_subsample" if weight else None, random_state=seed, **p)
    if c.family == "lightgbm":
        if c.imbalance == "smote":
            p["n_estimators"] = min(p.get("n_estimators", SMOTE_MAX_TREES), SMOTE_MAX_TREES)
        return EarlyStoppedLGBM(class_weight=weight, random_state=seed, **p)
    raise ValueError(f"unknown model family {c.family!r}")


def build_pipeline(c: Candidate, numeric: list[str], categorical: list[str], skewed: list[str],
                   seed: int = 0) -> Pipeline:
    """The full pipeline of a candidate: preprocessing, optional resampling, classifier."""
    if c.family == "dummy":  # it ignores its input: one column is enough (a full preprocessing pass is minutes at full size)
        pre = ColumnTransformer([("numeric", SimpleImputer(strategy="median"), numeric[:1])]).set_output(transform="pandas")
    elif c.family == "logistic":
        pre = linear_preprocessor(numeric, categorical, skewed if c.params.get("log_skewed", True) else [])
    else:
        pre = tree_preprocessor(numeric, categorical, impute=c.imbalance == "smote")
    steps: list[tuple[str, object]] = [("preprocess", pre)]
    if c.imbalance == "undersample":
        steps.append(("resample", RandomUnderSampler(random_state=seed)))
    elif c.imbalance == "smote":
        steps.append(("resample", SMOTE(sampling_strategy=SMOTE_RATIO, k_neighbors=5, random_state=seed)))
    steps.append(("model", _classifier(c, seed)))
    return Pipeline(steps)


def original_feature(output_name: str, originals: list[str]) -> str:
    """The input column a transformed column comes from (`categorical__x_value` -> `x`), longest match."""
    name = output_name.split("__", 1)[-1]
    name = name.removeprefix("missingindicator_")
    if name in originals:
        return name
    matches = [o for o in originals if name.startswith(o + "_")]
    return max(matches, key=len) if matches else name
