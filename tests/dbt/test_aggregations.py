"""The mart's aggregates recomputed in pandas from the CSV files, for a few clients of the synthetic set."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from featurestore_helpers import query

SENTINEL = 365243
LATE = {"1", "2", "3", "4", "5"}


@pytest.fixture(scope="module")
def csv(synthetic_data) -> dict[str, pd.DataFrame]:
    folder = synthetic_data[0]
    names = ["application_train", "application_test", "bureau", "bureau_balance", "previous_application",
             "POS_CASH_balance", "installments_payments", "credit_card_balance"]
    frames = {name: pd.read_csv(folder / f"{name}.csv", dtype={"STATUS": str}) for name in names}
    frames["applications"] = pd.concat([frames.pop("application_train"), frames.pop("application_test")])
    return frames


@pytest.fixture(scope="module")
def clients(csv) -> list[int]:
    """Clients with much history in every table, one without bureau history, one with credit cards."""
    counts = [csv[t].groupby("SK_ID_CURR").size() for t in ("bureau", "previous_application",
                                                              "installments_payments", "credit_card_balance")]
    rich = pd.concat(counts, axis=1).fillna(0).min(axis=1).sort_values(ascending=False).index[:3].tolist()
    no_bureau = sorted(set(csv["applications"].SK_ID_CURR) - set(csv["bureau"].SK_ID_CURR))[:1]
    return [int(c) for c in rich + no_bureau]


@pytest.fixture(scope="module")
def mart(built_synthetic, clients) -> pd.DataFrame:
    duckdb_path, _ = built_synthetic
    ids = ", ".join(str(c) for c in clients)
    rows = query(duckdb_path, f"select * from marts.client_features where client_id in ({ids})")
    columns = [r[0] for r in query(duckdb_path, "describe marts.client_features")]
    return pd.DataFrame(rows, columns=columns).set_index("client_id")


def of(frame: pd.DataFrame, client: int) -> pd.DataFrame:
    """The rows of one client."""
    return frame[frame["SK_ID_CURR"] == client]


def same(actual, expected) -> bool:
    if expected is None or (isinstance(expected, float) and math.isnan(expected)):
        return actual is None or (isinstance(actual, float) and math.isnan(actual))
    return actual == pytest.approx(expected, rel=1e-9, abs=1e-9)


def expected_bureau(csv, client: int) -> dict:
    bureau = of(csv["bureau"], client)
    balance = csv["bureau_balance"][csv["bureau_balance"].SK_ID_BUREAU.isin(bureau.SK_ID_BUREAU)]
    late = balance[balance.STATUS.isin(LATE)]
    return {
        "bureau_count_credits": len(bureau),
        "bureau_count_active_credits": int((bureau.CREDIT_ACTIVE == "Active").sum()),
        "bureau_sum_debt_amount": bureau.AMT_CREDIT_SUM_DEBT.sum(min_count=1),
        "bureau_debt_to_credit_ratio": bureau.AMT_CREDIT_SUM_DEBT.sum() / bureau.AMT_CREDIT_SUM.sum()
        if len(bureau) and bureau.AMT_CREDIT_SUM.sum() else None,
        "bureau_max_days_credit": bureau.DAYS_CREDIT.max() if len(bureau) else None,
        "bureau_count_credits_last_12_months": int((bureau.DAYS_CREDIT >= -365).sum()),
        "bureau_sum_late_months": len(late) if len(balance) else None,
        "bureau_max_worst_late_status": late.STATUS.astype(int).max() if len(late) else (0 if len(balance) else None),
    }


def expected_previous(csv, client: int) -> dict:
    prev = of(csv["previous_application"], client)
    approved = prev[prev.NAME_CONTRACT_STATUS == "Approved"]
    return {
        "previous_count_applications": len(prev),
        "previous_count_refused_applications": int((prev.NAME_CONTRACT_STATUS == "Refused").sum()),
        "previous_granted_to_applied_ratio": prev.AMT_CREDIT.sum() / prev.AMT_APPLICATION.sum()
        if prev.AMT_APPLICATION.sum() else None,
        "previous_max_days_decision": prev.DAYS_DECISION.max() if len(prev) else None,
        "previous_count_approved_applications_still_running": int((approved.DAYS_LAST_DUE == SENTINEL).sum()),
        "previous_mean_approved_days_first_due": approved.DAYS_FIRST_DUE.replace(SENTINEL, np.nan).mean(),
    }


def expected_payments(csv, client: int) -> dict:
    pos = of(csv["POS_CASH_balance"], client)
    inst = of(csv["installments_payments"], client)
    cards = of(csv["credit_card_balance"], client)
    days_late = (inst.DAYS_ENTRY_PAYMENT - inst.DAYS_INSTALMENT).clip(lower=0)
    utilization = cards.AMT_BALANCE / cards.AMT_CREDIT_LIMIT_ACTUAL.replace(0, np.nan)
    completion = 1 - pos.CNT_INSTALMENT_FUTURE / pos.CNT_INSTALMENT.replace(0, np.nan)
    return {
        "pos_cash_count_loans": pos.SK_ID_PREV.nunique(),
        "pos_cash_max_days_past_due": pos.SK_DPD.max() if len(pos) else None,
        "pos_cash_mean_completion_ratio": completion.mean(),
        "installments_mean_days_late": days_late.mean(),
        "installments_share_late_payments": (days_late > 0).mean() if len(inst) else None,
        "installments_paid_to_owed_ratio": inst.AMT_PAYMENT.sum() / inst.AMT_INSTALMENT.sum()
        if inst.AMT_INSTALMENT.sum() else None,
        "installments_count_underpaid_payments": int((inst.AMT_PAYMENT < inst.AMT_INSTALMENT).sum()),
        "credit_card_count_cards": cards.SK_ID_PREV.nunique(),
        "credit_card_mean_utilization_ratio": utilization.mean(),
        "credit_card_max_days_past_due": cards.SK_DPD.max() if len(cards) else None,
    }


def expected_application(csv, client: int) -> dict:
    app = csv["applications"].set_index("SK_ID_CURR").loc[client]
    ext = app[["EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3"]].astype(float)
    return {
        "credit_to_income_ratio": app.AMT_CREDIT / app.AMT_INCOME_TOTAL,
        "ext_source_mean": ext.mean() if ext.notna().any() else None,
        "days_employed": None if app.DAYS_EMPLOYED == SENTINEL else app.DAYS_EMPLOYED,
        "document_count": int(app[[f"FLAG_DOCUMENT_{n}" for n in range(2, 22)]].sum()),
    }


@pytest.mark.parametrize("table", ["bureau", "previous", "payments", "application"])
def test_aggregates_match_pandas(csv, clients, mart, table):
    compute = {"bureau": expected_bureau, "previous": expected_previous,
               "payments": expected_payments, "application": expected_application}[table]
    mismatches = []
    for client in clients:
        for column, expected in compute(csv, client).items():
            actual = mart.loc[client, column]
            actual = None if pd.isna(actual) else actual
            if not same(actual, None if expected is None or pd.isna(expected) else float(expected)):
                mismatches.append((client, column, actual, expected))
    assert mismatches == []


def test_the_chosen_clients_exercise_the_history(csv, clients, mart):
    assert (mart.loc[clients[:3], "bureau_count_credits"] > 0).all()
    assert (mart.loc[clients[:3], "credit_card_count_cards"] > 0).all()
    assert mart.loc[clients[3], "bureau_count_credits"] == 0
