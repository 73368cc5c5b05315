"""The CSV files around DuckDB: presence, header, encoding, fingerprint, and the line of a bad row."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from common.contracts.columns import TableSpec
from warehouse.load.errors import LoadError

UTF8 = "utf-8"
CP1252 = "cp1252"
_BOM = b"\xef\xbb\xbf"
_CHUNK = 1 << 20
_SHOWN = 5


@dataclass(frozen=True)
class FileFingerprint:
    """A cheap identity of a file: size, modification time, sha256 of both plus the first and last MiB."""

    size_bytes: int
    modified_at: datetime
    fingerprint: str


@dataclass(frozen=True)
class LoadedFile:
    """What one file became: its table, row count, encoding, fingerprint and load time."""

    table: TableSpec
    path: Path
    rows: int
    encoding: str
    fingerprint: FileFingerprint
    seconds: float
    origin: str = "external"  # "synthetic" when the generator wrote it (published artefacts may carry only those)


def locate_files(data_dir: Path, tables: Iterable[TableSpec]) -> dict[str, Path]:
    """The path of every table's file in `data_dir`; a LoadError lists the missing ones."""
    if not data_dir.is_dir():
        raise LoadError(str(data_dir), "the data folder does not exist (set HC_DATA_DIR or --data-dir)")
    paths = {table.key: data_dir / table.file for table in tables}
    missing = [path.name for path in paths.values() if not path.is_file()]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        raise LoadError(str(data_dir), f"missing file{plural} {', '.join(missing)}")
    return paths


def _decode_header(file: str, raw: bytes) -> str:
    raw = raw.removeprefix(_BOM)
    for encoding in (UTF8, CP1252):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError as error:
            bad = raw[error.start]
    raise LoadError(file, f"invalid byte 0x{bad:02X}: the file is neither UTF-8 nor cp1252", line=1)


def read_header(path: Path) -> list[str]:
    """The column names on the first line of a CSV file (BOM, CRLF and quotes allowed; UTF-8 or cp1252)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(_CHUNK)
    except OSError as error:
        raise LoadError(path.name, f"cannot read the file: {error.strerror}") from None
    if not head:
        raise LoadError(path.name, "the file is empty (0 bytes): expected at least the header line")
    first_line = head.split(b"\n", 1)[0]
    if b"\x00" in first_line:
        detail = "NUL bytes in the header: the file looks UTF-16 encoded, neither UTF-8 nor cp1252"
        raise LoadError(path.name, detail, line=1)
    text = _decode_header(path.name, first_line)
    names = next(csv.reader([text.rstrip("\r")]), [])
    if not any(name.strip() for name in names):
        raise LoadError(path.name, "no header: the first line is empty", line=1)
    return names


def _listed(names: list[str]) -> str:
    shown = ", ".join(repr(name) if not name.isidentifier() else name for name in names[:_SHOWN])
    return shown + (f" and {len(names) - _SHOWN} more" if len(names) > _SHOWN else "")


def check_header(file: str, found: list[str], expected: list[str]) -> None:
    """Compare a header with the specification, in order; a LoadError says what is missing, extra or moved."""
    if found == expected:
        return
    missing = [name for name in expected if name not in found]
    unexpected = [name for name in found if name not in expected]
    repeated = sorted({name for name in found if found.count(name) > 1})
    problems = []
    if missing:
        problems.append(f"missing column{'s' if len(missing) > 1 else ''} {_listed(missing)}")
    if unexpected:
        problems.append(f"unexpected column{'s' if len(unexpected) > 1 else ''} {_listed(unexpected)}")
    if repeated:
        problems.append(f"repeated column{'s' if len(repeated) > 1 else ''} {_listed(repeated)}")
    if not problems:
        i = next(i for i, (f, e) in enumerate(zip(found, expected, strict=True)) if f != e)
        problems.append(f"columns out of order: column {i + 1} is {found[i]}, the spec has {expected[i]}")
    if len(found) == 1 and ";" in found[0]:
        problems.append("the file must be comma-separated")
    detail = "; ".join(problems) + f" (the header must list the {len(expected)} specified columns, in order)"
    raise LoadError(file, detail, line=1)


def transcode_cp1252(source: Path, target: Path, file: str) -> None:
    """Write a UTF-8 copy of a cp1252 file; a LoadError gives the line of a byte cp1252 does not define."""
    lines_before = 0
    with source.open("rb") as src, target.open("w", encoding=UTF8, newline="") as dst:
        while chunk := src.read(_CHUNK):
            try:
                dst.write(chunk.decode(CP1252))
            except UnicodeDecodeError as error:
                line = lines_before + chunk.count(b"\n", 0, error.start) + 1
                detail = f"invalid byte 0x{chunk[error.start]:02X}: the file is neither UTF-8 nor cp1252"
                raise LoadError(file, detail, line=line) from None
            lines_before += chunk.count(b"\n")


def find_rows(
    path: Path, encoding: str, column: int, match: Callable[[str], bool], limit: int = 1
) -> list[tuple[int, str]]:
    """(line, value) of the first `limit` rows whose field `column` matches; for error messages only."""
    hits: list[tuple[int, str]] = []
    text_encoding = "utf-8-sig" if encoding == UTF8 else encoding
    with path.open(encoding=text_encoding, errors="replace", newline="") as fh:
        reader = csv.reader(fh)
        next(reader, None)
        for row in reader:
            if column < len(row) and match(row[column]):
                hits.append((reader.line_num, row[column]))
                if len(hits) == limit:
                    break
    return hits


def fingerprint(path: Path) -> FileFingerprint:
    """Size, mtime and sha256(size, mtime, first MiB, last MiB): cheap at 3.6 GB, changes on any edit."""
    stat = path.stat()
    digest = hashlib.sha256(f"{stat.st_size}:{stat.st_mtime_ns}:".encode())
    with path.open("rb") as fh:
        digest.update(fh.read(_CHUNK))
        if stat.st_size > _CHUNK:
            fh.seek(max(_CHUNK, stat.st_size - _CHUNK))
            digest.update(fh.read(_CHUNK))
    modified = datetime.fromtimestamp(stat.st_mtime, tz=UTC)
    return FileFingerprint(stat.st_size, modified, digest.hexdigest())
