"""Parsing a part row: the quick path for valid rows gives exactly what the column-by-column path gives."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from inventory_cli.domain import records
from inventory_cli.domain.records import FieldError, parse_record
from inventory_cli.errors import InventoryError

# Values a column may hold in a CSV cell or a JSON record, good and bad, per column.
TEXTS = st.sampled_from(["", " ", "x", " Maker ", "y" * 101, "y" * 300, "ü", "1"])
ANY_JSON = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=False), st.lists(TEXTS, max_size=2)
)
COLUMN_VALUES: dict[str, Any] = {
    "key": st.one_of(st.sampled_from(["ABCD", " abcd ", "ABC", "AB1D", ""]), ANY_JSON),
    "description": st.one_of(TEXTS, ANY_JSON),
    "manufacturer": st.one_of(TEXTS, ANY_JSON),
    "package": st.one_of(TEXTS, ANY_JSON),
    "pin_count": st.one_of(st.sampled_from(["8", " 8 ", "0", "-1", "x", "", "9" * 19]), ANY_JSON),
    "product_page": st.sampled_from(["", "https://example.com/a", "ftp://example.com", "nope"]),
    "type": st.one_of(TEXTS, ANY_JSON),
    "tags": st.one_of(st.sampled_from(["a;b", "a;;b", "a;a", ""]), ANY_JSON),
    "stock": st.one_of(st.sampled_from(["1-1=5", "1-1=5;1-1=6", "1-1", "x=1", ""]), st.just({"1-2": 3})),
    "attach": st.sampled_from(["", "a.png", "a.png;a.png", "https://example.com/x;b.pdf", "digest:12", ";"]),
    "cover": st.sampled_from(["", "-", "a.png", "b.pdf", "other"]),
}
ROWS = st.fixed_dictionaries({}, optional=COLUMN_VALUES)
# Mostly good values, so that many rows are valid as a whole and take the quick path.
GOOD_VALUES: dict[str, Any] = {
    "manufacturer": st.sampled_from(["", " Maker ", "ü", 7]),
    "package": st.sampled_from(["", "DIP-8", " SOIC "]),
    "pin_count": st.sampled_from(["", "8", " 14 ", 3]),
    "series": st.sampled_from(["", "74HC", None]),
    "product_page": st.sampled_from(["", "https://example.com/a"]),
    "type": st.sampled_from(["", " Resistor ", None]),
    "tags": st.one_of(st.sampled_from(["", "a; b", "a;A"]), st.just(["x", " y "])),
    "stock": st.one_of(st.sampled_from(["", "1-1=5;2-3=1"]), st.just({"1-2": 3})),
    "attach": st.sampled_from(["", "a.png", "https://example.com/x;b.pdf"]),
    "cover": st.sampled_from(["", "-"]),  # naming an entry is valid only with it in attach
}
GOOD_ROWS = st.fixed_dictionaries(
    {"key": st.sampled_from(["ABCD", " abcd "]), "description": st.sampled_from(["Op amp", " x "])},
    optional=GOOD_VALUES,
)


@settings(max_examples=400, derandomize=True, deadline=None)
@given(ROWS)
def test_any_row_parses_as_the_column_by_column_path_parses_it(raw: dict[str, Any]) -> None:
    collected = records._collect_errors(raw, 7)
    assert parse_record(raw, 7) == collected
    # The quick path takes every valid row (and no other) to the same record.
    try:
        quick = records._valid_record(raw, 7)
    except (InventoryError, ValueError):
        assert collected[1] != []
    else:
        assert (quick, []) == collected


@settings(max_examples=300, derandomize=True, deadline=None)
@given(GOOD_ROWS)
def test_a_good_row_parses_as_the_column_by_column_path_parses_it(raw: dict[str, Any]) -> None:
    record, errors = records._collect_errors(raw, 7)
    assert errors == []
    assert records._valid_record(raw, 7) == record
    assert parse_record(raw, 7) == (record, [])


def test_a_row_with_several_bad_columns_reports_each_of_them() -> None:
    record, errors = parse_record({"key": "AB", "description": "", "pin_count": "0", "cover": "x.png"}, 3)
    assert record is None
    assert [error.column for error in errors] == ["key", "description", "pin_count", "cover"]
    assert errors[0] == FieldError(3, "key", "part key 'AB' is not four letters A-Z")


def test_a_valid_row_keeps_every_field_and_leaves_the_others_empty() -> None:
    record, errors = parse_record(
        {"key": " abcd ", "description": " Op amp ", "pin_count": " 8 ", "tags": "audio; dual", "cover": "-"},
        2,
    )
    assert errors == []
    assert record is not None
    assert (record.key, record.values["description"], record.values["pin_count"]) == ("ABCD", "Op amp", 8)
    assert record.tags == ("audio", "dual")
    assert record.cover == -1
    assert [name for name, value in record.values.items() if value is not None] == [
        "description",
        "pin_count",
    ]
