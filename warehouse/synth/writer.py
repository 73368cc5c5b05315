"""CSV output formatted like Kaggle's files (pandas conventions), written chunk by chunk through DuckDB."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd


class CsvWriter:
    """Appends DataFrame chunks to one CSV: comma-separated, quoted when needed, empty = missing, `202500.0` floats."""

    def __init__(self, path: Path, columns: list[str], con: duckdb.DuckDBPyConnection):
        self.path = path
        self.part = path.with_suffix(".part")
        self.con = con
        self.rows = 0
        with open(path, "w", encoding="utf-8", newline="") as fh:
            fh.write(",".join(f'"{c}"' if "," in c else c for c in columns) + "\n")

    def write(self, frame: pd.DataFrame) -> None:
        if frame.empty:
            return
        self.con.register("chunk", frame)
        self.con.execute(f"COPY chunk TO '{self.part}' (FORMAT csv, HEADER false, DELIMITER ',')")
        self.con.unregister("chunk")
        with open(self.path, "ab") as out, open(self.part, "rb") as part:
            while block := part.read(1 << 24):
                out.write(block)
        self.part.unlink()
        self.rows += len(frame)


def connection() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = true")
    return con
