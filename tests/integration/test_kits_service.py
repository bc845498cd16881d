"""Kit services against a real SQLite file and blob store: add, list, show, edit, archive, remove."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from inventory_cli.bootstrap import Inventory
from inventory_cli.domain.models import KitStatus
from inventory_cli.domain.rules import SetRef
from inventory_cli.errors import (
    ConflictError,
    ExitCode,
    InvalidInputError,
    NotFoundError,
    UsageError,
)
from inventory_cli.services import attaching, kits, sets
from tests.conftest import Files, count, query

# --- add -------------------------------------------------------------------------------------------


def test_add_kit_creates_its_owned_set(inventory: Inventory, db_path: Path) -> None:
    view = kits.add_kit(inventory, "  Synth Voice ", "  Analog voice board ", 2)

    assert (view.name, view.description, view.build_target) == ("Synth Voice", "Analog voice board", 2)
    assert view.status == "active" and view.archived_at is None
    assert view.cover is None and view.attachment_count == 0
    assert query(db_path, "SELECT name, attachment_set_id FROM kits") == [("Synth Voice", view.set_id)]
    assert query(db_path, "SELECT id FROM attachment_sets") == [(view.set_id,)]
    assert sets.show_set(inventory, SetRef(None, str(view.set_id))).owner == "kit:Synth Voice"
    data = view.to_dict()
    assert data["name"] == "Synth Voice" and data["archived_at"] is None and "attachments" not in data


def test_add_kit_defaults(inventory: Inventory) -> None:
    view = kits.add_kit(inventory, "Blinky")

    assert view.description is None
    assert view.build_target == 1


def test_add_kit_blank_description_is_none(inventory: Inventory) -> None:
    assert kits.add_kit(inventory, "Blinky", "   ").description is None


def test_add_kit_build_target_zero_is_allowed(inventory: Inventory) -> None:
    assert kits.add_kit(inventory, "Someday", build_target=0).build_target == 0


def test_add_kit_failing_before_commit_leaves_neither_kit_nor_set(
    inventory: Inventory, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kits.list_kits(inventory)

    def explode(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("boom after both rows were flushed")

    monkeypatch.setattr(kits, "_view", explode)
    with pytest.raises(RuntimeError):
        kits.add_kit(inventory, "Never")

    assert count(db_path, "kits") == 0
    assert count(db_path, "attachment_sets") == 0


@pytest.mark.parametrize("duplicate", ["Synth Voice", "synth voice", "SYNTH VOICE", "  Synth Voice  "])
def test_duplicate_kit_names_conflict_without_regard_to_case(
    inventory: Inventory, db_path: Path, duplicate: str
) -> None:
    kits.add_kit(inventory, "Synth Voice")

    with pytest.raises(ConflictError, match="a kit named 'Synth Voice' already exists") as caught:
        kits.add_kit(inventory, duplicate)

    assert caught.value.exit_code == ExitCode.CONFLICT
    assert count(db_path, "kits") == 1
    assert count(db_path, "attachment_sets") == 1


def test_duplicate_non_ascii_kit_names_conflict_without_regard_to_case(inventory: Inventory) -> None:
    kits.add_kit(inventory, "Über Fuzz")

    with pytest.raises(ConflictError, match="already exists"):
        kits.add_kit(inventory, "über fuzz")


@pytest.mark.parametrize(
    ("name", "message"), [("   ", "kit name is blank"), ("k" * 256, "256 characters long; the limit is 255")]
)
def test_add_kit_refuses_bad_names(inventory: Inventory, name: str, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message) as caught:
        kits.add_kit(inventory, name)

    assert caught.value.exit_code == ExitCode.INVALID_INPUT


def test_add_kit_name_of_255_characters_is_allowed(inventory: Inventory) -> None:
    assert kits.add_kit(inventory, "k" * 255).name == "k" * 255


def test_add_kit_negative_build_target_is_invalid(inventory: Inventory, db_path: Path) -> None:
    kits.list_kits(inventory)
    with pytest.raises(InvalidInputError, match="build target -1 must be between 0 and 1000000") as caught:
        kits.add_kit(inventory, "Blinky", build_target=-1)

    assert caught.value.exit_code == ExitCode.INVALID_INPUT
    assert count(db_path, "kits") == 0
    assert count(db_path, "attachment_sets") == 0


# --- list and show ---------------------------------------------------------------------------------


def test_list_kits_orders_names_without_regard_to_case(inventory: Inventory) -> None:
    for name in ("beta", "Alpha", "Gamma"):
        kits.add_kit(inventory, name)

    assert [k.name for k in kits.list_kits(inventory)] == ["Alpha", "beta", "Gamma"]


def test_kit_lookup_ignores_surrounding_spaces(inventory: Inventory) -> None:
    kits.add_kit(inventory, "Synth Voice")

    assert kits.show_kit(inventory, "  synth voice ").name == "Synth Voice"


def test_list_kits_by_name_with_cover_and_status_filter(inventory: Inventory, files: Files) -> None:
    kits.add_kit(inventory, "Zeta")
    kits.add_kit(inventory, "Alpha")
    kits.add_kit(inventory, "Mid")
    kits.set_archived(inventory, "Mid", True)
    photo = attaching.add_attachment(inventory, SetRef("kit", "Alpha"), str(files.png()), "Front")
    attaching.add_attachment(inventory, SetRef("kit", "Alpha"), "https://example.com/alpha")

    everything = kits.list_kits(inventory)

    assert [k.name for k in everything] == ["Alpha", "Mid", "Zeta"]
    alpha = everything[0]
    assert alpha.cover is not None and (alpha.cover.id, alpha.cover.title) == (photo.id, "Front")
    assert alpha.attachment_count == 2
    assert everything[2].cover is None and everything[2].attachment_count == 0
    assert [k.name for k in kits.list_kits(inventory, KitStatus.ACTIVE)] == ["Alpha", "Zeta"]
    assert [k.name for k in kits.list_kits(inventory, KitStatus.ARCHIVED)] == ["Mid"]


def test_list_kits_is_empty_on_a_new_inventory(inventory: Inventory) -> None:
    assert kits.list_kits(inventory) == []


def test_show_kit_finds_the_name_without_regard_to_case(inventory: Inventory, files: Files) -> None:
    kits.add_kit(inventory, "Synth Voice")
    ref = SetRef("kit", "Synth Voice")
    sheet = attaching.add_attachment(inventory, ref, str(files.pdf()))
    photo = attaching.add_attachment(inventory, ref, str(files.png()))

    view = kits.show_kit(inventory, "synth VOICE")

    assert view.name == "Synth Voice"
    assert view.attachments is not None
    assert [(a.id, a.is_cover) for a in view.attachments] == [(sheet.id, False), (photo.id, True)]
    assert view.to_dict()["attachments"][1]["is_cover"] is True


def test_show_unknown_kit_is_not_found_with_a_hint(inventory: Inventory) -> None:
    with pytest.raises(NotFoundError, match="no kit named 'Nope'") as caught:
        kits.show_kit(inventory, "Nope")

    assert caught.value.exit_code == ExitCode.NOT_FOUND
    assert caught.value.hint is not None and "kit list" in caught.value.hint


# --- edit ------------------------------------------------------------------------------------------


def test_edit_kit_renames_and_changes_fields(inventory: Inventory) -> None:
    original = kits.add_kit(inventory, "Synth Voice", "old", 2)

    view = kits.edit_kit(
        inventory, "synth voice", new_name=" Synth Voice II ", description="new", build_target=5
    )

    assert (view.name, view.description, view.build_target) == ("Synth Voice II", "new", 5)
    assert view.set_id == original.set_id
    assert [k.name for k in kits.list_kits(inventory)] == ["Synth Voice II"]
    assert sets.show_set(inventory, SetRef(None, str(view.set_id))).owner == "kit:Synth Voice II"


def test_edit_kit_changes_only_what_is_given(inventory: Inventory) -> None:
    kits.add_kit(inventory, "Synth Voice", "kept", 2)

    view = kits.edit_kit(inventory, "Synth Voice", build_target=0)

    assert (view.name, view.description, view.build_target) == ("Synth Voice", "kept", 0)


def test_edit_kit_empty_description_clears_it(inventory: Inventory) -> None:
    kits.add_kit(inventory, "Synth Voice", "something")

    assert kits.edit_kit(inventory, "Synth Voice", description="").description is None
    assert kits.show_kit(inventory, "Synth Voice").description is None


def test_edit_kit_may_change_only_the_case_of_its_name(inventory: Inventory) -> None:
    kits.add_kit(inventory, "synth voice")

    assert kits.edit_kit(inventory, "synth voice", new_name="Synth Voice").name == "Synth Voice"


def test_edit_kit_rename_to_a_taken_name_conflicts(inventory: Inventory) -> None:
    kits.add_kit(inventory, "Synth Voice")
    kits.add_kit(inventory, "Drum Machine", "drums")

    with pytest.raises(ConflictError, match="a kit named 'Synth Voice' already exists") as caught:
        kits.edit_kit(inventory, "Drum Machine", new_name="SYNTH voice", description="changed")

    assert caught.value.exit_code == ExitCode.CONFLICT
    assert kits.show_kit(inventory, "Drum Machine").description == "drums"


def test_edit_kit_negative_build_target_changes_nothing(inventory: Inventory) -> None:
    kits.add_kit(inventory, "Synth Voice", "kept", 2)

    with pytest.raises(InvalidInputError, match="build target -5") as caught:
        kits.edit_kit(inventory, "Synth Voice", description="changed", build_target=-5)

    assert caught.value.exit_code == ExitCode.INVALID_INPUT
    view = kits.show_kit(inventory, "Synth Voice")
    assert (view.description, view.build_target) == ("kept", 2)


def test_edit_kit_blank_new_name_is_invalid(inventory: Inventory) -> None:
    kits.add_kit(inventory, "Synth Voice")

    with pytest.raises(InvalidInputError, match="kit name is blank"):
        kits.edit_kit(inventory, "Synth Voice", new_name="  ")


def test_edit_kit_with_nothing_to_change_is_a_usage_error(inventory: Inventory) -> None:
    kits.add_kit(inventory, "Synth Voice")

    with pytest.raises(UsageError, match="nothing to change") as caught:
        kits.edit_kit(inventory, "Synth Voice")

    assert caught.value.exit_code == ExitCode.USAGE


def test_edit_unknown_kit_is_not_found(inventory: Inventory) -> None:
    with pytest.raises(NotFoundError, match="no kit named 'Nope'"):
        kits.edit_kit(inventory, "Nope", description="x")


# --- archive ---------------------------------------------------------------------------------------


def test_archive_and_unarchive(inventory: Inventory, db_path: Path) -> None:
    kits.add_kit(inventory, "Synth Voice")

    archived = kits.set_archived(inventory, "synth voice", True)

    assert archived.status == "archived" and archived.archived_at is not None
    assert archived.to_dict()["archived_at"].endswith("Z")
    assert query(db_path, "SELECT status, archived_at IS NOT NULL FROM kits") == [("archived", 1)]

    active = kits.set_archived(inventory, "Synth Voice", False)

    assert active.status == "active" and active.archived_at is None
    assert query(db_path, "SELECT status, archived_at FROM kits") == [("active", None)]


def test_archiving_an_archived_kit_conflicts(inventory: Inventory) -> None:
    kits.add_kit(inventory, "Synth Voice")
    first = kits.set_archived(inventory, "Synth Voice", True)

    with pytest.raises(ConflictError, match="kit 'Synth Voice' is already archived") as caught:
        kits.set_archived(inventory, "Synth Voice", True)

    assert caught.value.exit_code == ExitCode.CONFLICT
    assert kits.show_kit(inventory, "Synth Voice").archived_at == first.archived_at


def test_unarchiving_an_active_kit_conflicts(inventory: Inventory) -> None:
    kits.add_kit(inventory, "Synth Voice")

    with pytest.raises(ConflictError, match="kit 'Synth Voice' is already active"):
        kits.set_archived(inventory, "Synth Voice", False)


def test_archive_unknown_kit_is_not_found(inventory: Inventory) -> None:
    with pytest.raises(NotFoundError, match="no kit named 'Nope'"):
        kits.set_archived(inventory, "Nope", True)


# --- remove ----------------------------------------------------------------------------------------


def test_remove_kit_deletes_its_set_and_attachments_but_not_blobs(
    inventory: Inventory, files: Files, db_path: Path, store_root: Path
) -> None:
    kits.add_kit(inventory, "Synth Voice")
    keeper = kits.add_kit(inventory, "Keeper")
    attaching.add_attachment(inventory, SetRef("kit", "Synth Voice"), str(files.png()))
    attaching.add_attachment(inventory, SetRef("kit", "Synth Voice"), str(files.pdf()))
    blobs_before = {p for p in store_root.rglob("*") if p.is_file()}

    removed = kits.remove_kit(inventory, "SYNTH voice")

    assert removed.what == "kit 'Synth Voice'"
    assert removed.attachments_removed == 2
    assert [k.name for k in kits.list_kits(inventory)] == ["Keeper"]
    assert query(db_path, "SELECT id FROM attachment_sets") == [(keeper.set_id,)]
    assert count(db_path, "attachments") == 0
    assert {p for p in store_root.rglob("*") if p.is_file()} == blobs_before
    assert len([p for p in blobs_before if "sha256" in p.parts]) == 2


def test_remove_unknown_kit_is_not_found(inventory: Inventory, db_path: Path) -> None:
    kits.add_kit(inventory, "Keeper")

    with pytest.raises(NotFoundError, match="no kit named 'Nope'") as caught:
        kits.remove_kit(inventory, "Nope")

    assert caught.value.exit_code == ExitCode.NOT_FOUND
    assert count(db_path, "kits") == 1
