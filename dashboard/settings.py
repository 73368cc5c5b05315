"""The dashboard's own settings, read from `HC_*` environment variables (it is deployed without the other stages)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class DashboardSettings(BaseSettings):
    """Where the API is, how advisors sign in, and where the dashboard listens.

    The dashboard holds no key of its own: each advisor signs in, with their personal key (kept in their browser
    session only) or, when the `oidc_*` settings are given, with the bank's OpenID Connect provider (Streamlit's
    `st.login`); the dashboard then calls the API as that person.

    Read from `HC_*` environment variables, then from a `.env` file in the working directory when there is one
    (the environment wins; an empty value in `.env` counts as unset).
    """

    model_config = SettingsConfigDict(env_prefix="HC_", extra="ignore", env_file=".env", env_file_encoding="utf-8",
                                      env_ignore_empty=True)

    api_url: str = Field("http://127.0.0.1:8000", description="Base URL of the scoring API.")
    api_timeout: float = Field(10.0, gt=0, description="Seconds to wait for one API answer.")
    dashboard_host: str = Field("127.0.0.1", description="Interface the dashboard listens on (loopback by default).")
    dashboard_port: int = Field(8501, description="Port the dashboard listens on.")
    dashboard_url: str | None = Field(None, description="The dashboard's public address, where the sign-in provider "
                                                        "sends people back (default http://localhost:<port>).")
    oidc_issuer: str | None = Field(None, description="OpenID Connect issuer the advisors sign in with (the API "
                                                      "must be given the same one).")
    oidc_client_id: str | None = Field(None, description="The dashboard's client id at the provider.")
    oidc_client_secret: SecretStr | None = Field(None, description="The dashboard's client secret at the provider "
                                                                   "(secret: never commit it).")
    cookie_secret: SecretStr | None = Field(None, description="Signs Streamlit's sign-in cookie (default: random at "
                                                              "each start, which signs everybody out).")

    @property
    def oidc(self) -> bool:
        """Whether advisors sign in with the OpenID Connect provider (else with their personal key)."""
        return bool(self.oidc_issuer)


@lru_cache(maxsize=1)
def get_settings() -> DashboardSettings:
    """Settings read once per process."""
    return DashboardSettings()
