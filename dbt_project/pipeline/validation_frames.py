"""What the Great Expectations suite looks at: small frames DuckDB computes from the mart in one scan.

The mart is 356k rows x 376 columns at full size: a pandas copy would cost seconds and gigabytes. So GX
(expectations.py) validates small frames instead:

- `schema`: the mart's columns, zero rows (expected column set, column count), and `column_names`, one row
  per column name (no column that looks like the synthetic oracle);
- `rows`: only `client_id`, `split`, `target` of every row (unique ids, splits, no target for test clients,
  a target for every train client, row count = applications);
- `profile`: one row per mart column with its null share, minimum and maximum (computed by DuckDB in a single
  scan), and the rule the column falls under; one expectation per rule checks every column it covers.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import yaml

from common.contracts.feature_versions import ID_COLUMNS

logger = logging.getLogger(__name__)

MIN_FEATURES = 300
ORACLE_PATTERN = r"(?i)(?:p_default|oracle|default_probability|true_prob)"
HISTORY_COUNT = re.compile(r"^(bureau|previous|pos_cash|installments|credit_card)_count_")
FLAG = re.compile(r"^(n?flag_|reg_(region|city)_not_|live_(region|city)_not_)")
BUILDING = re.compile(r"_(avg|mode|medi)$")


@dataclass(frozen=True)
class RangeRule:
    """Bounds every column matching `pattern` must respect (None = unbounded on that side)."""

    name: str
    pattern: str
    low: float | None
    high: float | None


# First matching rule wins; a column matching none has no range check.
RANGE_RULES = (
    RangeRule("age in years", r"^age_years$", 18, 100),
    RangeRule("spread of three scores in [0, 1]", r"^ext_source_std$", 0, 0.5),
    RangeRule("external score in [0, 1]", r"^ext_source_(1|2|3|mean|min|max|product)$", 0, 1),
    RangeRule("share in [0, 1]", r"_share_|^target$", 0, 1),
    RangeRule("0/1 flag", FLAG.pattern, 0, 1),
    RangeRule("normalized building information in [0, 1]", BUILDING.pattern, 0, 1),
    RangeRule("count, never negative", r"_count_|_count$|^cnt_|^(obs|def)_\d+_cnt_|^amt_req_", 0, None),
    RangeRule("days past due or late, never negative", r"days_past_due|days_overdue|days_late|days_early", 0, None),
    RangeRule(
        "application amount, never negative",
        r"^amt_(income_total|credit|annuity|goods_price)$|^income_per_family_member$",
        0,
        None,
    ),
    RangeRule(
        "days or months before the application, never positive",
        r"^days_(birth|employed|registration|id_publish|last_phone_change)$|months_balance|days_decision$",
        None,
        0,
    ),
)

# Columns that may never be NULL (history counts are zero-filled), and columns almost always present.
NEVER_NULL = re.compile(
    HISTORY_COUNT.pattern + r"|^(client_id|split|amt_credit|amt_income_total|days_birth|age_years|credit_to_income_ratio"
    r"|flag_days_employed_sentinel|ext_source_count_missing|building_count_missing_values)$"
)
MOSTLY_PRESENT = re.compile(r"^(ext_source_2|amt_annuity|amt_goods_price|cnt_fam_members)$")
MOSTLY_PRESENT_MAX_NULL_SHARE = 0.05


@dataclass(frozen=True)
class Frames:
    """What GX validates: small frames computed from the mart by DuckDB."""

    schema: pd.DataFrame
    column_names: pd.DataFrame
    rows: pd.DataFrame
    profile: pd.DataFrame


def documented_columns(marts_yaml: Path, model: str = "client_features") -> list[str]:
    """The columns of a mart as documented in the marts YAML (the expected column set)."""
    document = yaml.safe_load(marts_yaml.read_text(encoding="utf-8"))
    for entry in document["models"]:
        if entry["name"] == model:
            return [column["name"] for column in entry["columns"]]
    raise KeyError(f"{model} is not documented in {marts_yaml}")


def range_rule(column: str) -> RangeRule | None:
    """The first range rule matching a column name, if any."""
    return next((rule for rule in RANGE_RULES if re.search(rule.pattern, column)), None)


def null_rule(column: str) -> str:
    """'never null', 'mostly present' or 'any'."""
    if NEVER_NULL.search(column):
        return "never null"
    return "mostly present" if MOSTLY_PRESENT.search(column) else "any"


def profile_sql(table: str, columns: list[tuple[str, str]]) -> str:
    """One scan: the row count, then for each column its non-NULL count and, when numeric, min and max."""
    parts = ['count(*) as "__rows"']
    for name, kind in columns:
        parts.append(f'count("{name}") as "{name}__present"')
        if kind not in ("VARCHAR", "BOOLEAN"):
            parts.append(f'min("{name}")::double as "{name}__min"')
            parts.append(f'max("{name}")::double as "{name}__max"')
    return f"select {', '.join(parts)} from {table}"


def column_profile(con: duckdb.DuckDBPyConnection, table: str) -> pd.DataFrame:
    """One row per column of `table`: name, type, null share, min, max, and the rules it falls under."""
    columns = [(row[0], row[1]) for row in con.sql(f"describe {table}").fetchall()]
    relation = con.sql(profile_sql(table, columns))
    stats = dict(zip(relation.columns, relation.fetchall()[0], strict=True))
    rows = max(stats["__rows"], 1)
    records = []
    for name, kind in columns:
        rule = range_rule(name)
        records.append(
            {
                "column_name": name,
                "data_type": kind,
                "null_share": 1 - stats[f"{name}__present"] / rows,
                "min_value": stats.get(f"{name}__min"),
                "max_value": stats.get(f"{name}__max"),
                "range_rule": rule.name if rule else "none",
                "null_rule": null_rule(name),
            }
        )
    return pd.DataFrame.from_records(records)


def compute_frames(con: duckdb.DuckDBPyConnection, table: str) -> Frames:
    """The frames GX validates, from the mart table `table` (e.g. feature_store.client_features_v1)."""
    schema = con.sql(f"select * from {table} limit 0").df()
    return Frames(
        schema=schema,
        column_names=pd.DataFrame({"column_name": list(schema.columns)}),
        rows=con.sql(f"select {', '.join(ID_COLUMNS)} from {table}").df(),
        profile=column_profile(con, table),
    )
