"""Shadow scoring (HC_SHADOW_CHALLENGER=1): the challenger scores every scoring request too, off the response path.

The events writer hands each committed prediction event to `ShadowScorer.submit` (`EventStore.on_commit`: the
response has its own rows on disk by then and does not wait for anything here). One thread per worker scores
them with the challenger loaded beside the champion (`app.state.shadow`, kept current by `api.reload`) and writes
the challenger's version, probability and decision into the same event row (`EventStore.submit_shadow`):

- a score by client id: the challenger's own score of that client, from its feature version's serving snapshot
  (the same client as the champion, whatever feature version the challenger was trained on);
- a posted application: the challenger scores the features the champion's dbt SQL computed for it (the event's
  `features`), which requires the challenger to read the same columns (the promotion gate's "same feature
  contract"); otherwise no shadow score (logged once).

The queue is bounded: when the challenger falls behind (it costs as much CPU as the champion), events beyond it get
no shadow score rather than slowing the responses (counted and logged). `make monitor` compares the two.
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import Any

import numpy as np

from api.events import Event
from api.service import ClientNotFoundError, ScoringService

log = logging.getLogger(__name__)
QUEUE_SIZE = 2000


def shadow_score(shadow: ScoringService, event: Event) -> tuple[float, str] | None:
    """(probability, decision) of the challenger on the request of `event`; None when it cannot score it."""
    if event.application_hash is None and event.client_id is not None:
        try:
            scored = shadow.score_client(event.client_id)
        except ClientNotFoundError:
            return None
        return scored.probability, scored.decision
    runtime = shadow.runtime
    if any(name not in event.features for name in runtime.features):
        return None
    numeric, categorical = runtime.blocks([event.features])
    probability = float(runtime.probability(runtime.transform(numeric, categorical))[0])
    return probability, runtime.decide(probability)


class ShadowScorer:
    """The worker's shadow-scoring thread and its bounded queue of committed events."""

    def __init__(self, state: Any) -> None:
        self.state = state  # the app's state: `shadow` is the challenger's service (or None)
        self.queue: queue.Queue[Event | None] = queue.Queue(QUEUE_SIZE)
        self.scored = 0
        self.dropped = 0
        self.unscorable = 0
        self._thread = threading.Thread(target=self._run, name="shadow-scorer", daemon=True)
        self._thread.start()

    def submit(self, events: list[Event]) -> None:
        """Queue committed events (the events writer calls this; never blocks)."""
        if getattr(self.state, "shadow", None) is None:
            return
        for event in events:
            try:
                self.queue.put_nowait(event)
            except queue.Full:
                self.dropped += 1
                if self.dropped in (1, 100) or self.dropped % 10_000 == 0:
                    log.warning("shadow scoring is behind: %d events left without a challenger score", self.dropped)

    def stop(self) -> None:
        """Score what is queued, then stop."""
        self.queue.put(None)
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while True:
            event = self.queue.get()
            if event is None:
                return
            shadow: ScoringService | None = getattr(self.state, "shadow", None)
            if shadow is None:
                continue
            try:
                result = shadow_score(shadow, event)
            except Exception:  # noqa: BLE001 - a failing challenger must never stop the thread
                log.exception("challenger version %s could not score request %s", shadow.model.facts.version,
                              event.request_id)
                continue
            if result is None:
                self.unscorable += 1
                if self.unscorable == 1:
                    log.warning("challenger version %s cannot score some requests (a client outside its feature "
                                "version, or a posted application whose features it does not read): no shadow "
                                "score for them", shadow.model.facts.version)
                continue
            probability, decision = result
            if not np.isfinite(probability):
                continue
            shadow.events.submit_shadow(event.request_id, shadow.model.facts.version, probability, decision)
            self.scored += 1
