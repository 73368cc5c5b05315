"""bench.unchecked replaces pieces of the API (the access dependency, the writer's insert): when those change shape,
the benchmark's baseline must fail here, not answer nothing during `make bench-api`."""

from __future__ import annotations

import inspect

from api.access import Access
from api.events import EventStore
from bench import unchecked


def _parameters(function) -> list[str]:
    return list(inspect.signature(function).parameters)


def test_the_replacement_insert_takes_what_the_writer_passes() -> None:
    assert _parameters(unchecked._events_only) == _parameters(EventStore._insert)


def test_the_replacement_access_check_takes_what_a_route_passes() -> None:
    assert _parameters(unchecked._unchecked)[:2] == _parameters(Access.__call__)[:2] == ["self", "request"]
    assert set(_parameters(unchecked._unchecked)) >= set(_parameters(Access.__call__))


def test_the_replacement_access_check_runs_where_the_real_one_does() -> None:
    """Both on the event loop (async) or both in a thread: the baseline must not pay a thread hop the API skips."""
    assert inspect.iscoroutinefunction(unchecked._unchecked) == inspect.iscoroutinefunction(Access.__call__) is True
