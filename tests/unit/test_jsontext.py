"""The fast JSON writer gives the standard library's indented text, character for character."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inventory_cli.cli import output
from inventory_cli.cli.jsontext import dumps, dumps_records
from inventory_cli.services.dto import CoverView, PartView
from inventory_cli.services.json_records import Records

# Text with quotes, backslashes, control characters, non-ASCII letters and lone surrogates.
TEXT = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF), max_size=12)
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True), TEXT
)
DOCUMENTS = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(TEXT, inner, max_size=5),
    ),
    max_leaves=30,
)


def standard(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


@settings(max_examples=400, deadline=None)
@given(DOCUMENTS)
def test_generated_documents_match_the_standard_library(document: Any) -> None:
    assert dumps(document) == standard(document)


def test_values_json_cannot_hold_are_written_as_text_like_the_standard_library() -> None:
    when = datetime(2026, 1, 2, 3, 4, 5)
    document = {"at": when, "nested": {"when": [when, {"deeper": when}]}, "empty": [{}, [], ()]}
    assert dumps(document) == standard(document)


def test_keys_that_are_not_text_give_the_same_document() -> None:
    document = {1: "one", "list": [{2.5: None, True: [1, 2]}], None: {"x": {3: []}}}
    assert dumps(document) == standard(document)


def test_a_part_listing_matches() -> None:
    when = datetime(2026, 11, 29, 8, 9, 35, 842846)
    views = [
        PartView(
            key="ABCD",
            fields={"description": f'part «{n}» "quoted"\n', "pin_count": n or None},
            type="Logic IC" if n % 2 else None,
            tags=["dip-16", "Logic"] if n % 3 else [],
            set_id=n,
            cover=CoverView(n, "photo.png", None) if n % 2 else None,
            attachment_count=n,
            created_at=when,
            updated_at=when,
        ).to_dict()
        for n in range(6)
    ]
    assert dumps(views) == standard(views)


def test_container_subclasses_give_the_same_document() -> None:
    from collections import OrderedDict, namedtuple

    Point = namedtuple("Point", "x y")
    document = {"point": Point(1, [2, 3]), "ordered": OrderedDict(b=1, a={"c": []}), "list": [Point(4, 5)]}
    assert dumps(document) == standard(document)


# Flat records: a layout per record (a name, (name, n) for a list, (name, keys) for an object,
# (name, None) for a null of the layout's own) and all plain values in one list.
NAMES = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF), max_size=6)
FIELDS = st.one_of(
    NAMES,
    st.tuples(NAMES, st.integers(min_value=0, max_value=3)),
    st.tuples(NAMES, st.lists(NAMES, max_size=3, unique=True).map(tuple)),
    st.tuples(NAMES, st.none()),
)
# A record's names are its keys: distinct.
LAYOUTS = st.lists(FIELDS, max_size=5, unique_by=lambda f: f if isinstance(f, str) else f[0]).map(tuple)


def slots(layout: tuple[Any, ...]) -> int:
    return sum(
        1 if isinstance(f, str) else 0 if f[1] is None else f[1] if isinstance(f[1], int) else len(f[1])
        for f in layout
    )


@st.composite
def flat_records(draw: st.DrawFn, values: st.SearchStrategy[Any] = SCALARS) -> Records:
    # A few layouts shared by many records, as in a listing.
    kinds = draw(st.lists(LAYOUTS, min_size=1, max_size=3))
    layouts = draw(st.lists(st.sampled_from(kinds), max_size=6))
    return Records(layouts, [draw(values) for layout in layouts for _ in range(slots(layout))])


@settings(max_examples=300, deadline=None)
@given(flat_records())
def test_flat_records_give_the_text_of_their_dicts(records: Records) -> None:
    text = dumps_records(records.layouts, records.values)
    assert text == standard(records.to_dicts())


@settings(max_examples=100, deadline=None)
@given(
    flat_records(
        st.one_of(SCALARS, st.lists(SCALARS, max_size=2), st.dictionaries(TEXT, SCALARS, max_size=2))
    )
)
def test_a_container_among_the_values_is_refused_or_laid_out_alike(records: Records) -> None:
    text = dumps_records(records.layouts, records.values)
    holds_container = any(isinstance(value, (list, dict)) for value in records.values)
    assert text is None if holds_container else text == standard(records.to_dicts())


def test_records_rebuild_their_dicts() -> None:
    layout = ("key", ("tags", 2), ("cover", ("id", "title")), "%s 100%", ("gone", None))
    records = Records([layout, layout[:1]], ["A", "x", "y", 1, "t", None, "B"])
    assert records.to_dicts() == [
        {"key": "A", "tags": ["x", "y"], "cover": {"id": 1, "title": "t"}, "%s 100%": None, "gone": None},
        {"key": "B"},
    ]
    assert dumps_records(records.layouts, records.values) == standard(records.to_dicts())
    assert dumps_records([], []) == "[]" and dumps_records([()], []) == "[\n  {}\n]"


def test_emitted_records_holding_a_container_come_out_as_their_dicts(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Tags are text as the program writes them; a database edited by hand may nest a list there.
    records = Records([("key", ("tags", 2))], ["A", ["nested", 1], "x"])
    output.emit_records(records)
    assert capsys.readouterr().out == standard([{"key": "A", "tags": [["nested", 1], "x"]}]) + "\n"
