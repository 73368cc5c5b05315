"""The delivery files agree with each other (fast, no container engine: part of the main test run).

compose.yaml names the images the Makefile's `container-test` builds; the API image installs only the serving
pins, each one the repository's own; the Dockerfiles take their base from BASE_IMAGE, run as a non-root user,
check their health without curl and bake in no key; the deployment puts the tested image, by digest, into a
Docker Space and waits until the Space runs it (against a fake Hugging Face client).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import pytest
import yaml

from scripts import container_deploy, container_images

ROOT = Path(__file__).resolve().parents[2]
VARIABLE = re.compile(r"^\$\{(\w+):-([^}]+)\}$")
HEAVY = ("dbt-core", "dbt-duckdb", "great-expectations", "evidently", "streamlit", "optuna", "mlflow", "altair",
         "playwright", "hypothesis", "schemathesis")


def pins(path: Path) -> dict[str, str]:
    """name -> version of a pinned requirements file (names normalised)."""
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            found[re.sub(r"[-_.]+", "-", name).lower()] = version
    return found


def makefile_default(variable: str) -> str:
    """The `VARIABLE ?= value` default of the Makefile."""
    match = re.search(rf"^{variable} \?= (\S+)$", (ROOT / "Makefile").read_text(encoding="utf-8"), re.MULTILINE)
    assert match, variable
    return match.group(1)


def compose_images(env: Mapping[str, str]) -> dict[str, str]:
    """The images compose.yaml runs for `api` and `dashboard`, with `${VAR:-default}` resolved from `env`."""
    services = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))["services"]
    resolved = {}
    for service in ("api", "dashboard"):
        match = VARIABLE.match(services[service]["image"])
        assert match, services[service]["image"]
        resolved[service] = env.get(match.group(1)) or match.group(2)
    return resolved


def test_compose_runs_the_images_the_makefile_builds():
    assert compose_images({}) == {"api": makefile_default("HC_API_IMAGE"),
                                  "dashboard": makefile_default("HC_DASHBOARD_IMAGE")}
    assert compose_images({}) == {"api": container_images.DEFAULT_API_IMAGE,
                                  "dashboard": container_images.DEFAULT_DASHBOARD_IMAGE}
    ghcr = {"HC_API_IMAGE": "ghcr.io/o/hc-api:abc", "HC_DASHBOARD_IMAGE": "ghcr.io/o/hc-dashboard:abc"}
    assert compose_images(ghcr) == {"api": "ghcr.io/o/hc-api:abc", "dashboard": "ghcr.io/o/hc-dashboard:abc"}


def test_compose_waits_for_a_healthy_api_and_holds_no_secret():
    text = (ROOT / "compose.yaml").read_text(encoding="utf-8")
    services = yaml.safe_load(text)["services"]
    assert services["dashboard"]["depends_on"] == {"api": {"condition": "service_healthy"}}
    assert all("healthcheck" in services[s] for s in ("api", "dashboard", "mlflow"))
    # named principals only (production image), seeded from hashes; the dashboard holds no key: people sign in
    assert services["api"]["environment"]["HC_PRINCIPALS_SEED"] == "${HC_PRINCIPALS_SEED:-}"
    assert "HC_API_KEYS" not in services["api"]["environment"]
    assert "HC_API_KEY" not in (services["dashboard"]["environment"] or {})
    example = dict(line.split("=", 1) for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
                   if line and not line.startswith("#"))
    assert example["HC_PRINCIPALS_SEED"] == "" and "HC_API_KEYS" not in example and "HC_API_KEY" not in example


def test_serving_requirements_are_repository_pins_without_the_heavy_stages():
    serving, repository = pins(ROOT / "api" / "requirements-serving.txt"), pins(ROOT / "requirements.txt")
    assert {name: repository.get(name) for name in serving} == serving
    assert not [name for name in HEAVY if name in serving]
    assert {"fastapi", "uvicorn", "duckdb", "lightgbm", "shap", "scikit-learn", "mlflow-skinny"} <= set(serving)


def test_dashboard_requirements_are_repository_pins():
    dashboard, repository = pins(ROOT / "dashboard" / "requirements.txt"), pins(ROOT / "requirements.txt")
    assert {name: repository.get(name) for name in dashboard} == dashboard


def test_dockerfiles_take_their_base_run_as_non_root_and_check_health_with_python():
    for path in (ROOT / "api" / "Dockerfile", ROOT / "dashboard" / "Dockerfile"):
        text = path.read_text(encoding="utf-8")
        assert re.search(r"^ARG BASE_IMAGE=python:3\.11-slim$", text, re.MULTILINE), path
        assert re.findall(r"^USER (\S+)$", text, re.MULTILINE) == ["1000:1000"], path
        assert re.search(r"^HEALTHCHECK .*\n.*urllib\.request", text, re.MULTILINE), path
        assert not re.search(r"HC_API_KEYS?=", text), path


def test_docker_context_leaves_data_and_secrets_out():
    rules = [line for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
             if line and not line.startswith("#")]
    assert rules[0] == "*"  # everything excluded, then only what the images copy
    assert not [r for r in rules if r.startswith("!") and any(w in r for w in ("data", "mlflow", ".env", "reports"))]


class FakeHub:
    """The few HfApi methods the deployment calls, recording what it sends; runtimes replayed in order."""

    def __init__(self, runtimes: list[tuple[str, str | None]]) -> None:
        self.calls: list[tuple] = []
        self.files: dict[str, str] = {}
        self.runtimes = runtimes

    def create_repo(self, repo_id, **kwargs):
        self.calls.append(("create_repo", repo_id, kwargs))

    def update_repo_settings(self, repo_id, **kwargs):
        self.calls.append(("settings", repo_id, kwargs))

    def add_space_secret(self, repo_id, key, value):
        self.calls.append(("secret", repo_id, key))

    def add_space_variable(self, repo_id, key, value):
        self.calls.append(("variable", repo_id, key, value))

    def upload_folder(self, repo_id, repo_type, folder_path, commit_message):
        self.files = {p.name: p.read_text(encoding="utf-8") for p in Path(folder_path).iterdir()}
        return type("Commit", (), {"oid": "c0ffee"})()

    def get_space_runtime(self, repo_id):
        stage, sha = self.runtimes.pop(0) if len(self.runtimes) > 1 else self.runtimes[0]
        return type("Runtime", (), {"stage": stage, "raw": {"sha": sha, "domains": [{"domain": "o-hc-api.hf.space"}]}})()


def test_deployment_runs_the_tested_image_by_digest_with_secrets_from_the_environment():
    hub = FakeHub([("RUNNING", "old"), ("BUILDING", "c0ffee"), ("RUNNING", "c0ffee")])
    image = "ghcr.io/o/hc-api@sha256:" + "0" * 64
    commit = container_deploy.publish(hub, "o/hc-api", image, 8000, "API", {"HC_PRINCIPALS_SEED": "[]"}, {"X": "1"})
    assert commit == "c0ffee"
    assert hub.files["Dockerfile"] == f"FROM {image}\n"
    assert "sdk: docker" in hub.files["README.md"] and "app_port: 8000" in hub.files["README.md"]
    assert ("secret", "o/hc-api", "HC_PRINCIPALS_SEED") in hub.calls
    assert hub.calls[0] == ("create_repo", "o/hc-api", {"repo_type": "space", "space_sdk": "docker", "exist_ok": True,
                                                         "private": True})
    assert hub.calls[1] == ("settings", "o/hc-api", {"repo_type": "space", "private": True})
    container_deploy.wait_running(hub, "o/hc-api", commit, timeout=5, poll=0)
    assert container_deploy.space_url(hub, "o/hc-api") == "https://o-hc-api.hf.space"


def test_deployment_fails_when_the_space_does_not_run():
    with pytest.raises(RuntimeError, match="BUILD_ERROR"):
        container_deploy.wait_running(FakeHub([("BUILDING", None), ("BUILD_ERROR", None)]), "o/s", "c0ffee", 5, poll=0)
    with pytest.raises(RuntimeError, match="did not run commit"):
        container_deploy.wait_running(FakeHub([("RUNNING", "old")]), "o/s", "c0ffee", 0.05, poll=0.01)
