"""The one settings object of the product, read from `HC_*` environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from common.contracts.registry import CHAMPION, MODEL_NAME


class Settings(BaseSettings):
    """Every setting of every Python stage; paths are relative to the repository root unless absolute.

    Read from `HC_*` environment variables, then from a `.env` file in the working directory when there is one
    (the same file `docker compose` reads; see .env.example); a variable set in the environment wins, an empty
    value in `.env` counts as unset.
    """

    model_config = SettingsConfigDict(env_prefix="HC_", extra="ignore", env_file=".env", env_file_encoding="utf-8",
                                      env_ignore_empty=True)

    data_dir: Path = Field(Path("data/raw"), description="Folder holding the eight Kaggle-format CSV files.")
    oracle_path: Path = Field(
        Path("data/oracle/default_probability.csv"),
        description="Synthetic truth (SK_ID_CURR, p_default, TARGET); read only for evaluation.",
    )
    duckdb_path: Path = Field(Path("warehouse/homecredit.duckdb"), description="The DuckDB warehouse file.")
    dbt_project_dir: Path = Field(Path("dbt_project"), description="The dbt project folder.")
    spark_dir: Path = Field(
        Path("data/spark"), description="Local Apache Spark warehouse and metastore (dbt's spark target, batch scoring).")
    reports_dir: Path = Field(Path("reports"), description="Where generated reports are written.")
    mlflow_tracking_uri: str = Field("sqlite:///mlflow.db", description="MLflow tracking URI.")
    cost_fn: float = Field(10.0, description="Cost of a missed defaulter (false negative), in units of a false positive.")
    cost_fp: float = Field(1.0, description="Cost of a good client wrongly refused (false positive).")
    gate_bootstrap: int = Field(
        1000, ge=100, description="Paired bootstrap resamples of the holdout with which the promotion gate compares a "
                                  "newly trained model with the champion (training/gate.py).")
    registry_user: str | None = Field(
        None, description="Who `python -m training promote|rollback` and the gate record as acting (default: the OS user).")
    # monitoring/: drift report, monitoring of the API's prediction events, alerts
    drift_top_features: int = Field(
        30, ge=20, description="How many of the model's most important features (mean |SHAP|) the drift checks cover.")
    drift_share_alert: float = Field(
        0.3, description="Alert when at least this share of the monitored features drifts (Evidently column tests).")
    missing_share_alert: float = Field(
        0.1, description="A feature drifts in missingness when its missing share moves by at least this much (absolute).")
    drift_importance_alert: float = Field(
        0.3, description="Alert also when the drifted features carry at least this share of the monitored features' "
                         "importance (mean |SHAP|), however few they are.")
    drift_p_value: float = Field(
        0.01, description="A column flagged by Evidently drifts only if the shift is also significant at this level "
                          "(KS / chi-square): a small window's sampling noise is not drift.")
    score_psi_alert: float = Field(
        0.2, description="Alert when the PSI of the predicted probability (reference vs window) reaches this value.")
    monitor_window: int = Field(10_000, description="Default monitoring window: the last N prediction events.")
    monitor_min_events: int = Field(200, description="Fewer events than this in a window: no drift verdict, no alert.")
    auc_drop_alert: float = Field(
        0.05, description="Delayed labels: alert when the realised AUC is this much below the holdout AUC.")
    cost_increase_alert: float = Field(
        0.25, description="Delayed labels: alert when the cost per client exceeds the holdout's by this share.")
    override_rate_change_alert: float = Field(
        0.10, description="Human decisions: alert when the override rate moves by more than this (absolute) from the "
                          "previous window to this one.")
    override_group_gap_alert: float = Field(
        0.10, description="Human decisions: alert when the rate of overrides towards refusal differs by more than this "
                          "(absolute) between two groups of a protected attribute (gender, age band).")
    override_min_decisions: int = Field(
        50, ge=1, description="Human decisions: fewest decisions a group (or a window) needs for its override rate to "
                              "be compared.")
    min_labels: int = Field(300, description="Delayed labels: fewest labelled events needed to judge AUC and cost.")
    labels_path: Path | None = Field(
        None, description="Delayed labels CSV (SK_ID_CURR or client_id, TARGET); default: the oracle file when present.")
    alerts_url: str | None = Field(
        None, description="SQLAlchemy URL of the database holding the alerts table (default: the event store).")
    alert_webhook: str | None = Field(None, description="URL that receives a JSON POST for every alert (optional).")
    api_url: str = Field("http://127.0.0.1:8000", description="Base URL of the running API (drift simulation).")
    api_key: str | None = Field(None, description="The key of a principal, for the drift simulation against a running "
                                                  "API (secret: never commit it).")
    # api/: scoring API (python -m api serve)
    api_host: str = Field("127.0.0.1", description="Interface the API listens on (loopback by default).")
    api_port: int = Field(8000, description="Port the API listens on.")
    api_workers: int = Field(1, ge=1, description="Number of API worker processes.")
    env: Literal["development", "production"] = Field(
        "development", description="production: the API refuses to start without principals or with a shared "
                                   "HC_API_KEYS key, /docs and /openapi.json need a key, no key is ever printed.")
    api_keys: str = Field("", description="Development only: shared X-API-Key values, comma-separated, acting as the "
                                          "`service` principal `dev` (secret: never commit them).")
    api_key_file: Path | None = Field(None, description="Development only: file with one shared key per line (# comments).")
    principals_seed: str | None = Field(
        None, description="JSON list of principals (names, roles, key ids and key hashes, never keys) added at start "
                          "when missing: for an events database that starts empty, e.g. a container without a "
                          "volume (`python -m api principals seed NAME --role ROLE` writes a record).")
    rate_limits: str = Field(
        "score=1200/minute,read=1200/minute,population=60/minute,decisions=600/minute,admin=60/minute",
        description="Requests per principal and kind of route, counted across workers: kind=N/minute (or /second, "
                    "/hour), comma-separated; 429 with Retry-After beyond.")
    min_group_size: int = Field(
        20, ge=2, description="Population statistics of fewer clients are never returned (reported as too small).")
    oidc_issuer: str | None = Field(
        None, description="OpenID Connect issuer whose ID tokens the API accepts (Authorization: Bearer), e.g. "
                          "https://login.example.com/realms/bank; the token's e-mail must be bound to a principal.")
    oidc_client_id: str | None = Field(None, description="The dashboard's client id at the OpenID Connect provider "
                                                         "(the audience of its ID tokens).")
    api_max_body_bytes: int = Field(65_536, ge=1024, description="Largest accepted request body, in bytes (413 beyond).")
    api_cache_dir: Path = Field(
        Path("data/api_cache"), description="Where the API keeps the model-ready feature matrix of each (model, feature version).")
    events_url: str = Field(
        "sqlite:///data/events/prediction_events.sqlite",
        description="SQLAlchemy URL of the prediction event store (SQLite in WAL mode by default; PostgreSQL works too).")
    events_synchronous: Literal["FULL", "NORMAL"] = Field(
        "FULL", description="SQLite events database: FULL syncs every commit to disk (an audit row survives a power "
                            "loss); NORMAL (WAL) survives a crash of the API but not of the machine, and saves one "
                            "fsync per commit.")
    model_name: str = Field(MODEL_NAME, description="Registered model the API serves.")
    model_alias: str = Field(CHAMPION, description="Alias of the registered model version the API serves.")
    model_dir: Path | None = Field(
        None, description="Model exported by `make export-model`; when set, the API does not read the MLflow registry.")
    dbt_manifest_path: Path | None = Field(
        None, description="dbt manifest whose compiled SQL rebuilds features of posted applications, copied into the "
                          "serving snapshot the API writes for a feature version published without one "
                          "(default: <dbt_project_dir>/target/manifest.json).")
    serving_dir: Path | None = Field(
        None, description="Serving snapshots, one folder per feature version: what the API reads (never the warehouse "
                          "itself, so that `make features` can run while it serves); written by the features stage "
                          "when it publishes a version (default: <warehouse>.serving/ beside HC_DUCKDB_PATH).")
    model_poll_s: float = Field(
        30.0, ge=0, description="Every N seconds each API worker asks the registry which version holds the champion "
                                "alias (and the challenger's, when shadow scoring) and reloads without downtime when it "
                                "moved; 0: never (POST /v1/admin/reload still works).")
    shadow_challenger: bool = Field(
        False, description="Also score each request with the registry's `challenger` version, off the response path, "
                           "and store its probability in the prediction event (`make monitor` compares them).")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings read once per process (entry points call this and pass the object on)."""
    return Settings()
