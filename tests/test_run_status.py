"""`make status` helpers (scripts/status.py, scripts/run.py): the training progress line, the registry probe."""

from __future__ import annotations

from pathlib import Path

from scripts.run import registry_exists
from scripts.status import last_progress


def test_last_progress_is_the_last_line_telling_the_search_stage(tmp_path: Path) -> None:
    log = tmp_path / "run-background.log"
    log.write_text("2026-12-03 12:51:10 run: background: standard (python -m training --profile standard)\n"
                   "2026-12-03 12:51:40 training.search: candidate 3/9: cross-validating logistic_balanced\n"
                   "2026-12-03 12:52:02 training.search:   logistic_balanced: cost/applicant 0.5012, AUC 0.7311, 21.9s\n"
                   "2026-12-03 12:52:03 training.search: candidate 4/9: cross-validating lgbm_balanced\n"
                   "[LightGBM] [Warning] no further splits with positive gain\n")
    assert last_progress(log) == "2026-12-03 12:52:03 training.search: candidate 4/9: cross-validating lgbm_balanced"


def test_last_progress_without_a_stage_line_is_the_last_line_and_none_without_a_log(tmp_path: Path) -> None:
    log = tmp_path / "run-background.log"
    log.write_text("2026-12-03 12:51:10 run: background: drift (python -m monitoring drift)\n")
    assert last_progress(log) == "2026-12-03 12:51:10 run: background: drift (python -m monitoring drift)"
    assert last_progress(tmp_path / "absent.log") is None


def test_a_sqlite_registry_exists_only_with_its_file(tmp_path: Path) -> None:
    db = tmp_path / "mlflow.db"
    assert registry_exists(f"sqlite:///{db}") is False
    db.touch()
    assert registry_exists(f"sqlite:///{db}") is True
    assert registry_exists("http://mlflow.internal:5000") is True
