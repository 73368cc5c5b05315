"""HomeCredit_columns_description.csv: one row per column, in the layout of Kaggle's description file."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from common.contracts.columns import load_spec

DESCRIPTIONS_PATH = Path(__file__).resolve().with_name("descriptions.json")
FILE_NAME = "HomeCredit_columns_description.csv"


def write_descriptions(out_dir: Path) -> Path:
    """Write the description file (cp1252, CRLF, unnamed index column, as the original)."""
    texts = json.loads(DESCRIPTIONS_PATH.read_text(encoding="utf-8"))
    special = texts.get("_special", {})
    spec = load_spec()
    path = out_dir / FILE_NAME
    with open(path, "w", encoding="cp1252", errors="replace", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(["", "Table", "Row", "Description", "Special"])
        index = 1
        for key, table in spec.items():
            if key == "application_test":
                continue  # Kaggle documents both application files under one name
            name = "application_{train|test}.csv" if key == "application_train" else table.file
            for col in table.column_names:
                writer.writerow([index, name, col, texts[key][col], special.get(key, {}).get(col, "")])
                index += 1
    return path
