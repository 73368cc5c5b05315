"""`python -m scripts.container_images` (`make container-images`): build the API and dashboard images; and the
container engine helpers the container test uses (build, run, health, size, remove).

The engine is `HC_CONTAINER_ENGINE`: here `podman --runtime runc --cgroup-manager=cgroupfs` (no Docker engine,
no registry pulls: ../shared/DEPENDENCIES.md), `docker` on GitHub's runners. Both run containers on the host
network, so that the API and the dashboard reach each other on loopback, as the sandbox requires.
Image names: `HC_API_IMAGE`, `HC_DASHBOARD_IMAGE` (the Makefile's, which compose.yaml uses too).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_ENGINE = "podman --runtime runc --cgroup-manager=cgroupfs"
DEFAULT_API_IMAGE = "localhost/hc-api:latest"
DEFAULT_DASHBOARD_IMAGE = "localhost/hc-dashboard:latest"
DEFAULT_BASE = "python:3.11-slim"
HOST_CA = Path("/etc/ssl/certs/ca-certificates.crt")
LIMITS = ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"]


def images() -> dict[str, str]:
    """The two image names (environment, else the Makefile's defaults)."""
    return {"api": os.environ.get("HC_API_IMAGE", DEFAULT_API_IMAGE),
            "dashboard": os.environ.get("HC_DASHBOARD_IMAGE", DEFAULT_DASHBOARD_IMAGE)}


@dataclass(frozen=True)
class Engine:
    """A container engine command line (podman or docker)."""

    command: tuple[str, ...]

    @classmethod
    def from_env(cls) -> Engine:
        """`HC_CONTAINER_ENGINE`, else podman with this sandbox's options."""
        return cls(tuple(shlex.split(os.environ.get("HC_CONTAINER_ENGINE") or DEFAULT_ENGINE)))

    @property
    def podman(self) -> bool:
        """True for podman (healthchecks run on demand, images need the docker format to keep HEALTHCHECK)."""
        return Path(self.command[0]).name == "podman"

    def __call__(self, *args: str, check: bool = True, quiet: bool = False) -> subprocess.CompletedProcess:
        """Run one engine command; output captured (text)."""
        result = subprocess.run([*self.command, *args], capture_output=True, text=True, cwd=ROOT)
        if check and result.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:2])} failed ({result.returncode}):\n{result.stdout[-3000:]}"
                               f"{result.stderr[-3000:]}")
        return result

    def build(self, dockerfile: str, tag: str, base: str, build_args: dict[str, str] | None = None) -> float:
        """Build `tag` from `dockerfile` (context: the repository root). Returns the seconds it took."""
        args = ["build", "-f", dockerfile, "-t", tag, "--build-arg", f"BASE_IMAGE={base}"]
        for key, value in (build_args or {}).items():
            args += ["--build-arg", f"{key}={value}"]
        if self.podman:  # the sandbox: host network, limits it may not raise, HEALTHCHECK kept (docker format)
            args += ["--network=host", "--format", "docker", *LIMITS]
            if HOST_CA.is_file():  # pip inside the build trusts what the host trusts (mounted, never copied)
                args += ["-v", f"{HOST_CA}:/run/host-ca.crt:ro", "--build-arg", "PIP_CERT=/run/host-ca.crt"]
        started = time.perf_counter()
        self(*args, ".")
        return time.perf_counter() - started

    def run(self, name: str, image: str, env: dict[str, str]) -> None:
        """Start a detached container on the host network with `env` (names only on the command line: the
        values, keys included, go through the engine's environment, never its arguments)."""
        self("rm", "--force", name, check=False)
        env_args = [a for key in env for a in ("--env", key)]
        limits = LIMITS if self.podman else []  # the sandbox refuses to raise them; docker keeps its defaults
        process = subprocess.run([*self.command, "run", "--detach", "--name", name, "--network=host", *limits,
                                  *env_args, image], capture_output=True, text=True, cwd=ROOT,
                                 env={**os.environ, **env})
        if process.returncode != 0:
            raise RuntimeError(f"cannot start {name}: {process.stderr[-2000:]}")

    def healthy(self, name: str) -> bool:
        """The image's own HEALTHCHECK command passes now, run on demand (podman: `healthcheck run`; docker:
        the same command through `exec`, rather than waiting for the engine's next scheduled check)."""
        if self.podman:
            return self("healthcheck", "run", name, check=False).returncode == 0
        image = self("inspect", "--format", "{{.Config.Image}}", name, check=False).stdout.strip()
        test = self.healthcheck(image)
        command = test[1:] if test[:1] == ["CMD"] else ["sh", "-c", test[1]]
        return self("exec", name, *command, check=False).returncode == 0

    def running(self, name: str) -> bool:
        """The container is still running."""
        return self("inspect", "--format", "{{.State.Running}}", name, check=False).stdout.strip() == "true"

    def wait_healthy(self, name: str, timeout: float) -> float:
        """Seconds until the HEALTHCHECK passes; RuntimeError with the container's log if it never does."""
        started = time.perf_counter()
        while time.perf_counter() - started < timeout:
            if self.healthy(name):
                return time.perf_counter() - started
            if not self.running(name):
                break
            time.sleep(0.25)
        raise RuntimeError(f"{name} not healthy after {time.perf_counter() - started:.1f} s; log:\n{self.logs(name)}")

    def logs(self, name: str) -> str:
        """The container's output (last lines)."""
        result = self("logs", name, check=False)
        return (result.stdout + result.stderr)[-4000:]

    def remove(self, name: str) -> None:
        """Stop and remove a container (no error when absent)."""
        self("rm", "--force", "--time", "5", name, check=False)

    def size(self, image: str) -> int:
        """Image size in bytes (uncompressed, as the engine reports it)."""
        return int(self("image", "inspect", "--format", "{{.Size}}", image).stdout.strip())

    def healthcheck(self, image: str) -> list[str]:
        """The image's HEALTHCHECK command."""
        out = self("image", "inspect", "--format", "{{json .Config.Healthcheck}}", image).stdout
        return (json.loads(out) or {}).get("Test", [])


def build_all(engine: Engine, bundle: str, base: str) -> dict[str, float]:
    """Build the API image (with `bundle`, a folder inside the repository) and the dashboard image."""
    names = images()
    return {"api": engine.build("api/Dockerfile", names["api"], base, {"BUNDLE": bundle}),
            "dashboard": engine.build("dashboard/Dockerfile", names["dashboard"], base)}


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(prog="python -m scripts.container_images", description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", default="build/serving-bundle",
                        help="serving bundle folder, relative to the repository root (make serving-bundle)")
    parser.add_argument("--base", default=os.environ.get("HC_BASE_IMAGE", DEFAULT_BASE),
                        help="base image (HC_BASE_IMAGE, default %(default)s)")
    args = parser.parse_args(argv)
    if not (ROOT / args.bundle / "bundle.json").is_file():
        parser.error(f"{args.bundle} holds no serving bundle: run `make serving-bundle` first")
    if json.loads((ROOT / args.bundle / "bundle.json").read_text(encoding="utf-8")).get("mount_only"):
        parser.error(f"{args.bundle} holds real client data (written with --real-data): it is never baked into an "
                     "image; mount it at run time instead (README, Run with containers)")
    engine = Engine.from_env()
    seconds = build_all(engine, args.bundle, args.base)
    for key, image in images().items():
        print(f"{image}: {engine.size(image) / 1e6:.0f} MB, built in {seconds[key]:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
