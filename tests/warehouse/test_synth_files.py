"""The generated files match the column specification, and the specification matches the genuine rows."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from common.contracts.columns import load_spec

SPEC = load_spec()
PANDAS_KIND = {"int64": "i", "float64": "f", "object": "O"}


@pytest.fixture(scope="module")
def frames(synthetic_data) -> dict[str, pd.DataFrame]:
    raw, _ = synthetic_data
    return {key: pd.read_csv(raw / table.file, low_memory=False) for key, table in SPEC.items()}


@pytest.mark.parametrize("key", list(SPEC))
def test_columns_names_order_and_types_match_the_specification(frames, key):
    frame, table = frames[key], SPEC[key]
    assert list(frame.columns) == table.column_names
    for col in table.columns:
        kind = frame[col.name].dtype.kind
        assert kind == PANDAS_KIND[col.dtype], f"{key}.{col.name}: pandas kind {kind}, spec {col.dtype}"


def test_csv_formatting_is_kaggle_like(synthetic_data):
    raw, _ = synthetic_data
    with open(raw / "application_train.csv", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = [row for _, row in zip(range(500), reader, strict=False)]
    ints = [header.index(c) for c in ("CNT_CHILDREN", "DAYS_BIRTH", "DAYS_EMPLOYED", "SK_ID_CURR")]
    assert all("." not in row[i] for row in rows for i in ints)
    income = header.index("AMT_INCOME_TOTAL")
    assert all(row[income].endswith(".0") for row in rows)  # pandas writes integral floats as 202500.0
    text = (raw / "application_train.csv").read_text()
    assert ',"Spouse, partner",' in text or ',"Stone, brick",' in text
    assert ",," in text  # missing values are empty fields
    assert "\r\n" not in text and not text.startswith("\ufeff")


def test_description_file_documents_every_column(synthetic_data):
    raw, _ = synthetic_data
    desc = pd.read_csv(raw / "HomeCredit_columns_description.csv", encoding="cp1252", index_col=0)
    assert list(desc.columns) == ["Table", "Row", "Description", "Special"]
    documented = set(zip(desc["Table"], desc["Row"], strict=True))
    for key, table in SPEC.items():
        name = "application_{train|test}.csv" if key.startswith("application") else table.file
        assert {(name, c) for c in table.column_names} <= documented
    assert desc["Description"].str.len().min() > 20


GENUINE = {
    "application_train": ["woodsgoing__impulate-missing-values/application_train.csv",
                          "srinivasaprasad9999__Fintech-Loan-Risk-Analysis-/application.csv"],
    "application_test": ["julesprodhomme__p7/application_test.csv"],
    "bureau": ["samurad2000__BDA-project_work/bureau.csv"],
    "bureau_balance": ["samurad2000__BDA-project_work/bureau_balance.csv"],
    "previous_application": ["mike5496__jointest/previous_application.csv"],
    "POS_CASH_balance": ["samurad2000__BDA-project_work/POS_CASH_balance.csv"],
    "installments_payments": ["samurad2000__BDA-project_work/installments_payments.csv"],
    "credit_card_balance": ["samurad2000__BDA-project_work/credit_card_balance.csv"],
}


@pytest.mark.parametrize("key", list(GENUINE))
def test_specification_matches_the_genuine_rows(shared_dir: Path, key):
    table = SPEC[key]
    for rel in GENUINE[key]:
        real = pd.read_csv(shared_dir / "homecredit" / "real_samples" / rel, low_memory=False)
        real = real.drop(columns=[c for c in real.columns if c.startswith("Unnamed")]).rename(
            columns={"DEFAULTED": "TARGET"})
        assert list(real.columns) == table.column_names, rel
        for col in table.columns:
            kind = real[col.name].dtype.kind
            if col.dtype == "object":
                assert kind == "O" or real[col.name].isna().all(), f"{rel}: {col.name}"
            else:
                assert kind in "if", f"{rel}: {col.name} is {real[col.name].dtype}"
            if col.categories is not None:
                extra = set(real[col.name].dropna().unique()) - set(col.categories)
                assert not extra, f"{rel}: {col.name} has values outside the specification: {extra}"


def test_generated_integer_columns_hold_only_integers(frames):
    for key, table in SPEC.items():
        for col in table.columns:
            if col.dtype == "int64":
                assert frames[key][col.name].notna().all(), f"{key}.{col.name} has missing values"
    assert np.issubdtype(frames["application_train"]["TARGET"].dtype, np.integer)
