"""`marts.client_scores`: every client of the champion's feature version, scored by the registered champion.

Written by `python -m training.batch --engine duckdb --warehouse` (`make score-all`), replaced as a whole in one
transaction; read by analysts with DuckDB (declared as the dbt source `scores.client_scores`,
dbt_project/models/marts/_scores.yml, whose columns and descriptions tests/api/test_client_scores.py checks
against these).
"""

from __future__ import annotations

from common.contracts.feature_versions import SCHEMA

TABLE = "client_scores"
CLIENT_SCORES = f"{SCHEMA}.{TABLE}"
# column -> DuckDB type, in table order
COLUMNS = {
    "client_id": "BIGINT",
    "probability": "DOUBLE",
    "decision": "VARCHAR",
    "threshold": "DOUBLE",
    "model_version": "VARCHAR",
    "feature_version": "VARCHAR",
    "scored_at": "TIMESTAMPTZ",
}
DESCRIPTIONS = {
    "client_id": "Client (SK_ID_CURR), one row per client of the feature version.",
    "probability": "Calibrated probability of default, as the API's probability_default.",
    "decision": "`refuse` when probability >= threshold, else `accept` (the API says refused / accepted).",
    "threshold": "Decision threshold of the model, on the calibrated scale (minimises 10 x FN + FP).",
    "model_version": "Version of the registered model credit-scoring that scored the row (the champion then).",
    "feature_version": "Feature version the model was trained on, whose rows were scored.",
    "scored_at": "When the scoring started: one value for the whole table.",
}
