"""Statements run on every request, compiled once and executed on the driver's own connection.

The access checks run two queries per request (the principal's row, the rate-limit counter). Built and executed
through SQLAlchemy Core they cost 40-90 µs each in a loop and several times that inside a busy worker (statement
construction, execution context, result processing); on the pooled driver connection the same query costs about
12 µs (`make bench-api` measures what the checks add). The SQL still comes from the tables of
`common/contracts/events.py`, compiled for the engine's dialect, so SQLite and server databases take the same path.

With a local SQLite file the checks run on the event loop itself (`first_now`): a thread hop per request, and the
extra handovers of the interpreter lock it brings under concurrency, cost more than the query. They must never wait
there: `first_now` uses connections whose busy timeout is 0 and raises `BusyError` when a lock is held elsewhere (another
worker writing its counter), and the caller runs the waiting `first` in a thread instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

SQLITE_BUSY, SQLITE_LOCKED = 5, 6


class BusyError(Exception):
    """The statement cannot run without waiting (no connection that never waits, or a lock held elsewhere)."""


class Prepared:
    """One statement with named parameters, compiled for `engine`'s dialect, run on a pooled driver connection;
    `nowait`: an engine on the same database whose connections never wait for a lock (SQLite busy timeout 0)."""

    def __init__(self, engine: sa.Engine, statement: sa.ClauseElement, nowait: sa.Engine | None = None) -> None:
        self.engine = engine
        self.nowait = nowait
        compiled = statement.compile(dialect=engine.dialect)
        self.sql = str(compiled)
        self.positional = compiled.positional
        self.order = tuple(compiled.positiontup or ()) if compiled.positional else ()
        self.defaults = dict(compiled.params)  # the statement's own literals (e.g. `count + 1`)

    def _params(self, values: Mapping[str, Any]) -> Any:
        merged = {**self.defaults, **values}
        return tuple(merged[name] for name in self.order) if self.positional else merged

    def first(self, values: Mapping[str, Any]) -> tuple | None:
        """The first row of the statement (a tuple in its columns' order), or None; committed."""
        return self._run(self.engine, values)

    def first_now(self, values: Mapping[str, Any]) -> tuple | None:
        """As `first`, without ever waiting for a lock.

        Raises:
            BusyError: there is no engine that never waits, or the database is locked now (nothing was changed).
        """
        if self.nowait is None:
            raise BusyError("no connection that never waits")
        try:
            return self._run(self.nowait, values)
        except Exception as error:  # the driver's own (raw connection) or wrapped by SQLAlchemy (pool checkout)
            driver_error = getattr(error, "orig", None) or error
            code = getattr(driver_error, "sqlite_errorcode", None)
            if code is not None and code & 0xFF in (SQLITE_BUSY, SQLITE_LOCKED):
                raise BusyError(str(driver_error)) from error
            raise

    def _run(self, engine: sa.Engine, values: Mapping[str, Any]) -> tuple | None:
        connection = engine.raw_connection()
        try:
            cursor = connection.cursor()
            try:
                cursor.execute(self.sql, self._params(values))
                rows = cursor.fetchall() if cursor.description is not None else []
            finally:
                cursor.close()
            connection.commit()
        except BaseException:
            connection.rollback()
            raise
        finally:
            connection.close()  # back to the pool
        return tuple(rows[0]) if rows else None
