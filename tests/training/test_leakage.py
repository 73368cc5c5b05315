import numpy as np
import pandas as pd
import pytest

from tests.training.synthetic_mart import make_clients
from tests.training.trained import isolated_tracking, make_store
from training.__main__ import main
from training.leakage import LeakageError, check_leakage, leakage_table


@pytest.fixture(scope="module")
def clients() -> tuple[pd.DataFrame, np.ndarray, np.ndarray, list[str]]:
    df, oracle = make_clients(2000, seed=3, n_history=10)
    train = df[df["split"] == "train"].reset_index(drop=True)
    p = train["client_id"].map(oracle.set_index("SK_ID_CURR")["p_default"]).to_numpy()
    X = train.drop(columns=["client_id", "split", "target"])
    categorical = [c for c in X if X[c].dtype == object]
    return X, train["target"].to_numpy(dtype=int), p, categorical


def test_clean_features_pass_and_are_all_listed(clients):
    X, y, p, categorical = clients
    table = check_leakage(X, y, categorical, oracle_p=p)
    assert set(table["feature"]) == set(X.columns)
    assert table["strength"].max() < 0.95


def test_planted_target_derived_column_fails(clients):
    X, y, _, categorical = clients
    rng = np.random.default_rng(0)
    planted = X.assign(days_since_last_contact=y * 30 + rng.normal(0, 5, len(y)))
    with pytest.raises(LeakageError, match="days_since_last_contact: single-feature AUC"):
        check_leakage(planted, y, categorical)


def test_column_named_like_the_oracle_fails(clients):
    X, y, _, categorical = clients
    with pytest.raises(LeakageError, match="p_default_hint: name refers to the target or the oracle"):
        check_leakage(X.assign(p_default_hint=0.0), y, categorical)


def test_copy_of_the_oracle_probability_fails(clients):
    X, y, p, categorical = clients
    with pytest.raises(LeakageError, match="risk_score: Spearman"):
        check_leakage(X.assign(risk_score=np.log(p)), y, categorical, oracle_p=p)


def test_single_feature_auc_is_exact_on_a_small_case():
    X = pd.DataFrame({"a": [0.1, 0.4, 0.35, 0.8], "b": [np.nan, 1.0, 2.0, 3.0]})
    table = leakage_table(X, np.array([0, 0, 1, 1]), []).set_index("feature")
    assert table.loc["a", "auc"] == pytest.approx(0.75)
    assert table.loc["b", "auc"] == pytest.approx(1.0)  # missing ranked lowest


def test_training_run_stops_with_status_2_on_a_planted_leak(tmp_path, monkeypatch):
    settings, features = make_store(tmp_path, clients=600)
    import duckdb

    with duckdb.connect(str(settings.duckdb_path)) as con:
        con.execute("""create or replace table marts.client_features__v1 as select *,
                       coalesce(target, 0) * 2.5 + random() * 0.1 as bureau_mean_leaked
                       from marts.client_features__v1""")
        con.execute("create or replace view marts.client_features as select * from marts.client_features__v1")
    for key, value in {"HC_DUCKDB_PATH": settings.duckdb_path, "HC_ORACLE_PATH": settings.oracle_path,
                       "HC_REPORTS_DIR": settings.reports_dir,
                       "HC_MLFLOW_TRACKING_URI": settings.mlflow_tracking_uri}.items():
        monkeypatch.setenv(key, str(value))
    from common.settings import get_settings

    get_settings.cache_clear()
    try:
        with isolated_tracking():
            assert main(["--profile", "quick"]) == 2
    finally:
        get_settings.cache_clear()
    assert not (tmp_path / "mlflow.db").exists()
    assert not (settings.reports_dir / "model_card.md").exists()
