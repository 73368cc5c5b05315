"""`python -m monitoring.simulate_decisions`: the planted biased advisor is named, unbiased replays stay silent."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from common.settings import get_settings
from monitoring import simulate_decisions as sim
from monitoring.alerts import read_alerts
from monitoring.events import Window
from monitoring.overrides import OverrideThresholds, override_section
from tests.conftest import REPO_ROOT


@pytest.fixture
def settings(tmp_path, monkeypatch):
    monkeypatch.setenv("HC_REPORTS_DIR", str(tmp_path / "reports"))
    monkeypatch.delenv("HC_ALERT_WEBHOOK", raising=False)
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


def test_the_command_names_the_planted_advisor_and_the_unbiased_replay_is_silent(settings, tmp_path) -> None:
    assert sim.main(["--log-level", "WARNING"]) == sim.EXIT_OK
    folder = tmp_path / "reports" / "simulate-decisions"
    outcome = json.loads((folder / "simulation.json").read_text())
    assert (outcome["ok"], outcome["unbiased_without_alert"], outcome["named_attributes"]) == (
        True, True, ["age_band", "gender"])
    unbiased, biased = outcome["replays"]
    assert unbiased["alerts"] == [] and read_alerts(f"sqlite:///{folder / 'unbiased.sqlite'}") == []
    recorded = read_alerts(f"sqlite:///{folder / 'biased.sqlite'}")
    assert {(r["kind"], r["source"]) for r in recorded} == {("override_refusal_bias", "simulate")}
    assert {(a["scope"], a["columns"][0]) for a in biased["alerts"]} == {("advisor-3", "gender"),
                                                                         ("advisor-3", "age_band")}
    assert unbiased["overrides"]["current"]["decisions"] == 5000
    assert biased["overrides"]["current"]["refusal_override_rate"] > 2 * unbiased["overrides"]["current"][
        "refusal_override_rate"]
    assert "biased replay names the planted advisor: **yes** (age_band, gender)" in (
        folder / "simulation.md").read_text()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_replays_of_other_seeds(tmp_path, seed: int) -> None:
    for planted in (None, "advisor-2"):
        url = f"sqlite:///{tmp_path / f'{planted}.sqlite'}"
        sim.write_replay(url, sim.build_replay(5000, 5, seed, planted, 0.4))
        alerts = override_section(url, Window(last=5000), OverrideThresholds())["alerts"]
        if planted is None:
            assert alerts == []
        else:
            assert {a["scope"] for a in alerts} == {"advisor-2"}
            assert "gender" in {a["columns"][0] for a in alerts}


def test_replays_are_deterministic() -> None:
    first, again = sim.build_replay(200, 5, 7, "advisor-3", 0.4), sim.build_replay(200, 5, 7, "advisor-3", 0.4)
    keys = ("request_id", "principal", "decision", "reason_code", "model_decision")
    assert [tuple(d[k] for k in keys) for d in first.decisions] == [tuple(d[k] for k in keys) for d in again.decisions]
    assert first.events == again.events


def test_bad_options_are_refused(settings, caplog: pytest.LogCaptureFixture) -> None:
    assert sim.main(["--planted", "advisor-9"]) == sim.EXIT_FAILED
    assert "--planted advisor-9 is not one of advisor-1 .. advisor-5" in caplog.text
    assert sim.main(["--bias", "1.5"]) == sim.EXIT_FAILED


def test_help_describes_the_replays() -> None:
    done = subprocess.run([sys.executable, "-m", "monitoring.simulate_decisions", "--help"], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stdout.split())
    assert "planted biased advisor" in text and "--decisions DECISIONS" in text and "--planted PLANTED" in text
    assert "override_refusal_bias" in text
