"""The generator's command line: determinism, ownership of the data folder, reuse, signal, conformance."""

from __future__ import annotations

import hashlib
import logging
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from tools.tune_synth import signal_report
from warehouse.synth.__main__ import main

REPO = Path(__file__).resolve().parents[2]


def _run(tmp: Path, *extra: str, clients: int = 1500, seed: int = 7) -> int:
    with pytest.raises(SystemExit) as stop:
        main(["--clients", str(clients), "--seed", str(seed), "--out", str(tmp / "raw"),
              "--oracle", str(tmp / "oracle.csv"), "--no-progress", *extra])
    return stop.value.code


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.csv"))}


def test_same_seed_gives_identical_bytes_and_another_seed_differs(tmp_path):
    assert _run(tmp_path / "a") == 0 and _run(tmp_path / "b") == 0 and _run(tmp_path / "c", seed=8) == 0
    a, b, c = (_digest(tmp_path / x / "raw") for x in "abc")
    assert len(a) == 9 and a == b
    assert all(a[name] != c[name] for name in a if name != "HomeCredit_columns_description.csv")
    assert (tmp_path / "a/oracle.csv").read_bytes() == (tmp_path / "b/oracle.csv").read_bytes()


def test_refuses_to_overwrite_files_it_did_not_write(tmp_path, caplog):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "application_train.csv").write_text("SK_ID_CURR,TARGET\n100002,1\n")
    assert _run(tmp_path) == 2
    assert "refusing to write into" in caplog.text and "application_train.csv" in caplog.text
    assert (raw / "application_train.csv").read_text() == "SK_ID_CURR,TARGET\n100002,1\n"


def test_regenerates_over_its_own_files_but_not_over_edited_ones(tmp_path, caplog):
    assert _run(tmp_path) == 0
    assert _run(tmp_path, seed=9) == 0  # its own files: replaced
    edited = tmp_path / "raw" / "bureau.csv"
    edited.write_text(edited.read_text() + "\n")
    assert _run(tmp_path) == 2 and "bureau.csv" in caplog.text


def test_reuse_keeps_real_files_and_generates_nothing(tmp_path, synthetic_data, caplog):
    caplog.set_level(logging.INFO)
    raw = tmp_path / "raw"
    raw.mkdir()
    source, _ = synthetic_data
    for p in source.glob("*.csv"):  # stand-in for the real Kaggle files: no generator manifest
        (raw / p.name).write_bytes(p.read_bytes())
    before = _digest(raw)
    assert _run(tmp_path, "--reuse") == 0
    assert _digest(raw) == before and not (tmp_path / "oracle.csv").exists()
    assert "using them, generating nothing" in caplog.text


def test_reuse_skips_a_second_identical_generation(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    assert _run(tmp_path, "--reuse") == 0
    stamp = (tmp_path / "raw" / "bureau.csv").stat().st_mtime_ns
    assert _run(tmp_path, "--reuse") == 0
    assert (tmp_path / "raw" / "bureau.csv").stat().st_mtime_ns == stamp and "nothing to do" in caplog.text


def test_oracle_inside_the_data_folder_is_refused(tmp_path, caplog):
    with pytest.raises(SystemExit) as stop:
        main(["--clients", "100", "--out", str(tmp_path / "raw"), "--oracle", str(tmp_path / "raw" / "o.csv")])
    assert stop.value.code == 2 and "must not be inside the data folder" in caplog.text


def test_help_documents_every_option():
    out = subprocess.run([sys.executable, "-m", "warehouse.synth", "--help"], cwd=REPO, capture_output=True,
                         text=True, check=True).stdout
    for option in ("--clients", "--seed", "--out", "--oracle", "--reuse", "--no-progress", "HC_DATA_DIR"):
        assert option in out


def test_signal_default_rate_and_oracle_auc_are_in_range(synthetic_data):
    raw, oracle_path = synthetic_data
    train = pd.read_csv(raw / "application_train.csv", usecols=["SK_ID_CURR", "TARGET"])
    oracle = pd.read_csv(oracle_path)
    assert list(oracle.columns) == ["SK_ID_CURR", "p_default", "TARGET"]
    m = train.merge(oracle, on="SK_ID_CURR", suffixes=("", "_oracle"))
    assert len(m) == len(train) and (m.TARGET_oracle == m.TARGET).all()
    assert m.TARGET.mean() == pytest.approx(0.081, abs=0.005)
    assert 0.78 <= roc_auc_score(m.TARGET, m.p_default) <= 0.82
    assert len(oracle) == len(train) + len(pd.read_csv(raw / "application_test.csv", usecols=["SK_ID_CURR"]))


def test_history_matters_application_only_ceiling_is_lower():
    report = signal_report(6000, seed=11, reps=6)
    assert 0.78 <= report["bayes_auc"] <= 0.82
    assert report["application_only_auc"] <= report["bayes_auc"] - 0.03


@pytest.mark.slow
def test_shared_conformance_check_reports_no_problem_at_20000_clients(tmp_path, shared_dir):
    assert _run(tmp_path, clients=20000, seed=42) == 0
    result = subprocess.run([sys.executable, str(shared_dir / "tools" / "check_synth.py"), str(tmp_path / "raw"),
                             str(tmp_path / "oracle.csv"), str(shared_dir / "homecredit" / "schema_facts.json")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
    assert "synthetic data: 0 problems" in result.stdout
