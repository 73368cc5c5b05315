"""Calibration: a class-weighted model's probabilities brought back to the observed default rate, fitted on
out-of-fold predictions only, never reversing the order of two clients."""

from __future__ import annotations

from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.training.synthetic_mart import make_clients
from training import calibration as cal
from training.candidates import Candidate, build_pipeline, skewed_columns
from training.data import cv_folds, holdout_split, split_columns
from training.folds import SearchContext
from training.search import cross_validate
from training.train import _calibrate

CLASS_WEIGHTED = Candidate("lightgbm", "class_weight", {"learning_rate": 0.1, "num_leaves": 7,
                                                        "min_child_samples": 50, "n_estimators": 150})


@pytest.fixture(scope="module")
def weighted():
    """A deliberately class-weighted LightGBM cross-validated on the ~8,000 train clients of a generated set
    (25 % holdout)."""
    features, _ = make_clients(9000, seed=11, n_history=20)
    features = features[features["split"] == "train"]
    numeric, categorical = split_columns(features)
    X = features[numeric + categorical].copy()
    X[numeric] = X[numeric].astype("float64")
    y = features["target"].to_numpy(dtype=np.int64)
    dev, hold = holdout_split(y, 0.25, 0)
    ctx = SearchContext(X.iloc[dev], y[dev], X.iloc[hold], y[hold], cv_folds(y[dev], 5, 0), numeric, categorical,
                        skewed_columns(X.iloc[dev], numeric), 10.0, 1.0, 0)
    result = cross_validate(CLASS_WEIGHTED, ctx)
    pipeline = build_pipeline(CLASS_WEIGHTED, numeric, categorical, ctx.skewed, 0).fit(ctx.X, ctx.y)
    return ctx, result, pipeline.predict_proba(ctx.X_hold)[:, 1]


def test_class_weighted_model_is_far_off_before_and_calibrated_after(weighted):
    ctx, result, raw_hold = weighted
    chosen, report = _calibrate(result, ctx)
    before = cal.calibration_metrics(ctx.y_hold, raw_hold)
    after = cal.calibration_metrics(ctx.y_hold, chosen.calibration(raw_hold))
    observed = ctx.y_hold.mean()
    # before: class weights inflate every probability (mean ~0.3 for a default rate ~0.08)
    assert before["mean_predicted"] - observed > 0.15
    assert before["ece"] > 0.15
    # after: the holdout, never seen by the map, agrees with it
    assert chosen.method in ("sigmoid", "isotonic")
    assert after["ece"] <= 0.03
    assert abs(after["mean_predicted"] - observed) <= 0.015
    assert report["comparison"][chosen.method]["log_loss"] < report["comparison"]["none"]["log_loss"]


def test_threshold_is_searched_on_calibrated_probabilities_near_the_bayes_threshold(weighted):
    ctx, result, _ = weighted
    chosen, report = _calibrate(result, ctx)
    assert report["raw_threshold"] > 0.3  # class-weighted scale
    assert report["bayes_threshold"] == pytest.approx(1 / 11)
    assert abs(report["threshold"] - 1 / 11) < 0.05
    calibrated = chosen.calibration(result.oof)
    assert report["oof_cost_per_applicant"] <= report["oof_cost_per_applicant_at_bayes"]
    refused = calibrated >= report["threshold"]
    cost = (10 * np.sum(ctx.y.astype(bool) & ~refused) + np.sum(~ctx.y.astype(bool) & refused)) / len(ctx.y)
    assert cost == pytest.approx(report["oof_cost_per_applicant"], abs=1e-12)


def test_calibration_map_sees_out_of_fold_rows_only(weighted):
    """Every fit of a calibration map gets development labels with their out-of-fold probabilities, and the
    result does not move when every holdout label is flipped."""
    ctx, result, _ = weighted
    seen = []
    real_fit = cal.fit

    def spy(method, y, p):
        seen.append((np.asarray(y), np.asarray(p)))
        return real_fit(method, y, p)

    with mock.patch.object(cal, "fit", side_effect=spy):
        chosen, _ = _calibrate(result, ctx)
    assert seen, "no calibration map was fitted"
    dev_pairs = set(zip(ctx.y.tolist(), result.oof.tolist(), strict=True))
    assert not dev_pairs & set(zip(ctx.y_hold.tolist(), result.holdout.tolist(), strict=True))
    for y, p in seen:
        assert len(y) <= len(ctx.y)
        assert set(zip(y.tolist(), p.tolist(), strict=True)) <= dev_pairs
    final_y, final_p = seen[-1]
    assert np.array_equal(final_y, ctx.y) and np.array_equal(final_p, result.oof)
    flipped = SearchContext(ctx.X, ctx.y, ctx.X_hold, 1 - ctx.y_hold, ctx.folds, ctx.numeric, ctx.categorical,
                            ctx.skewed, ctx.cost_fn, ctx.cost_fp, ctx.seed)
    again, _ = _calibrate(result, flipped)
    assert again.calibration == chosen.calibration


@pytest.mark.parametrize("method", ["sigmoid", "isotonic"])
@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(20, 400))
def test_calibration_never_reverses_the_order_of_two_clients(method, seed, n):
    rng = np.random.default_rng(seed)
    raw = rng.beta(1, 3, n)
    y = (rng.random(n) < raw / 2).astype(int)
    y[:2] = [0, 1]  # both classes present
    mapping = cal.fit(method, y, raw)
    probe = np.sort(np.r_[rng.random(200), 0.0, 1.0, raw])
    out = mapping(probe)
    assert np.all(np.diff(out) >= 0)
    if mapping.method != "none":  # `none` (a sigmoid that would reverse the ranking) is the identity
        assert np.all((out >= cal.EPS) & (out <= 1 - cal.EPS))
    if mapping.method == "sigmoid":  # strictly increasing inside the bounds: no new ties
        inside = (out > cal.EPS) & (out < 1 - cal.EPS)
        distinct = np.r_[True, np.diff(probe) > 1e-9] & inside
        assert np.all(np.diff(out[distinct]) > 0)


def test_sigmoid_recovers_a_known_distortion():
    """Raw scores whose logit is twice the true logit plus 1: Platt's map finds slope 1/2 and intercept -1/2."""
    rng = np.random.default_rng(0)
    true_logit = rng.normal(-2.5, 1.0, 200_000)
    y = (rng.random(len(true_logit)) < 1 / (1 + np.exp(-true_logit))).astype(int)
    raw = 1 / (1 + np.exp(-(2 * true_logit + 1)))
    mapping = cal.fit("sigmoid", y, raw)
    assert mapping.slope == pytest.approx(0.5, abs=0.01)
    assert mapping.intercept == pytest.approx(-0.5, abs=0.03)


def test_metrics_of_a_perfectly_calibrated_model_and_the_ece_by_hand():
    y = np.array([0, 0, 1, 0, 1, 1, 0, 1, 1, 1])
    p = np.array([0.1, 0.2, 0.3, 0.3, 0.5, 0.6, 0.6, 0.9, 0.9, 0.95])
    # 10 equal-count bins of one row each: mean |p - y|
    assert cal.expected_calibration_error(y, p) == pytest.approx(np.mean(np.abs(p - y)))
    # two bins of five: |0.28 - 0.4| and |0.79 - 0.8|, weighted equally
    assert cal.expected_calibration_error(y, p, bins=2) == pytest.approx((0.12 + 0.01) / 2)
    rng = np.random.default_rng(1)
    q = rng.uniform(0.01, 0.5, 400_000)
    outcome = (rng.random(len(q)) < q).astype(int)
    m = cal.calibration_metrics(outcome, q)
    assert m["calibration_slope"] == pytest.approx(1.0, abs=0.02)
    assert m["calibration_intercept"] == pytest.approx(0.0, abs=0.03)
    assert m["mean_predicted"] == pytest.approx(m["observed_rate"], abs=0.002)
    assert m["ece"] < 0.005


def test_unknown_method_is_refused_by_name():
    with pytest.raises(ValueError, match="unknown calibration method 'platt'"):
        cal.fit("platt", np.array([0, 1]), np.array([0.2, 0.8]))
