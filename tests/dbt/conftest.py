"""Feature-store test data: warehouses loaded by the real loader, built by the real pipeline (once per session)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from featurestore_helpers import HISTORY_FILES, WAREHOUSE, build_options, in_workspace

from dbt_project.pipeline.build import BuildResult, build
from warehouse.load import load_raw


@pytest.fixture(scope="session")
def dbt_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The one warehouse path and dbt target folder of the session's builds (see `in_workspace`)."""
    return tmp_path_factory.mktemp("dbt_workspace")


@pytest.fixture(scope="session")
def run_build(dbt_workspace: Path) -> Callable[[Path, Path], BuildResult]:
    """`run_build(duckdb_path, reports_dir)`: the pipeline's build on that warehouse (BuildError on failure)."""

    def run(duckdb_path: Path, reports_dir: Path) -> BuildResult:
        with in_workspace(dbt_workspace, duckdb_path):
            return build(build_options(dbt_workspace, reports_dir))

    return run


@pytest.fixture(scope="session")
def built_synthetic(
    synthetic_data: tuple[Path, Path], run_build: Callable, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, BuildResult]:
    """The 4,000-client synthetic set loaded and built once: (warehouse, result). Copy it before changing it."""
    workdir = tmp_path_factory.mktemp("built_synthetic")
    duckdb_path = workdir / WAREHOUSE
    load_raw(synthetic_data[0], duckdb_path, progress=False)
    return duckdb_path, run_build(duckdb_path, workdir / "reports")


@pytest.fixture
def synthetic_copy(built_synthetic: tuple[Path, BuildResult], tmp_path: Path) -> Path:
    """A private copy of the built synthetic warehouse (already holding one published version)."""
    return Path(shutil.copy(built_synthetic[0], tmp_path / WAREHOUSE))


@pytest.fixture
def applications_only(synthetic_data: tuple[Path, Path], tmp_path: Path) -> Path:
    """The synthetic applications with the six history files reduced to their header line (no history at all)."""
    folder = tmp_path / "raw"
    folder.mkdir()
    for path in synthetic_data[0].glob("*.csv"):
        if path.name in HISTORY_FILES:
            with path.open(encoding="utf-8") as source:
                (folder / path.name).write_text(source.readline(), encoding="utf-8")
        else:
            shutil.copy(path, folder / path.name)
    return folder


@pytest.fixture
def genuine_slice(real_slice: Path, tmp_path: Path) -> Path:
    """The genuine key-consistent slice under the Kaggle file names, in a temporary folder."""
    return Path(shutil.copytree(real_slice, tmp_path / "genuine"))


@pytest.fixture
def load_and_build(run_build: Callable, tmp_path: Path) -> Callable[[Path], tuple[Path, BuildResult]]:
    """`load_and_build(data_dir)`: load a folder with the real loader into a fresh warehouse, then build."""

    def run(data_dir: Path) -> tuple[Path, BuildResult]:
        duckdb_path = tmp_path / WAREHOUSE
        load_raw(data_dir, duckdb_path, progress=False)
        return duckdb_path, run_build(duckdb_path, tmp_path / "reports")

    return run
