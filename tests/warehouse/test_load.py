"""The loader: genuine files load typed; tolerated formats load; every bad input fails cleanly, raw unchanged."""

from __future__ import annotations

import csv
import io
import logging
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from common.contracts.columns import duckdb_type, load_spec
from common.settings import get_settings
from warehouse.load.cli import main
from warehouse.load.errors import LoadError, describe_csv_error
from warehouse.load.files import check_header
from warehouse.load.sql import is_integral_text

REPO_ROOT = Path(__file__).resolve().parents[2]
BOM = b"\xef\xbb\xbf"
REAL_ROWS = {
    "application_train": 1000,
    "application_test": 1000,
    "bureau": 3435,
    "bureau_balance": 3622,
    "previous_application": 4754,
    "pos_cash_balance": 626,
    "installments_payments": 7347,
    "credit_card_balance": 86,
}
NOTHING_REPLACED = "nothing was replaced: the raw tables of {db} are unchanged"


# --- helpers -------------------------------------------------------------------------------------------------


def run_load(data_dir: Path, db: Path) -> int:
    return main(["--data-dir", str(data_dir), "--duckdb-path", str(db)])


def error_messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]


def query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def raw_snapshot(db: Path) -> dict[str, list[tuple]]:
    """Every table of schema raw (staging tables included) with all its rows: the test data is small."""
    with duckdb.connect(str(db), read_only=True) as con:
        names = con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'raw' ORDER BY 1"
        ).fetchall()
        return {name: con.execute(f'SELECT * FROM raw."{name}"').fetchall() for (name,) in names}


def _read(path: Path) -> tuple[bool, list[str]]:
    raw = path.read_bytes()
    return raw.startswith(BOM), raw.removeprefix(BOM).decode("utf-8").splitlines(keepends=True)


def _write(path: Path, bom: bool, lines: list[str]) -> None:
    path.write_bytes((BOM if bom else b"") + "".join(lines).encode("utf-8"))


def _csv_line(fields: list[str], end: str) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=end).writerow(fields)
    return buffer.getvalue()


def edit_field(path: Path, line: int, column: str, value: str) -> None:
    """Set one field of a CSV file (line 1 is the header), keeping its BOM and line ends."""
    bom, lines = _read(path)
    header = next(csv.reader([lines[0]]))
    fields = next(csv.reader([lines[line - 1]]))
    fields[header.index(column)] = value
    lines[line - 1] = _csv_line(fields, "\r\n" if lines[line - 1].endswith("\r\n") else "\n")
    _write(path, bom, lines)


def drop_column(path: Path, column: str) -> None:
    """Remove a column from the header and from every row."""
    bom, lines = _read(path)
    index = next(csv.reader([lines[0]])).index(column)
    rows = [next(csv.reader([line])) for line in lines]
    end = "\r\n" if lines[0].endswith("\r\n") else "\n"
    _write(path, bom, [_csv_line(row[:index] + row[index + 1 :], end) for row in rows])


def drop_last_field(path: Path, line: int) -> None:
    bom, lines = _read(path)
    text = lines[line - 1]
    end = text[len(text.rstrip("\r\n")) :]
    lines[line - 1] = text.rstrip("\r\n").rsplit(",", 1)[0] + end
    _write(path, bom, lines)


def put_bytes(path: Path, line: int, column: str, value: bytes) -> None:
    """Set a field to raw bytes (e.g. an invalid byte sequence)."""
    edit_field(path, line, column, "@@PLACEHOLDER@@")
    path.write_bytes(path.read_bytes().replace(b"@@PLACEHOLDER@@", value))


def rename_header_column(path: Path, old: str, new: str) -> None:
    bom, lines = _read(path)
    lines[0] = lines[0].replace(old, new)
    _write(path, bom, lines)


@pytest.fixture(scope="session")
def real_snapshot(loaded_real: Path) -> dict[str, list[tuple]]:
    return raw_snapshot(loaded_real)


# --- the specification --------------------------------------------------------------------------------------


def test_spec_tables_files_column_counts_and_keys() -> None:
    spec = load_spec()
    summary = {key: (t.file, t.raw_table, len(t.columns), t.primary_key) for key, t in spec.items()}
    assert summary == {
        "application_train": ("application_train.csv", "application_train", 122, "SK_ID_CURR"),
        "application_test": ("application_test.csv", "application_test", 121, "SK_ID_CURR"),
        "bureau": ("bureau.csv", "bureau", 17, "SK_ID_BUREAU"),
        "bureau_balance": ("bureau_balance.csv", "bureau_balance", 3, None),
        "previous_application": ("previous_application.csv", "previous_application", 37, "SK_ID_PREV"),
        "POS_CASH_balance": ("POS_CASH_balance.csv", "pos_cash_balance", 8, None),
        "installments_payments": ("installments_payments.csv", "installments_payments", 8, None),
        "credit_card_balance": ("credit_card_balance.csv", "credit_card_balance", 23, None),
    }
    assert spec["bureau_balance"].column_names == ["SK_ID_BUREAU", "MONTHS_BALANCE", "STATUS"]


def test_duckdb_type_maps_the_three_dtypes_and_rejects_others() -> None:
    assert [duckdb_type(d) for d in ("int64", "float64", "object")] == ["BIGINT", "DOUBLE", "VARCHAR"]
    with pytest.raises(ValueError, match="unknown dtype 'bool'"):
        duckdb_type("bool")


# --- pure pieces --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "accepted"),
    [("5", True), ("5.0", True), ("-9461", True), ("1e+05", True), ("5.5", False), ("", False),
     ("abc", False), ("inf", False), ("nan", False), ("9007199254740991", True), ("9007199254740993", False)],
)
def test_int64_fields_accept_integral_numbers_only(text: str, accepted: bool) -> None:
    assert is_integral_text(text) is accepted


@pytest.mark.parametrize(
    ("found", "message"),
    [
        (["A", "C"], "t.csv, line 1: missing column B (the header must list the 3 specified columns, in order)"),
        (
            ["A", "B", "C", "X y"],
            "t.csv, line 1: unexpected column 'X y' (the header must list the 3 specified columns, in order)",
        ),
        (
            ["A", "C", "B"],
            "t.csv, line 1: columns out of order: column 2 is C, the spec has B "
            "(the header must list the 3 specified columns, in order)",
        ),
        (
            ["A;B;C"],
            "t.csv, line 1: missing columns A, B, C; unexpected column 'A;B;C'; the file must be comma-separated "
            "(the header must list the 3 specified columns, in order)",
        ),
    ],
)
def test_header_problems_are_named(found: list[str], message: str) -> None:
    with pytest.raises(LoadError) as caught:
        check_header("t.csv", found, ["A", "B", "C"])
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("duckdb_message", "message"),
    [
        (
            "Conversion Error: CSV Error on Line: 3\nOriginal Line: 3,abc,y\n"
            "Error when converting column \"AMT_CREDIT\". Could not convert string \"abc\" to 'DOUBLE'\n\n"
            "Column AMT_CREDIT is being converted as type DOUBLE\n",
            "t.csv, line 3, column AMT_CREDIT: value 'abc' is not a number",
        ),
        (
            "Invalid Input Error: CSV Error on Line: 2\nOriginal Line: 1,2,\"x\n\n"
            "Value with unterminated quote found.\n",
            't.csv, line 2: a quoted value is never closed (unterminated ")',
        ),
        (
            "Invalid Input Error: CSV Error on Line: 9\nOriginal Line: 1\n\nSomething new happened.\n",
            "t.csv, line 9: unreadable CSV: Something new happened.",
        ),
        (
            "Out of Memory Error: failed to allocate data of size 16.0 MiB",
            "t.csv: DuckDB failed while loading this file: Out of Memory Error: failed to allocate data of size "
            "16.0 MiB",
        ),
    ],
)
def test_duckdb_errors_are_rewritten(duckdb_message: str, message: str) -> None:
    assert str(describe_csv_error("t.csv", duckdb_message, {"AMT_CREDIT": "float64"})) == message


# --- the genuine slice ---------------------------------------------------------------------------------------


def test_real_slice_loads_typed(real_slice: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="warehouse.load")
    db = tmp_path / "homecredit.duckdb"

    assert run_load(real_slice, db) == 0

    counts = {t: query(db, f"SELECT count(*) FROM raw.{t}")[0][0] for t in REAL_ROWS}
    assert counts == REAL_ROWS
    for table in load_spec().values():
        types = query(
            db,
            "SELECT column_name, data_type FROM information_schema.columns "
            f"WHERE table_schema = 'raw' AND table_name = '{table.raw_table}' ORDER BY ordinal_position",
        )
        assert types == [(c.name, c.duckdb_type) for c in table.columns]
    assert query(db, "SELECT * FROM raw.bureau WHERE SK_ID_BUREAU = 5896630") == [
        (100001, 5896630, "Closed", "currency 1", -857, 0, -492.0, -553.0, None, 0, 112500.0, 0.0, 0.0, 0.0,
         "Consumer credit", -155, 0.0)
    ]
    assert query(db, "SELECT count(*) FROM raw.application_train WHERE WALLSMATERIAL_MODE = 'Stone, brick'") == [
        (228,)
    ]
    assert query(db, "SELECT sum(TARGET), count(*) - count(EXT_SOURCE_1) FROM raw.application_train") == [
        (70, 576)
    ]
    assert query(
        db, "SELECT count(*) - count(RATE_INTEREST_PRIMARY), count(*) - count(AMT_ANNUITY) FROM raw.previous_application"
    ) == [(4741, 1092)]
    assert query(db, "SELECT AMT_INCOME_TOTAL, CNT_FAM_MEMBERS FROM raw.application_test WHERE SK_ID_CURR = 100001") == [
        (135000.0, 2.0)
    ]
    manifest = query(db, "SELECT file_name, raw_table, size_bytes, encoding, row_count FROM raw._load_manifest")
    assert manifest == [
        (t.file, f"raw.{t.raw_table}", (real_slice / t.file).stat().st_size, "utf-8", REAL_ROWS[t.raw_table])
        for t in load_spec().values()
    ]
    table_lines = [r.getMessage() for r in caplog.records if r.name == "warehouse.load.loader"]
    assert table_lines[2].startswith(f"{'raw.bureau':<28} {'3,435':>12} rows ")
    assert len(table_lines) == 9


def test_reload_keeps_fingerprints_and_an_edit_changes_one(real_data: Path, tmp_path: Path) -> None:
    db = tmp_path / "homecredit.duckdb"
    assert run_load(real_data, db) == 0
    first = dict(query(db, "SELECT file_name, fingerprint FROM raw._load_manifest"))
    assert run_load(real_data, db) == 0
    assert dict(query(db, "SELECT file_name, fingerprint FROM raw._load_manifest")) == first

    edit_field(real_data / "bureau.csv", 1000, "CREDIT_DAY_OVERDUE", "7")  # same size: 0 -> 7
    assert run_load(real_data, db) == 0

    after = dict(query(db, "SELECT file_name, fingerprint FROM raw._load_manifest"))
    assert [name for name in first if first[name] != after[name]] == ["bureau.csv"]
    assert query(db, "SELECT count(*) FROM raw.bureau WHERE CREDIT_DAY_OVERDUE = 7") == [(1,)]


def test_leftover_staging_tables_of_an_interrupted_load_are_dropped(real_slice: Path, warehouse: Path) -> None:
    with duckdb.connect(str(warehouse)) as con:
        con.execute("CREATE TABLE raw._loading_bureau AS SELECT 1 AS x")

    assert run_load(real_slice, warehouse) == 0

    assert query(warehouse, "SELECT count(*) FROM information_schema.tables WHERE table_name LIKE '\\_loading%' "
                 "ESCAPE '\\'") == [(0,)]


# --- bad inputs: a clear error, exit 1, raw unchanged --------------------------------------------------------

BAD_INPUTS: dict[str, tuple[Callable[[Path], None], str]] = {
    "missing file": (
        lambda d: (d / "credit_card_balance.csv").unlink(),
        "{dir}: missing file credit_card_balance.csv",
    ),
    "missing column in bureau.csv": (
        lambda d: drop_column(d / "bureau.csv", "AMT_ANNUITY"),
        "bureau.csv, line 1: missing column AMT_ANNUITY (the header must list the 17 specified columns, in order)",
    ),
    "unexpected column": (
        lambda d: rename_header_column(d / "POS_CASH_balance.csv", "SK_DPD_DEF", "SK_DPD_DEF2"),
        "POS_CASH_balance.csv, line 1: missing column SK_DPD_DEF; unexpected column SK_DPD_DEF2 "
        "(the header must list the 8 specified columns, in order)",
    ),
    "non-numeric AMT_CREDIT": (
        lambda d: edit_field(d / "application_train.csv", 6, "AMT_CREDIT", "5l3000"),
        "application_train.csv, line 6, column AMT_CREDIT: value '5l3000' is not a number",
    ),
    "non-integral DAYS_BIRTH": (
        lambda d: edit_field(d / "application_train.csv", 4, "DAYS_BIRTH", "-19046.5"),
        "application_train.csv, line 4, column DAYS_BIRTH: value '-19046.5' is not an integer",
    ),
    "empty integer field": (
        lambda d: edit_field(d / "bureau_balance.csv", 5, "MONTHS_BALANCE", ""),
        "bureau_balance.csv, line 5, column MONTHS_BALANCE: "
        "empty value in an integer column (int64 columns have no missing values)",
    ),
    "duplicate SK_ID_CURR": (
        lambda d: edit_field(d / "application_train.csv", 10, "SK_ID_CURR", "100002"),
        "application_train.csv, column SK_ID_CURR: duplicate primary key 100002 (2 rows, on lines 2 and 10)",
    ),
    "0-byte bureau.csv": (
        lambda d: (d / "bureau.csv").write_bytes(b""),
        "bureau.csv: the file is empty (0 bytes): expected at least the header line",
    ),
    "invalid byte sequence": (
        lambda d: put_bytes(d / "application_test.csv", 7, "NAME_TYPE_SUITE", b"Unacc\x81mpanied"),
        "application_test.csv, line 7: invalid byte 0x81: the file is neither UTF-8 nor cp1252",
    ),
    "UTF-16 file": (
        lambda d: (d / "bureau_balance.csv").write_bytes((d / "bureau_balance.csv").read_text().encode("utf-16")),
        "bureau_balance.csv, line 1: NUL bytes in the header: the file looks UTF-16 encoded, "
        "neither UTF-8 nor cp1252",
    ),
    "short row": (
        lambda d: drop_last_field(d / "installments_payments.csv", 5),
        "installments_payments.csv, line 5: 7 fields where the header has 8",
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_fails_with_a_clear_error_and_leaves_raw_unchanged(
    case: str,
    real_data: Path,
    warehouse: Path,
    real_snapshot: dict[str, list[tuple]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    break_input, expected = BAD_INPUTS[case]
    break_input(real_data)

    assert run_load(real_data, warehouse) == 1

    assert error_messages(caplog) == [
        "load failed: " + expected.format(dir=real_data),
        NOTHING_REPLACED.format(db=warehouse),
    ]
    assert raw_snapshot(warehouse) == real_snapshot


def test_an_unreadable_warehouse_is_a_clean_error(real_slice: Path, tmp_path: Path, caplog) -> None:
    db = tmp_path / "homecredit.duckdb"
    db.write_text("not a database " * 1000)

    assert run_load(real_slice, db) == 1

    messages = error_messages(caplog)
    assert messages[0].startswith(f"load failed: {db}: cannot open the DuckDB warehouse: IO Error")
    assert len(messages) == 2


def test_command_line_exit_status_and_no_traceback(real_data: Path, tmp_path: Path) -> None:
    (real_data / "bureau.csv").write_bytes(b"")
    command = [sys.executable, "-m", "warehouse.load", "--data-dir", str(real_data), "--duckdb-path",
               str(tmp_path / "w.duckdb")]

    done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=False)

    assert done.returncode == 1
    assert "load failed: bureau.csv: the file is empty (0 bytes): expected at least the header line" in done.stderr
    assert "Traceback" not in done.stderr


def test_help_explains_every_option() -> None:
    done = subprocess.run([sys.executable, "-m", "warehouse.load", "--help"], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0
    assert "--data-dir DATA_DIR   folder holding the eight CSV files" in done.stdout
    assert "DuckDB warehouse file, created when absent" in done.stdout


def test_settings_come_from_the_environment(real_slice: Path, tmp_path: Path, monkeypatch) -> None:
    db = tmp_path / "from_env.duckdb"
    monkeypatch.setenv("HC_DATA_DIR", str(real_slice))
    monkeypatch.setenv("HC_DUCKDB_PATH", str(db))
    get_settings.cache_clear()
    try:
        assert main([]) == 0
    finally:
        get_settings.cache_clear()
    assert query(db, "SELECT count(*) FROM raw._load_manifest") == [(8,)]


def test_synthetic_files_load(tmp_path: Path) -> None:
    from warehouse.synth.generate import generate

    generate(300, 1, tmp_path / "raw", tmp_path / "oracle" / "default_probability.csv", progress=False)
    db = tmp_path / "w.duckdb"

    assert run_load(tmp_path / "raw", db) == 0

    for table in load_spec().values():
        with (tmp_path / "raw" / table.file).open(encoding="utf-8-sig", newline="") as fh:
            data_rows = sum(1 for _ in csv.reader(fh)) - 1
        assert query(db, f"SELECT count(*) FROM raw.{table.raw_table}") == [(data_rows,)], table.file


# --- tolerated formats, on tiny hand-written files ------------------------------------------------------------


def test_bom_crlf_quoted_fields_and_float_formatted_integers_load(
    header_only_dir: Path, write_csv, tmp_path: Path
) -> None:
    rows = [
        {"SK_ID_CURR": "100002", "TARGET": "1.0", "CNT_CHILDREN": "2.0", "AMT_INCOME_TOTAL": "202500",
         "AMT_CREDIT": "406597.5", "NAME_TYPE_SUITE": "Spouse, partner", "WALLSMATERIAL_MODE": "Stone, brick",
         "ORGANIZATION_TYPE": 'Trade: "type" 7', "DAYS_BIRTH": "-9461", "CNT_FAM_MEMBERS": "1.0"},
        {"SK_ID_CURR": "100003", "TARGET": "0", "DAYS_BIRTH": "-16765.0", "AMT_INCOME_TOTAL": "270000.0"},
    ]
    write_csv(header_only_dir / "application_train.csv", "application_train", rows, bom=True, newline="\r\n",
              quote_all=True)
    write_csv(header_only_dir / "bureau.csv", "bureau",
              [{"SK_ID_CURR": "100002", "SK_ID_BUREAU": "6158904", "CREDIT_TYPE": "Consumer credit"}],
              bom=True, newline="\r\n")
    db = tmp_path / "w.duckdb"

    assert run_load(header_only_dir, db) == 0

    assert query(
        db,
        "SELECT SK_ID_CURR, TARGET, CNT_CHILDREN, AMT_INCOME_TOTAL, AMT_CREDIT, NAME_TYPE_SUITE, WALLSMATERIAL_MODE, "
        "ORGANIZATION_TYPE, DAYS_BIRTH, CNT_FAM_MEMBERS, EXT_SOURCE_1 FROM raw.application_train ORDER BY 1",
    ) == [
        (100002, 1, 2, 202500.0, 406597.5, "Spouse, partner", "Stone, brick", 'Trade: "type" 7', -9461, 1.0,
         None),
        (100003, 0, 0, 270000.0, None, None, None, None, -16765, None, None),
    ]
    assert query(db, "SELECT SK_ID_CURR, SK_ID_BUREAU, CREDIT_TYPE FROM raw.bureau") == [
        (100002, 6158904, "Consumer credit")
    ]


def test_header_only_history_files_load_as_empty_typed_tables(
    header_only_dir: Path, write_csv, tmp_path: Path
) -> None:
    write_csv(header_only_dir / "application_train.csv", "application_train",
              [{"SK_ID_CURR": "100002"}, {"SK_ID_CURR": "100003"}])
    write_csv(header_only_dir / "application_test.csv", "application_test", [{"SK_ID_CURR": "100001"}])
    db = tmp_path / "w.duckdb"

    assert run_load(header_only_dir, db) == 0

    counts = {t.raw_table: query(db, f"SELECT count(*) FROM raw.{t.raw_table}")[0][0] for t in load_spec().values()}
    assert counts == {"application_train": 2, "application_test": 1, "bureau": 0, "bureau_balance": 0,
                      "previous_application": 0, "pos_cash_balance": 0, "installments_payments": 0,
                      "credit_card_balance": 0}
    assert query(db, "SELECT data_type FROM information_schema.columns WHERE table_schema = 'raw' "
                 "AND table_name = 'credit_card_balance' AND column_name IN ('SK_ID_PREV', 'AMT_BALANCE', "
                 "'NAME_CONTRACT_STATUS') ORDER BY ordinal_position") == [("BIGINT",), ("DOUBLE",), ("VARCHAR",)]


def test_cp1252_file_with_non_ascii_text_loads(header_only_dir: Path, write_csv, tmp_path: Path) -> None:
    text = "Crédit – 5 €"  # é, en dash and euro sign: bytes E9, 96 and 80 in cp1252
    write_csv(header_only_dir / "application_train.csv", "application_train",
              [{"SK_ID_CURR": "100002", "ORGANIZATION_TYPE": text}], encoding="cp1252")
    assert b"\x96 5 \x80" in (header_only_dir / "application_train.csv").read_bytes()
    db = tmp_path / "w.duckdb"

    assert run_load(header_only_dir, db) == 0

    assert query(db, "SELECT ORGANIZATION_TYPE FROM raw.application_train") == [(text,)]
    assert list(tmp_path.glob(".load-*")) == []  # the UTF-8 copy is gone
    assert query(db, "SELECT file_name, encoding FROM raw._load_manifest WHERE encoding <> 'utf-8'") == [
        ("application_train.csv", "cp1252")
    ]
