"""Reload without downtime: a new champion is loaded beside the running one, checked, then swapped in.

Each worker process has a `Reloader`. It asks the registry which version holds the champion alias every
`HC_MODEL_POLL_S` seconds (a thread; 0 disables it) and whenever `POST /v1/admin/reload` asks (only the worker that
receives the request: the others see the change at their next poll). When the alias moved, the new version is loaded
with its feature version's serving snapshot through the same start-up checks as at launch (`api.startup`: signature,
dbt SQL, fast path, consistency), on the worker's own event store, while the old one keeps serving. Then one
reference swap (`app.state.service`) makes every new request use it; a request already running keeps the service it
started with (its response and its event name the version that scored it), and the old one is closed a grace period
later. When a check fails, the old model keeps serving and the reason is logged (and answered to POST with 409); the
poller tries a version that failed again only after RETRY_FAILED_S (POST tries at once).

With `HC_SHADOW_CHALLENGER=1` the same is done for the `challenger` alias (`app.state.shadow`, scored off the response
path by `api.shadow`); a challenger that fails its checks, is missing, or is the champion itself is not scored.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from api.registry import alias_version
from api.service import ScoringService
from api.startup import StartupError, build_service
from common.contracts.registry import CHALLENGER
from common.settings import Settings

log = logging.getLogger(__name__)
GRACE_S = 30.0  # far longer than any request: the old service is closed once the requests that hold it are done
RETRY_FAILED_S = 600.0  # a failure may be passing (a feature build holding the warehouse the snapshot is copied from)


class ReloadError(RuntimeError):
    """The new champion failed its start-up checks: the old one keeps serving (the message says why)."""


@dataclass(frozen=True)
class ReloadOutcome:
    """What a check of the registry did."""

    reloaded: bool
    model_version: str
    previous_version: str
    feature_version: str
    seconds: float
    challenger_version: str | None


class Reloader:
    """Watches the registry for one worker and swaps the served model (and the shadow challenger)."""

    def __init__(self, state: Any, settings: Settings) -> None:
        self.state = state  # the app's state: `service` (champion) and `shadow` (challenger or None)
        self.settings = settings
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._retired: list[tuple[threading.Timer, ScoringService]] = []
        self._retired_lock = threading.Lock()
        self._failed: dict[tuple[str, str], float] = {}  # (alias, version) -> when it failed its checks

    # -- lifecycle --------------------------------------------------------------------------------------
    def start(self) -> None:
        """Start polling (when HC_MODEL_POLL_S > 0)."""
        if self.settings.model_poll_s > 0:
            self._thread = threading.Thread(target=self._poll, name="model-poller", daemon=True)
            self._thread.start()
            log.info("polling the registry for a new %s every %.0f s", self.settings.model_alias,
                     self.settings.model_poll_s)

    def load_challenger(self) -> None:
        """Load the challenger for shadow scoring now (start-up), when there is one."""
        with self._lock:
            self._challenger("start-up")

    def stop(self) -> None:
        """Stop polling, close the retired services now."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with self._retired_lock:
            retired, self._retired = self._retired, []
        for timer, service in retired:
            timer.cancel()
            service.close()

    def _poll(self) -> None:
        while not self._stop.wait(self.settings.model_poll_s):
            try:
                self.check(trigger="poll")
            except ReloadError:
                pass  # logged; the old model keeps serving
            except Exception:  # noqa: BLE001 - the poller must outlive any error (a registry briefly unreachable)
                log.exception("model poll failed; next try in %.0f s", self.settings.model_poll_s)

    # -- checks -----------------------------------------------------------------------------------------
    def check(self, trigger: str = "poll") -> ReloadOutcome:
        """Load the registry's champion (and challenger) when it moved, swap it in; ReloadError when it fails its
        checks (the old one keeps serving)."""
        with self._lock:
            started = time.perf_counter()
            current: ScoringService = self.state.service
            previous = current.model.facts.version
            try:
                reloaded = self._champion(current, trigger)
            finally:
                if self.settings.shadow_challenger:
                    self._challenger(trigger)
            service: ScoringService = self.state.service
            shadow: ScoringService | None = getattr(self.state, "shadow", None)
            return ReloadOutcome(reloaded, service.model.facts.version, previous, service.version.feature_version,
                                 round(time.perf_counter() - started, 3), shadow.model.facts.version if shadow else None)

    def _champion(self, current: ScoringService, trigger: str) -> bool:
        alias = self.settings.model_alias
        version = alias_version(self.settings, alias)
        if version is None or version == current.model.facts.version:
            return False
        if trigger == "poll" and self._failed_recently(alias, version):
            return False
        log.info("%s: %s@%s is now version %s (serving %s): loading it beside the running one", trigger,
                 self.settings.model_name, alias, version, current.model.facts.version)
        try:
            new = build_service(self.settings, events=current.events)
        except StartupError as error:
            self._failed[(alias, version)] = time.monotonic()
            log.error("version %s fails its start-up checks, still serving version %s: %s", version,
                      current.model.facts.version, error)
            raise ReloadError(f"version {version} of {self.settings.model_name}@{alias} fails its start-up checks, "
                              f"still serving version {current.model.facts.version}: {error}") from None
        new.owns_events, current.owns_events = current.owns_events, False  # the worker's store outlives both
        self.state.service = new  # the swap: one reference, read once per request
        self._retire(current)
        log.info("swapped: serving %s version %s (feature version %s) instead of version %s, loaded and checked in "
                 "%.1f s", new.model.facts.name, new.model.facts.version, new.version.feature_version,
                 current.model.facts.version, new.startup_seconds)
        return True

    def _challenger(self, trigger: str) -> None:
        current: ScoringService | None = getattr(self.state, "shadow", None)
        champion: ScoringService = self.state.service
        version = alias_version(self.settings, CHALLENGER)
        if version is None or version == champion.model.facts.version or self._failed_recently(CHALLENGER, version):
            if current is not None:
                log.info("shadow scoring stops: the challenger is %s", "the champion" if version else "gone")
                self.state.shadow = None
                self._retire(current)
            return
        if current is not None and current.model.facts.version == version:
            return
        log.info("%s: loading challenger version %s for shadow scoring", trigger, version)
        try:
            new = build_service(self.settings, events=champion.events, alias=CHALLENGER)
        except StartupError as error:
            self._failed[(CHALLENGER, version)] = time.monotonic()
            log.error("challenger version %s fails its start-up checks: no shadow scoring (%s)", version, error)
            new = None
        self.state.shadow = new
        if current is not None:
            self._retire(current)
        if new is not None:
            log.info("shadow scoring with challenger version %s (feature version %s)", version,
                     new.version.feature_version)

    def _failed_recently(self, alias: str, version: str) -> bool:
        failed = self._failed.get((alias, version))
        return failed is not None and time.monotonic() - failed < RETRY_FAILED_S

    def _retire(self, service: ScoringService) -> None:
        """Close a replaced service once the requests that hold it are done."""
        timer = threading.Timer(GRACE_S, self._close, args=(service,))
        timer.daemon = True
        with self._retired_lock:
            self._retired.append((timer, service))
        timer.start()

    def _close(self, service: ScoringService) -> None:
        with self._retired_lock:
            mine = [entry for entry in self._retired if entry[1] is service]
            self._retired = [entry for entry in self._retired if entry[1] is not service]
        if mine:  # not already closed by stop()
            service.close()
            log.info("closed the replaced service of version %s", service.model.facts.version)
