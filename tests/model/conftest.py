import pytest

from tests.training.trained import TrainedRun, trained_run


@pytest.fixture(scope="session")
def trained() -> TrainedRun:
    """The shared quick training run."""
    return trained_run()
