"""Override monitoring: rates on hand-built decisions, the window-to-window alert, the protected-group alert."""

from __future__ import annotations

from datetime import timedelta

import pytest

from monitoring.events import Window
from monitoring.overrides import ALL_ADVISORS, OverrideThresholds, group_gaps, override_section, read_decisions, segment_values
from monitoring.simulate_decisions import T0, Replay, decision_row, scoring_event, write_replay

ACCEPT_P, REFUSE_P = 0.1, 0.5  # the simulated model's threshold is 0.2


def replay(rows: list[tuple]) -> Replay:
    """Scorings and one decision each: (advisor, gender, age, contract, model accepts, decision, reason)."""
    events, decisions = [], []
    for i, (advisor, gender, age, contract, accepts, decision, reason) in enumerate(rows):
        event = scoring_event(i, T0 + timedelta(minutes=i), gender, age, contract, ACCEPT_P if accepts else REFUSE_P)
        events.append(event)
        decisions.append(decision_row(event, advisor, decision, reason, T0 + timedelta(minutes=i, seconds=30)))
    return Replay(events, decisions)


def write(tmp_path, rows: list[tuple], name: str = "events") -> str:
    url = f"sqlite:///{tmp_path / f'{name}.sqlite'}"
    write_replay(url, replay(rows))
    return url


HAND_BUILT = [
    ("a", "F", 25, "Cash loans", True, "accepted", None),
    ("a", "F", 35, "Cash loans", True, "refused", "affordability_concern"),
    ("a", "M", 45, "Revolving loans", False, "accepted", "guarantor"),
    ("a", "M", 55, "Cash loans", False, "refused", None),
    ("a", "F", 62, "Cash loans", True, "referred", "needs_analyst_review"),
    ("b", "M", 28, "Revolving loans", True, "accepted", None),
    ("b", "F", 28, "Cash loans", True, "refused", "affordability_concern"),  # corrected below: accepted
    ("b", "M", 41, "Cash loans", False, "referred", "needs_analyst_review"),
]


def rate(decisions, overrides, to_accepted, to_refused, to_referred, model_accepted) -> dict:
    return {"decisions": decisions, "overrides": overrides, "override_rate": overrides / decisions,
            "to_accepted": to_accepted, "to_refused": to_refused, "to_referred": to_referred,
            "model_accepted": model_accepted,
            "refusal_override_rate": to_refused / model_accepted if model_accepted else None}


def test_override_rates_on_hand_built_decisions(tmp_path) -> None:
    url = write(tmp_path, HAND_BUILT)
    replayed = replay(HAND_BUILT)
    corrected = decision_row(replayed.events[6], "b", "accepted", None, T0 + timedelta(hours=1),
                             supersedes=next(d for d in read_decisions(url, Window()).to_dict("records")
                                             if d["request_id"] == "sim-000006")["decision_id"])
    write_replay(url, Replay([], [corrected]))

    section = override_section(url, Window(), OverrideThresholds())
    current = section["current"]
    assert current["decisions"] == 8  # the corrected decision is replaced by its correction
    assert {k: current[k] for k in rate(1, 1, 0, 0, 0, 1)} == rate(8, 4, 1, 1, 2, 5)
    assert current["override_rate"] == 0.5 and current["refusal_override_rate"] == 0.2
    by = current["by"]
    assert by["principal"] == [{"group": "a", **rate(5, 3, 1, 1, 1, 3)}, {"group": "b", **rate(3, 1, 0, 0, 1, 2)}]
    assert by["gender"] == [{"group": "F", **rate(4, 2, 0, 1, 1, 4)}, {"group": "M", **rate(4, 2, 1, 0, 1, 1)}]
    assert by["contract_type"] == [{"group": "Cash loans", **rate(6, 3, 0, 1, 2, 4)},
                                   {"group": "Revolving loans", **rate(2, 1, 1, 0, 0, 1)}]
    assert [(g["group"], g["decisions"], g["overrides"]) for g in by["age_band"]] == [
        ("<30", 3, 0), ("30-39", 1, 1), ("40-49", 2, 2), ("50-59", 1, 0), ("60+", 1, 1)]
    assert section["previous"] is None and section["rate_change"]["compared"] is False
    assert section["alerts"] == []  # groups of a handful of decisions are never compared
    assert all(c["compared"] == [] and c["gap"] is None for c in section["group_gaps"])


def test_segments_come_from_the_scoring_events_features() -> None:
    assert segment_values('{"CODE_GENDER": "M", "DAYS_BIRTH": -10958, "NAME_CONTRACT_TYPE": "Cash loans"}') == {
        "contract_type": "Cash loans", "gender": "M", "age_years": pytest.approx(30.0, abs=0.01)}
    assert segment_values('{"code_gender": "F", "age_years": 44.5}') == {
        "contract_type": "unknown", "gender": "F", "age_years": 44.5}
    assert segment_values("not json") == {"contract_type": "unknown", "gender": "unknown", "age_years": None}


def group_rows(advisor: str, gender: str, accepted: int, refused: int, age: float = 45) -> list[tuple]:
    """`accepted + refused` scorings the model accepted; the advisor refuses `refused` of them."""
    return ([(advisor, gender, age, "Cash loans", True, "accepted", None)] * accepted
            + [(advisor, gender, age, "Cash loans", True, "refused", "unfavourable_information")] * refused)


def test_a_biased_advisor_raises_the_protected_group_alert(tmp_path) -> None:
    rows = (group_rows("biased", "F", 36, 24) + group_rows("biased", "M", 57, 3)
            + group_rows("honest", "F", 57, 3) + group_rows("honest", "M", 57, 3))
    section = override_section(write(tmp_path, rows), Window(), OverrideThresholds())
    alerts = [(a["kind"], a["scope"], a["columns"], a["groups"], a["value"]) for a in section["alerts"]]
    assert alerts == [("override_refusal_bias", ALL_ADVISORS, ["gender"], ["F", "M"], pytest.approx(0.175)),
                      ("override_refusal_bias", "biased", ["gender"], ["F", "M"], pytest.approx(0.35))]
    assert section["alerts"][1]["message"] == (
        "advisor biased: overrides towards refusal of accepted clients reach 40.0% for gender F (24 of 60) against "
        "5.0% for gender M (3 of 60): 35.0 points apart, more than 10")
    honest = next(c for c in section["group_gaps"] if c["scope"] == "honest" and c["attribute"] == "gender")
    assert honest["gap"] == 0.0 and honest["alert"] is False
    ages = next(c for c in section["group_gaps"] if c["scope"] == ALL_ADVISORS and c["attribute"] == "age_band")
    assert ages["compared"] == ["40-49"] and ages["gap"] is None  # one group: nothing to compare


def test_an_unbiased_set_stays_silent(tmp_path) -> None:
    rows = group_rows("a", "F", 57, 3) + group_rows("a", "M", 55, 5) + group_rows("b", "F", 56, 4, age=25) \
        + group_rows("b", "M", 58, 2, age=25)
    section = override_section(write(tmp_path, rows), Window(), OverrideThresholds())
    assert section["alerts"] == []
    assert max(c["gap"] for c in section["group_gaps"] if c["gap"] is not None) == pytest.approx(2 / 60)


def test_groups_under_the_minimum_are_not_compared(tmp_path) -> None:
    small = group_rows("a", "F", 29, 20) + group_rows("a", "M", 60, 0)
    section = override_section(write(tmp_path, small, "small"), Window(), OverrideThresholds())
    assert section["alerts"] == []
    check = next(c for c in section["group_gaps"] if c["scope"] == "a" and c["attribute"] == "gender")
    assert check["compared"] == ["M"] and check["gap"] is None
    assert [(g["group"], g["decisions"]) for g in check["groups"]] == [("F", 49), ("M", 60)]
    enough = group_rows("a", "F", 30, 20) + group_rows("a", "M", 60, 0)
    section = override_section(write(tmp_path, enough, "enough"), Window(), OverrideThresholds())
    assert [(a["scope"], a["value"]) for a in section["alerts"]] == [(ALL_ADVISORS, 0.4), ("a", 0.4)]


@pytest.mark.parametrize(("refused_f", "alert"), [(20, False), (21, True)])
def test_the_group_gap_must_exceed_ten_points(tmp_path, refused_f: int, alert: bool) -> None:
    rows = group_rows("a", "F", 100 - refused_f, refused_f) + group_rows("a", "M", 90, 10)
    checks, alerts = group_gaps(read_decisions(write(tmp_path, rows), Window()), OverrideThresholds())
    assert [c["gap"] for c in checks if c["attribute"] == "gender"] == [pytest.approx(refused_f / 100 - 0.1)] * 2
    assert len(alerts) == (2 if alert else 0)


def window_rows(overrides: int, n: int = 100) -> list[tuple]:
    """`n` decisions of one advisor on scorings the model refused, `overrides` of them accepted."""
    return ([("a", "F", 45, "Cash loans", False, "accepted", "guarantor")] * overrides
            + [("a", "F", 45, "Cash loans", False, "refused", None)] * (n - overrides))


@pytest.mark.parametrize(("now_overrides", "alert"), [(20, False), (21, True), (0, False)])
def test_the_override_rate_moving_more_than_ten_points_between_windows_alerts(tmp_path, now_overrides: int,
                                                                              alert: bool) -> None:
    url = write(tmp_path, window_rows(10) + window_rows(now_overrides))  # previous window 10%, then this one
    section = override_section(url, Window(last=100), OverrideThresholds())
    assert (section["previous"]["override_rate"], section["current"]["override_rate"]) == (0.1, now_overrides / 100)
    assert section["rate_change"]["change"] == pytest.approx(now_overrides / 100 - 0.1)
    assert [a["kind"] for a in section["alerts"]] == (["override_rate_change"] if alert else [])
    if alert:
        assert section["alerts"][0]["message"] == ("the override rate moved from 10.0% (100 decisions) to 21.0% (100 "
                                                   "decisions): 11.0 points, more than 10")


def test_time_windows_compare_with_the_same_span_before(tmp_path) -> None:
    url = write(tmp_path, window_rows(10) + window_rows(30))  # a decision a minute: 100 minutes each
    since = T0 + timedelta(minutes=100)
    section = override_section(url, Window(since=since, until=since + timedelta(minutes=100)), OverrideThresholds())
    assert (section["previous"]["decisions"], section["current"]["decisions"]) == (100, 100)
    assert section["rate_change"]["change"] == pytest.approx(0.2)
    assert [a["kind"] for a in section["alerts"]] == ["override_rate_change"]


def test_windows_with_too_few_decisions_are_not_compared(tmp_path) -> None:
    url = write(tmp_path, window_rows(0, 49) + window_rows(40, 49))
    section = override_section(url, Window(last=49), OverrideThresholds())
    assert section["rate_change"] == {"threshold": 0.1, "min_decisions": 50, "change": None, "compared": False}
    assert section["alerts"] == []


def test_no_decisions_table_gives_an_empty_section(tmp_path) -> None:
    section = override_section(f"sqlite:///{tmp_path / 'none.sqlite'}", Window(last=10), OverrideThresholds())
    assert section["status"] == "no_decisions" and section["current"]["decisions"] == 0 and section["alerts"] == []
