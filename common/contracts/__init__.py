"""The contracts between stages: what one stage writes and others read, each defined once.

- `columns` (+ `columns.json`): the column specification of the eight Kaggle files. Built by `tools/build_spec.py`;
  read by the warehouse (generator, loader), the API (posted applications) and dbt's generated sources.
- `feature_versions`: `marts.feature_versions` and the published snapshots. Written by `dbt_project/pipeline`; read
  by training, the API, monitoring and the technology watch.
- `registry`: the registered model's name, aliases, version tags and tracking URI. Written by training; read by the
  API, monitoring and the technology watch.
- `scores`: `marts.client_scores`, every client scored by the champion. Written by training (`make score-all`); read
  by analysts (a dbt source).
- `events`: the tables of the events database (prediction events, alerts). Written by the API (events) and
  monitoring (alerts); read by monitoring.

A stage imports a contract from here, never another stage's internals (`tests/test_architecture.py` checks it).
"""
