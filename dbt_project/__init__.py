"""The client feature store: the dbt project (models/) and its Python orchestration (pipeline/)."""
