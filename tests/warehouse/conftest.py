"""Loader test data: the genuine key-consistent slice under the Kaggle names, and tiny hand-written files."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from common.contracts.columns import load_spec
from warehouse.load import load_raw


@pytest.fixture
def real_data(real_slice: Path, tmp_path: Path) -> Path:
    """A private copy of the genuine slice that a test may break."""
    return Path(shutil.copytree(real_slice, tmp_path / "raw"))


@pytest.fixture(scope="session")
def loaded_real(real_slice: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse holding the genuine slice, loaded once (copy it with `warehouse` before changing it)."""
    path = tmp_path_factory.mktemp("loaded_real") / "homecredit.duckdb"
    load_raw(real_slice, path, progress=False)
    return path


@pytest.fixture
def warehouse(loaded_real: Path, tmp_path: Path) -> Path:
    """A private copy of the warehouse holding the genuine slice."""
    return Path(shutil.copy(loaded_real, tmp_path / "homecredit.duckdb"))


def write_kaggle_csv(
    path: Path,
    table_key: str,
    rows: list[dict[str, str]],
    *,
    bom: bool = False,
    newline: str = "\n",
    quote_all: bool = False,
    encoding: str = "utf-8",
) -> None:
    """Write a table's file with every column of the specification; unset int64 fields are "0", others empty."""
    columns = load_spec()[table_key].columns
    with path.open("w", encoding=encoding, newline="") as fh:
        if bom:
            fh.write("\ufeff")
        quoting = csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL
        writer = csv.writer(fh, lineterminator=newline, quoting=quoting)
        writer.writerow([c.name for c in columns])
        for row in rows:
            writer.writerow([row.get(c.name, "0" if c.dtype == "int64" else "") for c in columns])


@pytest.fixture
def write_csv() -> Callable[..., None]:
    """`write_kaggle_csv(path, table_key, rows, *, bom, newline, quote_all, encoding)`."""
    return write_kaggle_csv


@pytest.fixture
def header_only_dir(tmp_path: Path) -> Path:
    """A data folder whose eight files hold only their header line."""
    folder = tmp_path / "tiny"
    folder.mkdir()
    for key, table in load_spec().items():
        write_kaggle_csv(folder / table.file, key, [])
    return folder
