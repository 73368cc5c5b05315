"""`python -m dashboard`: serve the advisor dashboard (Streamlit) on HC_DASHBOARD_HOST:HC_DASHBOARD_PORT."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from dashboard.settings import get_settings

PACKAGE_DIR = Path(__file__).resolve().parent


def streamlit_command(host: str, port: int) -> list[str]:
    """The `streamlit run` command line for the dashboard's entry file."""
    return [sys.executable, "-m", "streamlit", "run", str(PACKAGE_DIR / "app.py"), "--server.address", host,
            "--server.port", str(port)]


def streamlit_env() -> dict[str, str]:
    """The environment of the Streamlit process: the package importable as `dashboard`."""
    path = os.pathsep.join(p for p in (str(PACKAGE_DIR.parent), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path}


def main(argv: list[str] | None = None) -> None:
    """Parse the options and replace this process by Streamlit, run from the dashboard folder (its config)."""
    settings = get_settings()
    parser = argparse.ArgumentParser(
        prog="python -m dashboard",
        description="Serve the advisor dashboard. It talks to the scoring API at HC_API_URL with the key HC_API_KEY.")
    parser.add_argument("--host", default=settings.dashboard_host,
                        help="interface to listen on (HC_DASHBOARD_HOST, default %(default)s)")
    parser.add_argument("--port", type=int, default=settings.dashboard_port,
                        help="port to listen on (HC_DASHBOARD_PORT, default %(default)s)")
    args = parser.parse_args(argv)
    print(f"Dashboard: http://{args.host}:{args.port}  (API: {settings.api_url})", flush=True)
    os.chdir(PACKAGE_DIR)  # Streamlit reads .streamlit/config.toml from the working directory
    command = streamlit_command(args.host, args.port)
    os.execve(command[0], command, streamlit_env())


if __name__ == "__main__":
    main()
