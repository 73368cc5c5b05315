"""The dbt project's conventions: generated sources up to date, a unit test per aggregation, macro comments."""

from __future__ import annotations

import re

import pytest
import yaml
from featurestore_helpers import DBT_PROJECT

from dbt_project.scripts import generate_sources

MODELS = DBT_PROJECT / "models"


def yaml_documents() -> list[dict]:
    return [yaml.safe_load(path.read_text(encoding="utf-8")) for path in MODELS.rglob("*.yml")]


def test_sources_yaml_is_generated_from_the_column_specification():
    with pytest.raises(SystemExit) as done:
        generate_sources.main(["--check"])
    assert done.value.code == 0, "run: python dbt_project/scripts/generate_sources.py"


def test_every_aggregation_model_has_a_unit_test():
    aggregations = {path.stem for path in (MODELS / "intermediate").glob("int_*aggregated*.sql")}
    tested = {test["model"] for document in yaml_documents() for test in document.get("unit_tests", [])}
    assert len(aggregations) == 6
    assert aggregations <= tested


def test_every_model_is_documented_with_a_primary_key_test():
    documented = {
        model["name"]: model for document in yaml_documents() for model in document.get("models", [])
    }
    for path in MODELS.rglob("*.sql"):
        name = re.sub(r"_v\d+$", "", path.stem)
        assert documented.get(name, {}).get("description"), f"{name} has no YAML description"


def test_only_staging_reads_sources_and_macros_say_what_they_are_for():
    for path in MODELS.rglob("*.sql"):
        if "staging" not in path.parts:
            assert "source(" not in path.read_text(encoding="utf-8"), path
    for path in (DBT_PROJECT / "macros").glob("*.sql"):
        assert path.read_text(encoding="utf-8").startswith("{#"), f"{path.name} must open with a {{# purpose #}}"
