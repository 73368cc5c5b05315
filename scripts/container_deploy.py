"""`python -m scripts.container_deploy`: deploy the tested images to Hugging Face Spaces (Docker SDK), as CD does.

Each service is one Docker Space whose whole content is a README (Space settings: `sdk: docker`, the port) and a
one-line Dockerfile `FROM <image>@<digest>`: the Space runs exactly the image the container test exercised and
CD pushed to ghcr.io, not a rebuild. Secrets (API keys) are set as Space secrets from the environment on every
deployment, so GitHub's secrets stay the only place they are kept. Then it waits until both Spaces run the new
commit and checks the deployed API with `scripts.container_check` (health, authenticated score, 401). Both Spaces
are private: they serve client data.

Environment: HF_TOKEN (write token), HC_PRINCIPALS_SEED (the principals of the deployed API: `python -m api
principals seed NAME --role ROLE`, hashes only), HC_API_KEY (the key of one of them with score and client:read: the
deployment check's; the dashboard gets none, people sign in). Optional: HC_OIDC_ISSUER, HC_OIDC_CLIENT_ID and
HC_OIDC_CLIENT_SECRET for the dashboard's OpenID Connect sign-in. Needs `huggingface_hub` (installed by the CD job
only; not a product dependency).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from scripts import container_check

FAILED_STAGES = {"BUILD_ERROR", "RUNTIME_ERROR", "CONFIG_ERROR", "NO_APP_FILE", "DELETING"}
README = """---
title: {title}
emoji: 💶
colorFrom: blue
colorTo: gray
sdk: docker
app_port: {port}
pinned: false
---

{title}: deployed by the repository's CD workflow (`.github/workflows/cd.yml`) from the image the container
test exercised, `{image}`. Do not edit this Space by hand: the next deployment replaces its files.
"""


def space_url(api, repo_id: str) -> str:
    """The Space's public address (from its runtime when known, else the documented pattern)."""
    runtime = api.get_space_runtime(repo_id)
    for domain in (runtime.raw or {}).get("domains") or []:
        if domain.get("domain"):
            return f"https://{domain['domain']}"
    owner, name = repo_id.split("/")
    return f"https://{owner}-{name}.hf.space".lower().replace("_", "-").replace(".", "-")


def publish(api, repo_id: str, image: str, port: int, title: str, secrets: dict[str, str],
            variables: dict[str, str]) -> str:
    """Create the Space if needed (private: it serves client data), keep it private, set its secrets and variables,
    commit README + Dockerfile. Returns the commit."""
    api.create_repo(repo_id, repo_type="space", space_sdk="docker", exist_ok=True, private=True)
    api.update_repo_settings(repo_id, repo_type="space", private=True)  # a Space made public by hand goes private
    for key, value in secrets.items():
        api.add_space_secret(repo_id, key, value)
    for key, value in variables.items():
        api.add_space_variable(repo_id, key, value)
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "README.md").write_text(README.format(title=title, port=port, image=image), encoding="utf-8")
        Path(folder, "Dockerfile").write_text(f"FROM {image}\n", encoding="utf-8")
        commit = api.upload_folder(repo_id=repo_id, repo_type="space", folder_path=folder,
                                   commit_message=f"deploy {image}")
    return commit.oid


def wait_running(api, repo_id: str, commit: str, timeout: float, poll: float = 10) -> None:
    """Until the Space runs `commit` (it rebuilds after every commit); RuntimeError on a failed stage."""
    deadline, seen_build = time.monotonic() + timeout, False
    while time.monotonic() < deadline:
        runtime = api.get_space_runtime(repo_id)
        stage, sha = runtime.stage, (runtime.raw or {}).get("sha")
        if stage in FAILED_STAGES:
            raise RuntimeError(f"{repo_id}: {stage} (see the Space's logs)")
        seen_build = seen_build or stage in ("BUILDING", "APP_STARTING", "RUNNING_BUILDING", "RUNNING_APP_STARTING")
        if stage == "RUNNING" and (sha == commit or (sha is None and seen_build)):
            return
        time.sleep(poll)
    raise RuntimeError(f"{repo_id} did not run commit {commit[:8]} within {timeout:.0f} s")


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    from huggingface_hub import HfApi  # only the deployment needs it: the other scripts run without it

    parser = argparse.ArgumentParser(prog="python -m scripts.container_deploy", description=__doc__.splitlines()[0])
    parser.add_argument("--api-image", required=True, help="API image by digest (ghcr.io/...@sha256:...)")
    parser.add_argument("--dashboard-image", required=True, help="dashboard image by digest")
    parser.add_argument("--api-space", required=True, help="owner/name of the API's Space")
    parser.add_argument("--dashboard-space", required=True, help="owner/name of the dashboard's Space")
    parser.add_argument("--timeout", type=float, default=1200, help="seconds to wait for each Space (default 1200)")
    args = parser.parse_args(argv)
    missing = [v for v in ("HF_TOKEN", "HC_PRINCIPALS_SEED", "HC_API_KEY") if not os.environ.get(v)]
    if missing:
        parser.error(f"set {', '.join(missing)}")
    api = HfApi(token=os.environ["HF_TOKEN"])
    oidc = {k: os.environ[k] for k in ("HC_OIDC_ISSUER", "HC_OIDC_CLIENT_ID") if os.environ.get(k)}
    api_commit = publish(api, args.api_space, args.api_image, 8000, "Prêt à dépenser: scoring API",
                         {"HC_PRINCIPALS_SEED": os.environ["HC_PRINCIPALS_SEED"]}, {"HC_API_WORKERS": "2", **oidc})
    wait_running(api, args.api_space, api_commit, args.timeout)
    api_url = space_url(api, args.api_space)
    dashboard_secrets = {k: os.environ[k] for k in ("HC_OIDC_CLIENT_SECRET",) if os.environ.get(k)}
    dashboard_commit = publish(api, args.dashboard_space, args.dashboard_image, 8501, "Prêt à dépenser: dashboard",
                               dashboard_secrets, {"HC_API_URL": api_url, **oidc})
    wait_running(api, args.dashboard_space, dashboard_commit, args.timeout)
    dashboard_url = space_url(api, args.dashboard_space)
    result = container_check.check(api_url, os.environ["HC_API_KEY"], timeout=300)
    dashboard = container_check.httpx.get(f"{dashboard_url}/_stcore/health", timeout=30)
    if dashboard.status_code != 200:
        raise container_check.CheckError(f"{dashboard_url}/_stcore/health answered {dashboard.status_code}")
    print(f"deployed: API {api_url} (model version {result['health']['model_version']}), dashboard {dashboard_url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
