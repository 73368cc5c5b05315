"""`python -m dbt_project.pipeline`: build, validate and publish a feature version (see cli.py)."""

from dbt_project.pipeline.cli import main

raise SystemExit(main())
