"""What the routes call: scoring, explanations, profiles and population statistics, with their events.

Built once at start-up (`api.startup.build_service`), shared by every request of a worker process.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from api.events import Event, EventStore, application_hash
from api.features import ApplicationFeatures, raw_application
from api.population import Population, profile_labels
from api.reasons import human_label, human_value, main_reasons
from api.registry import LoadedModel, headline
from api.runtime import BASE, ModelRuntime
from api.store import ClientMatrix, CursorPool, FeatureVersion

DECISIONS = {"accept": "accepted", "refuse": "refused"}
REASONS = 4


class ClientNotFoundError(LookupError):
    """No such client in the feature version."""


@dataclass
class Scored:
    """A score and what it was computed from."""

    probability: float
    decision: str
    features: dict[str, Any]
    numeric: np.ndarray
    transformed: np.ndarray
    categorical_block: Callable[[], np.ndarray]

    @property
    def categorical(self) -> np.ndarray:
        """The text features as a one-row object array (built only when an explanation needs it)."""
        return self.categorical_block()


@dataclass
class ScoringService:
    """The loaded model, the feature store and the event log of one worker."""

    model: LoadedModel
    runtime: ModelRuntime
    version: FeatureVersion
    matrix: ClientMatrix
    features: ApplicationFeatures
    cursors: CursorPool
    population: Population
    events: EventStore
    startup_seconds: float = 0.0
    # False when the cached transformed rows (built in batches) differ from one-row transforms in the last bit
    use_cached_rows: bool = True
    owns_events: bool = True  # False for a service loaded beside a running one (a reload): the worker's store
    snapshot: Path | None = None  # the serving snapshot's folder

    def close(self) -> None:
        """Release the snapshot connection, and the event store when this service opened it."""
        self.cursors.close()
        if self.owns_events:
            self.events.dispose()

    def stored_equals_posted(self, client_ids: list[int]) -> list[int]:
        """Clients whose stored score differs from the score of their stored application posted unchanged."""
        return [c for c in client_ids
                if self.score_client(c).probability != self.score_application(self.application(c), c).probability]

    # -- facts -------------------------------------------------------------------------------------------
    def model_info(self, top: int) -> dict[str, Any]:
        """Name, version, threshold, costs, headline metrics and the top global importances."""
        facts = self.model.facts
        tags = facts.tags
        cost_fn, cost_fp = _float(tags.get("cost_fn")), _float(tags.get("cost_fp"))
        importance = self.runtime.scorer.global_importance()
        rows = [] if importance is None else importance.head(top).to_dict("records")
        return {"name": facts.name, "version": facts.version, "alias": facts.alias, "feature_version": self.version.feature_version,
                "threshold": self.model.threshold, "cost_fn": cost_fn, "cost_fp": cost_fp,
                "cost_ratio": _float(tags.get("cost_ratio")) or (cost_fn / cost_fp if cost_fn and cost_fp else None),
                "candidate": tags.get("candidate"), "trained_at_commit": tags.get("git_commit"),
                "metrics": headline(facts.metrics), "n_features": len(self.runtime.features),
                "global_importance": [{"feature": r["feature"], "label": r.get("label_fr") or r["feature"],
                                       "mean_abs_contribution": float(r["mean_abs_shap"])} for r in rows]}

    # -- by client id ------------------------------------------------------------------------------------
    def _row(self, client_id: int) -> int:
        i = self.matrix.index(client_id)
        if i is None:
            raise ClientNotFoundError(client_id)
        return i

    def score_client(self, client_id: int) -> Scored:
        """Score of a client of the feature version, from its model-ready row."""
        i = self._row(client_id)
        numeric, transformed = self.matrix.model_rows(i)
        if not self.use_cached_rows:
            transformed = self.runtime.transform(numeric, self.matrix.categorical_block(i))
        p = float(self.runtime.probability(transformed)[0])
        return Scored(p, self.runtime.decide(p), self.matrix.record(i), numeric, transformed,
                      lambda: self.matrix.categorical_block(i))

    def profile(self, client_id: int) -> dict[str, Any]:
        """The descriptive profile of a client."""
        i = self.population.row(client_id)
        if i is None or self.matrix.index(client_id) is None:
            raise ClientNotFoundError(client_id)
        row = self.population.frame.iloc[i].drop(labels=["target"], errors="ignore").to_dict()
        profile = {k: _clean(v) for k, v in row.items()}
        return profile | {"value_labels": profile_labels(profile)}

    def application(self, client_id: int) -> dict[str, Any]:
        """The raw application of a client, as POST /v1/score takes it."""
        self._row(client_id)
        row = raw_application(self.cursors.get(), client_id, self.features.query.columns)
        return {k: _clean(v) for k, v in row.items() if k != "SK_ID_CURR"}

    def list_clients(self, limit: int, offset: int) -> dict[str, Any]:
        """Client ids of the feature version, ascending (ids only)."""
        ids = self.matrix.ids[offset:offset + limit]
        return {"total": len(self.matrix.ids), "limit": limit, "offset": offset, "clients": [int(i) for i in ids]}

    def similar(self, client_id: int, k: int, min_group: int, with_rows: bool) -> dict[str, Any]:
        """The population's similar clients, each with the model's score and decision (not logged as events:
        a population statistic, not a decision about them); the neighbours' rows only `with_rows`."""
        found = self.population.similar(client_id, k, min_group)
        if found is None or self.matrix.index(client_id) is None:
            raise ClientNotFoundError(client_id)
        if not with_rows:
            return found | {"neighbours": []}
        rows = [self.matrix.index(n["client_id"]) for n in found["neighbours"]]
        kept = [r for r in rows if r is not None]
        if kept:
            probabilities = self.runtime.probability(np.asarray(self.matrix.transformed[kept]))
            scores = dict(zip(kept, probabilities.tolist(), strict=True))
            for neighbour, row in zip(found["neighbours"], rows, strict=True):
                if row is not None:
                    p = scores[row]
                    neighbour["probability_default"] = p
                    neighbour["decision"] = DECISIONS.get(self.runtime.decide(p))
        return found

    # -- posted application ------------------------------------------------------------------------------
    def score_application(self, application: dict[str, Any], client_id: int | None) -> Scored:
        """Score of a posted application (features by the dbt SQL; history of `client_id` if given)."""
        if client_id is not None:
            self._row(client_id)
        row = self.features.compute(self.cursors.get(), application, client_id)
        features = {c: _clean(row.get(c)) for c in self.runtime.features}
        numeric, categorical = self.runtime.blocks([row])
        transformed = self.runtime.transform(numeric, categorical)
        p = float(self.runtime.probability(transformed)[0])
        return Scored(p, self.runtime.decide(p), features, numeric, transformed, lambda: categorical)

    # -- explanations ------------------------------------------------------------------------------------
    def explain(self, scored: Scored, top: int) -> dict[str, Any]:
        """Signed contributions (top by absolute value), with values, population medians and French reasons."""
        contrib = self.runtime.contributions(scored.numeric, scored.categorical, scored.transformed).iloc[0]
        base = float(contrib.get(BASE, 0.0))
        contrib = contrib.drop(labels=[BASE], errors="ignore").astype(float)
        order = contrib.abs().sort_values(ascending=False, kind="stable").index
        labels = getattr(self.runtime.explainer, "labels", {}) or {}
        rows = [self._contribution(f, float(contrib[f]), scored.features.get(f), labels) for f in order[:top]]
        reasons = main_reasons(((f, float(contrib[f])) for f in order), scored.features, labels, REASONS)
        return {"base_value": base, "contributions": rows, "reasons": reasons}

    def _contribution(self, feature: str, value: float, client_value: Any, labels: dict) -> dict[str, Any]:
        median, mode = self.matrix.medians.get(feature), self.matrix.modes.get(feature)
        return {"feature": feature, "label": human_label(feature, labels.get(feature, feature)), "contribution": value,
                "direction": "increases_risk" if value > 0 else "decreases_risk" if value < 0 else "none",
                "client_value": _clean(client_value), "population_median": median,
                "population_most_frequent": mode, "value_text": human_value(feature, _clean(client_value)),
                "typical_value_text": human_value(feature, median if median is not None else mode)}

    # -- events ------------------------------------------------------------------------------------------
    def event(self, request_id: str, endpoint: str, client_id: int | None, scored: Scored, started: float,
              principal: str, posted: dict[str, Any] | None = None) -> Event:
        """The prediction event of a scoring response (`api.audit` writes it with the request's audit row)."""
        return Event(
            request_id=request_id, endpoint=endpoint, client_id=client_id,
            application_hash=None if posted is None else application_hash(posted, client_id),
            features=scored.features, probability=scored.probability, decision=scored.decision,
            threshold=self.model.threshold, model_name=self.model.facts.name, model_version=self.model.facts.version,
            feature_version=self.version.feature_version, latency_ms=(time.perf_counter() - started) * 1000,
            principal=principal)

    def score_payload(self, scored: Scored, client_id: int | None, request_id: str) -> dict[str, Any]:
        """The JSON body of a score."""
        threshold = self.model.threshold
        return {"client_id": client_id, "probability_default": scored.probability,
                "decision": DECISIONS.get(scored.decision, scored.decision), "threshold": threshold,
                "margin": scored.probability - threshold, "model_name": self.model.facts.name,
                "model_version": self.model.facts.version, "feature_version": self.version.feature_version,
                "request_id": request_id}


def _float(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def _clean(value: Any) -> Any:
    """JSON-ready scalar: None for NULL/NaN, Python types for numpy ones."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value
