"""`python -m monitoring drift` on a small feature store: the JSON summary, the Markdown verdict, the HTML."""

from __future__ import annotations

import json

import numpy as np
import pytest

from common.settings import Settings
from monitoring.drift import run_drift
from tests.monitoring import world


@pytest.mark.parametrize("drift", [False, True], ids=["same-population", "drifted-population"])
def test_drift_report_files_and_verdict(tmp_path, drift: bool) -> None:
    rng = np.random.default_rng(7)
    train = world.applicants(rng, 3000, 100_001)
    test = world.applicants(rng, 1500, 200_001, drift=drift)
    world.write_feature_store(tmp_path / "features.duckdb", train, test)
    settings = Settings(duckdb_path=tmp_path / "features.duckdb", reports_dir=tmp_path / "reports")
    truth = test.set_index("client_id")["probability"]
    summary = run_drift(settings, champion=world.champion(train.sample(800, random_state=3)),
                        scorer=lambda clients: truth.reindex(clients["client_id"]).to_numpy())
    saved = json.loads((tmp_path / "reports" / "drift.json").read_text())
    markdown = (tmp_path / "reports" / "drift.md").read_text()
    assert saved["drifted_features"] == summary["drifted_features"]
    assert saved["n_reference"] == 3000 and saved["n_current"] == 1500
    assert [c["column"] for c in saved["columns"]] == world.FEATURES
    assert saved["score"]["n_reference"] == 800  # the holdout's scores only
    assert (tmp_path / "reports" / "drift.html").stat().st_size < 10e6
    assert saved["figures"] == {"scores": "drift_scores.png"}
    assert "![predicted probability, reference vs current](drift_scores.png)" in markdown
    assert (tmp_path / "reports" / "drift_scores.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert 10_000 < (tmp_path / "reports" / "drift_scores.png").stat().st_size < 200_000
    if drift:
        assert set(saved["drifted_features"]) == {"ext_source_2", "ext_source_3", "ext_source_1", "days_birth",
                                                  "amt_income_total"}
        assert [a["kind"] for a in saved["alerts"]] == ["feature_drift", "score_shift"]
        assert ("**5 of 8 monitored features drift** (share 0.62, carrying 91.3% of their importance); the alert "
                "threshold is 0.30 or 30% of the importance: **crossed, an alert is raised**.") in markdown
    else:
        assert saved["drifted_features"] == [] and saved["alerts"] == []
        assert ("**0 of 8 monitored features drift** (share 0.00, carrying 0.0% of their importance); the alert "
                "threshold is 0.30 or 30% of the importance: not crossed.") in markdown
        assert "The new clients resemble the clients the model was trained on" in markdown


class FakeSnapshot:
    """Writes an HTML file of a given size, like Evidently's snapshot.save_html."""

    def __init__(self, megabytes: float) -> None:
        self.megabytes = megabytes

    def save_html(self, path: str) -> None:
        with open(path, "w") as out:
            out.write("x" * int(self.megabytes * 1e6))


def test_an_html_report_over_budget_is_rendered_again_on_sampled_rows(tmp_path) -> None:
    from monitoring.evidently_drift import save_html

    calls = []

    def resample() -> FakeSnapshot:
        calls.append(1)
        return FakeSnapshot(0.5)

    small = save_html(FakeSnapshot(0.2), tmp_path / "a.html", max_mb=1.0, resample=resample)
    assert (small["megabytes"], small["sampled"], calls) == (0.2, False, [])
    big = save_html(FakeSnapshot(1.5), tmp_path / "b.html", max_mb=1.0, resample=resample)
    assert (big["megabytes"], big["sampled"], calls) == (0.5, True, [1])
    assert (tmp_path / "b.html").stat().st_size == 500_000
