"""`python -m dashboard`: serve the advisor dashboard (Streamlit) on HC_DASHBOARD_HOST:HC_DASHBOARD_PORT."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import tempfile
from pathlib import Path

from dashboard.settings import DashboardSettings, get_settings

PACKAGE_DIR = Path(__file__).resolve().parent


def streamlit_command(host: str, port: int, secrets: Path | None = None) -> list[str]:
    """The `streamlit run` command line for the dashboard's entry file (with its sign-in secrets when given)."""
    command = [sys.executable, "-m", "streamlit", "run", str(PACKAGE_DIR / "app.py"), "--server.address", host,
               "--server.port", str(port)]
    return command + (["--secrets.files", str(secrets)] if secrets else [])


def auth_secrets(settings: DashboardSettings, port: int) -> str:
    """The `[auth]` section Streamlit's `st.login` reads: the provider, the dashboard's client, the ID token exposed
    so that the API can be called as the person.

    Raises:
        SystemExit: the OpenID Connect settings are incomplete (naming the missing ones).
    """
    missing = [name for name, value in (("HC_OIDC_ISSUER", settings.oidc_issuer),
                                        ("HC_OIDC_CLIENT_ID", settings.oidc_client_id),
                                        ("HC_OIDC_CLIENT_SECRET", settings.oidc_client_secret)) if not value]
    if missing:
        raise SystemExit(f"error: OpenID Connect sign-in needs {', '.join(missing)} as well")
    base = (settings.dashboard_url or f"http://localhost:{port}").rstrip("/")
    cookie = settings.cookie_secret.get_secret_value() if settings.cookie_secret else secrets.token_urlsafe(32)
    values = {"redirect_uri": f"{base}/oauth2callback", "cookie_secret": cookie,
              "client_id": settings.oidc_client_id, "client_secret": settings.oidc_client_secret.get_secret_value(),
              "server_metadata_url": settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration"}
    lines = ["[auth]", *(f"{k} = {json.dumps(v)}" for k, v in values.items()), 'expose_tokens = ["id"]',
             'client_kwargs = { scope = "openid email" }']
    return "\n".join(lines) + "\n"


def write_secrets(text: str) -> Path:
    """The secrets in a file only this user can read, in a fresh private folder (removed with the machine's /tmp)."""
    folder = Path(tempfile.mkdtemp(prefix="hc-dashboard-"))
    path = folder / "secrets.toml"
    path.touch(mode=0o600)
    path.write_text(text, encoding="utf-8")
    return path


def streamlit_env() -> dict[str, str]:
    """The environment of the Streamlit process: the package importable as `dashboard`."""
    path = os.pathsep.join(p for p in (str(PACKAGE_DIR.parent), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path}


def main(argv: list[str] | None = None) -> None:
    """Parse the options and replace this process by Streamlit, run from the dashboard folder (its config)."""
    settings = get_settings()
    parser = argparse.ArgumentParser(
        prog="python -m dashboard",
        description="Serve the advisor dashboard. It talks to the scoring API at HC_API_URL as the person signed in: "
                    "with their personal key, or with the OpenID Connect provider when HC_OIDC_ISSUER, "
                    "HC_OIDC_CLIENT_ID and HC_OIDC_CLIENT_SECRET are set (HC_DASHBOARD_URL: the address the provider "
                    "sends people back to).")
    parser.add_argument("--host", default=settings.dashboard_host,
                        help="interface to listen on (HC_DASHBOARD_HOST, default %(default)s)")
    parser.add_argument("--port", type=int, default=settings.dashboard_port,
                        help="port to listen on (HC_DASHBOARD_PORT, default %(default)s)")
    args = parser.parse_args(argv)
    secrets_file = write_secrets(auth_secrets(settings, args.port)) if settings.oidc else None
    sign_in = f"sign-in with {settings.oidc_issuer}" if settings.oidc else "sign-in with a personal key"
    print(f"Dashboard: http://{args.host}:{args.port}  (API: {settings.api_url}; {sign_in})", flush=True)
    os.chdir(PACKAGE_DIR)  # Streamlit reads .streamlit/config.toml from the working directory
    command = streamlit_command(args.host, args.port, secrets_file)
    os.execve(command[0], command, streamlit_env())


if __name__ == "__main__":
    main()
