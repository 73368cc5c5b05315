"""Missing shares (which Evidently does not flag) and the score's shift (PSI, KS)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from monitoring.statistics import missing_shares, psi, score_shift, shift_p_value, two_proportion_p_value


def with_missing(rng: np.random.Generator, n: int, share: float) -> pd.Series:
    values = pd.Series(rng.beta(5, 3, n))
    values[rng.permutation(n)[: round(share * n)]] = np.nan
    return values


def test_a_66_to_95_percent_missing_shift_is_flagged_and_stable_columns_are_not() -> None:
    rng = np.random.default_rng(0)
    reference = pd.DataFrame({"ext_source_1": with_missing(rng, 5000, 0.66), "ext_source_2": with_missing(rng, 5000, 0.002)})
    current = pd.DataFrame({"ext_source_1": with_missing(rng, 2000, 0.95), "ext_source_2": with_missing(rng, 2000, 0.002)})
    table = missing_shares(reference, current, ["ext_source_1", "ext_source_2"], threshold=0.1).set_index("column")
    assert table.loc["ext_source_1", "reference_missing"] == pytest.approx(0.66)
    assert table.loc["ext_source_1", "current_missing"] == pytest.approx(0.95)
    assert table.loc["ext_source_1", "delta"] == pytest.approx(0.29)
    assert bool(table.loc["ext_source_1", "drifted"]) is True
    assert bool(table.loc["ext_source_2", "drifted"]) is False


def test_a_large_but_insignificant_move_on_a_tiny_window_is_not_flagged() -> None:
    reference = pd.DataFrame({"x": [np.nan] * 50 + [1.0] * 50})
    current = pd.DataFrame({"x": [np.nan] * 3 + [1.0] * 2})  # 50% -> 60% on 5 rows
    table = missing_shares(reference, current, ["x"], threshold=0.1)
    assert table.loc[0, "delta"] == pytest.approx(0.1)
    assert bool(table.loc[0, "drifted"]) is False


def test_two_proportion_p_value_matches_the_textbook_z_test() -> None:
    # 60/100 vs 40/100: pooled 0.5, se 0.0707, z = 2.828, two-sided p = 0.00468
    assert two_proportion_p_value(60, 100, 40, 100) == pytest.approx(0.004678, abs=1e-5)
    assert two_proportion_p_value(0, 10, 0, 10) == 1.0


def test_psi_is_zero_on_the_same_sample_and_matches_a_hand_computed_shift() -> None:
    reference = np.arange(1000) / 1000.0
    assert psi(reference, reference) == pytest.approx(0.0, abs=1e-12)
    # everything in the top decile: nine empty bins (floored at 1e-4) and one bin holding all of it
    current = np.full(500, 0.95)
    expected = 9 * (1e-4 - 0.1) * np.log(1e-4 / 0.1) + (1.0 - 0.1) * np.log(1.0 / 0.1)
    assert psi(reference, current) == pytest.approx(expected)


def test_score_shift_reports_psi_ks_and_means() -> None:
    rng = np.random.default_rng(1)
    reference, same, shifted = rng.beta(1, 10, 20000), rng.beta(1, 10, 5000), rng.beta(2, 10, 5000)
    stable = score_shift(reference, same)
    moved = score_shift(reference, shifted)
    assert stable["psi"] < 0.01 and stable["ks_p_value"] > 0.01
    assert moved["psi"] > 0.2 and moved["ks_statistic"] > 0.2
    assert moved["current_mean"] == pytest.approx(shifted.mean())
    assert moved["n_reference"] == 20000 and moved["n_current"] == 5000


def test_shift_p_value_separates_noise_from_a_real_shift() -> None:
    rng = np.random.default_rng(3)
    heavy = pd.Series(rng.lognormal(12, 1.2, 40000))
    small_window = pd.Series(rng.lognormal(12, 1.2, 300))
    assert shift_p_value(heavy, small_window) > 0.01
    assert shift_p_value(heavy, small_window * 1.5) < 1e-6
    labels = np.array(["Laborers", "Sales staff", "Core staff"], dtype=object)
    same = pd.Series(rng.choice(labels, 5000, p=[0.5, 0.3, 0.2]))
    moved = pd.Series(rng.choice(labels, 800, p=[0.2, 0.3, 0.5]))
    assert shift_p_value(same, pd.Series(rng.choice(labels, 800, p=[0.5, 0.3, 0.2]))) > 0.01
    assert shift_p_value(same, moved) < 1e-6
    assert shift_p_value(pd.Series([np.nan, np.nan]), small_window) == 1.0
