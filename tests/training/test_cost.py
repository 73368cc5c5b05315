import numpy as np
import pytest

from training.cost import ACCEPT_EVERYONE, best_threshold, business_cost, cost_at, cost_curve


def test_business_cost_counts_ten_per_missed_defaulter_and_one_per_refused_good_client():
    y = np.array([1, 0, 1, 0, 0])
    refused = np.array([1, 1, 0, 0, 1])
    assert business_cost(y, refused, cost_fn=10, cost_fp=1) == 10 * 1 + 1 * 2


def test_cost_curve_lists_every_distinct_threshold_with_its_exact_cost():
    y = np.array([1, 0, 1, 0, 0])
    scores = np.array([0.9, 0.8, 0.8, 0.3, 0.1])
    thresholds, costs = cost_curve(y, scores, 10, 1)
    np.testing.assert_array_equal(thresholds, [ACCEPT_EVERYONE, 0.9, 0.8, 0.3, 0.1])
    np.testing.assert_array_equal(costs, [20, 10, 1, 2, 3])


def test_best_threshold_is_the_argmin_with_per_applicant_and_relative_cost():
    y = np.array([1, 0, 1, 0, 0])
    scores = np.array([0.9, 0.8, 0.8, 0.3, 0.1])
    choice = best_threshold(y, scores, 10, 1)
    assert choice.threshold == 0.8
    assert choice.cost == 1
    assert choice.cost_per_applicant == pytest.approx(0.2)
    assert choice.relative_cost == pytest.approx(1 / 20)
    assert choice.n_refused == 3


def test_accept_everyone_wins_when_refusing_costs_more():
    y = np.array([0, 0, 0, 1])
    scores = np.array([0.9, 0.8, 0.7, 0.1])
    assert best_threshold(y, scores, cost_fn=2, cost_fp=1).threshold == ACCEPT_EVERYONE
    refuse_all = best_threshold(y, scores, cost_fn=10, cost_fp=1)
    assert (refuse_all.threshold, refuse_all.cost) == (0.1, 3)


def test_ties_go_to_the_highest_threshold():
    y = np.array([1, 0, 0, 0])
    scores = np.array([0.6, 0.5, 0.2, 0.1])
    # refusing only the first (cost 0) beats everything; equal scores cannot be separated
    assert best_threshold(y, scores, 10, 1).threshold == 0.6
    assert best_threshold(np.array([1, 0]), np.array([0.4, 0.4]), 1, 1).threshold == ACCEPT_EVERYONE


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_threshold_equals_brute_force_argmin_over_every_candidate(seed):
    rng = np.random.default_rng(seed)
    y = (rng.random(400) < 0.1).astype(int)
    scores = np.round(rng.random(400) * 0.5 + 0.3 * y, 3)  # rounding creates ties
    candidates = np.r_[np.inf, np.unique(scores)[::-1]]
    brute = [business_cost(y, scores >= t, 10, 1) for t in candidates]
    choice = best_threshold(y, scores, 10, 1)
    assert choice.cost == min(brute)
    assert choice.threshold == candidates[int(np.argmin(brute))]
    assert cost_at(y, scores, choice.threshold, 10, 1)["cost"] == choice.cost
