"""Loader test data: the genuine key-consistent slice under the Kaggle names, and tiny hand-written files."""

from __future__ import annotations

import csv
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from warehouse.load import load_raw
from warehouse.spec import load_spec

# Kaggle file name -> genuine rows under ../shared/homecredit/real_samples (read only, copied to tmp folders).
REAL_SLICE = {
    "application_train.csv": "srinivasaprasad9999__Fintech-Loan-Risk-Analysis-/application.csv",
    "application_test.csv": "Ryotaro-Fujiwara-san__credit-scoring-transformer/application_test.csv",
    "bureau.csv": "srinivasaprasad9999__Fintech-Loan-Risk-Analysis-/bureau.csv",
    "bureau_balance.csv": "srinivasaprasad9999__Fintech-Loan-Risk-Analysis-/bureau_balance.csv",
    "previous_application.csv": "Gnaneshwar97__DE-BFSI/previous_application_sample.csv",
    "POS_CASH_balance.csv": "srinivasaprasad9999__Fintech-Loan-Risk-Analysis-/pos_cash_balance.csv",
    "installments_payments.csv": "srinivasaprasad9999__Fintech-Loan-Risk-Analysis-/installments_payments.csv",
    "credit_card_balance.csv": "srinivasaprasad9999__Fintech-Loan-Risk-Analysis-/credit_card_balance.csv",
}
_R_MISSING = re.compile(rb"(?<=,)NA(?=,|\r?\n|$)")  # R writes an unquoted NA for missing; Kaggle leaves it empty


def _copy_genuine(source: Path, target: Path) -> None:
    data = source.read_bytes()
    if target.name == "application_train.csv":
        header, rest = data.split(b"\n", 1)
        data = header.replace(b"DEFAULTED", b"TARGET") + b"\n" + rest
    elif target.name == "previous_application.csv":
        data = _R_MISSING.sub(b"", data)
    target.write_bytes(data)


@pytest.fixture(scope="session")
def real_slice(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The genuine slice with the Kaggle file names (a session copy: never modify it, use `real_data`)."""
    samples = shared_dir / "homecredit" / "real_samples"
    folder = tmp_path_factory.mktemp("real_slice")
    for kaggle_name, genuine in REAL_SLICE.items():
        _copy_genuine(samples / genuine, folder / kaggle_name)
    return folder


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
