import duckdb
import numpy as np
import pytest

from common.contracts.feature_versions import resolve as served_version
from tests.training.synthetic_mart import make_clients, write_warehouse
from training.data import cv_folds, holdout_split, load_training_data


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("store") / "hc.duckdb"
    v1, _ = make_clients(400, seed=1, n_history=5)
    write_warehouse(path, v1, version="v1")
    v2, _ = make_clients(500, seed=2, n_history=6)
    write_warehouse(path, v2, version="v2")
    v3, _ = make_clients(300, seed=3, n_history=5)
    write_warehouse(path, v3, version="v3", valid=False)  # newest, but failed its checks
    return path, {"v1": v1, "v2": v2}


def test_latest_valid_version_is_the_default(store):
    path, _ = store
    with duckdb.connect(str(path), read_only=True) as con:
        assert served_version(con).feature_version == "v2"
        assert served_version(con, "v1").snapshot == 'marts."client_features__v1"'
        with pytest.raises(LookupError, match="did not pass validation"):
            served_version(con, "v3")
        with pytest.raises(LookupError, match="not found"):
            served_version(con, "v9")


def test_only_train_clients_of_the_pinned_version_are_read(store):
    path, frames = store
    data = load_training_data(path, "v1")
    expected = frames["v1"].query("split == 'train'")
    np.testing.assert_array_equal(data.client_ids, np.sort(expected["client_id"].to_numpy()))
    assert "target" not in data.X and "client_id" not in data.X and "split" not in data.X
    assert set(data.categorical) == {c for c in expected if expected[c].dtype == object} - {"split"}
    assert all(data.X[c].dtype == "float64" for c in data.numeric)
    assert set(data.attributes["gender"]) <= {"F", "M", "XNA"}
    assert data.X.shape[1] == frames["v1"].shape[1] - 3


def test_holdout_and_folds_are_stratified_and_disjoint():
    y = np.r_[np.ones(100), np.zeros(900)].astype(int)
    dev, hold = holdout_split(y, 0.2, 0)
    assert len(hold) == 200 and y[hold].sum() == 20
    assert set(dev).isdisjoint(hold)
    folds = cv_folds(y[dev], 5, 0)
    assert sorted(np.concatenate([v for _, v in folds]).tolist()) == list(range(len(dev)))
    assert [int(y[dev][v].sum()) for _, v in folds] == [16] * 5


def test_registry_with_status_uses_only_published_versions(tmp_path):
    path = tmp_path / "hc.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute("""create table marts.feature_versions as select * from (values
            ('fv0001', timestamptz '2026-01-01 00:00:00+00', 'published', true, 'client_features__fv0001'),
            ('fv0002', timestamptz '2026-01-02 00:00:00+00', 'rejected', true, null),
            ('fv0003', timestamptz '2026-01-03 00:00:00+00', 'rejected', null, null))
            t(feature_version, created_at, status, validation_passed, table_name)""")
    with duckdb.connect(str(path), read_only=True) as con:
        latest = served_version(con)
        assert (latest.feature_version, latest.snapshot) == ("fv0001", 'marts."client_features__fv0001"')
        with pytest.raises(LookupError, match="did not pass validation"):
            served_version(con, "fv0002")
