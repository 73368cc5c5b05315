"""The model at request time: the registered pipeline, applied one row at a time without pandas overhead.

`CreditScorer.predict_proba` prepares a DataFrame column by column and runs the scikit-learn
ColumnTransformer with pandas output: about 100 ms for one row. Here the same fitted objects are called
directly: the training types are set on numpy blocks, each fitted sub-transformer of the ColumnTransformer is
applied to its columns (identity passthrough read as is), the final estimator's `predict_proba` is called on the
transformed row, then the scorer's own calibration map (`scorer.calibrate`). `verify` checks at start-up, on
real rows, that this gives bit-for-bit what the scorer's own `predict_proba`, the pipeline's `transform` and the
explainer's `contributions` give; when it does not (a new kind of pipeline), the scorer's own methods are used
instead, slower but identical.
"""

from __future__ import annotations

import contextlib
import copy
import logging
from typing import Any

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)
BASE = "_base_value"



def _single_threaded(estimator: Any) -> None:
    """One thread per prediction: requests are served in parallel, and one row gains nothing from more."""
    for obj in (estimator, getattr(estimator, "model_", None)):
        if obj is not None and hasattr(obj, "n_jobs"):
            with contextlib.suppress(AttributeError):  # a read-only property
                obj.n_jobs = 1


def _without_feature_names(obj: Any) -> Any:
    """Forget the column names a fitted object (and its parts) saw, so that it takes plain arrays quietly.

    Only on the runtime's private copies: the values are the same, the names only label them.
    """
    for part in [obj, *[t for _, t, _ in getattr(obj, "transformers_", [])], *[t for _, t in getattr(obj, "steps", [])]]:
        if part is not obj and not isinstance(part, str):
            _without_feature_names(part)
        if not isinstance(part, str) and "feature_names_in_" in getattr(part, "__dict__", {}):
            del part.feature_names_in_
    return obj


def _is_identity(transformer: Any) -> bool:
    return transformer == "passthrough" or (
        type(transformer).__name__ == "FunctionTransformer" and getattr(transformer, "func", 0) is None)


class ModelRuntime:
    """Fast per-row scoring and contributions with the registered scorer's own fitted objects."""

    def __init__(self, scorer: Any) -> None:
        self.scorer = scorer
        self.numeric: list[str] = list(scorer.numeric)
        self.categorical: list[str] = list(scorer.categorical)
        self.features: list[str] = self.numeric + self.categorical
        steps = scorer.pipeline.steps
        self.transforms = [step for _, step in steps[:-1] if not hasattr(step, "fit_resample")]
        self.estimator = steps[-1][1]
        _single_threaded(self.estimator)
        self._array_estimator = _without_feature_names(copy.deepcopy(self.estimator))
        self.explainer = getattr(scorer, "explainer", None)
        self._pre_explainer = self._pretransformed_explainer()
        self.fast = False
        self._numeric_index = {c: i for i, c in enumerate(self.numeric)}
        self._parts: list[tuple[Any, bool, np.ndarray]] | None = None

    # -- preparation -------------------------------------------------------------------------------------
    def blocks(self, rows: list[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
        """Numeric block (float64, NaN for missing) and text block (object, None for missing)."""
        values = [[r.get(c) for c in self.numeric] for r in rows]
        try:  # numbers and None (NaN) convert in C; a counter-offer's ~270 variant rows in a few ms
            numeric = np.array(values, dtype=np.float64)
        except (TypeError, ValueError):  # text or pd.NA in a numeric column: one value at a time
            numeric = np.array([[_to_float(v) for v in row] for row in values], dtype=np.float64)
        text = np.empty((len(rows), len(self.categorical)), dtype=object)
        for i, r in enumerate(rows):
            text[i, :] = [_to_text(r.get(c)) for c in self.categorical]
        return numeric.reshape(len(rows), len(self.numeric)), text

    def frame(self, numeric: np.ndarray, categorical: np.ndarray) -> pd.DataFrame:
        """The blocks as the DataFrame the scorer prepares (training column order and types)."""
        X = pd.DataFrame(numeric, columns=self.numeric)
        for j, c in enumerate(self.categorical):
            X[c] = pd.Series(categorical[:, j], dtype=object)
        return X[self.features]

    # -- transformation ----------------------------------------------------------------------------------
    def transform(self, numeric: np.ndarray, categorical: np.ndarray) -> np.ndarray:
        """The model-ready rows (every transform step of the pipeline but resampling)."""
        if not self.fast:
            return self.full_transform(self.frame(numeric, categorical))
        return self._fast_transform(numeric, categorical)

    def _fast_parts(self) -> list[tuple[Any, bool, np.ndarray]]:
        """(fitted transformer with array output, identity?, column positions in the numeric/text block)."""
        if self._parts is None:
            (column_transformer,) = self.transforms
            arrays = _without_feature_names(copy.deepcopy(column_transformer))
            arrays.set_output(transform="default")
            text_index = {c: j for j, c in enumerate(self.categorical)}
            parts = []
            for _, transformer, columns in arrays.transformers_:
                columns = list(columns)
                if transformer == "drop" or not columns:
                    continue
                if all(c in self._numeric_index for c in columns):
                    positions, is_text = [self._numeric_index[c] for c in columns], False
                elif all(c in text_index for c in columns):
                    positions, is_text = [text_index[c] for c in columns], True
                else:
                    raise ValueError("a transformer mixes numbers and text")
                parts.append((transformer, is_text, np.array(positions)))
            self._parts = parts
        return self._parts

    def _fast_transform(self, numeric: np.ndarray, categorical: np.ndarray) -> np.ndarray:
        out = []
        for transformer, is_text, positions in self._fast_parts():
            block = categorical[:, positions] if is_text else numeric[:, positions]
            out.append(block if _is_identity(transformer) else np.asarray(transformer.transform(block), dtype=np.float64))
        return np.hstack(out).astype(np.float64, copy=False)

    def full_transform(self, X: pd.DataFrame) -> np.ndarray:
        """The pipeline's own transform of prepared rows (used to build the matrix of all clients)."""
        for step in self.transforms:
            X = step.transform(X)
        return np.asarray(X, dtype=np.float64)

    # -- scores and contributions ------------------------------------------------------------------------
    def probability(self, transformed: np.ndarray) -> np.ndarray:
        """Calibrated probability of default of model-ready rows (the pipeline's final estimator, then the
        scorer's calibration map; scorers registered before calibration existed have none)."""
        estimator = self._array_estimator if self.fast else self.estimator
        raw = estimator.predict_proba(transformed)[:, 1]
        return self.scorer.calibrate(raw) if hasattr(self.scorer, "calibrate") else raw

    def decide(self, probability: float) -> str:
        """`refuse` or `accept` (the scorer's own rule at its threshold)."""
        return str(self.scorer.decide(np.array([probability]))[0])

    def contributions(self, numeric: np.ndarray, categorical: np.ndarray, transformed: np.ndarray) -> pd.DataFrame:
        """Per input feature contributions (log-odds) plus `_base_value`, one row per row given."""
        if self.explainer is None:
            return pd.DataFrame(np.zeros((len(numeric), len(self.features) + 1)), columns=[*self.features, BASE])
        if self.fast and self._pre_explainer is not None:
            return self._pre_explainer.contributions(pd.DataFrame(transformed))
        return self.scorer.contributions(self.frame(numeric, categorical))

    def _pretransformed_explainer(self) -> Any:
        """The scorer's explainer, fed with already transformed rows (its `_transform` skipped)."""
        if self.explainer is None or not hasattr(self.explainer, "_transform"):
            return None
        cls = type(self.explainer)
        shortcut = type(f"Pretransformed{cls.__name__}", (cls,),
                        {"_transform": lambda self, X: np.asarray(X, dtype=np.float64)})
        clone = copy.copy(self.explainer)
        clone.__class__ = shortcut
        return clone

    # -- start-up check ----------------------------------------------------------------------------------
    def verify(self, X: pd.DataFrame) -> bool:
        """Use the fast path only if it reproduces the scorer's own methods exactly, one row at a time.

        One row at a time because that is how requests are scored: a batch can differ from single rows in
        the last bit for a linear model (the BLAS dot product groups the sums differently).
        """
        self.fast = len(self.transforms) == 1 and hasattr(self.transforms[0], "transformers_")
        prepared = self.scorer.prepare(X)
        try:
            for i in range(len(prepared)):
                row = prepared.iloc[[i]]
                numeric, categorical = self.blocks(row.to_dict("records"))
                transformed = self.transform(numeric, categorical)
                same = np.array_equal(transformed, self.full_transform(row), equal_nan=True)
                same = same and self.probability(transformed)[0] == self.scorer.predict_proba(row)[0]
                if self.explainer is not None:
                    got = self.contributions(numeric, categorical, transformed).to_numpy()
                    same = same and np.array_equal(got, self.scorer.contributions(row).to_numpy(), equal_nan=True)
                if not same:
                    raise ValueError(f"row {i} differs")
        except Exception as error:  # noqa: BLE001 - any failure means: use the scorer's own path
            log.warning("fast scoring path does not reproduce the scorer (%s): using the scorer's own methods", error)
            self.fast = False
        return self.fast


def _to_float(value: Any) -> float:
    if value is None or value is pd.NA:
        return np.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return np.nan


def _to_text(value: Any) -> Any:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    return value
