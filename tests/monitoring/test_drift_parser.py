"""Evidently's result parser: it must find a planted drift, find none without drift, and fail loudly otherwise."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from monitoring.evidently_drift import DriftParseError, parse_snapshot, run_report

N = 4000  # above Evidently's 1,000-row switch: distances (Wasserstein, Jensen-Shannon), not p-values
COLUMNS = ["income", "age", "ext_source_2", "ext_source_3", "children", "occupation", "contract"]


def population(rng: np.random.Generator, n: int, drift: bool = False) -> pd.DataFrame:
    """A small seeded applicant population; `drift` inflates incomes, rejuvenates and reshuffles occupations."""
    income = np.exp(rng.normal(11.9 + (0.5 if drift else 0.0), 0.5, n))
    age = rng.uniform(21, 69, n) - (8 if drift else 0)
    occupations = ["Laborers", "Sales staff", "Core staff", "Managers"]
    occupation_p = [0.1, 0.1, 0.4, 0.4] if drift else [0.4, 0.3, 0.2, 0.1]
    frame = pd.DataFrame({
        "income": income, "age": age, "ext_source_2": rng.beta(4, 3, n), "ext_source_3": rng.beta(3, 3, n),
        "children": rng.poisson(0.4, n).astype(float),
        "occupation": rng.choice(np.array(occupations, dtype=object), n, p=occupation_p),
        "contract": rng.choice(np.array(["Cash loans", "Revolving loans"], dtype=object), n, p=[0.9, 0.1]),
    })
    frame.loc[rng.random(n) < 0.2, "ext_source_3"] = np.nan
    return frame


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    return population(np.random.default_rng(11), N)


def verdicts(reference: pd.DataFrame, current: pd.DataFrame) -> tuple[dict, dict]:
    snapshot = run_report(reference, current, COLUMNS, drift_share=0.3)
    drifts, count = parse_snapshot(snapshot.dict(), COLUMNS)
    return {d.column: d for d in drifts}, count


def test_planted_drift_is_found_on_exactly_the_drifted_columns(reference: pd.DataFrame) -> None:
    current = population(np.random.default_rng(12), N, drift=True)
    found, count = verdicts(reference, current)
    assert sorted(c for c, d in found.items() if d.drifted) == ["age", "income", "occupation"]
    assert count == {"count": 3, "share": pytest.approx(3 / 7)}
    assert found["income"].method == "Wasserstein distance (normed)"
    assert found["occupation"].method == "Jensen-Shannon distance"
    assert found["income"].score > found["income"].threshold == pytest.approx(0.1)
    assert found["children"].score < found["children"].threshold


def test_identical_data_and_a_random_split_show_no_drift(reference: pd.DataFrame) -> None:
    found, count = verdicts(reference, reference.copy())
    assert [c for c, d in found.items() if d.drifted] == []
    assert count == {"count": 0, "share": 0.0}
    assert set(found) == set(COLUMNS)  # every column was parsed, not skipped
    halves = np.random.default_rng(5).permutation(N)
    found, count = verdicts(reference.iloc[halves[: N // 2]], reference.iloc[halves[N // 2:]])
    assert [c for c, d in found.items() if d.drifted] == []
    assert count["count"] == 0


def test_unknown_layouts_raise_instead_of_finding_nothing(reference: pd.DataFrame) -> None:
    legacy = {"metrics": [{"metric": "DatasetDriftMetric", "result": {"number_of_drifted_columns": 2}}]}
    with pytest.raises(DriftParseError, match="tests"):
        parse_snapshot(legacy, COLUMNS)
    with pytest.raises(DriftParseError, match="DriftedColumnsCount"):
        parse_snapshot({"metrics": legacy["metrics"], "tests": []}, COLUMNS)
    snapshot = run_report(reference, reference, COLUMNS[:2], drift_share=0.3)
    result = snapshot.dict()
    with pytest.raises(DriftParseError, match="no ValueDrift metric"):
        parse_snapshot(result, COLUMNS[:3])
    with pytest.raises(DriftParseError, match="pass/fail"):
        parse_snapshot({**result, "tests": []}, COLUMNS[:2])
    tampered = [dict(m, value={"count": 1, "share": 0.5}) if m["config"]["type"].endswith("DriftedColumnsCount")
                else m for m in result["metrics"]]
    with pytest.raises(DriftParseError, match="says 1 drifted"):
        parse_snapshot({**result, "metrics": tampered}, COLUMNS[:2])
