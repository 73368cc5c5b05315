"""Both settings classes read a `.env` file when present; the environment wins; empty values count as unset."""

from __future__ import annotations

from pathlib import Path

import pytest

from common.settings import Settings
from dashboard.settings import DashboardSettings


@pytest.fixture
def env_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("HC_COST_FN", "HC_API_URL", "HC_OIDC_CLIENT_ID", "HC_API_PORT", "HC_DASHBOARD_PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    path = tmp_path / ".env"
    path.write_text("HC_COST_FN=7\nHC_API_URL=http://api.example:9000\nHC_OIDC_CLIENT_ID=from-the-env-file\n"
                    "HC_API_PORT=\nHC_DASHBOARD_PORT=8600\n", encoding="utf-8")
    return path


def test_product_settings_read_the_env_file(env_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings()
    assert settings.cost_fn == 7.0
    assert settings.api_port == 8000  # empty in .env: the default
    monkeypatch.setenv("HC_COST_FN", "12")
    assert Settings().cost_fn == 12.0


def test_dashboard_settings_read_the_env_file(env_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = DashboardSettings()
    assert (settings.api_url, settings.oidc_client_id, settings.dashboard_port) == (
        "http://api.example:9000", "from-the-env-file", 8600)
    monkeypatch.setenv("HC_API_URL", "http://127.0.0.1:8123")
    assert DashboardSettings().api_url == "http://127.0.0.1:8123"


def test_without_env_file_the_defaults_hold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HC_COST_FN", raising=False)
    monkeypatch.chdir(tmp_path)
    assert Settings().cost_fn == 10.0
