"""The parity comparison on hand-made tables: every kind of difference is found and named."""

from __future__ import annotations

import pyarrow as pa
import pytest

from dbt_project.pipeline.parity import Mart, compare, differing_rows


def mart(columns: dict[str, list], types: list[str], arrow_types: list[pa.DataType] | None = None) -> Mart:
    arrays = [pa.array(v, type=arrow_types[i] if arrow_types else None) for i, v in enumerate(columns.values())]
    return Mart(list(columns), types, pa.table(dict(zip(columns, arrays, strict=True))))


DUCK = mart({"client_id": [3, 1, 2], "split": ["a", "b", None], "amount": [1.5, None, 1e6], "months": [7, 8, 9]},
            ["BIGINT", "VARCHAR", "DOUBLE", "HUGEINT"],
            [pa.int64(), pa.string(), pa.float64(), pa.decimal128(38, 0)])


def spark(**changes: list) -> Mart:
    columns = {"client_id": [1, 2, 3], "split": ["b", None, "a"], "amount": [None, 1e6, 1.5], "months": [8, 9, 7]}
    return mart(columns | changes, ["bigint", "string", "double", "bigint"])


def test_equal_tables_in_another_row_order_agree() -> None:
    assert compare(DUCK, spark()) is None


def test_floats_agree_to_a_relative_1e_9_not_more() -> None:
    assert compare(DUCK, spark(amount=[None, 1e6 * (1 + 9e-10), 1.5])) is None
    difference = compare(DUCK, spark(amount=[None, 1e6 * (1 + 2e-9), 1.5]))
    assert (difference.kind, difference.column, difference.client) == ("values", "amount", 2)
    assert difference.duckdb == 1e6


def test_a_null_in_another_place_is_a_difference() -> None:
    difference = compare(DUCK, spark(split=["b", "x", "a"]))
    assert (difference.kind, difference.column, difference.client, difference.duckdb, difference.spark) == (
        "values", "split", 2, None, "x")


def test_the_first_differing_column_and_its_smallest_client_are_named() -> None:
    difference = compare(DUCK, spark(split=["b", None, "z"], months=[8, 0, 0]))
    assert (difference.column, difference.client) == ("split", 3)
    assert str(difference) == "values differ in column split for client 3: DuckDB 'a', Spark 'z'"


def test_missing_or_extra_clients_are_named() -> None:
    other = mart({"client_id": [1, 2, 4], "split": ["b", None, "a"], "amount": [None, 1e6, 1.5], "months": [8, 9, 7]},
                 ["bigint", "string", "double", "bigint"])
    difference = compare(DUCK, other)
    assert (difference.kind, difference.client, difference.duckdb, difference.spark) == ("clients", 3, True, False)


def test_column_names_order_and_types_are_checked() -> None:
    renamed = spark()
    renamed = Mart(["client_id", "amount", "split", "months"], renamed.types, renamed.rows)
    assert str(compare(DUCK, renamed)) == "columns differ in column #2: DuckDB 'split', Spark 'amount'"
    retyped = Mart(DUCK.columns, ["bigint", "string", "double", "int"], spark().rows)
    difference = compare(DUCK, retyped)
    assert (difference.kind, difference.column, difference.duckdb, difference.spark) == ("types", "months", "HUGEINT", "int")


def test_nan_equals_nan_but_not_a_number() -> None:
    a, b = pa.chunked_array([[float("nan"), 1.0]]), pa.chunked_array([[float("nan"), float("nan")]])
    assert differing_rows(a, b).tolist() == [False, True]


@pytest.mark.parametrize("value", [2**63, -(2**63) - 1])
def test_a_hugeint_beyond_64_bits_fails_rather_than_wraps(value: int) -> None:
    duck = mart({"client_id": [1], "months": [value]}, ["BIGINT", "HUGEINT"], [pa.int64(), pa.decimal128(38, 0)])
    other = mart({"client_id": [1], "months": [0]}, ["bigint", "bigint"])
    with pytest.raises(pa.ArrowInvalid):
        compare(duck, other)
