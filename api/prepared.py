"""Statements run on every request, compiled once and executed on the driver's own connection.

The access checks run two queries per request (the principal's row, the rate-limit counter). Built and executed
through SQLAlchemy Core they cost 40-90 µs each in a loop and several times that inside a busy worker (statement
construction, execution context, result processing); on the pooled driver connection the same query costs about
12 µs (`make bench-api` measures what the checks add). The SQL still comes from the tables of
`common/contracts/events.py`, compiled for the engine's dialect, so SQLite and server databases take the same path.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa


class Prepared:
    """One statement with named parameters, compiled for `engine`'s dialect, run on a pooled driver connection."""

    def __init__(self, engine: sa.Engine, statement: sa.ClauseElement) -> None:
        self.engine = engine
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
        connection = self.engine.raw_connection()
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
