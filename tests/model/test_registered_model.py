"""The registered champion: loads by alias in a fresh process, is served over HTTP, behaves sensibly."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import httpx
import mlflow
import numpy as np
import pandas as pd
import pytest

from common.contracts.pseudonyms import pseudonymize, read_key
from training.calibration import calibration_metrics
from training.estimators import EXT_SOURCE_DECREASING

URI = "models:/credit-scoring@champion"
VENV_BIN = Path(sys.executable).parent


def _holdout(trained) -> pd.DataFrame:
    """The run's holdout predictions, with the client ids their pseudonyms stand for (the warehouse's key)."""
    path = mlflow.artifacts.download_artifacts(run_id=trained.summary["run_id"],
                                               artifact_path="holdout_predictions.csv",
                                               tracking_uri=trained.settings.mlflow_tracking_uri)
    holdout = pd.read_csv(path, float_precision="round_trip")
    assert list(holdout.columns) == ["client_pseudonym", "target", "probability"]  # no client id in the artefact
    with duckdb.connect(str(trained.settings.duckdb_path), read_only=True) as con:
        key = read_key(con)
    ids = trained.features["client_id"]
    holdout["client_id"] = holdout["client_pseudonym"].map(dict(zip(pseudonymize(ids, key), ids, strict=True)))
    assert holdout["client_id"].notna().all()
    return holdout


def _rows(trained, ids) -> pd.DataFrame:
    """Rows of marts.client_features as DuckDB hands them over (`.df()`: int64 stays int64), in the order of `ids`."""
    with duckdb.connect(str(trained.settings.duckdb_path), read_only=True) as con:
        rows = con.execute("select * from marts.client_features where client_id in (select unnest(?))",
                           [[int(i) for i in ids]]).df()
    return rows.set_index("client_id").loc[list(ids)].reset_index()


def test_signature_declares_the_feature_tables_own_types(model, trained):
    schema = model.metadata.get_input_schema()
    types = {spec.name: getattr(spec.type, "name", str(spec.type)) for spec in schema.inputs}
    assert (types["cnt_children"], types["days_birth"], types["amt_income_total"]) == ("long", "long", "double")
    assert types["code_gender"] == "string"
    assert set(types.values()) <= {"long", "integer", "double", "string", "Any"}
    assert not any(spec.required for spec in schema.inputs)


def test_predict_by_alias_on_rows_read_from_the_feature_table_as_they_come(model, trained):
    holdout = _holdout(trained).head(200)
    rows = _rows(trained, holdout["client_id"])
    assert rows["cnt_children"].dtype == "int64"  # what made the double-only signature refuse these rows
    out = model.predict(rows)
    np.testing.assert_allclose(out["probability"], holdout["probability"], rtol=0, atol=1e-12)


@pytest.fixture(scope="module")
def model(trained):
    mlflow.set_tracking_uri(trained.settings.mlflow_tracking_uri)
    return mlflow.pyfunc.load_model(URI)


def test_fresh_process_loads_by_alias_and_reproduces_training_probabilities(trained, tmp_path):
    holdout = _holdout(trained)
    _rows(trained, holdout["client_id"]).to_parquet(tmp_path / "rows.parquet")
    script = ("import sys, mlflow, pandas as pd; m = mlflow.pyfunc.load_model(sys.argv[1]); "
              "m.predict(pd.read_parquet(sys.argv[2])).to_csv(sys.argv[3], index=False)")
    subprocess.run([sys.executable, "-c", script, URI, tmp_path / "rows.parquet", tmp_path / "out.csv"],
                   env=trained.env, check=True, cwd=tmp_path, timeout=120)
    out = pd.read_csv(tmp_path / "out.csv", float_precision="round_trip")
    np.testing.assert_allclose(out["probability"], holdout["probability"], rtol=0, atol=1e-12)
    threshold = trained.summary["threshold"]
    expected = np.where(holdout["probability"] >= threshold, "refuse", "accept")
    assert (out["decision"] == expected).all()
    assert (out["threshold"] == threshold).all()
    # the calibrated probabilities are the ones the model card's calibration figures were computed on
    reported = trained.summary["calibration"]["holdout"]
    again = calibration_metrics(holdout["target"].to_numpy(), out["probability"].to_numpy())
    for key in ("ece", "brier", "log_loss", "mean_predicted", "observed_rate"):
        assert again[key] == pytest.approx(reported[key], abs=1e-9), key
    card = (trained.settings.reports_dir / "model_card.md").read_text()
    assert f"| mean predicted probability | {trained.summary['calibration']['holdout_raw']['mean_predicted']:.4f} | " \
           f"{again['mean_predicted']:.4f} |" in card


def test_threshold_is_in_the_model_metadata(model, trained):
    assert model.metadata.metadata["threshold"] == trained.summary["threshold"]
    assert model.unwrap_python_model().threshold == trained.summary["threshold"]


def test_explanations_come_with_the_model(model, trained):
    scorer = model.unwrap_python_model()
    rows = _rows(trained, _holdout(trained)["client_id"][:2])
    reasons = scorer.explain(rows, top_k=3)
    assert [len(r) for r in reasons] == [3, 3]
    assert all(r["text"].endswith("le risque estimé.") for r in reasons[0])
    contributions = scorer.contributions(rows)
    assert set(scorer.features) <= set(contributions.columns)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_mlflow_models_serve_answers_invocations_with_probabilities(model, trained, tmp_path):
    rows = _rows(trained, _holdout(trained)["client_id"][:4])
    expected = model.predict(rows)
    port = _free_port()
    env = {**trained.env, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    server = subprocess.Popen([VENV_BIN / "mlflow", "models", "serve", "-m", URI, "--env-manager", "local",
                               "--host", "127.0.0.1", "-p", str(port)], env=env, cwd=tmp_path,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/ping", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, "server did not start"
            time.sleep(1)
        payload = {"dataframe_split": json.loads(rows.to_json(orient="split", index=False))}
        response = httpx.post(f"http://127.0.0.1:{port}/invocations", json=payload, timeout=30)
        assert response.status_code == 200
        predictions = pd.DataFrame(response.json()["predictions"])
        np.testing.assert_allclose(predictions["probability"], expected["probability"], atol=1e-9)
        assert list(predictions["decision"]) == list(expected["decision"])
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def test_a_much_better_external_score_never_raises_the_risk(model, trained):
    rows = _rows(trained, _holdout(trained)["client_id"])
    better = rows.copy()
    for column in better.columns[better.columns.str.contains(EXT_SOURCE_DECREASING, case=False)]:
        better[column] = np.minimum(better[column] + 0.3, 1.0)
    before = model.predict(rows)["probability"].to_numpy()
    after = model.predict(better)["probability"].to_numpy()
    assert np.all(after <= before + 1e-12)
    assert np.mean(after < before) > 0.5  # and it does lower it for most clients


def test_the_client_id_does_not_change_the_score(model, trained):
    rows = _rows(trained, _holdout(trained)["client_id"][:50])
    shuffled = rows.assign(client_id=rows["client_id"].sample(frac=1, random_state=0).to_numpy() + 10**9)
    pd.testing.assert_frame_equal(model.predict(rows), model.predict(shuffled))
    assert "client_id" not in model.metadata.get_input_schema().input_names()
