"""The champion registered the way training registers one, used as MLflow users do: loaded by alias, `predict` on
rows of the dbt-built marts.client_features exactly as DuckDB hands them over (int64, nullable Int64, float, text)."""

from __future__ import annotations

import os

import duckdb
import mlflow
import numpy as np
import pandas as pd
import pytest

from tests.api.conftest import ApiWorld

pytestmark = pytest.mark.slow


def load_by_alias(tracking: str):
    """The champion by alias, MLflow's global tracking URI (and the MLFLOW_TRACKING_URI it sets) put back after."""
    saved_env, saved_uri = os.environ.pop("MLFLOW_TRACKING_URI", None), mlflow.get_tracking_uri()
    try:
        mlflow.set_tracking_uri(tracking)
        return mlflow.pyfunc.load_model("models:/credit-scoring@champion")
    finally:
        mlflow.set_tracking_uri(saved_uri)
        os.environ.pop("MLFLOW_TRACKING_URI", None)
        if saved_env is not None:
            os.environ["MLFLOW_TRACKING_URI"] = saved_env


def test_predict_by_alias_on_rows_read_from_the_feature_table_as_they_come(api_world: ApiWorld) -> None:
    with duckdb.connect(str(api_world.settings.duckdb_path), read_only=True) as con:
        rows = con.sql("select * from marts.client_features order by client_id limit 400").df()
    assert rows["cnt_children"].dtype == np.int64
    assert isinstance(rows["days_employed"].dtype, pd.Int64Dtype) and rows["days_employed"].isna().any()
    model = load_by_alias(api_world.settings.mlflow_tracking_uri)
    out = model.predict(rows)
    expected = model.unwrap_python_model().predict_proba(rows)
    np.testing.assert_allclose(out["probability"].to_numpy(), expected, rtol=0, atol=0)
    types = {spec.name: getattr(spec.type, "name", str(spec.type)) for spec in model.metadata.get_input_schema().inputs}
    assert (types["cnt_children"], types["days_employed"], types["amt_credit"], types["code_gender"]) == (
        "long", "Any", "double", "string")
    assert types["bureau_sum_late_months"] == "double"  # a HUGEINT sum: DuckDB reads it as float64
