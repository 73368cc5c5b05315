"""Build the committed column specification and generator calibration from the shared Home Credit facts.

Run once by a developer (needs ../shared); the outputs are committed data:
- common/contracts/columns.json: tables, Kaggle file names, columns (name, order, dtype, categories, description);
- warehouse/synth/calibration.json: per-column quantiles and category frequencies measured on the genuine rows
  (aggregates only, never rows).
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

TABLES = {
    "application_train": "application_train.csv",
    "application_test": "application_test.csv",
    "bureau": "bureau.csv",
    "bureau_balance": "bureau_balance.csv",
    "previous_application": "previous_application.csv",
    "POS_CASH_balance": "POS_CASH_balance.csv",
    "installments_payments": "installments_payments.csv",
    "credit_card_balance": "credit_card_balance.csv",
}
RAW_NAMES = {k: k.lower() for k in TABLES}
QUANTILES = np.linspace(0, 1, 201)


def extra_categories(schema_md: str) -> dict[str, dict[str, list[str]]]:
    """Categories that exist in the full data but not in the samples ('also in full data' in SCHEMA.md)."""
    out: dict[str, dict[str, list[str]]] = {}
    table = None
    for line in schema_md.splitlines():
        m = re.match(r"### (\w+) — column table", line)
        if m:
            table = m.group(1)
            continue
        m = re.search(r"\| `(\w+)` \|.*also in full data:\*\* ([^|]*)\|", line)
        if m and table:
            text = re.sub(r"\([^)]*\)", "", m.group(2))
            values = [v.strip() for v in text.split(";") if v.strip()]
            out.setdefault(table, {})[m.group(1)] = values
    return out


def read_sample(path: Path) -> pd.DataFrame:
    df = pd.read_csv(path, low_memory=False, na_values=["NA"])
    first = df.columns[0]
    if first.startswith("Unnamed") or first == "":
        df = df.drop(columns=first)
    return df.rename(columns={"DEFAULTED": "TARGET"})


def build(shared: Path, out_spec: Path, out_calib: Path) -> None:
    facts = json.loads((shared / "schema_facts.json").read_text())
    extras = extra_categories((shared / "SCHEMA.md").read_text())
    spec: dict = {"tables": {}}
    calib: dict = {}
    for table, fname in TABLES.items():
        cols = []
        for c in facts[table]["columns"]:
            col = {"name": c["name"], "dtype": c["pandas_dtype"], "description": c["description"]}
            if "categories" in c:
                cats = list(c["categories"]) + [v for v in extras.get(table, {}).get(c["name"], [])
                                                if v not in c["categories"]]
                col["categories"] = cats
            cols.append(col)
        spec["tables"][table] = {"file": fname, "raw_table": RAW_NAMES[table], "columns": cols}
        frames = [read_sample(shared / "real_samples" / s) for s in facts[table]["sources"]]
        pooled = pd.concat(frames, ignore_index=True)
        tcal = {}
        for c in facts[table]["columns"]:
            name = c["name"]
            entry = {"nan_pct": c["sample_nan_pct"]}
            if "categories" in c:
                entry["freq"] = c["categories"]
            elif name in pooled:
                s = pd.to_numeric(pooled[name], errors="coerce").dropna()
                if len(s):
                    entry["q"] = [float(x) for x in np.quantile(s, QUANTILES)]
                    entry["all_int"] = bool(c.get("all_int", False))
            tcal[name] = entry
        calib[table] = tcal
    out_spec.write_text(json.dumps(spec, indent=1, ensure_ascii=False) + "\n")
    out_calib.write_text(json.dumps(calib, ensure_ascii=False, separators=(",", ":")) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path("../shared/homecredit"),
                        help="folder holding schema_facts.json, SCHEMA.md and real_samples/")
    args = parser.parse_args()
    root = Path(__file__).resolve().parents[1]
    build(args.shared, root / "common" / "contracts" / "columns.json", root / "warehouse" / "synth" / "calibration.json")


if __name__ == "__main__":
    main()
