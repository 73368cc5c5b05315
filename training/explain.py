"""Explanations: exact local contributions per input feature, global importance, French reasons.

Contributions are in log-odds of default (LightGBM `pred_contrib`: exact TreeSHAP; logistic regression:
coefficient x centred value, exact for a linear model); for a random forest, exact TreeSHAP from a
`shap.TreeExplainer` built once, in probability units. Contributions of transformed columns (one-hot
children, missing indicators) are summed back to the input column they come from. Everything heavy is
done once at construction; a call costs one pass over the rows it is given.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from training.candidates import original_feature
from training.labels_fr import french_label

BASE = "_base_value"


class Explainer:
    """Local contributions and reasons for a fitted pipeline (`preprocess` [+ `resample`] + `model`)."""

    def __init__(self, pipeline, features: list[str], X_background: pd.DataFrame | None = None,
                 labels: dict[str, str] | None = None) -> None:
        self.pipeline = pipeline
        self.features = list(features)
        self.labels = {f: (labels or {}).get(f) or french_label(f) for f in self.features}
        names = list(pipeline.named_steps["preprocess"].get_feature_names_out())
        index = {f: i for i, f in enumerate(self.features)}
        self.aggregate = np.zeros((len(names), len(self.features)))
        for j, name in enumerate(names):
            self.aggregate[j, index[original_feature(name, self.features)]] = 1.0
        model = pipeline.named_steps["model"]
        self.kind = ("tree" if hasattr(model, "contributions") else "linear" if hasattr(model, "coef_")
                     else "forest" if hasattr(getattr(model, "model_", model), "estimators_") else "none")
        self._tree_explainer = None
        self.background = None
        if self.kind == "linear" and X_background is not None:
            self.background = np.asarray(self._transform(X_background)).mean(axis=0)
        self.global_importance: pd.DataFrame | None = None

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_tree_explainer"] = None  # rebuilt on first use after loading
        return state

    def _forest(self, Xt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self._tree_explainer is None:
            import shap  # only a random-forest champion needs it, and it takes seconds to import in the API

            model = self.pipeline.named_steps["model"]
            self._tree_explainer = shap.TreeExplainer(getattr(model, "model_", model))
        values = np.asarray(self._tree_explainer.shap_values(Xt, check_additivity=False))
        values = values[..., 1] if values.ndim == 3 else values
        base = np.atleast_1d(self._tree_explainer.expected_value)[-1]
        return values, np.full(len(Xt), float(base))

    def _transform(self, X: pd.DataFrame) -> np.ndarray:
        return np.asarray(self.pipeline.named_steps["preprocess"].transform(X[self.features]), dtype=float)

    def contributions(self, X: pd.DataFrame) -> pd.DataFrame:
        """One row per client: the contribution of each input feature to the log-odds, plus `_base_value`.

        For every row, the contributions plus the base value sum to the model's log-odds of default.
        """
        Xt = self._transform(X)
        model = self.pipeline.named_steps["model"]
        if self.kind == "tree":
            raw = model.contributions(Xt)
            per_output, base = raw[:, :-1], raw[:, -1]
        elif self.kind == "linear":
            centre = self.background if self.background is not None else np.zeros(Xt.shape[1])
            per_output = (Xt - centre) * model.coef_[0]
            base = np.full(len(Xt), float(model.intercept_[0] + centre @ model.coef_[0]))
        elif self.kind == "forest":
            per_output, base = self._forest(Xt)
        else:
            per_output, base = np.zeros_like(Xt), np.zeros(len(Xt))
        out = pd.DataFrame(per_output @ self.aggregate, columns=self.features, index=X.index)
        out[BASE] = base
        return out

    def fit_global(self, X: pd.DataFrame) -> pd.DataFrame:
        """Global importance: mean |contribution| per input feature over `X` (stored on the explainer)."""
        contrib = self.contributions(X).drop(columns=BASE)
        table = pd.DataFrame({"feature": self.features, "label_fr": [self.labels[f] for f in self.features],
                              "mean_abs_shap": contrib.abs().mean().to_numpy()})
        self.global_importance = table.sort_values("mean_abs_shap", ascending=False, ignore_index=True)
        return self.global_importance

    def reasons(self, X: pd.DataFrame, top_k: int = 3) -> list[list[dict]]:
        """For each row of `X`, the `top_k` strongest contributions as dicts with a French sentence.

        Each dict: feature, label, value, contribution (log-odds), direction ("hausse" or "baisse" of the
        risk) and text.
        """
        contrib = self.contributions(X).drop(columns=BASE)
        out = []
        for (_, row), (_, values) in zip(contrib.iterrows(), X[self.features].iterrows(), strict=True):
            top = row.reindex(row.abs().sort_values(ascending=False).index[:top_k])
            out.append([self._reason(f, values[f], float(c)) for f, c in top.items()])
        return out

    def _reason(self, feature: str, value: object, contribution: float) -> dict:
        label = self.labels[feature]
        direction = "hausse" if contribution > 0 else "baisse"
        verb = "augmente" if contribution > 0 else "diminue"
        text = f"{label[:1].upper()}{label[1:]} : {format_value_fr(feature, value)} ; cela {verb} le risque estimé."
        shown = None if _missing(value) else (value if isinstance(value, str) else float(value))
        return {"feature": feature, "label": label, "value": shown, "contribution": contribution,
                "direction": direction, "text": text}


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def format_value_fr(feature: str, value: object) -> str:
    """A value written the French way: `12 500`, `0,15`, days as years, `non renseigné` when missing."""
    if _missing(value):
        return "non renseigné"
    if isinstance(value, str):
        return value
    v = float(value)
    if feature.lower().startswith("days_"):
        years = abs(v) / 365.25
        return f"{years:.1f} ans".replace(".", ",")
    if abs(v) >= 1000:
        return f"{v:,.0f}".replace(",", "\u202f")
    if v == int(v):
        return str(int(v))
    return f"{v:.2f}".replace(".", ",")
