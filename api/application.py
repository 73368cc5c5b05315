"""The posted application: the fields of application_train (Kaggle names), typed and bounded.

Built from the column specification the loader enforces (`common/contracts/columns.json`): every column of
`application_test` but `SK_ID_CURR` (the id travels separately), with its type, its known categories and its
description. Bounds are the documented domains (shares in [0, 1], 0/1 flags, days before the application
as negative counts, 365243 the "not employed" placeholder of DAYS_EMPLOYED, ...), wide enough for every real row.
Unknown fields, wrong types and out-of-bounds values are refused (422 naming the field).
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, create_model

from common.contracts.columns import ColumnSpec, load_spec

DAYS_SENTINEL = 365243
MAX_AMOUNT = 1e9
MAX_DAYS_BACK = -36_525  # 100 years
REQUIRED = ("NAME_CONTRACT_TYPE", "CODE_GENDER", "FLAG_OWN_CAR", "FLAG_OWN_REALTY", "CNT_CHILDREN",
            "AMT_INCOME_TOTAL", "AMT_CREDIT", "NAME_INCOME_TYPE", "NAME_EDUCATION_TYPE", "NAME_FAMILY_STATUS",
            "NAME_HOUSING_TYPE", "DAYS_BIRTH", "DAYS_EMPLOYED")

# (pattern, low, high, extra description); first match wins; numeric columns matching none are refused at import.
BOUNDS: tuple[tuple[str, float, float, str], ...] = (
    (r"^AMT_REQ_CREDIT_BUREAU_", 0, 1000, "number of enquiries"),
    (r"^AMT_", 0, MAX_AMOUNT, "amount"),
    (r"^CNT_CHILDREN$", 0, 30, "count"),
    (r"^CNT_FAM_MEMBERS$", 1, 40, "count"),
    (r"^DAYS_BIRTH$", MAX_DAYS_BACK, -6574, "age 18 to 100 years, in days before the application"),
    (r"^DAYS_EMPLOYED$", MAX_DAYS_BACK, DAYS_SENTINEL, f"days before the application (<= 0), or {DAYS_SENTINEL} "
                                                         "when not employed (pensioners)"),
    (r"^DAYS_", MAX_DAYS_BACK, 0, "days before the application"),
    (r"^OWN_CAR_AGE$", 0, 100, "years"),
    (r"^(FLAG_|REG_|LIVE_)", 0, 1, "0/1 flag"),
    (r"^REGION_RATING_", 1, 3, "rating 1, 2 or 3"),
    (r"^HOUR_APPR_PROCESS_START$", 0, 23, "hour of the day"),
    (r"^(REGION_POPULATION_RELATIVE|EXT_SOURCE_\d)$", 0, 1, "normalised score in [0, 1]"),
    (r"_(AVG|MODE|MEDI)$", 0, 1, "normalised building information in [0, 1]"),
    (r"_CNT_SOCIAL_CIRCLE$", 0, 1000, "count"),
)


def _bounds(name: str) -> tuple[float, float, str]:
    for pattern, low, high, text in BOUNDS:
        if re.search(pattern, name):
            return low, high, text
    raise ValueError(f"no bounds for numeric application column {name}")


def _not_between_zero_and_sentinel(value: int | None) -> int | None:
    if value is not None and 0 < value < DAYS_SENTINEL:
        raise ValueError(f"must be <= 0 (days before the application) or {DAYS_SENTINEL} (not employed)")
    return value


def _field(column: ColumnSpec) -> tuple[Any, Any]:
    required = column.name in REQUIRED
    description = column.description
    if column.dtype == "object":
        kind: Any = Literal[tuple(column.categories)] if column.categories else str
        annotation = kind if required else kind | None
        return annotation, Field(... if required else None, description=description, max_length=200)
    low, high, text = _bounds(column.name)
    base: Any = int if column.dtype == "int64" else float
    constraint = Field(ge=low, le=high, allow_inf_nan=False) if base is float else Field(ge=int(low), le=int(high))
    typed: Any = Annotated[base, constraint]
    if column.name == "DAYS_EMPLOYED":
        typed = Annotated[typed, AfterValidator(_not_between_zero_and_sentinel)]
    annotation = typed if required else typed | None
    return annotation, Field(... if required else None, description=f"{description} ({text}).")


def application_columns() -> list[ColumnSpec]:
    """The application columns a client posts: application_test's without SK_ID_CURR, with the categories
    of both files (some, such as NAME_INCOME_TYPE 'Maternity leave', occur in application_train only)."""
    spec = load_spec()
    train = {c.name: c for c in spec["application_train"].columns}
    columns = []
    for column in spec["application_test"].columns:
        if column.name == "SK_ID_CURR":
            continue
        if column.categories is not None:
            known = list(train[column.name].categories or ()) if column.name in train else []
            categories = tuple(known + [c for c in column.categories if c not in known])
            column = ColumnSpec(column.name, column.dtype, column.description, categories)
        columns.append(column)
    return columns


def build_application_model() -> type[BaseModel]:
    """The pydantic model of a posted application (one field per Kaggle column, unknown fields refused)."""
    fields = {column.name: _field(column) for column in application_columns()}
    return create_model("Application", __config__=ConfigDict(extra="forbid", title="Application"), **fields)


Application = build_application_model()

EXAMPLE_APPLICATION: dict[str, Any] = {
    "NAME_CONTRACT_TYPE": "Cash loans", "CODE_GENDER": "F", "FLAG_OWN_CAR": "N", "FLAG_OWN_REALTY": "Y",
    "CNT_CHILDREN": 0, "AMT_INCOME_TOTAL": 157500.0, "AMT_CREDIT": 450000.0, "AMT_ANNUITY": 22500.0,
    "AMT_GOODS_PRICE": 450000.0, "NAME_TYPE_SUITE": "Unaccompanied", "NAME_INCOME_TYPE": "Working",
    "NAME_EDUCATION_TYPE": "Secondary / secondary special", "NAME_FAMILY_STATUS": "Married",
    "NAME_HOUSING_TYPE": "House / apartment", "REGION_POPULATION_RELATIVE": 0.0188, "DAYS_BIRTH": -14000,
    "DAYS_EMPLOYED": -2200, "DAYS_REGISTRATION": -4500.0, "DAYS_ID_PUBLISH": -3000, "FLAG_MOBIL": 1,
    "FLAG_EMP_PHONE": 1, "FLAG_WORK_PHONE": 0, "FLAG_CONT_MOBILE": 1, "FLAG_PHONE": 0, "FLAG_EMAIL": 0,
    "OCCUPATION_TYPE": "Laborers", "CNT_FAM_MEMBERS": 2.0, "REGION_RATING_CLIENT": 2,
    "REGION_RATING_CLIENT_W_CITY": 2, "WEEKDAY_APPR_PROCESS_START": "TUESDAY", "HOUR_APPR_PROCESS_START": 11,
    "ORGANIZATION_TYPE": "Business Entity Type 3", "EXT_SOURCE_2": 0.55, "EXT_SOURCE_3": 0.5,
    "DAYS_LAST_PHONE_CHANGE": -900.0, "FLAG_DOCUMENT_3": 1,
}


def is_missing(value: Any) -> bool:
    """None or NaN."""
    return value is None or (isinstance(value, float) and math.isnan(value))
