"""The dashboard's own settings, read from `HC_*` environment variables (it is deployed without the other stages)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class DashboardSettings(BaseSettings):
    """Where the API is, how to authenticate to it, and where the dashboard listens.

    Read from `HC_*` environment variables, then from a `.env` file in the working directory when there is one
    (the environment wins; an empty value in `.env` counts as unset).
    """

    model_config = SettingsConfigDict(env_prefix="HC_", extra="ignore", env_file=".env", env_file_encoding="utf-8",
                                      env_ignore_empty=True)

    api_url: str = Field("http://127.0.0.1:8000", description="Base URL of the scoring API.")
    api_key: SecretStr = Field(SecretStr(""), description="Value sent in the X-API-Key header (secret: never commit it).")
    api_timeout: float = Field(10.0, gt=0, description="Seconds to wait for one API answer.")
    dashboard_host: str = Field("127.0.0.1", description="Interface the dashboard listens on (loopback by default).")
    dashboard_port: int = Field(8501, description="Port the dashboard listens on.")


@lru_cache(maxsize=1)
def get_settings() -> DashboardSettings:
    """Settings read once per process."""
    return DashboardSettings()
