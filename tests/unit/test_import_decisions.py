"""The decisions part and kit imports share: what differs, what a row does, which attachment is the cover."""

from __future__ import annotations

import pytest

from inventory_cli.services.import_core import (
    Content,
    attachment_differences,
    import_action,
    new_cover,
    updated_cover,
)
from inventory_cli.storage.import_rows import StoredAttachment

IMAGE = Content("image", "a.png", digest="a" * 64)
PDF = Content("pdf", "b.pdf", digest="b" * 64)
LINK = Content("url", "example.com", url="https://example.com/")
STORED = [
    StoredAttachment(7, "image", "a" * 64, None, "a.png", "image/png"),
    StoredAttachment(8, "url", None, "https://example.com/", None, None),
]
ALL = frozenset({"attach", "cover"})


def test_attachments_the_set_has_and_its_cover_do_not_differ() -> None:
    assert attachment_differences(ALL, (IMAGE, LINK), 0, STORED, 7) == []


def test_a_missing_attachment_and_another_cover_differ() -> None:
    assert attachment_differences(ALL, (PDF, IMAGE), 1, STORED, None) == ["attach", "cover"]
    assert attachment_differences(ALL, (IMAGE,), -1, STORED, 7) == ["cover"]  # "-": no cover


def test_only_the_columns_a_record_gives_are_compared() -> None:
    assert attachment_differences(frozenset(), (PDF,), 0, STORED, None) == []


@pytest.mark.parametrize(
    ("changed", "mode", "action"),
    [
        (None, "error", "create"),
        ([], "error", "skip"),
        (["cover"], "error", "conflict"),
        (["cover"], "skip", "skip"),
        (["cover"], "update", "update"),
        ([], "update", "skip"),
    ],
)
def test_import_action(changed: list[str] | None, mode: str, action: str) -> None:
    assert import_action(changed, mode) == action


def test_a_new_set_takes_the_named_cover_else_its_first_image() -> None:
    assert new_cover(None, (PDF, LINK, IMAGE), [1, 2, 3]) == 3
    assert new_cover(0, (IMAGE, PDF), [1, 2]) == 1
    assert new_cover(-1, (IMAGE,), [1]) is None
    assert new_cover(None, (PDF, LINK), [1, 2]) is None


def test_an_update_sets_the_named_cover_or_the_first_image_added_to_a_set_without_one() -> None:
    assert updated_cover(ALL, 1, [7, 9], 7, []) == (True, 9)
    assert updated_cover(ALL, -1, [7], 7, []) == (True, None)
    assert updated_cover(frozenset({"attach"}), None, [7, 9], None, [(5, "pdf"), (9, "image")]) == (True, 9)
    assert updated_cover(frozenset({"attach"}), None, [7, 9], 7, [(9, "image")]) == (False, None)
    assert updated_cover(frozenset({"attach"}), None, [5], None, [(5, "pdf")]) == (False, None)
