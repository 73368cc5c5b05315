"""Keys, scale, null rates, categories, dependencies and quirks of the generated data (4,000 clients, seed 3)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from common.contracts.columns import load_spec
from warehouse.synth.calibration import CALIBRATION_PATH

SPEC = load_spec()
REAL_ROWS_PER_CLIENT = {"bureau": 1716428, "bureau_balance": 27299925, "previous_application": 1670214,
                        "POS_CASH_balance": 10001358, "installments_payments": 13605401, "credit_card_balance": 3840312}
SENTINEL = 365243


@pytest.fixture(scope="module")
def d(synthetic_data) -> dict[str, pd.DataFrame]:
    raw, _ = synthetic_data
    return {key: pd.read_csv(raw / t.file, low_memory=False) for key, t in SPEC.items()}


@pytest.fixture(scope="module")
def ids(d) -> set[int]:
    return set(d["application_train"].SK_ID_CURR) | set(d["application_test"].SK_ID_CURR)


def test_client_keys_are_unique_disjoint_and_in_the_real_range(d):
    train, test = d["application_train"].SK_ID_CURR, d["application_test"].SK_ID_CURR
    assert train.is_unique and test.is_unique and not set(train) & set(test)
    assert min(train.min(), test.min()) >= 100001 and max(train.max(), test.max()) <= 456255
    assert len(train) / (len(train) + len(test)) == pytest.approx(0.863, abs=0.015)


def test_history_keys_resolve_and_id_spaces_are_disjoint(d, ids):
    for key in ("bureau", "previous_application", "POS_CASH_balance", "installments_payments", "credit_card_balance"):
        assert d[key].SK_ID_CURR.isin(ids).all(), key
    assert d["bureau"].SK_ID_BUREAU.is_unique and d["previous_application"].SK_ID_PREV.is_unique
    assert d["bureau_balance"].SK_ID_BUREAU.isin(set(d["bureau"].SK_ID_BUREAU)).all()
    prev, bureau = d["previous_application"].SK_ID_PREV, d["bureau"].SK_ID_BUREAU
    assert prev.min() >= 1_000_000 and prev.max() <= 2_850_000
    assert bureau.min() >= 5_000_000 and bureau.max() <= 6_850_000
    assert not d["bureau_balance"].duplicated(["SK_ID_BUREAU", "MONTHS_BALANCE"]).any()
    assert not d["POS_CASH_balance"].duplicated(["SK_ID_PREV", "MONTHS_BALANCE"]).any()
    assert not d["credit_card_balance"].duplicated(["SK_ID_PREV", "MONTHS_BALANCE"]).any()


def test_coverage_and_rows_per_client_are_within_10_percent_of_the_real_data(d, ids):
    n = len(ids)
    for key, total in REAL_ROWS_PER_CLIENT.items():
        assert len(d[key]) / n == pytest.approx(total / 356255, rel=0.10), key
    for key, share in {"bureau": 0.86, "previous_application": 0.95, "credit_card_balance": 0.29}.items():
        assert d[key].SK_ID_CURR.nunique() / n == pytest.approx(share, abs=0.03), key


def test_null_rates_are_within_5_points_of_the_real_ones(d):
    calib = json.loads(CALIBRATION_PATH.read_text())
    tables = {k: v for k, v in d.items() if not k.startswith("application")}
    # the 550 test rows alone are too few for a 5-point tolerance: pool both application files
    tables["application_train"] = pd.concat([d["application_train"].drop(columns="TARGET"), d["application_test"]])
    for key, frame in tables.items():
        facts = calib[key]
        for col in frame.columns:
            gap = abs(frame[col].isna().mean() * 100 - facts[col]["nan_pct"])
            assert gap <= 5, f"{key}.{col}: null rate {frame[col].isna().mean():.1%} vs {facts[col]['nan_pct']}%"


def test_categories_come_from_the_real_sets_with_the_common_ones_present(d):
    calib = json.loads(CALIBRATION_PATH.read_text())
    for key, frame in d.items():
        for col in SPEC[key].columns:
            if col.categories is None:
                continue
            seen = set(frame[col.name].dropna().unique())
            assert seen <= set(col.categories), f"{key}.{col.name}: {seen - set(col.categories)}"
            freq = calib["application_train" if key == "application_test" else key][col.name]["freq"]
            common = {k for k, v in freq.items() if v / sum(freq.values()) >= 0.05}
            assert common <= seen, f"{key}.{col.name} misses {common - seen}"


def test_days_employed_sentinel_marks_pensioners_and_unemployed_only(d):
    for key in ("application_train", "application_test"):
        a = d[key]
        sentinel = a.DAYS_EMPLOYED == SENTINEL
        assert sentinel.mean() == pytest.approx(0.18, abs=0.03)
        assert a.loc[sentinel, "NAME_INCOME_TYPE"].isin(["Pensioner", "Unemployed"]).all()
        assert ((a.ORGANIZATION_TYPE == "XNA") == sentinel).all()
        assert (a.loc[sentinel, "FLAG_EMP_PHONE"] == 0).all()
        assert (a.loc[~sentinel, "DAYS_EMPLOYED"] <= 0).all()
        assert (-a.loc[~sentinel, "DAYS_EMPLOYED"] <= -a.loc[~sentinel, "DAYS_BIRTH"] - 17 * 365).all()


def test_train_only_categories_never_reach_the_test_file(d):
    train, test = d["application_train"], d["application_test"]
    for col, value in {"CODE_GENDER": "XNA", "NAME_INCOME_TYPE": "Maternity leave", "NAME_FAMILY_STATUS": "Unknown"}.items():
        assert (train[col] == value).sum() >= 2 and (test[col] == value).sum() == 0, col


def test_application_dependencies(d):
    a = d["application_train"]
    assert ((a.FLAG_OWN_CAR == "N") == a.OWN_CAR_AGE.isna()).all()
    assert (a.CNT_FAM_MEMBERS >= a.CNT_CHILDREN + 1).all()
    for stem in ("APARTMENTS", "COMMONAREA", "LIVINGAREA"):
        block = a[[f"{stem}_AVG", f"{stem}_MODE", f"{stem}_MEDI"]].isna()
        assert (block.nunique(axis=1) == 1).all(), stem
    cash = a[a.NAME_CONTRACT_TYPE == "Cash loans"]
    assert (cash.AMT_ANNUITY * 60 >= cash.AMT_CREDIT).all()  # terms of at most 5 years, with interest
    assert (cash.AMT_ANNUITY * 6 <= cash.AMT_CREDIT * 1.2).all()  # and at least 6 months
    assert (a.AMT_GOODS_PRICE.dropna() <= a.loc[a.AMT_GOODS_PRICE.notna(), "AMT_CREDIT"] + 1e-6).all()
    assert a.AMT_INCOME_TOTAL.max() >= 50_000_000  # the famous income outlier


def test_previous_application_statuses_drive_amounts_and_dates(d):
    p = d["previous_application"]
    assert (p.loc[p.NAME_CONTRACT_STATUS == "Canceled", "AMT_CREDIT"] == 0).all()
    refused = p.NAME_CONTRACT_STATUS == "Refused"
    assert (p.loc[refused, "CODE_REJECT_REASON"] != "XAP").all() and (p.loc[~refused, "CODE_REJECT_REASON"] == "XAP").all()
    assert p.loc[p.NAME_CONTRACT_STATUS != "Approved", "DAYS_FIRST_DUE"].isna().all()
    for col in ("DAYS_FIRST_DRAWING", "DAYS_FIRST_DUE", "DAYS_LAST_DUE_1ST_VERSION", "DAYS_LAST_DUE", "DAYS_TERMINATION"):
        assert (p[col] == SENTINEL).any(), col
    assert (p.NAME_CASH_LOAN_PURPOSE == "XAP").mean() > 0.4 and (p.NAME_GOODS_CATEGORY == "XNA").mean() > 0.3
    assert (p.SELLERPLACE_AREA == -1).mean() == pytest.approx(0.43, abs=0.15)
    status = p.NAME_CONTRACT_STATUS.value_counts(normalize=True)
    assert status["Approved"] == pytest.approx(0.636, abs=0.05) and status["Refused"] == pytest.approx(0.167, abs=0.05)


def test_bureau_balance_months_lie_within_the_credit_life(d):
    bb = d["bureau_balance"].merge(d["bureau"][["SK_ID_BUREAU", "DAYS_CREDIT"]], on="SK_ID_BUREAU")
    assert (bb.MONTHS_BALANCE <= 0).all() and (bb.MONTHS_BALANCE >= -96).all()
    assert (np.floor(bb.DAYS_CREDIT / 30.44) - 1 <= bb.MONTHS_BALANCE).all()
    shares = d["bureau_balance"].STATUS.value_counts(normalize=True)
    assert shares["C"] == pytest.approx(0.506, abs=0.12) and shares["0"] == pytest.approx(0.27, abs=0.1)
    assert shares[["1", "2", "3", "4", "5"]].sum() < 0.05


def test_history_quirks(d):
    b, cc, inst, pos = d["bureau"], d["credit_card_balance"], d["installments_payments"], d["POS_CASH_balance"]
    assert (b.AMT_CREDIT_SUM_DEBT < 0).any() and (cc.AMT_BALANCE < 0).any()
    assert "AMT_RECIVABLE" in cc.columns
    missing = inst.DAYS_ENTRY_PAYMENT.isna()
    assert missing.any() and (missing == inst.AMT_PAYMENT.isna()).all()
    assert inst.duplicated(["SK_ID_PREV", "NUM_INSTALMENT_NUMBER", "NUM_INSTALMENT_VERSION"]).any()
    prev_ids = set(d["previous_application"].SK_ID_PREV)
    assert (~pos.SK_ID_PREV.isin(prev_ids)).any() and (~cc.SK_ID_PREV.isin(prev_ids)).any()
    assert (pos.CNT_INSTALMENT.isna() == pos.CNT_INSTALMENT_FUTURE.isna()).all()
    drawings = cc[["AMT_DRAWINGS_ATM_CURRENT", "AMT_DRAWINGS_POS_CURRENT", "CNT_DRAWINGS_ATM_CURRENT"]].isna()
    assert (drawings.nunique(axis=1) == 1).all()


def test_installments_follow_the_previous_loan_annuity(d):
    p = d["previous_application"][["SK_ID_PREV", "AMT_ANNUITY", "NAME_CONTRACT_TYPE"]]
    m = d["installments_payments"].merge(p, on="SK_ID_PREV")
    cash = m[m.NAME_CONTRACT_TYPE != "Revolving loans"]
    assert len(cash) > 1000
    assert np.allclose(cash.AMT_INSTALMENT, cash.AMT_ANNUITY)
    assert (cash.NUM_INSTALMENT_VERSION >= 1).all()
