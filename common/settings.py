"""The one settings object of the product, read from `HC_*` environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting of every Python stage; paths are relative to the repository root unless absolute."""

    model_config = SettingsConfigDict(env_prefix="HC_", extra="ignore")

    data_dir: Path = Field(Path("data/raw"), description="Folder holding the eight Kaggle-format CSV files.")
    oracle_path: Path = Field(
        Path("data/oracle/default_probability.csv"),
        description="Synthetic truth (SK_ID_CURR, p_default, TARGET); read only for evaluation.",
    )
    duckdb_path: Path = Field(Path("warehouse/homecredit.duckdb"), description="The DuckDB warehouse file.")
    dbt_project_dir: Path = Field(Path("dbt_project"), description="The dbt project folder.")
    reports_dir: Path = Field(Path("reports"), description="Where generated reports are written.")
    mlflow_tracking_uri: str = Field("sqlite:///mlflow.db", description="MLflow tracking URI.")
    cost_fn: float = Field(10.0, description="Cost of a missed defaulter (false negative), in units of a false positive.")
    cost_fp: float = Field(1.0, description="Cost of a good client wrongly refused (false positive).")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings read once per process (entry points call this and pass the object on)."""
    return Settings()
