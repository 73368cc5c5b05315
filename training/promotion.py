"""Moves of the `champion` alias: by the gate, forced (`python -m training promote`), or back (`rollback`).

Every move is recorded: version tags say how, by whom, when and why a version became champion (and, on the one
a rollback leaves, who rolled it back and why); the registered model's `champion_history` tag lists the versions
that held the alias, oldest first, so that `rollback` knows the previous champion (it pops the last one).
"""

from __future__ import annotations

import getpass
import json
import logging
from datetime import UTC, datetime

from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from common.contracts.registry import (
    CHALLENGER,
    CHAMPION,
    PROMOTED_FORCED,
    PROMOTED_ROLLBACK,
    TAG_CHAMPION_HISTORY,
    TAG_PROMOTED_AT,
    TAG_PROMOTED_BY,
    TAG_PROMOTION,
    TAG_PROMOTION_REASON,
    TAG_ROLLBACK_REASON,
    TAG_ROLLED_BACK_AT,
    TAG_ROLLED_BACK_BY,
)

log = logging.getLogger(__name__)
HISTORY_KEPT = 100  # the registered model tag holds at most 5,000 characters


class PromotionError(RuntimeError):
    """The move asked for is impossible (unknown version, no previous champion); the message says why."""


def alias_version(client: MlflowClient, name: str, alias: str) -> str | None:
    """The version an alias points to, None when the alias (or the model) does not exist."""
    try:
        return str(client.get_model_version_by_alias(name, alias).version)
    except MlflowException:
        return None


def history(client: MlflowClient, name: str) -> list[str]:
    """The versions that held the champion alias, oldest first (the current champion last)."""
    raw = client.get_registered_model(name).tags.get(TAG_CHAMPION_HISTORY)
    return [str(v) for v in json.loads(raw)] if raw else []


def actor(configured: str | None) -> str:
    """Who acts: the configured name (`--by`, `HC_REGISTRY_USER`), else the OS user."""
    if configured:
        return configured
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # a container user without a passwd entry
        return "unknown"


def _now() -> str:
    return datetime.now(tz=UTC).isoformat(timespec="seconds")


def _point(client: MlflowClient, name: str, version: str, how: str, by: str, reason: str) -> None:
    client.set_registered_model_alias(name, CHAMPION, version)
    if alias_version(client, name, CHALLENGER) == version:
        client.delete_registered_model_alias(name, CHALLENGER)
    for key, value in {TAG_PROMOTION: how, TAG_PROMOTED_BY: by, TAG_PROMOTED_AT: _now(),
                       TAG_PROMOTION_REASON: reason}.items():
        client.set_model_version_tag(name, version, key, value)


def move_champion(client: MlflowClient, name: str, version: str, how: str, by: str, reason: str) -> str | None:
    """Point `champion` at `version`, record how, by whom and why; returns the previous champion (None: first).

    The challenger alias leaves a version that becomes champion (it has earned its place).
    """
    previous = alias_version(client, name, CHAMPION)
    past = history(client, name)
    if previous is not None and (not past or past[-1] != previous):
        past.append(previous)  # a champion set before the history existed
    _point(client, name, version, how, by, reason)
    client.set_registered_model_tag(name, TAG_CHAMPION_HISTORY, json.dumps([*past, version][-HISTORY_KEPT:]))
    log.info("%s@%s: version %s -> %s (%s by %s: %s)", name, CHAMPION, previous or "none", version, how, by, reason)
    return previous


def promote(client: MlflowClient, name: str, version: str, by: str, reason: str) -> str | None:
    """Force `version` to champion, whatever the gate said; returns the previous champion.

    Raises:
        PromotionError: no such version, or it is the champion already.
    """
    try:
        client.get_model_version(name, version)
    except MlflowException:
        raise PromotionError(f"{name} has no version {version!r}") from None
    if alias_version(client, name, CHAMPION) == version:
        raise PromotionError(f"version {version} of {name} is the champion already")
    return move_champion(client, name, version, PROMOTED_FORCED, by, reason)


def rollback(client: MlflowClient, name: str, by: str, reason: str) -> tuple[str, str]:
    """Move `champion` back to the version that held it before the current one; returns (from, to).

    Raises:
        PromotionError: no champion, or no previous champion in the history.
    """
    current = alias_version(client, name, CHAMPION)
    if current is None:
        raise PromotionError(f"{name} has no {CHAMPION}: nothing to roll back")
    past = history(client, name)
    if past and past[-1] == current:
        past.pop()
    if not past:
        raise PromotionError(f"{name}@{CHAMPION} (version {current}) has no previous champion to go back to")
    target = past[-1]
    for key, value in {TAG_ROLLED_BACK_BY: by, TAG_ROLLED_BACK_AT: _now(), TAG_ROLLBACK_REASON: reason}.items():
        client.set_model_version_tag(name, current, key, value)
    _point(client, name, target, PROMOTED_ROLLBACK, by, reason)
    client.set_registered_model_tag(name, TAG_CHAMPION_HISTORY, json.dumps(past))
    log.info("%s@%s rolled back: version %s -> %s (by %s: %s)", name, CHAMPION, current, target, by, reason)
    return current, target
