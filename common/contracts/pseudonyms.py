"""Pseudonyms of client ids: what published artefacts (MLflow runs) carry where a join on clients is needed.

HMAC-SHA256 of the client id under a random key that lives in the warehouse only (`raw._pseudonym_key`, written once
by the loader and kept across reloads). Whoever holds the warehouse can join an artefact to its clients (training,
monitoring, the technology watch, all reading the warehouse anyway); whoever holds only the artefact cannot, and
cannot enumerate the ids to find them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable

import duckdb

KEY_TABLE = "raw._pseudonym_key"
COLUMN = "client_pseudonym"  # the column of an artefact that holds them


def ensure_key(con: duckdb.DuckDBPyConnection) -> None:
    """Create the warehouse's key when it has none (the loader's job; an existing key is never changed)."""
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute(f"CREATE TABLE IF NOT EXISTS {KEY_TABLE} (key VARCHAR NOT NULL)")
    if not con.execute(f"SELECT count(*) FROM {KEY_TABLE}").fetchall()[0][0]:
        con.execute(f"INSERT INTO {KEY_TABLE} VALUES (?)", [secrets.token_hex(32)])


def read_key(con: duckdb.DuckDBPyConnection) -> bytes:
    """The warehouse's key.

    Raises:
        LookupError: the warehouse has none (loaded before pseudonyms existed: load the data again).
    """
    try:
        rows = con.execute(f"SELECT key FROM {KEY_TABLE}").fetchall()
    except duckdb.CatalogException:
        rows = []
    if not rows:
        raise LookupError(f"the warehouse has no pseudonym key ({KEY_TABLE}): load the data again (`make load`)")
    return bytes.fromhex(rows[0][0])


def pseudonymize(client_ids: Iterable[int], key: bytes) -> list[str]:
    """The pseudonym of each client id (24 hex characters)."""
    return [hmac.new(key, str(int(i)).encode(), hashlib.sha256).hexdigest()[:24] for i in client_ids]
