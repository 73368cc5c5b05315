"""Python orchestration of the feature store: dbt build -> Great Expectations -> publish a feature version."""
