"""Request and response models (JSON everywhere), with the examples shown in the OpenAPI documentation."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.application import EXAMPLE_APPLICATION, Application
from common.contracts.registry import CHAMPION, MODEL_NAME

Value = float | int | str | bool | None


class ErrorDetail(BaseModel):
    """One invalid field."""

    field: str = Field(description="Where: `application.AMT_CREDIT`, `query.top`, ...")
    message: str
    type: str


class ErrorPublic(BaseModel):
    """Every error: a status, a message, no stack trace."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"status": 404, "message": "Client not found", "request_id": "5f0c8c1e2b7d4b0f9a3e6d1c2b3a4f5e"}]})

    status: int
    message: str
    request_id: str | None = None
    errors: list[ErrorDetail] | None = None


class ReadinessPublic(BaseModel):
    """Whether the API can serve now, and which dependency is down."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"status": "ready", "checks": {"model": True, "warehouse": True, "events": True}}]})

    status: Literal["ready", "unavailable"]
    checks: dict[str, bool]


class PrincipalPublic(BaseModel):
    """Who is calling."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"name": "alice@bank.fr", "role": "advisor", "scopes": ["client:read", "decisions:write", "population:read",
                                                               "score"]}]})

    name: str
    role: Literal["advisor", "analyst", "service", "operator"]
    scopes: list[str]


def error_responses(*codes: int) -> dict[int, dict]:
    """The `responses` of a router: 401, 403 and 429 (access control) and the given codes, as ErrorPublic."""
    return {code: {"model": ErrorPublic} for code in sorted({401, 403, 429, *codes})}


class HealthPublic(BaseModel):
    """Liveness and what is served."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"status": "ok", "model_name": MODEL_NAME, "model_version": "3", "feature_version": "fv0002"}]})

    status: Literal["ok"]
    model_name: str
    model_version: str
    feature_version: str


class ReloadPublic(BaseModel):
    """What POST /v1/admin/reload did."""

    model_config = ConfigDict(protected_namespaces=(), json_schema_extra={"examples": [
        {"reloaded": True, "model_version": "4", "previous_version": "3", "feature_version": "fv0002",
         "challenger_version": None, "seconds": 6.2}]})

    reloaded: bool = Field(description="Whether a new champion was loaded and swapped in by this request")
    model_version: str = Field(description="The version this worker serves now")
    previous_version: str = Field(description="The version it served before the request")
    feature_version: str = Field(description="The feature version it serves now")
    challenger_version: str | None = Field(description="The challenger scored in the shadow (HC_SHADOW_CHALLENGER), "
                                                       "if any")
    seconds: float = Field(description="Time spent checking the registry, loading and checking")


class ImportancePublic(BaseModel):
    """Global importance of one input feature (mean absolute contribution over a training sample)."""

    feature: str
    label: str = Field(description="French label")
    mean_abs_contribution: float = Field(description="Mean |contribution| in log-odds of default")


class ModelPublic(BaseModel):
    """The served model."""

    model_config = ConfigDict(protected_namespaces=(), json_schema_extra={"examples": [{
        "name": MODEL_NAME, "version": "3", "alias": CHAMPION, "feature_version": "fv0002",
        "threshold": 0.0912, "cost_fn": 10.0, "cost_fp": 1.0, "cost_ratio": 10.0,
        "candidate": "lightgbm/class_weight/lr=0.08,leaves=31", "trained_at_commit": "0123abcd",
        "metrics": {"holdout_roc_auc": 0.78, "holdout_cost_per_applicant": 0.48}, "n_features": 373,
        "global_importance": [{"feature": "ext_source_mean", "label": "scores externes : moyenne",
                               "mean_abs_contribution": 0.41}]}]})

    name: str
    version: str
    alias: str | None
    feature_version: str
    threshold: float = Field(description="Refused when the probability of default is at or above it")
    cost_fn: float | None = Field(description="Cost of a missed defaulter (false negative)")
    cost_fp: float | None = Field(description="Cost of a good client wrongly refused (false positive)")
    cost_ratio: float | None
    candidate: str | None
    trained_at_commit: str | None
    metrics: dict[str, float] = Field(description="Headline metrics of the training run (holdout)")
    n_features: int
    global_importance: list[ImportancePublic]


class ProfilePublic(BaseModel):
    """Readable descriptive attributes of a client (from marts.client_profiles)."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [{
        "client_id": 100002, "split": "train", "gender": "M", "age_years": 25.9, "family_status": "Single / not married",
        "children_count": 0, "education": "Secondary / secondary special", "income_type": "Working",
        "occupation": "Laborers", "years_employed": 1.7, "housing_type": "House / apartment", "owns_car": "no",
        "owns_realty": "yes", "contract_type": "Cash loans", "annual_income": 202500.0, "credit_amount": 406597.5,
        "annuity_amount": 24700.5, "value_labels": {"gender": "Homme", "family_status": "Célibataire",
                                                    "income_type": "Salarié", "owns_car": "non"}}]})

    client_id: int
    split: str | None = None
    value_labels: dict[str, str] = Field(default_factory=dict, description=(
        "French label of each text value of the profile (the raw values stay in their fields)"))


class ClientListPublic(BaseModel):
    """A page of client ids."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"total": 50000, "limit": 3, "offset": 0, "clients": [100002, 100003, 100004]}]})

    total: int
    limit: int
    offset: int
    clients: list[int]


class ApplicationPublic(BaseModel):
    """A client's application as stored (the body of POST /v1/score, to edit for a what-if)."""

    client_id: int
    application: dict[str, Value]


class ScoreBase(BaseModel):
    """Probability of default and decision at the business threshold."""

    model_config = ConfigDict(protected_namespaces=())

    client_id: int | None = Field(description="The client; null for a new client's application")
    probability_default: float = Field(ge=0, le=1, description=(
        "Calibrated probability of default: among clients given 0.12, about 12 in 100 default (the calibration map "
        "is part of the registered model)"))
    decision: Literal["accepted", "refused"]
    threshold: float = Field(description="Refused when probability_default >= threshold (on the calibrated scale)")
    margin: float = Field(description="probability_default - threshold: negative = accepted, by that much")
    model_name: str
    model_version: str
    feature_version: str
    request_id: str = Field(description="Also in the X-Request-ID header and in the prediction event")


SCORE_EXAMPLE = {"client_id": 100002, "probability_default": 0.2312, "decision": "refused", "threshold": 0.0912,
                 "margin": 0.14, "model_name": MODEL_NAME, "model_version": "3", "feature_version": "fv0002",
                 "request_id": "5f0c8c1e2b7d4b0f9a3e6d1c2b3a4f5e"}


class ScorePublic(ScoreBase):
    """A score."""

    model_config = ConfigDict(protected_namespaces=(), json_schema_extra={"examples": [SCORE_EXAMPLE]})


class ContributionPublic(BaseModel):
    """How much one input feature moved this client's score."""

    feature: str
    label: str = Field(description="French label")
    contribution: float = Field(description="Signed contribution to the log-odds of default (exact TreeSHAP)")
    direction: Literal["increases_risk", "decreases_risk", "none"]
    client_value: Value
    population_median: float | None = Field(description="Median over all clients of the feature version (numbers)")
    population_most_frequent: str | None = Field(description="Most frequent value over all clients (text features)")
    value_text: str = Field(description="The client's value for people, in French: years, months, euros, category label")
    typical_value_text: str = Field(description="The typical value (median or most frequent) for people, in French")


class ReasonPublic(BaseModel):
    """One of the main reasons, in plain French: distinct from the others, never a protected attribute."""

    feature: str
    label: str | None = None
    text: str
    contribution: float
    direction: str | None = None
    value_text: str | None = Field(None, description="The client's value in human units (French)")
    covers: list[str] = Field(default_factory=list, description=(
        "Weaker features that say the same thing (e.g. the other external scores), left out of the reasons"))


EXPLANATION_EXAMPLE = {
    "base_value": -2.43,
    "contributions": [{"feature": "ext_source_mean", "label": "scores externes : moyenne", "contribution": 0.62,
                       "direction": "increases_risk", "client_value": 0.16, "population_median": 0.52,
                       "population_most_frequent": None, "value_text": "0,16 sur 1", "typical_value_text": "0,52 sur 1"}],
    "reasons": [{"feature": "ext_source_mean", "label": "scores externes : moyenne",
                 "text": "Scores externes : moyenne : 0,16 sur 1 ; cela augmente le risque estimé.", "contribution": 0.62,
                 "direction": "hausse", "value_text": "0,16 sur 1", "covers": ["ext_source_3", "ext_source_min"]}]}


class ExplanationPublic(ScoreBase):
    """A score and why: contributions of the input features and the main reasons."""

    model_config = ConfigDict(protected_namespaces=(), json_schema_extra={"examples": [
        SCORE_EXAMPLE | EXPLANATION_EXAMPLE]})

    base_value: float = Field(description=(
        "Log-odds before any feature (contributions + base = the model's raw log-odds, before calibration; the "
        "calibration is non-decreasing, so directions and order hold for probability_default)"))
    contributions: list[ContributionPublic] = Field(description="The `top` largest by absolute value")
    reasons: list[ReasonPublic] = Field(description="The 4 main reasons, in French")


class ScoreRequest(BaseModel):
    """A raw application (Kaggle application_train fields), for a new client or a what-if on an existing one."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"client_id": None, "application": EXAMPLE_APPLICATION}]})

    client_id: int | None = Field(None, ge=1, le=2**62, description=(
        "An existing client whose credit history (bureau, previous loans, payments) is kept, with this "
        "application instead of the stored one; omit it for a new client (no history)."))
    application: Application  # type: ignore[valid-type]


class PostedScorePublic(ExplanationPublic):
    """Score and explanation of a posted application."""

    model_config = ConfigDict(protected_namespaces=(), json_schema_extra={"examples": [
        SCORE_EXAMPLE | EXPLANATION_EXAMPLE | {"client_id": None, "application_hash": "9b2f..."}]})

    application_hash: str = Field(description="SHA-256 of the posted application (in the prediction event)")


class NumericSummary(BaseModel):
    """Summary statistics of a numeric variable (null when no value)."""

    count: int
    missing: int
    mean: float | None = None
    std: float | None = None
    min: float | None = None
    q1: float | None = None
    median: float | None = None
    q3: float | None = None
    max: float | None = None


class CategoryCount(BaseModel):
    """One value of a categorical variable in a group."""

    value: Value
    label: str | None = Field(None, description="French label of the value (null for a missing value)")
    count: int | None = Field(description="null when fewer than HC_MIN_GROUP_SIZE clients hold the value")
    share: float | None
    default_rate: float | None = Field(description="Share of defaulters among those with a known outcome (null when "
                                                   "fewer than HC_MIN_GROUP_SIZE)")
    suppressed: bool = Field(False, description="Too few clients: count and rate withheld")


class GroupOutcome(BaseModel):
    """Size of a group and its observed default rate."""

    n_clients: int | None = Field(description="null when the group is too small to be shown")
    n_with_outcome: int | None = Field(description="Train clients, whose outcome is known")
    default_rate: float | None
    too_small: bool = Field(False, description="Fewer than HC_MIN_GROUP_SIZE clients: no statistic is returned")
    size: str | None = Field(None, description="For a group too small: its size, rounded, e.g. 'fewer than 20'")


class SummaryPublic(GroupOutcome):
    """Distributions of the main descriptive variables in a group."""

    filters: dict[str, Any]
    numeric: dict[str, NumericSummary]
    categorical: dict[str, list[CategoryCount]]


class HistogramBin(BaseModel):
    """One equal-width bin."""

    low: float
    high: float
    count: int | None
    default_rate: float | None
    suppressed: bool = Field(False, description="Too few clients in the bin: count and rate withheld")


class ClientPosition(BaseModel):
    """Where a client stands in the group."""

    client_id: int
    value: Value
    percentile: float | None = Field(description="Share (%) of the group at or below the client's value")


class DistributionPublic(GroupOutcome):
    """Distribution of one variable in a group."""

    variable: str
    label: str
    kind: Literal["numeric", "categorical"]
    filters: dict[str, Any]
    summary: NumericSummary | None = None
    histogram: list[HistogramBin] | None = None
    counts: list[CategoryCount] | None = None
    client: ClientPosition | None = None


class Neighbour(BaseModel):
    """One similar client (its key variables follow)."""

    model_config = ConfigDict(extra="allow")

    client_id: int
    distance: float
    probability_default: float | None = Field(None, description="The model's score (not logged as an event)")
    decision: Literal["accepted", "refused"] | None = None


class SimilarPublic(GroupOutcome):
    """The clients most similar to a client, and their observed default rate."""

    client_id: int
    k: int
    definition: str
    segment: dict[str, Any]
    medians: dict[str, float | None]
    neighbours: list[Neighbour]


class VariablePublic(BaseModel):
    """A descriptive variable the population endpoints know."""

    name: str
    label: str
    kind: Literal["numeric", "categorical"]
    values: list[Value] | None = Field(None, description="Known values (categorical variables)")
    value_labels: dict[str, str] | None = Field(None, description="French label of each known value")


class LabelsPublic(BaseModel):
    """French labels of the category values people see (the API and the warehouse keep the raw values)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "columns": {"NAME_INCOME_TYPE": {"Working": "Salarié", "Pensioner": "Retraité"}},
        "values": {"Working": "Salarié", "Pensioner": "Retraité", "yes": "oui", "no": "non"},
        "profile_columns": {"income_type": "NAME_INCOME_TYPE"}}]})

    columns: dict[str, dict[str, str]] = Field(description="Kaggle column -> raw value -> French label")
    values: dict[str, str] = Field(description="Raw value -> French label over every column (one label per value)")
    profile_columns: dict[str, str] = Field(description="Client profile / population variable -> its Kaggle column")
