"""Application rows (application_train / application_test) with the dependencies real rows have."""

from __future__ import annotations

import numpy as np
import pandas as pd

from warehouse.synth.calibration import calibration, cat_with_nans, with_nans

SENTINEL = 365243
BUILDING_BASE_MISSING = 0.479  # the least-missing member of the housing block (EMERGENCYSTATE_MODE)
SPECIAL = {
    "SK_ID_CURR", "TARGET", "NAME_CONTRACT_TYPE", "CODE_GENDER", "FLAG_OWN_CAR", "OWN_CAR_AGE",
    "CNT_CHILDREN", "CNT_FAM_MEMBERS", "NAME_FAMILY_STATUS", "AMT_INCOME_TOTAL", "AMT_CREDIT", "AMT_ANNUITY",
    "AMT_GOODS_PRICE", "NAME_INCOME_TYPE", "NAME_EDUCATION_TYPE", "DAYS_BIRTH", "DAYS_EMPLOYED",
    "ORGANIZATION_TYPE", "OCCUPATION_TYPE", "FLAG_EMP_PHONE", "EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3",
    "REGION_RATING_CLIENT", "REGION_RATING_CLIENT_W_CITY", "REGION_POPULATION_RELATIVE", "DAYS_REGISTRATION",
    "DAYS_ID_PUBLISH", "OBS_30_CNT_SOCIAL_CIRCLE", "DEF_30_CNT_SOCIAL_CIRCLE", "OBS_60_CNT_SOCIAL_CIRCLE",
    "DEF_60_CNT_SOCIAL_CIRCLE", "FLAG_MOBIL",
}
TRAIN_ONLY = {"CODE_GENDER": "XNA", "NAME_INCOME_TYPE": "Maternity leave", "NAME_FAMILY_STATUS": "Unknown"}
AMT_REQ = [f"AMT_REQ_CREDIT_BUREAU_{p}" for p in ("HOUR", "DAY", "WEEK", "MON", "QRT", "YEAR")]


def _building_stem(col: str) -> str | None:
    for suffix in ("_AVG", "_MODE", "_MEDI"):
        if col.endswith(suffix) and col not in ("FONDKAPREMONT_MODE", "HOUSETYPE_MODE", "WALLSMATERIAL_MODE",
                                                 "EMERGENCYSTATE_MODE", "TOTALAREA_MODE"):
            return col[: -len(suffix)]
    return None


def _round_to(x: np.ndarray, step: float) -> np.ndarray:
    return np.maximum(step, np.round(x / step) * step)


def _demographics(cal, rng, n: int, out: dict) -> dict:
    out["DAYS_BIRTH"] = np.round(cal.quantile("DAYS_BIRTH", rng.random(n))).astype(np.int64)
    age = -out["DAYS_BIRTH"] / 365.25
    retire_age = rng.normal(58.5, 3.0, n)
    pensioner = (age > retire_age) | (rng.random(n) < 0.012)
    income_type = cal.choice("NAME_INCOME_TYPE", rng, n, exclude=("Pensioner",))
    income_type[pensioner] = "Pensioner"
    out["NAME_INCOME_TYPE"] = income_type
    jobless = pensioner | (income_type == "Unemployed")
    max_days = np.maximum(30, (age - 18) * 365.25)
    employed = np.minimum(-cal.quantile("DAYS_EMPLOYED", rng.random(n), 0.0, 0.815), max_days)
    out["DAYS_EMPLOYED"] = np.where(jobless, SENTINEL, -np.round(employed)).astype(np.int64)
    org = cal.choice("ORGANIZATION_TYPE", rng, n, exclude=("XNA",))
    org[jobless] = "XNA"
    out["ORGANIZATION_TYPE"] = org
    out["FLAG_EMP_PHONE"] = np.where(jobless, 0, (rng.random(n) < 0.9995).astype(np.int64)).astype(np.int64)
    occ = cal.choice("OCCUPATION_TYPE", rng, n)
    occ[jobless | (rng.random(n) < 0.165)] = None
    out["OCCUPATION_TYPE"] = occ
    out["CODE_GENDER"] = cal.choice("CODE_GENDER", rng, n)
    out["NAME_EDUCATION_TYPE"] = cal.choice("NAME_EDUCATION_TYPE", rng, n)
    status = cal.choice("NAME_FAMILY_STATUS", rng, n)
    out["NAME_FAMILY_STATUS"] = status
    children = np.round(cal.quantile("CNT_CHILDREN", rng.random(n))).astype(np.int64)
    children[age > 55] = np.minimum(children[age > 55], rng.integers(0, 2, (age > 55).sum()))
    out["CNT_CHILDREN"] = children
    couple = np.isin(status, ["Married", "Civil marriage"])
    out["CNT_FAM_MEMBERS"] = (children + np.where(couple, 2, 1)).astype(float)
    return {"age": age, "jobless": jobless}


def _amounts(cal, rng, n: int, affluence: np.ndarray, out: dict) -> dict:
    income = cal.from_normal("AMT_INCOME_TOTAL", 0.85 * affluence + 0.53 * rng.standard_normal(n))
    out["AMT_INCOME_TOTAL"] = _round_to(income, 2250.0)
    revolving = rng.random(n) < 0.0952
    out["NAME_CONTRACT_TYPE"] = np.where(revolving, "Revolving loans", "Cash loans").astype(object)
    goods = cal.from_normal("AMT_GOODS_PRICE", 0.45 * affluence + 0.89 * rng.standard_normal(n))
    goods = _round_to(goods, 4500.0)
    goods[revolving] = rng.choice([45000.0, 67500.0, 90000.0, 135000.0, 180000.0, 225000.0, 270000.0, 450000.0],
                                  revolving.sum(), p=[.08, .05, .12, .25, .15, .12, .15, .08])
    markup = np.where(rng.random(n) < 0.3, 1.0, rng.uniform(1.0, 1.3, n))
    credit = np.where(revolving, goods, np.round(goods * markup, 1))
    term = rng.choice([6, 10, 12, 18, 24, 30, 36, 48, 60], n, p=[.04, .06, .16, .14, .22, .1, .14, .08, .06])
    rate = rng.uniform(0.008, 0.022, n)
    annuity = np.where(revolving, credit * 0.05, credit * rate / (1 - (1 + rate) ** -term))
    out["AMT_CREDIT"] = credit
    out["AMT_ANNUITY"] = np.round(annuity * 2) / 2
    goods_out = goods.astype(float)
    goods_out[revolving & (rng.random(n) < 0.012)] = np.nan
    out["AMT_GOODS_PRICE"] = goods_out
    return {"term": term, "revolving": revolving}


def _scores(cal, rng, n: int, age: np.ndarray, risk: np.ndarray, out: dict) -> None:
    age_z = (age - 43) / 12
    for k, (w_risk, w_age) in {1: (0.55, 0.45), 2: (0.6, 0.1), 3: (0.55, 0.3)}.items():
        z = -w_risk * risk + w_age * age_z + np.sqrt(max(0.05, 1 - w_risk**2 - w_age**2)) * rng.standard_normal(n)
        col = f"EXT_SOURCE_{k}"
        out[col] = with_nans(cal.from_normal(col, z), rng, cal.nan_rate(col))


def _region(cal, rng, n: int, out: dict) -> None:
    rating = np.round(cal.quantile("REGION_RATING_CLIENT", rng.random(n))).astype(np.int64)
    out["REGION_RATING_CLIENT"] = rating
    city = np.where(rng.random(n) < 0.92, rating, np.clip(rating + rng.choice([-1, 1], n), 1, 3))
    out["REGION_RATING_CLIENT_W_CITY"] = city.astype(np.int64)
    band = {1: (0.8, 1.0), 2: (0.1, 0.85), 3: (0.0, 0.25)}
    pop = np.empty(n)
    for r, (lo, hi) in band.items():
        m = rating == r
        pop[m] = cal.quantile("REGION_POPULATION_RELATIVE", rng.random(m.sum()), lo, hi)
    out["REGION_POPULATION_RELATIVE"] = np.round(pop, 6)


def _dates_and_circle(cal, rng, n: int, out: dict) -> None:
    birth = out["DAYS_BIRTH"]
    reg = np.maximum(cal.numeric("DAYS_REGISTRATION", rng, n), birth + 18 * 365)
    out["DAYS_REGISTRATION"] = np.minimum(reg, 0).astype(float)
    out["DAYS_ID_PUBLISH"] = np.minimum(0, np.maximum(cal.numeric("DAYS_ID_PUBLISH", rng, n),
                                                      birth + 14 * 365)).astype(np.int64)
    obs30 = cal.numeric("OBS_30_CNT_SOCIAL_CIRCLE", rng, n)
    def30 = rng.binomial(obs30.astype(np.int64), 0.11).astype(float)
    obs60 = np.where(rng.random(n) < 0.97, obs30, np.maximum(0, obs30 + rng.choice([-1, 1], n)))
    def60 = np.minimum(obs60, def30 - (rng.random(n) < 0.15) * (def30 > 0))
    missing = rng.random(n) < cal.nan_rate("OBS_30_CNT_SOCIAL_CIRCLE")
    for col, v in (("OBS_30", obs30), ("DEF_30", def30), ("OBS_60", obs60), ("DEF_60", def60)):
        out[f"{col}_CNT_SOCIAL_CIRCLE"] = np.where(missing, np.nan, v)


def _generic(cal, spec_cols, rng, n: int, out: dict) -> None:
    """Columns with no modelled dependency, except the shared missingness of the housing and bureau-request blocks."""
    block_present = rng.random(n) >= BUILDING_BASE_MISSING
    stem_u: dict[str, np.ndarray] = {}
    req_missing = rng.random(n) < cal.nan_rate(AMT_REQ[0])
    for col in spec_cols:
        name, dtype = col.name, col.dtype
        if name in SPECIAL or name in out:
            continue
        stem = _building_stem(name)
        in_block = stem is not None or name in ("FONDKAPREMONT_MODE", "HOUSETYPE_MODE", "WALLSMATERIAL_MODE",
                                                "EMERGENCYSTATE_MODE", "TOTALAREA_MODE")
        if in_block:
            keep = (1 - cal.nan_rate(name)) / (1 - BUILDING_BASE_MISSING)
            key = stem or name
            if key not in stem_u:
                stem_u[key] = rng.random(n)
                stem_u[key + "#present"] = block_present & (rng.random(n) < keep)
            present = stem_u[key + "#present"]
            if dtype == "object":
                cats = cal.choice(name, rng, n)
                out[name] = np.where(present, cats, None)
            else:
                jitter = np.clip(stem_u[key] + rng.normal(0, 0.01, n), 0, 1)
                out[name] = np.where(present, np.round(cal.quantile(name, jitter), 4), np.nan)
        elif dtype == "object":
            out[name] = cat_with_nans(cal.choice(name, rng, n), rng, cal.nan_rate(name))
        elif name in AMT_REQ:
            out[name] = np.where(req_missing, np.nan, cal.numeric(name, rng, n))
        else:
            x = cal.numeric(name, rng, n)
            out[name] = with_nans(x, rng, cal.nan_rate(name)) if dtype == "float64" else x.astype(np.int64)


def generate_applications(rng: np.random.Generator, ids: np.ndarray, is_train: np.ndarray,
                          spec_cols) -> tuple[pd.DataFrame, dict]:
    """Application rows for `ids` (train and test alike, without TARGET) and the hidden quantities they came from."""
    cal = calibration("application_train")
    n = len(ids)
    out: dict = {"SK_ID_CURR": ids.astype(np.int64)}
    affluence = rng.standard_normal(n)
    risk = rng.standard_normal(n)
    demo = _demographics(cal, rng, n, out)
    amounts = _amounts(cal, rng, n, affluence, out)
    _scores(cal, rng, n, demo["age"], risk, out)
    _region(cal, rng, n, out)
    _dates_and_circle(cal, rng, n, out)
    own_car = np.where(rng.random(n) < 0.10 + 0.38 * (affluence > -0.3), "Y", "N").astype(object)
    out["FLAG_OWN_CAR"] = own_car
    out["OWN_CAR_AGE"] = np.where(own_car == "Y", cal.numeric("OWN_CAR_AGE", rng, n), np.nan)
    out["FLAG_MOBIL"] = np.ones(n, dtype=np.int64)
    _generic(cal, spec_cols, rng, n, out)
    for col, value in TRAIN_ONLY.items():
        bad = (~is_train) & (out[col] == value)
        out[col][bad] = cal.choice(col, rng, int(bad.sum()), exclude=(value,))
    names = [c.name for c in spec_cols if c.name != "TARGET"]
    frame = pd.DataFrame({name: out[name] for name in names})
    hidden = {"age": demo["age"], "term": amounts["term"], "revolving": amounts["revolving"],
              "affluence": affluence}
    return frame, hidden
