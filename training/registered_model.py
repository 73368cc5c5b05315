"""The registered model: probability of default and the decision at the business threshold.

An MLflow custom pyfunc that wraps the fitted scikit-learn pipeline, the calibration map fitted on its
out-of-fold probabilities (`training.calibration`), the threshold chosen on calibrated out-of-fold probabilities
and the explainer. `probability` is the calibrated probability of default: on clients like the training ones, the
share of defaulters among those given 10 % is about 10 %. `predict` returns one row per client: `probability`, `decision`
(`refuse` when probability >= threshold, else `accept`) and `threshold`. Columns missing from the input are
treated as missing values; extra columns (e.g. `client_id`) are ignored.

Through `mlflow.pyfunc`, the signature declares the feature table's own types (training/register.py), so rows
read from `marts.client_features` with DuckDB are predicted as they come; `prepare` gives the training types
(numbers as float, text as object). JSON sent to `mlflow models serve` is parsed against the signature.
"""

from __future__ import annotations

import mlflow.pyfunc
import numpy as np
import pandas as pd

from training.calibration import Calibration
from training.explain import Explainer


class CreditScorer(mlflow.pyfunc.PythonModel):
    """Pipeline + calibration + threshold + explainer, scored on raw feature rows."""

    def __init__(self, pipeline, threshold: float, numeric: list[str], categorical: list[str],
                 explainer: Explainer | None = None, info: dict | None = None,
                 calibration: Calibration | None = None) -> None:
        self.pipeline = pipeline
        self.threshold = float(threshold)
        self.numeric = list(numeric)
        self.categorical = list(categorical)
        self.explainer = explainer
        self.info = dict(info or {})
        self.calibration = calibration or Calibration()

    @property
    def features(self) -> list[str]:
        """The input columns, in training order."""
        return self.numeric + self.categorical

    def prepare(self, rows: pd.DataFrame) -> pd.DataFrame:
        """Rows reindexed to the training columns with training types (numbers as float, text as object)."""
        X = pd.DataFrame(rows).reindex(columns=self.features)
        numeric = X[self.numeric]
        if not (numeric.dtypes == "float64").all():  # batch scoring reads doubles already: no column-by-column pass
            X[self.numeric] = numeric.apply(pd.to_numeric, errors="coerce").astype("float64")
        for c in self.categorical:
            X[c] = X[c].astype(object).where(X[c].notna(), None)
        return X

    def raw_proba(self, rows: pd.DataFrame) -> np.ndarray:
        """The pipeline's own probability of default for each row, before calibration."""
        return self.pipeline.predict_proba(self.prepare(rows))[:, 1]

    def calibrate(self, raw: np.ndarray) -> np.ndarray:
        """Calibrated probabilities of raw pipeline probabilities (the one place the map is applied)."""
        return self.calibration(raw)

    def predict_proba(self, rows: pd.DataFrame) -> np.ndarray:
        """Calibrated probability of default for each row."""
        return self.calibrate(self.raw_proba(rows))

    def decide(self, probability: np.ndarray) -> np.ndarray:
        """`refuse` where probability >= threshold, `accept` elsewhere."""
        return np.where(np.asarray(probability) >= self.threshold, "refuse", "accept")

    def predict(self, context, model_input: pd.DataFrame, params: dict | None = None) -> pd.DataFrame:
        """MLflow entry point: probability, decision and threshold per row."""
        p = self.predict_proba(model_input)
        return pd.DataFrame({"probability": p, "decision": self.decide(p),
                             "threshold": np.full(len(p), self.threshold)})

    def explain(self, rows: pd.DataFrame, top_k: int = 3) -> list[list[dict]]:
        """The `top_k` strongest reasons per row, in French (see `training.explain.Explainer.reasons`)."""
        if self.explainer is None:
            return [[] for _ in range(len(rows))]
        return self.explainer.reasons(self.prepare(rows), top_k=top_k)

    def contributions(self, rows: pd.DataFrame) -> pd.DataFrame:
        """Exact local contributions (log-odds of the raw, uncalibrated score) per input feature, plus `_base_value`.

        Calibration is a non-decreasing map of that score, so the direction and order of the reasons hold for the
        calibrated probability too.
        """
        return self.explainer.contributions(self.prepare(rows))

    def global_importance(self) -> pd.DataFrame | None:
        """Mean |SHAP| per input feature over the training sample, with French labels."""
        return None if self.explainer is None else self.explainer.global_importance
