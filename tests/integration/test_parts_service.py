"""Part services against a real SQLite file and blob store: add, list, show, edit, remove."""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any

import pytest

from inventory_cli.bootstrap import Inventory
from inventory_cli.domain.rules import SetRef
from inventory_cli.errors import (
    ConflictError,
    ExitCode,
    InvalidInputError,
    NotFoundError,
    UsageError,
)
from inventory_cli.services import attaching, parts, sets
from inventory_cli.storage.repositories import PartRepository
from tests.conftest import Files, count, query


def blob_files(store_root: Path) -> set[Path]:
    """Every blob file in the store."""
    return {p for p in (store_root / "sha256").rglob("*") if p.is_file()}


# --- add -------------------------------------------------------------------------------------------


def test_add_part_creates_its_owned_set_in_the_same_transaction(inventory: Inventory, db_path: Path) -> None:
    view = parts.add_part(inventory, "8-bit shift register", key="ABCD")

    assert view.key == "ABCD"
    assert view.fields["description"] == "8-bit shift register"
    assert view.attachment_count == 0 and view.cover is None
    assert query(db_path, "SELECT key, attachment_set_id FROM parts") == [("ABCD", view.set_id)]
    assert query(db_path, "SELECT id, cover_attachment_id FROM attachment_sets") == [(view.set_id, None)]
    assert sets.show_set(inventory, SetRef(None, str(view.set_id))).owner == "part:ABCD"


def test_add_part_failing_before_commit_leaves_neither_part_nor_set(
    inventory: Inventory, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parts.list_parts(inventory)  # create the database first

    def explode(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("boom after both rows were flushed")

    monkeypatch.setattr(parts, "_view", explode)
    with pytest.raises(RuntimeError):
        parts.add_part(inventory, "never stored", key="ABCD")

    assert count(db_path, "parts") == 0
    assert count(db_path, "attachment_sets") == 0


def test_each_part_gets_its_own_set(inventory: Inventory) -> None:
    first = parts.add_part(inventory, "first", key="AAAA")
    second = parts.add_part(inventory, "second", key="BBBB")

    assert first.set_id != second.set_id


def test_add_part_with_all_fields_tags_and_type(inventory: Inventory) -> None:
    view = parts.add_part(
        inventory,
        "  Op-amp, dual  ",
        key="opam",
        type_name="op-amp",
        tags=[" audio ", "dual", "audio"],
        manufacturer="TI",
        manufacturer_code="TL072CP",
        package="DIP-8",
        pin_count=8,
        pin_pitch="2.54mm",
        product_page="https://www.ti.com/product/TL072",
        seller_link="http://shop.example.com/tl072",
        seller="Shop",
    )

    assert view.key == "OPAM"
    assert view.type == "Op-Amp"
    assert view.tags == ["audio", "dual"]
    assert view.fields["description"] == "Op-amp, dual"
    assert view.fields["pin_count"] == 8
    assert view.fields["manufacturer_code"] == "TL072CP"
    assert view.fields["product_page"] == "https://www.ti.com/product/TL072"
    data = view.to_dict()
    assert data["key"] == "OPAM" and data["type"] == "Op-Amp" and data["tags"] == ["audio", "dual"]
    assert data["cover"] is None and data["attachment_count"] == 0
    assert "attachments" not in data


def test_add_part_treats_empty_optional_text_as_absent(inventory: Inventory) -> None:
    view = parts.add_part(inventory, "resistor", key="RRRR", manufacturer="", series="   ")

    assert view.fields["manufacturer"] is None
    assert view.fields["series"] is None


def test_add_part_without_key_picks_a_free_random_key(inventory: Inventory) -> None:
    taken = {parts.add_part(inventory, f"part {i}").key for i in range(5)}

    assert len(taken) == 5
    assert all(len(k) == 4 and set(k) <= set(string.ascii_uppercase) for k in taken)
    assert [v.key for v in parts.list_parts(inventory)] == sorted(taken)


def test_random_key_collisions_are_retried_many_times(
    inventory: Inventory, monkeypatch: pytest.MonkeyPatch
) -> None:
    parts.add_part(inventory, "taken", key="ABCD")
    answers = iter(["ABCD"] * 10 + ["WXYZ"])
    calls: list[int] = []

    def fake_random_key(_rng: Any = None) -> str:
        calls.append(1)
        return next(answers)

    monkeypatch.setattr(parts, "random_key", fake_random_key)
    view = parts.add_part(inventory, "lucky")

    assert view.key == "WXYZ"
    assert len(calls) == 11


def test_random_key_falls_back_to_a_free_key_when_every_try_misses(
    inventory: Inventory, monkeypatch: pytest.MonkeyPatch
) -> None:
    parts.add_part(inventory, "taken", key="ABCD")
    calls: list[int] = []

    def always_taken(_rng: Any = None) -> str:
        calls.append(1)
        return "ABCD"

    monkeypatch.setattr(parts, "random_key", always_taken)
    view = parts.add_part(inventory, "fallback")

    assert len(calls) == parts.RANDOM_KEY_TRIES
    assert view.key != "ABCD"
    assert len(view.key) == 4 and set(view.key) <= set(string.ascii_uppercase)
    assert sorted(v.key for v in parts.list_parts(inventory)) == sorted(["ABCD", view.key])


def test_every_key_in_use_is_a_conflict(inventory: Inventory, monkeypatch: pytest.MonkeyPatch) -> None:
    parts.add_part(inventory, "taken", key="ABCD")
    letters = string.ascii_uppercase
    everything = {a + b + c + d for a in letters for b in letters for c in letters for d in letters}
    monkeypatch.setattr(parts, "random_key", lambda _rng=None: "ABCD")
    monkeypatch.setattr(PartRepository, "all_keys", lambda self: everything)

    with pytest.raises(ConflictError, match="every four-letter part key is in use") as caught:
        parts.add_part(inventory, "no room")

    assert caught.value.exit_code == ExitCode.CONFLICT
    assert [v.key for v in parts.list_parts(inventory)] == ["ABCD"]


def test_add_part_with_a_taken_key_is_a_conflict(inventory: Inventory, db_path: Path) -> None:
    parts.add_part(inventory, "first", key="ABCD")

    with pytest.raises(ConflictError, match="part key ABCD is already taken") as caught:
        parts.add_part(inventory, "second", key="abcd")

    assert caught.value.exit_code == ExitCode.CONFLICT
    assert caught.value.hint and "--key" in caught.value.hint
    assert count(db_path, "parts") == 1
    assert count(db_path, "attachment_sets") == 1


@pytest.mark.parametrize("key", ["ABC", "ABCDE", "AB1D", "ÄBCD", ""])
def test_add_part_with_a_malformed_key_is_invalid(inventory: Inventory, key: str) -> None:
    with pytest.raises(InvalidInputError, match="not four letters") as caught:
        parts.add_part(inventory, "bad key", key=key)

    assert caught.value.exit_code == ExitCode.INVALID_INPUT


def test_unknown_type_suggests_close_names(inventory: Inventory, db_path: Path) -> None:
    with pytest.raises(NotFoundError, match="unknown part type 'Logik IC'") as caught:
        parts.add_part(inventory, "gate", key="GATE", type_name="Logik IC")

    assert caught.value.exit_code == ExitCode.NOT_FOUND
    assert caught.value.hint is not None and "'Logic IC'" in caught.value.hint
    assert caught.value.hint.startswith("did you mean")
    assert count(db_path, "parts") == 0
    assert count(db_path, "attachment_sets") == 0


def test_unknown_type_without_close_names_lists_the_known_ones(inventory: Inventory) -> None:
    with pytest.raises(NotFoundError) as caught:
        parts.add_part(inventory, "thing", key="THNG", type_name="qqqqqqqqqq")

    assert caught.value.hint is not None and caught.value.hint.startswith("known types: ")
    assert "Resistor" in caught.value.hint and "Logic IC" in caught.value.hint


@pytest.mark.parametrize(
    ("description", "fields", "message"),
    [
        ("   ", {}, "description is blank"),
        ("ok", {"pin_count": 0}, "pin count 0 must be greater than 0"),
        ("ok", {"pin_count": -3}, "pin count -3"),
        ("ok", {"manufacturer": "M" * 256}, "manufacturer is 256 characters long; the limit is 255"),
        ("ok", {"mounting_type": "x" * 51}, "mounting type is 51 characters long"),
        ("ok", {"product_page": "ftp://example.com/x"}, "scheme ftp: is not allowed"),
        ("ok", {"seller_link": "https://"}, "has no host"),
    ],
)
def test_add_part_refuses_bad_fields(
    inventory: Inventory, db_path: Path, description: str, fields: dict[str, Any], message: str
) -> None:
    parts.list_parts(inventory)
    with pytest.raises(InvalidInputError, match=message) as caught:
        parts.add_part(inventory, description, key="ABCD", **fields)

    assert caught.value.exit_code == ExitCode.INVALID_INPUT
    assert count(db_path, "parts") == 0
    assert count(db_path, "attachment_sets") == 0


def test_add_part_refuses_an_unknown_field(inventory: Inventory) -> None:
    with pytest.raises(UsageError, match="unknown part field 'colour'") as caught:
        parts.add_part(inventory, "ok", key="ABCD", colour="red")

    assert caught.value.exit_code == ExitCode.USAGE


@pytest.mark.parametrize(
    ("tags", "message"), [(["ok", "  "], "tag is blank"), (["t" * 101], "longer than 100")]
)
def test_add_part_refuses_bad_tags(inventory: Inventory, tags: list[str], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        parts.add_part(inventory, "ok", key="ABCD", tags=tags)


# --- list and show ---------------------------------------------------------------------------------


def test_list_parts_is_empty_on_a_new_inventory(inventory: Inventory) -> None:
    assert parts.list_parts(inventory) == []


def test_list_parts_by_key_with_type_cover_and_count(inventory: Inventory, files: Files) -> None:
    parts.add_part(inventory, "zener", key="ZZZZ", type_name="Diode")
    parts.add_part(inventory, "mcu", key="MMMM", tags=["arm"])
    parts.add_part(inventory, "amp", key="AAAA")
    attaching.add_attachment(inventory, SetRef("part", "MMMM"), str(files.pdf()))
    photo = attaching.add_attachment(inventory, SetRef("part", "MMMM"), str(files.png()), "Top view")

    listed = parts.list_parts(inventory)

    assert [v.key for v in listed] == ["AAAA", "MMMM", "ZZZZ"]
    by_key = {v.key: v for v in listed}
    assert by_key["ZZZZ"].type == "Diode" and by_key["AAAA"].type is None
    assert by_key["MMMM"].tags == ["arm"]
    assert by_key["MMMM"].attachment_count == 2
    assert by_key["MMMM"].cover is not None
    assert (by_key["MMMM"].cover.id, by_key["MMMM"].cover.title) == (photo.id, "Top view")
    assert by_key["MMMM"].cover.filename == "photo.png"
    assert by_key["AAAA"].cover is None and by_key["AAAA"].attachment_count == 0
    assert all(v.attachments is None for v in listed)


def test_show_part_lists_attachments_in_order_with_the_cover_marked(
    inventory: Inventory, files: Files
) -> None:
    parts.add_part(inventory, "shift register", key="ABCD")
    ref = SetRef("part", "ABCD")
    sheet = attaching.add_attachment(inventory, ref, str(files.pdf()))
    photo = attaching.add_attachment(inventory, ref, str(files.png()))
    link = attaching.add_attachment(inventory, ref, "https://example.com/abcd")

    view = parts.show_part(inventory, " abcd ")

    assert view.key == "ABCD"
    assert view.attachments is not None
    assert [a.id for a in view.attachments] == [sheet.id, photo.id, link.id]
    assert [a.is_cover for a in view.attachments] == [False, True, False]
    assert view.attachment_count == 3
    assert view.cover is not None and view.cover.id == photo.id
    assert [a["kind"] for a in view.to_dict()["attachments"]] == ["pdf", "image", "url"]


def test_show_unknown_part_is_not_found(inventory: Inventory) -> None:
    with pytest.raises(NotFoundError, match="no part with key 'QQQQ'") as caught:
        parts.show_part(inventory, "QQQQ")

    assert caught.value.exit_code == ExitCode.NOT_FOUND


# --- edit ------------------------------------------------------------------------------------------


@pytest.fixture
def full_part(inventory: Inventory) -> str:
    """A part with every kind of field filled."""
    parts.add_part(
        inventory,
        "shift register",
        key="ABCD",
        type_name="Logic IC",
        tags=["logic", "spi"],
        manufacturer="TI",
        manufacturer_code="SN74HC595N",
        package="DIP-16",
        pin_count=16,
        seller_link="https://shop.example.com/595",
    )
    return "ABCD"


def test_edit_changes_only_the_given_fields(inventory: Inventory, full_part: str) -> None:
    before = parts.show_part(inventory, full_part)

    view = parts.edit_part(inventory, full_part, manufacturer="Texas Instruments", pin_count=20)

    assert view.fields["manufacturer"] == "Texas Instruments"
    assert view.fields["pin_count"] == 20
    assert view.fields["manufacturer_code"] == "SN74HC595N"
    assert view.fields["package"] == "DIP-16"
    assert view.type == "Logic IC" and view.tags == ["logic", "spi"]
    assert view.updated_at >= before.updated_at
    assert parts.show_part(inventory, full_part).fields["manufacturer"] == "Texas Instruments"


def test_edit_empty_string_clears_optional_fields(inventory: Inventory, full_part: str) -> None:
    view = parts.edit_part(inventory, full_part.lower(), manufacturer="", package="  ", seller_link="")

    assert view.fields["manufacturer"] is None
    assert view.fields["package"] is None
    assert view.fields["seller_link"] is None
    assert view.fields["manufacturer_code"] == "SN74HC595N"
    stored = parts.show_part(inventory, full_part)
    assert (stored.fields["manufacturer"], stored.fields["package"]) == (None, None)


def test_edit_cannot_blank_the_description(inventory: Inventory, full_part: str) -> None:
    with pytest.raises(InvalidInputError, match="description is blank"):
        parts.edit_part(inventory, full_part, description="")

    assert parts.show_part(inventory, full_part).fields["description"] == "shift register"


def test_edit_changes_and_clears_the_type(inventory: Inventory, full_part: str) -> None:
    assert parts.edit_part(inventory, full_part, type_name="memory ic").type == "Memory IC"
    assert parts.edit_part(inventory, full_part, type_name="").type is None
    assert parts.show_part(inventory, full_part).type is None


def test_edit_unknown_type_changes_nothing(inventory: Inventory, full_part: str) -> None:
    with pytest.raises(NotFoundError, match="unknown part type 'Logik IC'") as caught:
        parts.edit_part(inventory, full_part, type_name="Logik IC", manufacturer="Other")

    assert caught.value.hint is not None and "'Logic IC'" in caught.value.hint
    stored = parts.show_part(inventory, full_part)
    assert stored.type == "Logic IC" and stored.fields["manufacturer"] == "TI"


def test_edit_tags_replace_and_clear(inventory: Inventory, full_part: str) -> None:
    assert parts.edit_part(inventory, full_part, tags=["new", " new ", "other"]).tags == ["new", "other"]
    assert parts.show_part(inventory, full_part).tags == ["new", "other"]
    assert parts.edit_part(inventory, full_part, tags=[]).tags == []
    assert parts.show_part(inventory, full_part).tags == []
    assert parts.show_part(inventory, full_part).to_dict()["tags"] == []


def test_edit_with_nothing_to_change_is_a_usage_error(inventory: Inventory, full_part: str) -> None:
    with pytest.raises(UsageError, match="nothing to change") as caught:
        parts.edit_part(inventory, full_part)

    assert caught.value.exit_code == ExitCode.USAGE
    assert caught.value.hint is not None


def test_edit_with_only_none_values_is_nothing_to_change(inventory: Inventory, full_part: str) -> None:
    with pytest.raises(UsageError, match="nothing to change"):
        parts.edit_part(inventory, full_part, manufacturer=None, package=None)


def test_edit_unknown_part_is_not_found(inventory: Inventory) -> None:
    with pytest.raises(NotFoundError, match="no part with key 'QQQQ'") as caught:
        parts.edit_part(inventory, "QQQQ", manufacturer="x")

    assert caught.value.exit_code == ExitCode.NOT_FOUND


def test_edit_bad_value_changes_nothing(inventory: Inventory, full_part: str) -> None:
    with pytest.raises(InvalidInputError, match="pin count 0"):
        parts.edit_part(inventory, full_part, manufacturer="Other", pin_count=0)

    assert parts.show_part(inventory, full_part).fields["manufacturer"] == "TI"


# --- remove ----------------------------------------------------------------------------------------


def test_remove_part_deletes_its_set_and_attachments_but_not_blobs(
    inventory: Inventory, files: Files, db_path: Path, store_root: Path
) -> None:
    parts.add_part(inventory, "doomed", key="ABCD")
    keeper = parts.add_part(inventory, "keeper", key="KEEP")
    ref = SetRef("part", "ABCD")
    attaching.add_attachment(inventory, ref, str(files.png()))
    attaching.add_attachment(inventory, ref, str(files.pdf()))
    attaching.add_attachment(inventory, ref, "https://example.com/doomed")
    attaching.add_attachment(inventory, SetRef("part", "KEEP"), str(files.jpeg()))
    blobs_before = blob_files(store_root)
    assert len(blobs_before) == 3

    removed = parts.remove_part(inventory, "abcd")

    assert removed.what == "part ABCD"
    assert removed.attachments_removed == 3
    assert [v.key for v in parts.list_parts(inventory)] == ["KEEP"]
    assert query(db_path, "SELECT id FROM attachment_sets") == [(keeper.set_id,)]
    assert query(db_path, "SELECT attachment_set_id FROM attachments") == [(keeper.set_id,)]
    assert blob_files(store_root) == blobs_before
    assert query(db_path, "PRAGMA foreign_key_check") == []


def test_remove_part_without_attachments(inventory: Inventory, db_path: Path) -> None:
    parts.add_part(inventory, "lonely", key="ABCD")

    removed = parts.remove_part(inventory, "ABCD")

    assert removed.attachments_removed == 0
    assert count(db_path, "attachment_sets") == 0


def test_remove_unknown_part_is_not_found(inventory: Inventory, db_path: Path) -> None:
    parts.add_part(inventory, "stays", key="ABCD")

    with pytest.raises(NotFoundError, match="no part with key 'QQQQ'") as caught:
        parts.remove_part(inventory, "QQQQ")

    assert caught.value.exit_code == ExitCode.NOT_FOUND
    assert count(db_path, "parts") == 1
