"""The fast JSON writer gives the standard library's indented text, character for character."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from inventory_cli.cli.jsontext import dumps
from inventory_cli.services.dto import CoverView, PartView

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
