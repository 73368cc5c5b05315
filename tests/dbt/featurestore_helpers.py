"""Helpers of the feature-store tests: pipeline options, a shared dbt workspace, queries on a warehouse."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from common.contracts.columns import load_spec
from dbt_project.pipeline.build import BuildOptions

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT = REPO_ROOT / "dbt_project"
WAREHOUSE = "homecredit.duckdb"
HISTORY_FILES = [t.file for key, t in load_spec().items() if not key.startswith("application_")]

def build_options(workspace: Path, reports_dir: Path) -> BuildOptions:
    """Pipeline options on the workspace warehouse; dbt's target and logs stay in the workspace (not the repo)."""
    return BuildOptions(
        duckdb_path=workspace / WAREHOUSE,
        project_dir=DBT_PROJECT,
        reports_dir=reports_dir,
        target_path=workspace / "dbt-target",
        log_path=workspace / "dbt-logs",
    )


@contextmanager
def in_workspace(workspace: Path, duckdb_path: Path) -> Iterator[Path]:
    """Move a warehouse to the workspace path for the time of a build, then back.

    dbt re-parses the whole project (about 4 s) when the warehouse path changes: every build of the session
    uses the same path and target folder, so only the first one parses everything.
    """
    suffixes = ("", ".wal")
    for suffix in suffixes:
        if Path(f"{duckdb_path}{suffix}").exists():
            os.replace(f"{duckdb_path}{suffix}", f"{workspace / WAREHOUSE}{suffix}")
    try:
        yield workspace / WAREHOUSE
    finally:
        for suffix in suffixes:
            if Path(f"{workspace / WAREHOUSE}{suffix}").exists():
                os.replace(f"{workspace / WAREHOUSE}{suffix}", f"{duckdb_path}{suffix}")


def query(duckdb_path: Path, sql: str) -> list[tuple]:
    """Rows of one query on a warehouse, opened read-only."""
    with duckdb.connect(str(duckdb_path), read_only=True) as con:
        return con.sql(sql).fetchall()


def execute(duckdb_path: Path, *statements: str) -> None:
    """Change a warehouse (e.g. break a raw table the way a bad input would)."""
    with duckdb.connect(str(duckdb_path)) as con:
        for statement in statements:
            con.execute(statement)
