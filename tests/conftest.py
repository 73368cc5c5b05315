"""Fixtures shared by every test folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The shared Home Credit facts (`../shared`): tests using it skip when it is absent, but fail under CI=true."""
    path = (REPO_ROOT / ".." / "shared").resolve()
    if not path.is_dir():
        # hosted runners (GitHub Actions) have no ../shared and say so with HC_SHARED_OPTIONAL=1
        if os.environ.get("CI", "").lower() == "true" and os.environ.get("HC_SHARED_OPTIONAL") != "1":
            pytest.fail(f"{path} is missing: CI=true requires the shared Home Credit facts")
        pytest.skip(f"{path} is absent (the shared Home Credit facts)")
    return path


@pytest.fixture(scope="session")
def synthetic_data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A small seeded synthetic data set (4,000 clients, seed 3): (data folder, oracle CSV). Never modify it."""
    from warehouse.synth.generate import generate

    root = tmp_path_factory.mktemp("synthetic")
    generate(4000, 3, root / "raw", root / "oracle.csv", progress=False)
    return root / "raw", root / "oracle.csv"
