"""The Great Expectations (GX Core 1.x) suite of the client feature mart: any failed expectation fails the build.

Expectations run on the small frames of profile.py (see there why not on a pandas copy of the mart).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field

import pandas as pd

from dbt_project.pipeline.validation_frames import (
    ID_COLUMNS,
    MIN_FEATURES,
    MOSTLY_PRESENT_MAX_NULL_SHARE,
    ORACLE_PATTERN,
    RANGE_RULES,
    Frames,
)

logger = logging.getLogger(__name__)


@dataclass
class ValidationResult:
    """Outcome of the suite: success, how many expectations ran, and what failed (readable)."""

    success: bool
    evaluated: int
    failures: list[dict] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> dict:
        """A JSON-ready summary, stored in marts.feature_versions."""
        return {"success": self.success, "evaluated": self.evaluated, "failures": self.failures}


# Failures name the offending rows by these columns (the profile frame has one row per mart column).
INDEX_COLUMNS = {"schema": None, "column_names": ["column_name"], "rows": ["client_id"], "profile": ["column_name"]}


def _by_column(rule_column: str, rule: str) -> dict:
    """Only the profile rows (mart columns) that fall under one rule."""
    # GX is imported by validate() only: ~3 s of import that logs at INFO unless its loggers are quietened first
    from great_expectations.expectations.row_conditions import Column

    return {"row_condition": Column(name=rule_column) == rule}


def build_suites(expected_columns: list[str], application_rows: int) -> dict[str, list]:
    """Expectations per frame of validation_frames.Frames."""
    # GX is imported by validate() only (see _by_column)
    from great_expectations import expectations as gxe
    from great_expectations.expectations.row_conditions import Column

    profile = []
    for rule in RANGE_RULES:
        options = _by_column("range_rule", rule.name)
        if rule.low is not None:
            profile.append(gxe.ExpectColumnValuesToBeBetween(column="min_value", min_value=rule.low, **options))
        if rule.high is not None:
            profile.append(gxe.ExpectColumnValuesToBeBetween(column="max_value", max_value=rule.high, **options))
    profile.append(gxe.ExpectColumnValuesToBeBetween(column="null_share", max_value=0, **_by_column("null_rule", "never null")))
    profile.append(
        gxe.ExpectColumnValuesToBeBetween(
            column="null_share", max_value=MOSTLY_PRESENT_MAX_NULL_SHARE, **_by_column("null_rule", "mostly present")
        )
    )
    return {
        "schema": [
            gxe.ExpectTableColumnsToMatchSet(column_set=expected_columns, exact_match=True),
            gxe.ExpectTableColumnCountToBeBetween(min_value=len(ID_COLUMNS) + MIN_FEATURES),
        ],
        "column_names": [gxe.ExpectColumnValuesToNotMatchRegex(column="column_name", regex=ORACLE_PATTERN)],
        "rows": [
            gxe.ExpectTableRowCountToEqual(value=application_rows),
            gxe.ExpectColumnValuesToNotBeNull(column="client_id"),
            gxe.ExpectColumnValuesToBeUnique(column="client_id"),
            gxe.ExpectColumnValuesToBeInSet(column="split", value_set=["train", "test"]),
            gxe.ExpectColumnValuesToBeInSet(column="target", value_set=[0, 1]),
            gxe.ExpectColumnValuesToBeNull(column="target", row_condition=Column(name="split") == "test"),
            gxe.ExpectColumnValuesToNotBeNull(column="target", row_condition=Column(name="split") == "train"),
        ],
        "profile": profile,
    }


def _failure(frame: str, result) -> dict:
    """A readable failure: which expectation, on what, and the offending values or mart columns."""
    config = result.expectation_config
    kwargs = {k: v for k, v in config.kwargs.items() if k not in ("result_format", "batch_id", "column_set")}
    condition = kwargs.get("row_condition")
    if condition is not None:
        column = getattr(getattr(condition, "column", None), "name", None)
        parameter = getattr(condition, "parameter", None)
        kwargs["row_condition"] = f"{column} == {parameter!r}" if column else str(condition)
    detail = result.result or {}
    observed = (
        detail.get("details", {}).get("mismatched")
        or detail.get("unexpected_index_list")
        or detail.get("unexpected_list")
        or detail.get("observed_value")
    )
    if result.exception_info and result.exception_info.get("raised_exception"):
        observed = result.exception_info.get("exception_message")
    if isinstance(observed, list):
        observed = observed[:20]
    failure = {"frame": frame, "expectation": config.type, "kwargs": kwargs, "observed": observed}
    return json.loads(json.dumps(failure, default=lambda value: value.item() if hasattr(value, "item") else str(value)))


def validate(frames: Frames, expected_columns: list[str], application_rows: int) -> ValidationResult:
    """Run the suite on the frames in an ephemeral GX context (nothing is written to disk)."""
    started = time.perf_counter()
    logging.getLogger("great_expectations").setLevel(logging.WARNING)  # before the import: it logs at INFO
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    for name in ("great_expectations", "great_expectations.data_context.types.base"):  # the latter sets INFO
        logging.getLogger(name).setLevel(logging.WARNING)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    source = context.data_sources.add_pandas("client_features")
    suites = build_suites(expected_columns, application_rows)
    evaluated, failures = 0, []
    for name, expectations in suites.items():
        frame: pd.DataFrame = getattr(frames, name)
        batch = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe(name)
        suite = context.suites.add(gx.ExpectationSuite(name=f"client_features_{name}", expectations=expectations))
        index = INDEX_COLUMNS[name]
        result_format = {"result_format": "COMPLETE", "unexpected_index_column_names": index} if index else "SUMMARY"
        outcome = batch.get_batch(batch_parameters={"dataframe": frame}).validate(suite, result_format=result_format)
        evaluated += len(outcome.results)
        failures += [_failure(name, r) for r in outcome.results if not r.success]
    result = ValidationResult(not failures, evaluated, failures, time.perf_counter() - started)
    for failure in failures:
        logger.error("expectation failed: %s", failure)
    return result
