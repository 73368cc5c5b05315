"""Champion against challenger on the same requests: agreement, probability difference, costs once labels arrive."""

from __future__ import annotations

import json
from datetime import timedelta

import pandas as pd
import pytest
import sqlalchemy as sa

from monitoring import __main__ as cli
from monitoring.events import Window, read_events
from monitoring.shadow import compare
from tests.monitoring import world
from tests.monitoring.test_monitor_end_to_end import setup  # noqa: F401 - the monitor's world, reused


def events() -> pd.DataFrame:
    return pd.DataFrame({
        "client_id": [1, 2, 3, 4, 5], "model_version": ["7"] * 5,
        "probability": [0.8, 0.2, 0.4, 0.1, 0.5], "decision": ["refuse", "accept", "refuse", "accept", "refuse"],
        "challenger_version": ["8", "8", "8", "8", None], "challenger_probability": [0.6, 0.5, 0.3, 0.1, None],
        "challenger_decision": ["refuse", "refuse", "accept", "accept", None]})


def test_agreement_and_costs_on_the_requests_both_scored() -> None:
    labels = pd.DataFrame({"client_id": [1, 2, 3, 4, 5], "target": [1, 0, 1, 0, 0]})
    result = compare(events(), labels, cost_fn=10, cost_fp=1)
    s = result["challengers"]["8"]
    assert (s["n_events"], s["n_pairs"], s["champion_versions"]) == (5, 4, ["7"])
    assert s["agreement_rate"] == 0.5
    assert s["mean_abs_probability_difference"] == pytest.approx(0.15, abs=1e-12)
    assert s["max_abs_probability_difference"] == pytest.approx(0.3, abs=1e-12)
    assert (s["champion_refusal_rate"], s["challenger_refusal_rate"]) == (0.5, 0.5)
    known = s["labels"]
    assert known["n"] == 4
    assert (known["champion"]["cost"], known["champion"]["fn"], known["champion"]["fp"]) == (0.0, 0, 0)
    assert (known["challenger"]["cost"], known["challenger"]["fn"], known["challenger"]["fp"]) == (11.0, 1, 1)
    assert (known["cost_difference"], known["cost_per_client_difference"]) == (11.0, 2.75)


def test_no_pairs_no_comparison_and_no_labels_no_costs() -> None:
    assert compare(events().drop(columns=["challenger_version", "challenger_probability", "challenger_decision"]),
                   None, 10, 1) is None
    assert "labels" not in compare(events(), None, 10, 1)["challengers"]["8"]


def test_make_monitor_compares_the_shadow_scores_of_a_window(setup) -> None:  # noqa: F811
    engine = sa.create_engine(setup["events"])
    with engine.begin() as con:  # the challenger of the quiet window: half the champion's probability
        con.execute(sa.text(f"update prediction_events set challenger_version = '8', challenger_probability = "
                            f"probability / 2, challenger_decision = case when probability / 2 >= {world.THRESHOLD} "
                            "then 'refuse' else 'accept' end where created_at < :until"),
                    {"until": world.T0 + timedelta(minutes=30)})
    engine.dispose()
    window = ["monitor", "--since", world.T0.isoformat(), "--until", (world.T0 + timedelta(minutes=30)).isoformat()]
    assert cli.main(window) == cli.EXIT_OK
    summary = json.loads((setup["reports"] / "monitor.json").read_text())
    frame = read_events(setup["events"], Window(since=world.T0, until=world.T0 + timedelta(minutes=30)), [])
    assert len(frame) == 800
    agree = float(((frame["decision"] == "refuse") == (frame["challenger_decision"] == "refuse")).mean())
    s = summary["shadow"]["challengers"]["8"]
    assert (s["n_pairs"], s["agreement_rate"]) == (800, agree)
    assert s["mean_abs_probability_difference"] == pytest.approx(float((frame["probability"] / 2).mean()), rel=1e-12)
    assert s["labels"]["n"] == 800
    assert 0 < agree < 1
    markdown = (setup["reports"] / "monitor.md").read_text()
    assert "## Champion and challenger (shadow scoring)" in markdown
    assert f"800 requests scored by both; decisions agree on {agree:.1%}" in markdown
