"""Write the `data_type` of every column of client_features (its enforced dbt contract) into _marts__models.yml.

The application's own columns take their type from the column specification (common/contracts/columns.json), as
the sources do; the derived features and the history aggregates take the type dbt's own SQL gives them, read
from a warehouse where the mart was built (`python -m dbt_project.pipeline` or `dbt build`). A spec column whose
built type differs from the specification is an error: the SQL changed a type the loader enforces. With the
contract enforced, a model change that alters a column's type fails `dbt build` until this is re-run:

    .venv/bin/python dbt_project/scripts/generate_contract.py [--warehouse warehouse/homecredit.duckdb] [--check]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from common.contracts.columns import load_spec  # noqa: E402

MARTS_YAML = REPO / "dbt_project" / "models" / "marts" / "_marts__models.yml"
MODEL = "client_features"
BUILT_TABLE = "feature_store.client_features_v1"
RENAMED = {"SK_ID_CURR": "client_id", "TARGET": "target"}  # staging's renames of the application columns


def spec_types() -> dict[str, str]:
    """Mart column -> DuckDB type, for the columns that come straight from the application files."""
    out: dict[str, str] = {}
    for key in ("application_train", "application_test"):
        for column in load_spec()[key].columns:
            out[RENAMED.get(column.name, column.name.lower())] = column.duckdb_type
    return out


def built_types(warehouse: Path) -> dict[str, str]:
    """Column -> type of the mart as dbt built it."""
    schema, table = BUILT_TABLE.split(".")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute("select column_name, data_type from information_schema.columns where table_schema = ? "
                           "and table_name = ? order by ordinal_position", [schema, table]).fetchall()
    if not rows:
        raise SystemExit(f"error: {BUILT_TABLE} is not in {warehouse}: build the features first (make features)")
    return dict(rows)


def contract_types(warehouse: Path) -> dict[str, str]:
    """Every column's contract type: the specification's for application columns, the build's for the others."""
    spec, built = spec_types(), built_types(warehouse)
    wrong = {c: (spec[c], t) for c, t in built.items() if c in spec and spec[c] != t}
    if wrong:
        raise SystemExit(f"error: the SQL changed the type of specification columns (spec, built): {wrong}")
    return {c: spec.get(c, t) for c, t in built.items()}


def with_types(text: str, types: dict[str, str]) -> str:
    """The YAML text with one `data_type:` line after each column name of the model (others untouched)."""
    lines, out, inside, seen = text.splitlines(), [], False, set()
    for line in lines:
        if re.match(r"^- name: ", line):
            inside = line == f"- name: {MODEL}"
        if inside and re.match(r"^    data_type: ", line):
            continue  # replaced below
        out.append(line)
        if inside and (m := re.match(r"^  - name: (\w+)$", line)):
            name = m.group(1)
            if name not in types:
                raise SystemExit(f"error: {name} is documented but not built")
            out.append(f"    data_type: {types[name]}")
            seen.add(name)
    if seen != set(types):
        raise SystemExit(f"error: built but not documented: {sorted(set(types) - seen)}")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warehouse", type=Path,
                        default=Path(os.environ.get("HC_DUCKDB_PATH", REPO / "warehouse" / "homecredit.duckdb")),
                        help="a warehouse where the mart was built (default: $HC_DUCKDB_PATH, else the repository's)")
    parser.add_argument("--check", action="store_true", help="exit 1 when the YAML is not up to date, write nothing")
    args = parser.parse_args(argv)
    current = MARTS_YAML.read_text(encoding="utf-8")
    updated = with_types(current, contract_types(args.warehouse))
    if args.check:
        if updated != current:
            print(f"{MARTS_YAML.relative_to(REPO)} is not up to date: run {Path(__file__).relative_to(REPO)}")
            return 1
        return 0
    MARTS_YAML.write_text(updated, encoding="utf-8")
    print(f"wrote the data_type of {updated.count('    data_type: ')} columns into {MARTS_YAML.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
