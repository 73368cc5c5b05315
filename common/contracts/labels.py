"""French labels of the category values advisers see (`labels_fr.json`, beside the column specification).

One table for the whole product: the API puts these labels beside the raw values wherever it returns text for
people (reasons, contributions, profiles, population counts) and serves the whole table at `GET /v1/labels`, which
the dashboard reads once for its filters, tables and charts. The warehouse, the features and the model keep the
raw Kaggle values. `tests/warehouse/test_labels.py` checks the table against the specification's category sets.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

LABELS_PATH = Path(__file__).with_name("labels_fr.json")
LABELLED_TABLES = ("application_train", "application_test")  # the tables whose values a person can see
# Codes the API itself writes (booleans of the client profiles), not Kaggle values.
BOOLEAN_WORDS = MappingProxyType({"yes": "oui", "no": "non"})


@lru_cache(maxsize=2)
def load_labels(path: Path = LABELS_PATH) -> Mapping[str, Mapping[str, str]]:
    """Column (Kaggle name, e.g. `NAME_INCOME_TYPE`) -> raw value -> French label."""
    columns = json.loads(Path(path).read_text(encoding="utf-8"))["columns"]
    return MappingProxyType({c: MappingProxyType(dict(values)) for c, values in columns.items()})


def value_labels(path: Path = LABELS_PATH) -> dict[str, str]:
    """Raw value -> French label over every column (a value has one label whichever column holds it)."""
    flat: dict[str, str] = dict(BOOLEAN_WORDS)
    for values in load_labels(path).values():
        flat.update(values)
    return flat


def label_of(value: object, column: str | None = None) -> object:
    """The French label of a category value (of `column` when given); anything else is returned unchanged."""
    if not isinstance(value, str):
        return value
    if column is not None and (found := load_labels().get(column.upper(), {}).get(value)) is not None:
        return found
    return value_labels_cached().get(value, value)


@lru_cache(maxsize=1)
def value_labels_cached() -> Mapping[str, str]:
    """`value_labels()` of the committed table, computed once."""
    return MappingProxyType(value_labels())
