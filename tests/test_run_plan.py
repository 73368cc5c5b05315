"""The skip logic of a second `make run` (scripts/run_plan.py): nothing changed, data changed, SQL changed."""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path

import pytest

from scripts import run_plan

FILES = ["application_train.csv", "bureau.csv"]


@pytest.fixture
def inputs(tmp_path: Path) -> tuple[Path, Path]:
    """A data folder with two CSV files and a dbt project with a model, a macro and dbt_project.yml."""
    data, project = tmp_path / "raw", tmp_path / "dbt_project"
    data.mkdir()
    for name in FILES:
        (data / name).write_text("SK_ID_CURR,X\n100001,1\n100002,2\n")
    (project / "models" / "marts").mkdir(parents=True)
    (project / "macros").mkdir()
    (project / "dbt_project.yml").write_text("name: homecredit\n")
    (project / "models" / "marts" / "client_features_v1.sql").write_text("select 1 as client_id\n")
    (project / "macros" / "safe_divide.sql").write_text("{% macro safe_divide(a, b) %}{{ a }}/{{ b }}{% endmacro %}\n")
    return data, project


def _recorded(reports: Path, data: Path, project: Path, feature_version: str = "fv0001") -> dict:
    """The state a first run leaves: its inputs and the feature version they built."""
    return run_plan.update_state(reports, inputs=asdict(run_plan.input_fingerprints(data, FILES, project)),
                                 feature_version=feature_version)


def test_nothing_changed_skips_features_quick_model_and_finished_background_steps(inputs, tmp_path: Path) -> None:
    data, project = inputs
    reports = tmp_path / "reports"
    _recorded(reports, data, project)
    run_plan.update_state(reports, drift={"feature_version": "fv0001", "status": run_plan.DONE},
                          standard={"feature_version": "fv0001", "status": run_plan.DONE})
    state = run_plan.read_state(reports)
    again = run_plan.input_fingerprints(data, FILES, project)
    assert run_plan.features_reason(state, again, {"fv0001"}) is None
    assert run_plan.quick_reason("fv0001", "fv0001", state) is None
    assert run_plan.background_steps(state, "fv0001") == []


def test_data_changed_rebuilds_the_features(inputs, tmp_path: Path) -> None:
    data, project = inputs
    state = _recorded(tmp_path / "reports", data, project)
    with (data / "bureau.csv").open("a") as fh:
        fh.write("100003,3\n")
    changed = run_plan.input_fingerprints(data, FILES, project)
    assert changed.sql == state["inputs"]["sql"]
    assert run_plan.features_reason(state, changed, {"fv0001"}) == "the data files changed"


def test_same_size_rewrite_of_a_data_file_is_a_change(inputs, tmp_path: Path) -> None:
    data, project = inputs
    state = _recorded(tmp_path / "reports", data, project)
    path = data / "application_train.csv"
    stat = path.stat()
    path.write_text(path.read_text().replace("100002,2", "100002,9"))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same size and mtime: the content still differs
    assert run_plan.features_reason(state, run_plan.input_fingerprints(data, FILES, project), {"fv0001"}) == \
        "the data files changed"


@pytest.mark.parametrize("edited", ["models/marts/client_features_v1.sql", "macros/safe_divide.sql", "dbt_project.yml"])
def test_sql_changed_rebuilds_the_features(inputs, tmp_path: Path, edited: str) -> None:
    data, project = inputs
    state = _recorded(tmp_path / "reports", data, project)
    with (project / edited).open("a") as fh:
        fh.write("-- changed\n")
    changed = run_plan.input_fingerprints(data, FILES, project)
    assert changed.data == state["inputs"]["data"]
    assert run_plan.features_reason(state, changed, {"fv0001"}) == "the dbt SQL changed"


def test_data_and_sql_changed_names_both(inputs, tmp_path: Path) -> None:
    data, project = inputs
    state = _recorded(tmp_path / "reports", data, project)
    (data / "bureau.csv").write_text("SK_ID_CURR,X\n")
    (project / "models" / "marts" / "new_model.sql").write_text("select 2\n")
    assert run_plan.features_reason(state, run_plan.input_fingerprints(data, FILES, project), {"fv0001"}) == \
        "the data files and the dbt SQL changed"


def test_first_run_and_a_vanished_feature_version_rebuild(inputs, tmp_path: Path) -> None:
    data, project = inputs
    fingerprints = run_plan.input_fingerprints(data, FILES, project)
    assert run_plan.features_reason({}, fingerprints, set()) == "no previous run recorded"
    state = _recorded(tmp_path / "reports", data, project)
    assert run_plan.features_reason(state, fingerprints, {"fv0002"}) == \
        "feature version fv0001 is not published in the warehouse"


def test_a_missing_data_file_is_an_error_naming_it(inputs) -> None:
    data, project = inputs
    (data / "bureau.csv").unlink()
    with pytest.raises(FileNotFoundError, match="bureau.csv"):
        run_plan.input_fingerprints(data, FILES, project)


def test_quick_model_when_no_champion_reads_the_current_features() -> None:
    assert run_plan.quick_reason("fv0002", None, {}) == "no champion yet"
    assert run_plan.quick_reason("fv0002", "fv0001", {}) == "the champion reads fv0001, not fv0002"
    older = {"quick": {"feature_version": "fv0001"}}
    assert run_plan.quick_reason("fv0002", "fv0001", older) == "the champion reads fv0001, not fv0002"


def test_no_second_quick_model_when_the_gate_kept_the_champion_of_another_feature_version() -> None:
    assert run_plan.quick_reason("fv0002", "fv0001", {"quick": {"feature_version": "fv0002"}}) is None


def test_background_steps_not_done_for_the_current_feature_version() -> None:
    state = {"drift": {"feature_version": "fv0002", "status": run_plan.DONE},
             "standard": {"feature_version": "fv0002", "status": "failed (exit 1)"}}
    assert run_plan.background_steps(state, "fv0002") == ["standard"]
    assert run_plan.background_steps(state, "fv0003") == ["drift", "standard"]
    assert run_plan.background_steps({}, "fv0001") == ["drift", "standard"]


def test_state_merges_and_an_unreadable_state_means_everything_is_redone(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    assert run_plan.read_state(reports) == {}
    run_plan.update_state(reports, feature_version="fv0001")
    run_plan.update_state(reports, standard={"feature_version": "fv0001", "status": run_plan.DONE})
    assert json.loads((reports / run_plan.STATE_FILE).read_text()) == {
        "feature_version": "fv0001", "standard": {"feature_version": "fv0001", "status": run_plan.DONE}}
    assert list((reports / "run").iterdir()) == [reports / run_plan.STATE_FILE]
    (reports / run_plan.STATE_FILE).write_text("{not json")
    assert run_plan.read_state(reports) == {}
