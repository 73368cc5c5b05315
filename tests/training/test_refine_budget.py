"""The refined search stops before a trial that would end past its time budget."""

import datetime as dt
import time
from types import SimpleNamespace

import pytest

from training.search import stop_before_overrun


class FakeStudy:
    def __init__(self, seconds: list[float | None]) -> None:
        self.trials = [SimpleNamespace(duration=None if s is None else dt.timedelta(seconds=s)) for s in seconds]
        self.stopped = False

    def stop(self) -> None:
        self.stopped = True


@pytest.mark.parametrize(("durations", "stops"), [
    ([10.0, 20.0], False),        # 100 s spent + a 15 s trial ends at 115 s, inside 130 s
    ([30.0, 40.0], True),         # 100 s spent + a 35 s trial would end at 135 s
    ([30.0, 40.0, None], True),   # a trial still running has no duration and does not count
    ([None], False),              # nothing finished yet: nothing to predict from
])
def test_stops_when_the_mean_trial_would_overrun(durations, stops):
    study = FakeStudy(durations)
    stop_before_overrun(130.0, time.monotonic() - 100.0)(study, study.trials[-1])
    assert study.stopped is stops


def test_progress_says_k_of_n_elapsed_and_time_left():
    from training.search import progress

    assert progress(1, 17, 0.4) == "1 of 17, 0 s elapsed"
    assert progress(3, 17, 42.0) == "3 of 17, 42 s elapsed, about 315 s left"  # 21 s per candidate so far, 15 to go
    assert progress(2, 10, 30.0, budget=85.0) == "2 of 10, 30 s elapsed, 55 s left of its 85 s budget"
    assert progress(9, 10, 90.0, budget=85.0).endswith("0 s left of its 85 s budget")
