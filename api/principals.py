"""Principals: the named people and applications behind every request, their roles, scopes and keys.

A principal lives in the events database (`HC_EVENTS_URL`, table `principals` of `common/contracts/events.py`), so it
survives restarts and is shared by every worker and host. Its key is `hc_<key id>_<secret>`: the key id (public)
finds the row, the secret (32 random bytes) is stored only as a salted scrypt hash and checked by scrypt in constant
time. The key is shown once, when the principal is added or rotated.

scrypt is slow on purpose (tens of milliseconds): each worker remembers the SHA-256 of a key it has verified, with
the hash it was verified against, and re-reads the principal's row on every request, so a revocation or a rotation
takes effect on the next request in every worker, without a restart.

`HC_API_KEYS` (development only) keeps working: each listed key acts as the `service` principal named `dev`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

import sqlalchemy as sa

from api.events import EventStore, upsert_into
from api.prepared import BusyError, Prepared
from common.contracts.events import PRINCIPALS
from common.settings import Settings

log = logging.getLogger(__name__)

ROLE_SCOPES: dict[str, frozenset[str]] = {
    "advisor": frozenset({"score", "client:read", "population:read", "decisions:write"}),
    "analyst": frozenset({"score", "population:read"}),
    "service": frozenset({"score"}),
    "operator": frozenset({"audit:read", "admin"}),
}
SCOPES = frozenset().union(*ROLE_SCOPES.values())
DEV_PRINCIPAL = "dev"
DEV_ADVISOR = "dev-advisor"
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$")
KEY_PATTERN = re.compile(r"^hc_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")
SCRYPT = {"n": 2**15, "r": 8, "p": 1}  # 32 MiB, tens of milliseconds


class PrincipalError(ValueError):
    """A principal cannot be added, changed or found (the message says why)."""


@dataclass(frozen=True)
class Principal:
    """Who is calling: name, role and the scopes granted."""

    name: str
    role: str
    scopes: frozenset[str]
    id: int | None = None  # None for the development principal of HC_API_KEYS

    def can(self, scope: str) -> bool:
        """Whether `scope` was granted."""
        return scope in self.scopes


def hash_secret(secret: str, salt: bytes | None = None) -> str:
    """`scrypt$n$r$p$<salt>$<hash>` (base64) of a key's secret."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, maxmem=128 * 2**20, dklen=32, **SCRYPT)
    encode = base64.urlsafe_b64encode
    return f"scrypt${SCRYPT['n']}${SCRYPT['r']}${SCRYPT['p']}${encode(salt).decode()}${encode(digest).decode()}"


def verify_secret(secret: str, stored: str) -> bool:
    """Whether `secret` matches the stored hash (constant-time comparison)."""
    try:
        kind, n, r, p, salt, expected = stored.split("$")
        if kind != "scrypt":
            return False
        digest = hashlib.scrypt(secret.encode(), salt=base64.urlsafe_b64decode(salt), n=int(n), r=int(r), p=int(p),
                                maxmem=128 * 2**20, dklen=32)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest, base64.urlsafe_b64decode(expected))


def new_key() -> tuple[str, str, str]:
    """(key, key id, secret) of a new random key."""
    key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    return f"hc_{key_id}_{secret}", key_id, secret


def scopes_for(role: str, scopes: list[str] | None = None) -> frozenset[str]:
    """The role's scopes, or the narrower set asked for.

    Raises:
        PrincipalError: unknown role, or a scope the role does not have.
    """
    if role not in ROLE_SCOPES:
        raise PrincipalError(f"unknown role {role!r}: expected one of {', '.join(sorted(ROLE_SCOPES))}")
    if not scopes:
        return ROLE_SCOPES[role]
    extra = sorted(set(scopes) - ROLE_SCOPES[role])
    if extra:
        raise PrincipalError(f"role {role!r} cannot be granted {', '.join(extra)} (its scopes: "
                             f"{', '.join(sorted(ROLE_SCOPES[role]))})")
    return frozenset(scopes)


def seed_record(name: str, role: str, scopes: list[str] | None = None, subject: str | None = None,
                key: str | None = None) -> tuple[dict, str]:
    """(a principal as HC_PRINCIPALS_SEED holds it: its key's id and hash, never the key; the key). A new random
    key unless one is given."""
    if not NAME_PATTERN.match(name) or name == DEV_PRINCIPAL:
        raise PrincipalError(f"invalid principal name {name!r}")
    key = key or new_key()[0]
    match = KEY_PATTERN.match(key)
    if match is None:
        raise PrincipalError("a key is hc_<12 hex>_<43 characters>: give none to get a new one")
    record = {"name": name, "role": role, "scopes": sorted(scopes_for(role, scopes)), "subject": subject,
              "key_id": match.group(1), "key_hash": hash_secret(match.group(2))}
    return record, key


def parse_seed(text: str) -> list[dict]:
    """The records of HC_PRINCIPALS_SEED (a JSON list).

    Raises:
        PrincipalError: naming what is wrong.
    """
    try:
        records = json.loads(text)
    except ValueError as error:
        raise PrincipalError(f"HC_PRINCIPALS_SEED is not JSON: {error}") from None
    needed = {"name", "role", "key_id", "key_hash"}
    if not isinstance(records, list) or not all(isinstance(r, dict) and needed <= set(r) for r in records):
        raise PrincipalError("HC_PRINCIPALS_SEED must be a JSON list of {name, role, key_id, key_hash[, scopes, "
                             "subject]} (`python -m api principals seed NAME --role ROLE` writes one)")
    return records


class _Row(NamedTuple):
    """What authentication reads of a principal's row."""

    id: int
    name: str
    role: str
    scopes: str
    key_id: str
    key_hash: str
    revoked_at: Any


_ROW_COLUMNS = [PRINCIPALS.c[name] for name in _Row._fields]


def _row_principal(row: Any) -> Principal:
    return Principal(row.name, row.role, frozenset(row.scopes.split()), row.id)


class PrincipalStore:
    """The `principals` table: administration (add, list, revoke, rotate) and request authentication."""

    def __init__(self, engine: sa.Engine, dev_keys: tuple[bytes, ...] = (), nowait: sa.Engine | None = None) -> None:
        self.engine = engine
        self.dev_keys = dev_keys
        self._verified: dict[bytes, tuple[int, str]] = {}  # sha256(key) -> (principal id, hash it matched)
        # the row is re-read on every request (a revocation counts on the next one): compiled once
        self._by_id = Prepared(engine, sa.select(*_ROW_COLUMNS).where(PRINCIPALS.c.id == sa.bindparam("id")), nowait)
        self._by_key_id = Prepared(engine, sa.select(*_ROW_COLUMNS).where(PRINCIPALS.c.key_id == sa.bindparam("key_id")))

    # -- administration ------------------------------------------------------------------------------------
    def add(self, name: str, role: str, scopes: list[str] | None = None, subject: str | None = None) -> str:
        """Add a principal; returns its key (shown once, stored only as a hash)."""
        if not NAME_PATTERN.match(name) or name == DEV_PRINCIPAL:
            raise PrincipalError(f"invalid principal name {name!r}: letters, digits and . _ @ + - (at most 128), "
                                 f"and not {DEV_PRINCIPAL!r}")
        granted = scopes_for(role, scopes)
        key, key_id, secret = new_key()
        row = {"name": name, "role": role, "scopes": " ".join(sorted(granted)), "key_id": key_id,
               "key_hash": hash_secret(secret), "subject": subject, "created_at": datetime.now(UTC)}
        try:
            with self.engine.begin() as con:
                con.execute(PRINCIPALS.insert(), row)
        except sa.exc.IntegrityError:
            raise PrincipalError(f"a principal named {name!r} (or bound to that identity) already exists") from None
        log.info("principal %s added (role %s, scopes %s)", name, role, row["scopes"])
        return key

    def seed(self, records: list[dict]) -> list[str]:
        """Insert the principals of `records` (`seed_record`: hashes, never keys) that are not there yet, by name;
        returns the names added. For hosts whose events database starts empty (a container without a volume).

        Every worker seeds at start-up, at the same moment: each insert gives way to a row already there (no read
        first, which another worker's insert could make stale).

        Raises:
            PrincipalError: a record's key id belongs to another principal.
        """
        added = []
        with self.engine.begin() as con:
            for record in records:
                granted = scopes_for(record["role"], record.get("scopes"))
                inserted = con.execute(upsert_into(self.engine, PRINCIPALS).values(
                    name=record["name"], role=record["role"], scopes=" ".join(sorted(granted)),
                    key_id=record["key_id"], key_hash=record["key_hash"], subject=record.get("subject"),
                    created_at=datetime.now(UTC)).on_conflict_do_nothing())
                if inserted.rowcount:
                    added.append(record["name"])
                elif con.execute(sa.select(PRINCIPALS.c.id).where(PRINCIPALS.c.name == record["name"])).first() is None:
                    raise PrincipalError(f"HC_PRINCIPALS_SEED: the key id of {record['name']!r} belongs to another "
                                         "principal")
        if added:
            log.info("principals seeded: %s", ", ".join(added))
        return added

    def list(self) -> list[dict]:
        """Every principal (never a key or its hash), oldest first."""
        columns = [c for c in PRINCIPALS.c if c.name not in ("key_hash",)]
        with self.engine.connect() as con:
            rows = con.execute(sa.select(*columns).order_by(PRINCIPALS.c.id)).mappings().all()
        return [dict(r) for r in rows]

    def revoke(self, name: str) -> None:
        """Revoke a principal: its key stops working on the next request."""
        self._update(name, {"revoked_at": datetime.now(UTC)})
        log.info("principal %s revoked", name)

    def rotate(self, name: str) -> str:
        """Give a principal a new key (the old one stops working on the next request); returns the new key."""
        key, key_id, secret = new_key()
        self._update(name, {"key_id": key_id, "key_hash": hash_secret(secret), "rotated_at": datetime.now(UTC)})
        log.info("principal %s: key rotated", name)
        return key

    def count_active(self) -> int:
        """Principals not revoked."""
        with self.engine.connect() as con:
            return int(con.execute(sa.select(sa.func.count()).select_from(PRINCIPALS)
                                   .where(PRINCIPALS.c.revoked_at.is_(None))).scalar_one())

    def _update(self, name: str, values: dict) -> None:
        with self.engine.begin() as con:
            done = con.execute(PRINCIPALS.update().where(PRINCIPALS.c.name == name)
                               .where(PRINCIPALS.c.revoked_at.is_(None)).values(**values))
        if done.rowcount != 1:
            raise PrincipalError(f"no active principal named {name!r}")

    # -- authentication -------------------------------------------------------------------------------------
    def authenticate(self, key: str | None) -> Principal | None:
        """The principal a key belongs to, or None (unknown, wrong, revoked or rotated-away key)."""
        decided, principal = self._known(key, self._by_id.first)
        return principal if decided else self._verify(key)

    def authenticate_now(self, key: str | None) -> tuple[bool, Principal | None]:
        """(True, the principal or None) when the key was verified before or is refused without its slow hash, read
        without waiting for a lock; (False, None) when only `authenticate` can tell (a key this worker has not
        verified yet, scrypt: tens of milliseconds) or the database is busy."""
        try:
            return self._known(key, self._by_id.first_now)
        except BusyError:
            return False, None

    def _known(self, key: str | None, read: Callable[[dict], tuple | None]) -> tuple[bool, Principal | None]:
        if not key:
            return True, None
        match = KEY_PATTERN.match(key)
        if match is None:
            return True, self._dev(key)
        cached = self._verified.get(hashlib.sha256(key.encode()).digest())
        if cached is None:
            return False, None
        found = read({"id": cached[0]})  # re-read on every request: a revocation counts on the next one
        if found is None:
            return True, None
        row = _Row(*found)
        if row.revoked_at is not None or row.key_id != match.group(1):
            return True, None
        if hmac.compare_digest(cached[1], row.key_hash):
            return True, _row_principal(row)
        return False, None  # a new hash under the same key id: verify again

    def _verify(self, key: str) -> Principal | None:
        """The slow path: the row by the key's id, the secret checked by scrypt, remembered when it matches."""
        match = KEY_PATTERN.match(key)
        found = self._by_key_id.first({"key_id": match.group(1)})
        if found is None:
            return None
        row = _Row(*found)
        if row.revoked_at is not None or not verify_secret(match.group(2), row.key_hash):
            return None
        if len(self._verified) > 10_000:  # a bounded memory of verified keys
            self._verified.clear()
        self._verified[hashlib.sha256(key.encode()).digest()] = (row.id, row.key_hash)
        return _row_principal(row)

    def by_subject(self, subject: str) -> Principal | None:
        """The active principal bound to an identity of the sign-in provider (e.g. an e-mail address)."""
        with self.engine.connect() as con:
            row = con.execute(sa.select(PRINCIPALS).where(PRINCIPALS.c.subject == subject)).first()
        return None if row is None or row.revoked_at is not None else _row_principal(row)

    def _dev(self, key: str) -> Principal | None:
        given = key.encode("utf-8", "surrogateescape")
        found = False
        for dev_key in self.dev_keys:
            found |= hmac.compare_digest(given, dev_key)
        return Principal(DEV_PRINCIPAL, "service", ROLE_SCOPES["service"]) if found else None


def principal_store(settings: Settings) -> PrincipalStore:
    """The principals of the events database HC_EVENTS_URL (its tables created when missing)."""
    return PrincipalStore(EventStore(settings.events_url).engine)


def development_advisor(settings: Settings) -> str | None:
    """In development, when nobody can call the API (no principal, no HC_API_KEYS): add the advisor `dev-advisor`
    and return its key, to be shown once. None otherwise: production never creates or prints a key."""
    if settings.env == "production" or settings.api_keys or settings.api_key_file:
        return None
    store = principal_store(settings)
    if store.count_active() > 0:
        return None
    return store.add(DEV_ADVISOR, "advisor")
