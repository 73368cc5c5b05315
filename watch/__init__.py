"""Technology watch: an Explainable Boosting Machine against the registered champion (`python -m watch`).

Same feature version, holdout, cross-validation folds and business cost as `credit-scoring@champion`, read back
from the MLflow registry; results go to the MLflow experiment `credit-scoring-poc` and into `docs/methodology.md`.
"""
