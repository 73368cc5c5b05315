"""Fixtures shared by every test folder."""

from __future__ import annotations

import os
import re
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
    from warehouse.synth.guard import write_manifest

    root = tmp_path_factory.mktemp("synthetic")
    generate(4000, 3, root / "raw", root / "oracle.csv", progress=False)
    # signed as the CLI signs them: the loader records them as synthetic, so a serving bundle may carry them
    write_manifest(root / "raw", {"clients": 4000, "seed": 3}, sorted(p.name for p in (root / "raw").iterdir()))
    return root / "raw", root / "oracle.csv"


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
