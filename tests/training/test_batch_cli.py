"""`python -m training.batch`: without a registered model it fails with a message, not a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_no_registered_model_is_a_clear_error_and_writes_nothing(tmp_path: Path) -> None:
    env = {"HC_MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'empty.db'}", "HC_DUCKDB_PATH": str(tmp_path / "none.duckdb"),
           "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "training.batch", "--engine", "duckdb", "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, cwd=REPO_ROOT, env=env, timeout=120)
    assert done.returncode == 1
    assert "batch scoring failed: no model at models:/credit-scoring@champion" in done.stderr
    assert "train one (`make train`)" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


def test_help_names_both_engines_and_the_outputs() -> None:
    done = subprocess.run([sys.executable, "-m", "training.batch", "--help"], capture_output=True, text=True, cwd=REPO_ROOT,
                          timeout=60)
    assert done.returncode == 0
    text = " ".join(done.stdout.split())
    assert "--engine {duckdb,spark}" in text
    assert "client_id, probability, decision, threshold and the model and feature versions" in text
