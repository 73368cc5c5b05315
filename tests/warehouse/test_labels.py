"""The French label table (common/contracts/labels_fr.json) against the column specification's category sets."""

from __future__ import annotations

import re

from common.contracts.columns import load_spec
from common.contracts.labels import LABELLED_TABLES, label_of, load_labels, value_labels

# Values whose French word is spelled as the English one.
SAME_IN_FRENCH = {"Construction", "Agriculture", "Police", "Services", "Culture", "Religion"}


def spec_categories() -> dict[str, set[str]]:
    """Column -> every category value of that column in the labelled tables."""
    out: dict[str, set[str]] = {}
    for key in LABELLED_TABLES:
        for column in load_spec()[key].columns:
            if column.categories is not None:
                out.setdefault(column.name, set()).update(column.categories)
    return out


def test_every_category_value_of_the_specification_has_a_label_and_nothing_else_does() -> None:
    labels = load_labels()
    expected = spec_categories()
    assert sorted(labels) == sorted(expected)
    for column, values in expected.items():
        assert set(labels[column]) == values, column
    assert sum(len(v) for v in labels.values()) == 140


def test_labels_are_french_words_not_copies_of_the_english_values() -> None:
    for column, values in load_labels().items():
        for raw, label in values.items():
            assert label.strip() == label and label, (column, raw)
            if raw not in SAME_IN_FRENCH:
                assert label.lower() != raw.lower(), (column, raw)
            assert not re.search(r"\b(staff|loans?|apartment|account|with|of)\b", label), (column, raw, label)


def test_a_value_has_one_label_whichever_column_holds_it() -> None:
    seen: dict[str, str] = {}
    for column, values in load_labels().items():
        for raw, label in values.items():
            assert seen.setdefault(raw, label) == label, (column, raw, seen[raw], label)
    assert value_labels()["XNA"] == "Non renseigné"


def test_label_of_prefers_the_column_and_leaves_other_values_alone() -> None:
    assert label_of("Working", "name_income_type") == "Salarié"
    assert label_of("Cash loans") == "Prêt personnel"
    assert label_of("Business Entity Type 3", "ORGANIZATION_TYPE") == "Entreprise (type 3)"
    assert label_of("yes") == "oui"
    assert label_of("something else") == "something else"
    assert label_of(3.5) == 3.5
