"""User-facing load errors, and the rewriting of DuckDB's CSV reader errors into them."""

from __future__ import annotations

import re

# The marker of the error() raised in SQL when an int64 column holds a non-integral or empty value.
NOT_INTEGER_MARKER = "hc-not-integer"

_LINE = re.compile(r"CSV Error on Line: (\d+)")
_CONVERSION = re.compile(
    r"Error when converting column \"(?P<column>.+?)\"\. "
    r"Could not convert string \"(?P<value>.*?)\" to '(?P<type>\w+)'"
)
_FIELD_COUNT = re.compile(r"Expected Number of Columns: (?P<expected>\d+) Found: (?P<found>\d+)")
_NOT_INTEGER = re.compile(re.escape(NOT_INTEGER_MARKER) + r"\|(?P<column>[^|]*)\|(?P<value>.*)")


class LoadError(Exception):
    """A problem in the input for the user to fix; the message names the file, and line and column if known.

    Attributes:
        file: the file (or database) the problem is in.
        detail: what is wrong.
        line: 1-based line number in the file (the header is line 1), when known.
        column: the column name, when known.
    """

    def __init__(self, file: str, detail: str, *, line: int | None = None, column: str | None = None) -> None:
        self.file = file
        self.detail = detail
        self.line = line
        self.column = column
        super().__init__(self.message)

    @property
    def message(self) -> str:
        where = [self.file]
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column is not None:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.detail}"

    def __str__(self) -> str:
        return self.message


def expected_kind(dtype: str) -> str:
    """How a value of a specification dtype is described in messages."""
    return {"int64": "an integer", "float64": "a number"}.get(dtype, "a text")


def is_invalid_unicode(message: str) -> bool:
    """Whether a DuckDB error says that the file is not valid UTF-8."""
    return "Invalid unicode" in message


def not_integer_value(message: str) -> tuple[str, str] | None:
    """(column, value) of the SQL integrality check's error, or None for any other error."""
    match = _NOT_INTEGER.search(message)
    return (match["column"], match["value"]) if match else None


def describe_csv_error(file: str, message: str, dtypes: dict[str, str]) -> LoadError:
    """Rewrite a DuckDB CSV reader error into a LoadError naming the file, line, column and value.

    Args:
        file: the file name to report (DuckDB may have read a transcoded copy).
        message: the DuckDB exception text.
        dtypes: column name -> specification dtype, to say what was expected.

    Returns:
        The LoadError to raise.
    """
    line_match = _LINE.search(message)
    line = int(line_match[1]) if line_match else None
    if conversion := _CONVERSION.search(message):
        column = conversion["column"]
        kind = expected_kind(dtypes.get(column, "float64"))
        return LoadError(file, f"value {conversion['value']!r} is not {kind}", line=line, column=column)
    if count := _FIELD_COUNT.search(message):
        detail = f"{count['found']} fields where the header has {count['expected']}"
        return LoadError(file, detail, line=line)
    if "unterminated quote" in message:
        return LoadError(file, 'a quoted value is never closed (unterminated ")', line=line)
    if is_invalid_unicode(message):
        return LoadError(file, "invalid byte sequence: the file is not UTF-8", line=line)
    lines = [text.strip() for text in message.splitlines()]
    useful = [t for t in lines if t and not _LINE.search(t) and not t.startswith("Original Line")]
    first = useful[0] if useful else message
    if "CSV Error" in message:
        return LoadError(file, f"unreadable CSV: {first}", line=line)
    return LoadError(file, f"DuckDB failed while loading this file: {first}", line=line)
