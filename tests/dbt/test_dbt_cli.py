"""dbt as its users run it: `cd dbt_project && dbt build`, no environment variable, the default selector,
the enforced contract of client_features, the exposures, and the contract's types up to date."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from featurestore_helpers import DBT_PROJECT, query

from dbt_project.scripts import generate_contract
from warehouse.load import load_raw

pytestmark = pytest.mark.slow
PROJECT_FILES = ("dbt_project.yml", "profiles.yml", "selectors.yml", "models", "macros", "tests")


@pytest.fixture(scope="module")
def user_checkout(synthetic_data: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the repository's dbt project beside a loaded warehouse at the default place (../warehouse)."""
    root = tmp_path_factory.mktemp("checkout")
    (root / "dbt_project").mkdir()
    for name in PROJECT_FILES:
        source = DBT_PROJECT / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, root / "dbt_project" / name)
    (root / "warehouse").mkdir()
    load_raw(synthetic_data[0], root / "warehouse" / "homecredit.duckdb", progress=False)
    return root


def dbt(checkout: Path, *args: str) -> subprocess.CompletedProcess:
    """`dbt ARGS` from inside dbt_project/, with the virtual environment on PATH and no HC_* variable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HC_")}
    env |= {"PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DO_NOT_TRACK": "1"}
    return subprocess.run(["dbt", *args], cwd=checkout / "dbt_project", env=env, capture_output=True, text=True,
                          timeout=600, check=False)


@pytest.fixture(scope="module")
def built(user_checkout: Path) -> subprocess.CompletedProcess:
    return dbt(user_checkout, "build", "--no-use-colors")


def test_dbt_build_from_its_folder_builds_the_default_warehouse_without_the_expensive_tests(user_checkout, built):
    assert built.returncode == 0, built.stdout[-3000:]
    assert "Using default selector everyday" in built.stdout
    assert " ERROR=0 " in built.stdout and "Completed successfully" in built.stdout
    assert "unique_combination_of_columns" not in built.stdout  # the three tests tagged expensive
    warehouse = user_checkout / "warehouse" / "homecredit.duckdb"
    assert query(warehouse, "select count(*) from feature_store.client_features_v1")[0][0] == 4000


def test_the_contract_of_client_features_is_enforced_and_its_types_are_up_to_date(user_checkout, built):
    assert built.returncode == 0
    warehouse = user_checkout / "warehouse" / "homecredit.duckdb"
    assert generate_contract.main(["--warehouse", str(warehouse), "--check"]) == 0
    types = generate_contract.contract_types(warehouse)
    assert (types["client_id"], types["cnt_children"], types["amt_credit"], types["name_contract_type"]) == (
        "BIGINT", "BIGINT", "DOUBLE", "VARCHAR")
    manifest = (user_checkout / "dbt_project" / "target" / "manifest.json").read_text(encoding="utf-8")
    assert '"contract": {"enforced": true' in manifest


def test_exposures_name_the_model_the_api_and_the_dashboard(user_checkout, built):
    listed = dbt(user_checkout, "ls", "--resource-type", "exposure", "-q", "--output", "name")
    assert listed.returncode == 0, listed.stdout[-2000:]
    assert sorted(listed.stdout.split()) == ["advisor_dashboard", "credit_scoring_model", "scoring_api"]
