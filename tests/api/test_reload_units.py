"""The reloader's decisions without a model: a champion failing its checks leaves the old one in place and is logged;
the poller leaves a failed version alone for RETRY_FAILED_S, POST /v1/admin/reload tries it at once."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest

from api import reload as reload_module
from api.reload import Reloader, ReloadError
from api.startup import StartupError
from common.settings import Settings


def service(version: str) -> SimpleNamespace:
    """What the reloader reads of a scoring service."""
    return SimpleNamespace(model=SimpleNamespace(facts=SimpleNamespace(version=version, name="credit-scoring")),
                           version=SimpleNamespace(feature_version="fv0001"), events=object(), owns_events=True,
                           startup_seconds=0.5, close=lambda: None)


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    """A reloader serving version 1 while the registry says `registry.version`; each load attempt is counted and
    fails while `registry.broken` holds the version."""
    registry = SimpleNamespace(version="2", broken={"2"}, loads=[])

    def build(settings: Settings, events: object = None, alias: str | None = None) -> SimpleNamespace:
        registry.loads.append(registry.version)
        if registry.version in registry.broken:
            raise StartupError(f"feature version 'fv9999', which the model was trained on, is not in the warehouse "
                               f"(version {registry.version})")
        return service(registry.version)

    monkeypatch.setattr(reload_module, "alias_version", lambda settings, alias: registry.version)
    monkeypatch.setattr(reload_module, "build_service", build)
    state = SimpleNamespace(service=service("1"), shadow=None)
    reloader = Reloader(state, Settings(model_poll_s=0, shadow_challenger=False))
    return SimpleNamespace(registry=registry, state=state, reloader=reloader)


def test_a_failing_champion_is_logged_and_the_old_one_kept(world: SimpleNamespace,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="api.reload"), pytest.raises(ReloadError) as refused:
        world.reloader.check(trigger="poll")
    assert str(refused.value) == ("version 2 of credit-scoring@champion fails its start-up checks, still serving "
                                  "version 1: feature version 'fv9999', which the model was trained on, is not in the "
                                  "warehouse (version 2)")
    assert world.state.service.model.facts.version == "1"
    assert [r.getMessage() for r in caplog.records] == [
        "version 2 fails its start-up checks, still serving version 1: feature version 'fv9999', which the model was "
        "trained on, is not in the warehouse (version 2)"]


def test_the_poller_waits_before_trying_a_failed_version_again_post_does_not(world: SimpleNamespace,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ReloadError):
        world.reloader.check(trigger="poll")
    outcome = world.reloader.check(trigger="poll")  # within RETRY_FAILED_S: not loaded again
    assert (outcome.reloaded, outcome.model_version, world.registry.loads) == (False, "1", ["2"])
    with pytest.raises(ReloadError):
        world.reloader.check(trigger="POST /v1/admin/reload")  # an operator asks: tried at once
    assert world.registry.loads == ["2", "2"]
    world.registry.broken.clear()  # the cause went away (a feature build was holding the warehouse)
    monkeypatch.setattr(reload_module, "RETRY_FAILED_S", 0.0)
    outcome = world.reloader.check(trigger="poll")
    assert (outcome.reloaded, outcome.model_version, outcome.previous_version) == (True, "2", "1")
    assert world.state.service.model.facts.version == "2"
    world.reloader.stop()  # closes the retired version 1 now


def test_a_new_version_after_a_failed_one_is_loaded_at_the_next_poll(world: SimpleNamespace) -> None:
    with pytest.raises(ReloadError):
        world.reloader.check(trigger="poll")
    world.registry.version = "3"  # the champion moved on
    outcome = world.reloader.check(trigger="poll")
    assert (outcome.reloaded, outcome.model_version, world.registry.loads) == (True, "3", ["2", "3"])
    world.reloader.stop()
