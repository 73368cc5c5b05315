"""Principals, keys and rate limits without the app: the store, the CLI, the counters."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa

from api.access import Limit, RateLimitConfigError, parse_rate_limits
from api.events import EventStore
from api.prepared import BusyError, Prepared
from api.principals import (
    DEV_PRINCIPAL,
    KEY_PATTERN,
    ROLE_SCOPES,
    PrincipalError,
    PrincipalStore,
    hash_secret,
    parse_seed,
    seed_record,
    verify_secret,
)
from common.contracts.events import PRINCIPALS


@pytest.fixture
def store(tmp_path: Path) -> PrincipalStore:
    events = EventStore(f"sqlite:///{tmp_path / 'events.sqlite'}")
    yield PrincipalStore(events.engine, dev_keys=(b"dev-key-0123456789abcdef",), nowait=events.nowait)  # as the API
    events.dispose()


def test_a_key_is_random_shown_once_and_stored_only_as_a_salted_scrypt_hash(store: PrincipalStore) -> None:
    key = store.add("alice@bank.fr", "advisor")
    other = store.add("bob@bank.fr", "advisor")
    match = KEY_PATTERN.match(key)
    assert match and len(match.group(2)) == 43 and key != other  # 32 random bytes
    with store.engine.connect() as con:
        row = con.execute(sa.select(PRINCIPALS).where(PRINCIPALS.c.name == "alice@bank.fr")).one()
    assert row.key_id == match.group(1) and match.group(2) not in row.key_hash and key not in row.key_hash
    assert row.key_hash.startswith("scrypt$32768$8$1$")
    assert verify_secret(match.group(2), row.key_hash) and not verify_secret(match.group(2)[:-1] + "x", row.key_hash)
    assert hash_secret("same") != hash_secret("same")  # salted
    assert all("key_hash" not in r and key not in str(r) for r in store.list())


def test_roles_give_their_scopes_and_scopes_can_be_narrowed(store: PrincipalStore) -> None:
    assert store.authenticate(store.add("a", "advisor")).scopes == ROLE_SCOPES["advisor"]
    assert store.authenticate(store.add("b", "analyst", ["population:read"])).scopes == {"population:read"}
    with pytest.raises(PrincipalError, match="role 'service' cannot be granted client:read"):
        store.add("c", "service", ["client:read"])
    with pytest.raises(PrincipalError, match="unknown role 'root'"):
        store.add("d", "root")
    with pytest.raises(PrincipalError, match="already exists"):
        store.add("a", "analyst")
    with pytest.raises(PrincipalError, match="invalid principal name"):
        store.add("a b", "analyst")


@pytest.mark.parametrize("wrong", ["", None, "hc_000000000000_" + "x" * 43, "not-a-key", "hc_short",
                                   "dev-key-0123456789abcde"])
def test_unknown_keys_identify_nobody(store: PrincipalStore, wrong: str | None) -> None:
    store.add("alice", "advisor")
    assert store.authenticate(wrong) is None


def test_a_wrong_secret_with_a_known_key_id_is_refused(store: PrincipalStore) -> None:
    key = store.add("alice", "advisor")
    forged = key[:-1] + ("A" if key[-1] != "A" else "B")
    assert store.authenticate(forged) is None
    assert store.authenticate(key).name == "alice"
    assert store.authenticate(forged) is None  # the verified key's cache entry does not cover another secret


def test_revocation_and_rotation_take_effect_on_the_next_call_even_when_cached(store: PrincipalStore) -> None:
    alice, bob = store.add("alice", "advisor"), store.add("bob", "analyst")
    assert store.authenticate(alice).name == "alice" and store.authenticate(bob).name == "bob"  # now cached
    other_worker = PrincipalStore(store.engine)  # another worker's store on the same database
    assert other_worker.authenticate(alice).name == "alice"
    store.revoke("alice")
    assert store.authenticate(alice) is None and other_worker.authenticate(alice) is None
    new_bob = store.rotate("bob")
    assert store.authenticate(bob) is None and other_worker.authenticate(bob) is None
    assert other_worker.authenticate(new_bob).name == "bob"
    with pytest.raises(PrincipalError, match="no active principal named 'alice'"):
        store.rotate("alice")
    assert store.count_active() == 1


def test_development_keys_act_as_the_service_principal_dev(store: PrincipalStore) -> None:
    principal = store.authenticate("dev-key-0123456789abcdef")
    assert (principal.name, principal.role, principal.scopes) == (DEV_PRINCIPAL, "service", {"score"})
    with pytest.raises(PrincipalError, match="invalid principal name 'dev'"):
        store.add(DEV_PRINCIPAL, "advisor")


def test_identity_of_the_sign_in_provider_finds_its_principal(store: PrincipalStore) -> None:
    store.add("alice", "advisor", subject="alice@bank.fr")
    assert store.by_subject("alice@bank.fr").name == "alice"
    assert store.by_subject("eve@bank.fr") is None
    store.revoke("alice")
    assert store.by_subject("alice@bank.fr") is None


def test_rate_limits_are_read_with_clear_errors() -> None:
    assert parse_rate_limits("score=1200/minute, population=60/minute,admin=5/second") == {
        "score": Limit(1200, 60, "minute"), "population": Limit(60, 60, "minute"), "admin": Limit(5, 1, "second")}
    for wrong in ("score=12/day", "score", "score=0/minute", "score=-1/minute"):
        with pytest.raises(RateLimitConfigError, match=re.escape(f"cannot read {wrong!r}")):
            parse_rate_limits(wrong)


def test_counters_are_shared_by_every_connection_and_reset_each_window(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'events.sqlite'}"
    first, second = EventStore(url), EventStore(url)  # two workers
    counts = [store.hit("alice", "population", 60, now=120.5)[0] for store in (first, second, first)]
    assert counts == [1, 2, 3]
    assert first.hit("bob", "population", 60, now=121.0)[0] == 1
    assert first.hit("alice", "score", 60, now=121.0)[0] == 1
    assert second.hit("alice", "population", 60, now=179.2) == (4, 1)  # retry in 0.8 s, rounded up
    assert second.hit("alice", "population", 60, now=180.0) == (1, 60)  # a new window
    first.dispose()
    second.dispose()


def test_the_event_loop_never_waits_for_a_counter_locked_by_another_worker(tmp_path: Path) -> None:
    """`wait=False` (the access check on the event loop): BusyError at once and nothing counted while another
    connection holds the write lock; `wait=True` (the thread it falls back to) counts once the lock is gone."""
    store = EventStore(f"sqlite:///{tmp_path / 'events.sqlite'}")
    other = sqlite3.connect(tmp_path / "events.counters.sqlite", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another worker in the middle of its count
    started = time.perf_counter()
    with pytest.raises(BusyError, match="locked"):
        store.hit("alice", "score", 60, now=120.5, wait=False)
    assert time.perf_counter() - started < 1.0  # the lock was not waited for (the waiting engine waits 30 s)
    other.execute("ROLLBACK")
    assert store.hit("alice", "score", 60, now=121.0, wait=False) == (1, 59)  # the refused attempt was not counted
    assert store.hit("alice", "score", 60, now=122.0) == (2, 58)
    other.close()
    waiting_only = Prepared(store.counters, sa.select(sa.literal(1)))  # e.g. a server database: always in a thread
    with pytest.raises(BusyError, match="no connection that never waits"):
        waiting_only.first_now({})
    assert waiting_only.first({}) == (1,)
    store.dispose()


def test_only_a_key_verified_before_is_answered_without_scrypt(store: PrincipalStore) -> None:
    key = store.add("carol", "advisor")
    assert store.authenticate_now(key) == (False, None)  # new to this worker: scrypt, in a thread
    assert store.authenticate_now(None) == (True, None)
    assert store.authenticate_now("hc_000000000000_" + "A" * 43) == (False, None)  # well-formed, never verified
    principal = store.authenticate(key)
    assert principal is not None and principal.name == "carol"
    assert store.authenticate_now(key) == (True, principal)
    store.revoke("carol")
    assert store.authenticate_now(key) == (True, None)  # re-read every time: refused on the next request


def run_cli(args: list[str], events_url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "HC_EVENTS_URL": events_url}
    return subprocess.run([sys.executable, "-m", "api", "principals", *args], env=env, capture_output=True,
                          text=True, timeout=120)


def test_cli_adds_lists_rotates_revokes_and_never_lists_a_key(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'events.sqlite'}"
    added = run_cli(["add", "alice@bank.fr", "--role", "advisor"], url)
    assert added.returncode == 0, added.stderr
    key = added.stdout.splitlines()[-1]
    assert KEY_PATTERN.match(key)
    listed = run_cli(["list"], url)
    assert listed.returncode == 0 and "alice@bank.fr" in listed.stdout and "advisor" in listed.stdout
    assert key not in listed.stdout and key.split("_")[2] not in listed.stdout
    rotated = run_cli(["rotate", "alice@bank.fr"], url)
    new_key = rotated.stdout.splitlines()[-1]
    assert rotated.returncode == 0 and KEY_PATTERN.match(new_key) and new_key != key
    store = EventStore(url)
    principals = PrincipalStore(store.engine)
    assert principals.authenticate(key) is None and principals.authenticate(new_key).name == "alice@bank.fr"
    revoked = run_cli(["revoke", "alice@bank.fr"], url)
    assert revoked.returncode == 0 and principals.authenticate(new_key) is None
    store.dispose()
    wrong = run_cli(["add", "bob", "--role", "service", "--scopes", "client:read"], url)
    assert (wrong.returncode, wrong.stderr) == (2, "error: role 'service' cannot be granted client:read (its scopes: "
                                                   "score)\n")
    unknown = run_cli(["revoke", "nobody"], url)
    assert (unknown.returncode, unknown.stderr) == (2, "error: no active principal named 'nobody'\n")


def test_a_seed_carries_hashes_only_and_adds_missing_principals_once(store: PrincipalStore) -> None:
    record, key = seed_record("deploy-check", "advisor", ["score", "client:read"])
    assert key not in json.dumps(record) and key.split("_")[2] not in json.dumps(record)
    assert parse_seed(json.dumps([record])) == [record]
    assert store.seed([record]) == ["deploy-check"] and store.seed([record]) == []
    principal = store.authenticate(key)
    assert (principal.name, principal.scopes) == ("deploy-check", {"score", "client:read"})
    for wrong, message in (("{", "HC_PRINCIPALS_SEED is not JSON"), ('[{"name": "x"}]', "must be a JSON list")):
        with pytest.raises(PrincipalError, match=message):
            parse_seed(wrong)


def test_workers_seeding_at_the_same_moment_add_each_principal_once(tmp_path: Path) -> None:
    """Every worker seeds at start-up: 8 at once on one database, none fails (a UNIQUE error stopped a worker, and
    uvicorn the whole server), one row; a key id taken by another name is refused by name."""
    url = f"sqlite:///{tmp_path / 'events.sqlite'}"
    record, key = seed_record("deploy-check", "service")
    stores = [EventStore(url) for _ in range(8)]
    barrier = threading.Barrier(len(stores))

    def seed(events: EventStore) -> list[str]:
        barrier.wait()
        return PrincipalStore(events.engine).seed([record])

    with ThreadPoolExecutor(len(stores)) as pool:
        added = list(pool.map(seed, stores))
    assert sorted(added) == [[]] * 7 + [["deploy-check"]]
    principals = PrincipalStore(stores[0].engine)
    assert [p["name"] for p in principals.list()] == ["deploy-check"]
    assert principals.authenticate(key).name == "deploy-check"
    with pytest.raises(PrincipalError, match="the key id of 'other' belongs to another principal"):
        principals.seed([record | {"name": "other"}])
    for events in stores:
        events.dispose()
