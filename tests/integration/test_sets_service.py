"""Attachment-set services against a real SQLite file and blob store: attach, list, cover, export."""

from __future__ import annotations

import hashlib
import io
import sqlite3
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
    StorageError,
)
from inventory_cli.services import attaching, kits, parts, sets
from inventory_cli.services.dto import AttachmentView
from tests.conftest import Files, overwrite, query

PART = SetRef("part", "ABCD")
OTHER = SetRef("part", "WXYZ")


def execute(db_path: Path, sql: str, *params: Any) -> None:
    """Change rows with raw SQL, around the services."""
    connection = sqlite3.connect(db_path)
    try:
        with connection:
            connection.execute(sql, params)
    finally:
        connection.close()


def set_created_at(db_path: Path, attachment_id: int, stamp: str) -> None:
    """Give an attachment a chosen creation time."""
    execute(db_path, "UPDATE attachments SET created_at = ? WHERE id = ?", stamp, attachment_id)


def cover_of(db_path: Path, set_id: int) -> int | None:
    """The cover column of a set, read with raw SQL."""
    value = query(db_path, "SELECT cover_attachment_id FROM attachment_sets WHERE id = ?", set_id)[0][0]
    return None if value is None else int(value)


def blob_files(store_root: Path) -> set[Path]:
    """Every published blob file."""
    base = store_root / "sha256"
    return {p for p in base.rglob("*") if p.is_file()} if base.exists() else set()


def add(inventory: Inventory, ref: SetRef, source: Path | str, title: str | None = None) -> AttachmentView:
    """Attach a file or link through the service."""
    return attaching.add_attachment(inventory, ref, str(source), title)


@pytest.fixture
def set_id(inventory: Inventory) -> int:
    """Two parts, ABCD and WXYZ; returns the set id of ABCD."""
    view = parts.add_part(inventory, "shift register", key="ABCD")
    parts.add_part(inventory, "other part", key="WXYZ")
    return view.set_id


# --- adding files and links ------------------------------------------------------------------------


def test_add_image_stores_the_blob_and_becomes_the_cover(
    inventory: Inventory, files: Files, set_id: int, db_path: Path, store_root: Path
) -> None:
    photo = files.png("top.png")
    data = photo.read_bytes()

    view = add(inventory, PART, photo)

    digest = hashlib.sha256(data).hexdigest()
    assert view.set_id == set_id
    assert (view.kind, view.title, view.filename) == ("image", "top.png", "top.png")
    assert (view.content_type, view.size_bytes, view.blob_digest) == ("image/png", len(data), digest)
    assert view.url is None and view.is_cover is True
    blob = store_root / "sha256" / digest[:2] / digest[2:4] / digest
    assert blob.read_bytes() == data
    assert blob_files(store_root) == {blob}
    assert cover_of(db_path, set_id) == view.id
    assert view.to_dict()["created_at"].endswith("Z")


def test_add_file_with_a_title(inventory: Inventory, files: Files, set_id: int) -> None:
    view = add(inventory, PART, files.pdf(), "  Datasheet  ")

    assert view.title == "Datasheet" and view.filename == "datasheet.pdf"
    assert (view.kind, view.content_type) == ("pdf", "application/pdf")


def test_kind_is_decided_by_content_not_by_name(inventory: Inventory, files: Files, set_id: int) -> None:
    lying = files.write("sheet.pdf", files.png().read_bytes())

    view = add(inventory, PART, lying)

    assert (view.kind, view.content_type, view.is_cover) == ("image", "image/png", True)


def test_pdf_never_becomes_the_cover_and_the_first_image_does(
    inventory: Inventory, files: Files, set_id: int, db_path: Path
) -> None:
    sheet = add(inventory, PART, files.pdf())
    assert sheet.is_cover is False
    assert cover_of(db_path, set_id) is None

    first = add(inventory, PART, files.jpeg())
    second = add(inventory, PART, files.png())

    assert first.is_cover is True and second.is_cover is False
    assert cover_of(db_path, set_id) == first.id


def test_link_never_becomes_the_cover(inventory: Inventory, set_id: int, db_path: Path) -> None:
    link = add(inventory, PART, "https://www.ti.com/product/SN74HC595/")

    assert (link.kind, link.url, link.blob_digest, link.filename) == (
        "url",
        "https://www.ti.com/product/SN74HC595/",
        None,
        None,
    )
    assert link.title == "www.ti.com/product/SN74HC595"
    assert link.is_cover is False
    assert cover_of(db_path, set_id) is None


def test_add_link_with_a_title(inventory: Inventory, set_id: int) -> None:
    view = attaching.add_link(inventory, PART, "http://example.com", "Home page")

    assert (view.kind, view.title, view.url) == ("url", "Home page", "http://example.com")


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("ftp://example.com/file.pdf", "scheme ftp: is not allowed"),
        ("javascript:alert(1)", "scheme javascript: is not allowed"),
        ("https://" + "a" * 2000, "the limit is 2000"),
        ("https:///path-only", "has no host"),
    ],
)
def test_bad_links_are_invalid_and_change_nothing(
    inventory: Inventory, set_id: int, db_path: Path, source: str, message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message) as caught:
        add(inventory, PART, source)

    assert caught.value.exit_code == ExitCode.INVALID_INPUT
    assert query(db_path, "SELECT COUNT(*) FROM attachments") == [(0,)]


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        (SetRef(None, "999"), "no attachment set 999"),
        (SetRef("part", "QQQQ"), "no part with key 'QQQQ'"),
        (SetRef("kit", "Nope"), "no kit named 'Nope'"),
    ],
)
def test_adding_to_an_unknown_set_is_not_found_and_stores_nothing(
    inventory: Inventory, files: Files, set_id: int, store_root: Path, ref: SetRef, message: str
) -> None:
    with pytest.raises(NotFoundError, match=message) as caught:
        add(inventory, ref, files.png())
    with pytest.raises(NotFoundError, match=message):
        add(inventory, ref, "https://example.com/")

    assert caught.value.exit_code == ExitCode.NOT_FOUND
    assert blob_files(store_root) == set()


def test_adding_a_missing_file_is_not_found(inventory: Inventory, tmp_path: Path, set_id: int) -> None:
    with pytest.raises(NotFoundError, match=r"file not found: .*missing\.png") as caught:
        add(inventory, PART, tmp_path / "missing.png")

    assert caught.value.exit_code == ExitCode.NOT_FOUND


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"", "is empty"), (b"just some text\n", "content type not allowed \\(plain text\\)")],
)
def test_adding_a_bad_file_is_invalid_and_stores_nothing(
    inventory: Inventory,
    files: Files,
    set_id: int,
    db_path: Path,
    store_root: Path,
    data: bytes,
    message: str,
) -> None:
    with pytest.raises(InvalidInputError, match=message) as caught:
        add(inventory, PART, files.write("bad.png", data))

    assert caught.value.exit_code == ExitCode.INVALID_INPUT
    assert query(db_path, "SELECT COUNT(*) FROM attachments") == [(0,)]
    assert blob_files(store_root) == set()


@pytest.mark.parametrize("title", ["", "   ", "t" * 256])
def test_a_bad_title_is_invalid(inventory: Inventory, files: Files, set_id: int, title: str) -> None:
    with pytest.raises(InvalidInputError, match="title"):
        add(inventory, PART, files.png(), title)
    with pytest.raises(InvalidInputError, match="title"):
        add(inventory, PART, "https://example.com/", title)


def test_duplicate_content_in_one_set_names_the_existing_attachment(
    inventory: Inventory, files: Files, set_id: int, db_path: Path, store_root: Path
) -> None:
    first = add(inventory, PART, files.png("top.png"), "Top view")
    copy = files.write("copy-of-top.png", files.png().read_bytes())
    blobs = blob_files(store_root)

    with pytest.raises(ConflictError) as caught:
        add(inventory, PART, copy, "Another title")

    assert caught.value.exit_code == ExitCode.CONFLICT
    assert str(copy) in caught.value.message
    assert f"already in set {set_id} as attachment {first.id} ('Top view')" in caught.value.message
    assert query(db_path, "SELECT id FROM attachments") == [(first.id,)]
    assert blob_files(store_root) == blobs


def test_same_content_in_two_sets_is_stored_once(
    inventory: Inventory, files: Files, set_id: int, store_root: Path
) -> None:
    photo = files.png()
    kits.add_kit(inventory, "Synth Voice")

    mine = add(inventory, PART, photo)
    theirs = add(inventory, OTHER, photo)
    kit = add(inventory, SetRef("kit", "synth voice"), photo)

    assert mine.blob_digest == theirs.blob_digest == kit.blob_digest
    assert len({mine.set_id, theirs.set_id, kit.set_id}) == 3
    assert len(blob_files(store_root)) == 1
    assert all(v.is_cover for v in (mine, theirs, kit))


# --- list, show, rename ----------------------------------------------------------------------------


def test_list_sets_by_id_with_owner_count_and_cover(inventory: Inventory, files: Files, set_id: int) -> None:
    kit = kits.add_kit(inventory, "Synth Voice")
    photo = add(inventory, PART, files.png(), "Top")
    add(inventory, PART, files.pdf())
    add(inventory, SetRef("kit", "Synth Voice"), "https://example.com/")

    summaries = sets.list_sets(inventory)

    assert [s.id for s in summaries] == sorted(s.id for s in summaries)
    assert [(s.owner, s.attachment_count) for s in summaries] == [
        ("part:ABCD", 2),
        ("part:WXYZ", 0),
        ("kit:Synth Voice", 1),
    ]
    assert summaries[0].id == set_id and summaries[2].id == kit.set_id
    assert summaries[0].cover is not None and (summaries[0].cover.id, summaries[0].cover.title) == (
        photo.id,
        "Top",
    )
    assert summaries[1].cover is None and summaries[2].cover is None
    assert summaries[0].to_dict()["cover"] == {"id": photo.id, "title": "Top", "filename": "photo.png"}


def test_list_sets_is_empty_on_a_new_inventory(inventory: Inventory) -> None:
    assert sets.list_sets(inventory) == []


def test_show_set_by_owner_or_id(inventory: Inventory, files: Files, set_id: int) -> None:
    kit = kits.add_kit(inventory, "Synth Voice")
    photo = add(inventory, PART, files.png())

    by_part = sets.show_set(inventory, SetRef("part", "abcd"))
    by_id = sets.show_set(inventory, SetRef(None, str(set_id)))
    by_kit = sets.show_set(inventory, SetRef("kit", "SYNTH VOICE"))

    assert by_part == by_id
    assert (by_part.id, by_part.owner, by_part.cover_id) == (set_id, "part:ABCD", photo.id)
    assert [a.id for a in by_part.attachments] == [photo.id]
    assert (by_kit.id, by_kit.owner, by_kit.cover_id, by_kit.attachments) == (
        kit.set_id,
        "kit:Synth Voice",
        None,
        [],
    )
    assert by_part.to_dict()["attachments"][0]["is_cover"] is True


def test_show_set_orders_by_created_at_then_id(
    inventory: Inventory, files: Files, set_id: int, db_path: Path
) -> None:
    a = add(inventory, PART, files.png())
    b = add(inventory, PART, files.pdf())
    c = add(inventory, PART, "https://example.com/c")
    d = add(inventory, PART, files.jpeg())
    set_created_at(db_path, a.id, "2024-05-01 10:00:00.000000")
    set_created_at(db_path, b.id, "2024-05-01 09:00:00.000000")
    set_created_at(db_path, c.id, "2024-05-01 10:00:00.000000")
    set_created_at(db_path, d.id, "2024-04-30 23:59:59.000000")

    view = sets.show_set(inventory, PART)

    assert [x.id for x in view.attachments] == [d.id, b.id, a.id, c.id]


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        (SetRef(None, "999"), "no attachment set 999"),
        (SetRef("part", "QQQQ"), "no part with key 'QQQQ'"),
        (SetRef("kit", "Nope"), "no kit named 'Nope'"),
    ],
)
def test_show_unknown_set_is_not_found(inventory: Inventory, set_id: int, ref: SetRef, message: str) -> None:
    with pytest.raises(NotFoundError, match=message) as caught:
        sets.show_set(inventory, ref)

    assert caught.value.exit_code == ExitCode.NOT_FOUND


def test_rename_attachment(inventory: Inventory, files: Files, set_id: int, db_path: Path) -> None:
    photo = add(inventory, PART, files.png())

    view = sets.rename_attachment(inventory, PART, photo.id, "  Top view ")

    assert (view.id, view.title, view.is_cover) == (photo.id, "Top view", True)
    assert query(db_path, "SELECT title FROM attachments WHERE id = ?", photo.id) == [("Top view",)]


def test_rename_to_a_blank_title_is_invalid(inventory: Inventory, files: Files, set_id: int) -> None:
    photo = add(inventory, PART, files.png())

    with pytest.raises(InvalidInputError, match="title is blank"):
        sets.rename_attachment(inventory, PART, photo.id, " ")

    assert sets.show_set(inventory, PART).attachments[0].title == "photo.png"


def test_rename_attachment_of_another_set_is_a_conflict(
    inventory: Inventory, files: Files, set_id: int
) -> None:
    theirs = add(inventory, OTHER, files.png())

    with pytest.raises(
        ConflictError, match=f"attachment {theirs.id} does not belong to set {set_id}"
    ) as caught:
        sets.rename_attachment(inventory, PART, theirs.id, "Mine now")

    assert caught.value.exit_code == ExitCode.CONFLICT
    assert caught.value.hint == f"it belongs to set {theirs.set_id}"
    assert sets.show_set(inventory, OTHER).attachments[0].title == "photo.png"


def test_rename_unknown_attachment_is_not_found(inventory: Inventory, set_id: int) -> None:
    with pytest.raises(NotFoundError, match="no attachment 4242") as caught:
        sets.rename_attachment(inventory, PART, 4242, "x")

    assert caught.value.exit_code == ExitCode.NOT_FOUND


# --- remove and the cover rules --------------------------------------------------------------------


def test_remove_a_non_cover_attachment_keeps_the_cover(
    inventory: Inventory, files: Files, set_id: int, db_path: Path, store_root: Path
) -> None:
    photo = add(inventory, PART, files.png())
    sheet = add(inventory, PART, files.pdf())
    blobs = blob_files(store_root)

    removed = sets.remove_attachment(inventory, PART, sheet.id)

    assert removed.to_dict() == {
        "what": f"attachment {sheet.id}",
        "attachments_removed": 1,
        "new_cover_id": photo.id,
        "cover_changed": False,
    }
    assert [a.id for a in sets.show_set(inventory, PART).attachments] == [photo.id]
    assert cover_of(db_path, set_id) == photo.id
    assert blob_files(store_root) == blobs


def test_removing_the_cover_promotes_the_oldest_remaining_image(
    inventory: Inventory, files: Files, set_id: int, db_path: Path
) -> None:
    cover = add(inventory, PART, files.png("a.png", (1, 1, 1)))
    older_pdf = add(inventory, PART, files.pdf())
    link = add(inventory, PART, "https://example.com/")
    newer = add(inventory, PART, files.png("b.png", (2, 2, 2)))
    oldest = add(inventory, PART, files.png("c.png", (3, 3, 3)))
    set_created_at(db_path, cover.id, "2024-01-01 00:00:00.000000")
    set_created_at(db_path, older_pdf.id, "2024-01-01 00:00:01.000000")
    set_created_at(db_path, link.id, "2024-01-01 00:00:01.000000")
    set_created_at(db_path, newer.id, "2024-01-03 00:00:00.000000")
    set_created_at(db_path, oldest.id, "2024-01-02 00:00:00.000000")

    removed = sets.remove_attachment(inventory, PART, cover.id)

    assert (removed.cover_changed, removed.new_cover_id) == (True, oldest.id)
    assert cover_of(db_path, set_id) == oldest.id
    assert sets.get_cover(inventory, PART) is not None


def test_cover_promotion_ties_go_to_the_lowest_id(
    inventory: Inventory, files: Files, set_id: int, db_path: Path
) -> None:
    made = [add(inventory, PART, files.png(f"{i}.png", (i, i, i))) for i in range(4)]
    for view in made:
        set_created_at(db_path, view.id, "2024-01-01 00:00:00.000000")
    assert cover_of(db_path, set_id) == made[0].id

    first = sets.remove_attachment(inventory, PART, made[0].id)
    assert first.new_cover_id == made[1].id

    sets.set_cover(inventory, PART, made[3].id)
    second = sets.remove_attachment(inventory, PART, made[3].id)
    assert second.new_cover_id == made[1].id
    assert cover_of(db_path, set_id) == made[1].id


def test_removing_the_last_image_leaves_no_cover(
    inventory: Inventory, files: Files, set_id: int, db_path: Path, store_root: Path
) -> None:
    photo = add(inventory, PART, files.png())
    sheet = add(inventory, PART, files.pdf())
    link = add(inventory, PART, "https://example.com/")
    blobs = blob_files(store_root)

    removed = sets.remove_attachment(inventory, PART, photo.id)

    assert (removed.cover_changed, removed.new_cover_id) == (True, None)
    assert cover_of(db_path, set_id) is None
    assert sets.get_cover(inventory, PART) is None
    assert [a.id for a in sets.show_set(inventory, PART).attachments] == [sheet.id, link.id]
    assert blob_files(store_root) == blobs


def test_remove_attachment_of_another_set_is_a_conflict(
    inventory: Inventory, files: Files, set_id: int, db_path: Path
) -> None:
    theirs = add(inventory, OTHER, files.png())

    with pytest.raises(
        ConflictError, match=f"attachment {theirs.id} does not belong to set {set_id}"
    ) as caught:
        sets.remove_attachment(inventory, PART, theirs.id)

    assert caught.value.exit_code == ExitCode.CONFLICT
    assert query(db_path, "SELECT id FROM attachments") == [(theirs.id,)]


def test_remove_unknown_attachment_is_not_found(inventory: Inventory, set_id: int) -> None:
    with pytest.raises(NotFoundError, match="no attachment 4242"):
        sets.remove_attachment(inventory, PART, 4242)


def test_get_cover(inventory: Inventory, files: Files, set_id: int) -> None:
    assert sets.get_cover(inventory, PART) is None
    add(inventory, PART, files.pdf())
    photo = add(inventory, PART, files.png(), "Top")

    cover = sets.get_cover(inventory, PART)

    assert cover is not None
    assert (cover.id, cover.title, cover.is_cover, cover.kind) == (photo.id, "Top", True, "image")


def test_get_cover_of_unknown_set_is_not_found(inventory: Inventory, set_id: int) -> None:
    with pytest.raises(NotFoundError):
        sets.get_cover(inventory, SetRef(None, "999"))


def test_set_cover_to_another_image(inventory: Inventory, files: Files, set_id: int, db_path: Path) -> None:
    first = add(inventory, PART, files.png())
    second = add(inventory, PART, files.jpeg())

    view = sets.set_cover(inventory, PART, second.id)

    assert view is not None and (view.id, view.is_cover) == (second.id, True)
    assert cover_of(db_path, set_id) == second.id
    flags = {a.id: a.is_cover for a in sets.show_set(inventory, PART).attachments}
    assert flags == {first.id: False, second.id: True}


def test_clearing_the_cover_and_the_next_image_becomes_cover(
    inventory: Inventory, files: Files, set_id: int, db_path: Path
) -> None:
    add(inventory, PART, files.png())

    assert sets.set_cover(inventory, PART, None) is None
    assert cover_of(db_path, set_id) is None
    assert sets.get_cover(inventory, PART) is None

    later = add(inventory, PART, files.jpeg())
    assert later.is_cover is True and cover_of(db_path, set_id) == later.id


@pytest.mark.parametrize("kind", ["pdf", "url"])
def test_pdf_or_link_refused_as_cover(
    inventory: Inventory, files: Files, set_id: int, db_path: Path, kind: str
) -> None:
    photo = add(inventory, PART, files.png())
    other = add(inventory, PART, files.pdf() if kind == "pdf" else "https://example.com/")

    with pytest.raises(ConflictError, match=f"attachment {other.id} is a {kind}; only an image") as caught:
        sets.set_cover(inventory, PART, other.id)

    assert caught.value.exit_code == ExitCode.CONFLICT
    assert cover_of(db_path, set_id) == photo.id


def test_cover_from_another_set_is_refused(
    inventory: Inventory, files: Files, set_id: int, db_path: Path
) -> None:
    theirs = add(inventory, OTHER, files.png())

    with pytest.raises(
        ConflictError, match=f"attachment {theirs.id} does not belong to set {set_id}"
    ) as caught:
        sets.set_cover(inventory, PART, theirs.id)

    assert caught.value.exit_code == ExitCode.CONFLICT
    assert cover_of(db_path, set_id) is None


def test_unknown_cover_is_not_found(inventory: Inventory, set_id: int) -> None:
    with pytest.raises(NotFoundError, match="no attachment 4242") as caught:
        sets.set_cover(inventory, PART, 4242)

    assert caught.value.exit_code == ExitCode.NOT_FOUND


# --- export ----------------------------------------------------------------------------------------


def test_export_to_a_file_and_to_a_stream_give_the_same_bytes(
    inventory: Inventory, files: Files, set_id: int, tmp_path: Path
) -> None:
    source = files.pdf()
    sheet = add(inventory, PART, source, "Datasheet")
    target = tmp_path / "out.pdf"

    view, written = sets.export_to_file(inventory, PART, sheet.id, target)
    stream = io.BytesIO()
    streamed = sets.export_to_stream(inventory, PART, sheet.id, stream)

    assert written == target
    assert target.read_bytes() == source.read_bytes() == stream.getvalue()
    assert view.id == streamed.id == sheet.id
    assert view.title == "Datasheet"


def test_export_into_a_folder_uses_the_original_name(
    inventory: Inventory, files: Files, set_id: int, tmp_path: Path
) -> None:
    photo = add(inventory, PART, files.png("board-top.png"), "Top")
    folder = tmp_path / "out"
    folder.mkdir()

    _view, written = sets.export_to_file(inventory, PART, photo.id, folder)

    assert written == folder / "board-top.png"
    assert written.read_bytes() == files.png("again.png").read_bytes()
    assert sorted(p.name for p in folder.iterdir()) == ["board-top.png"]


def test_export_refuses_to_overwrite_unless_asked(
    inventory: Inventory, files: Files, set_id: int, tmp_path: Path
) -> None:
    photo = add(inventory, PART, files.png())
    target = tmp_path / "existing.png"
    target.write_bytes(b"precious")

    with pytest.raises(ConflictError, match="already exists") as caught:
        sets.export_to_file(inventory, PART, photo.id, target)
    assert caught.value.exit_code == ExitCode.CONFLICT
    assert caught.value.hint is not None and "--force" in caught.value.hint
    assert target.read_bytes() == b"precious"

    sets.export_to_file(inventory, PART, photo.id, target, overwrite=True)
    assert target.read_bytes() == files.png().read_bytes()


def test_export_of_a_corrupted_blob_fails_and_leaves_no_file(
    inventory: Inventory, files: Files, set_id: int, tmp_path: Path
) -> None:
    photo = add(inventory, PART, files.png())
    assert photo.blob_digest is not None
    blob = inventory.blobs.blob_path(photo.blob_digest)
    overwrite(blob, blob.read_bytes()[:-1] + b"X")
    folder = tmp_path / "out"
    folder.mkdir()

    with pytest.raises(StorageError, match=f"blob {photo.blob_digest} is corrupt") as caught:
        sets.export_to_file(inventory, PART, photo.id, folder / "copy.png")

    assert caught.value.exit_code == ExitCode.STORAGE
    assert list(folder.iterdir()) == []
    with pytest.raises(StorageError, match="is corrupt"):
        sets.export_to_stream(inventory, PART, photo.id, io.BytesIO())


def test_export_of_a_corrupted_blob_keeps_the_existing_file_when_forced(
    inventory: Inventory, files: Files, set_id: int, tmp_path: Path
) -> None:
    photo = add(inventory, PART, files.png())
    assert photo.blob_digest is not None
    overwrite(inventory.blobs.blob_path(photo.blob_digest), b"\x89PNG garbage")
    target = tmp_path / "existing.png"
    target.write_bytes(b"precious")

    with pytest.raises(StorageError):
        sets.export_to_file(inventory, PART, photo.id, target, overwrite=True)

    assert target.read_bytes() == b"precious"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".existing")) == []


def test_export_of_a_missing_blob_is_a_storage_error(
    inventory: Inventory, files: Files, set_id: int, tmp_path: Path
) -> None:
    photo = add(inventory, PART, files.png())
    assert photo.blob_digest is not None
    inventory.blobs.blob_path(photo.blob_digest).unlink()

    with pytest.raises(StorageError, match="is missing from the store") as caught:
        sets.export_to_file(inventory, PART, photo.id, tmp_path / "copy.png")

    assert caught.value.exit_code == ExitCode.STORAGE
    assert not (tmp_path / "copy.png").exists()


def test_export_of_a_link_is_refused(inventory: Inventory, set_id: int, tmp_path: Path) -> None:
    link = add(inventory, PART, "https://example.com/page")

    with pytest.raises(InvalidInputError, match=f"attachment {link.id} is a link") as caught:
        sets.export_to_file(inventory, PART, link.id, tmp_path / "link")
    assert caught.value.exit_code == ExitCode.INVALID_INPUT
    assert caught.value.hint == "its URL is https://example.com/page"
    assert not (tmp_path / "link").exists()

    stream = io.BytesIO()
    with pytest.raises(InvalidInputError, match="is a link"):
        sets.export_to_stream(inventory, PART, link.id, stream)
    assert stream.getvalue() == b""


def test_export_into_a_missing_folder_is_invalid(
    inventory: Inventory, files: Files, set_id: int, tmp_path: Path
) -> None:
    photo = add(inventory, PART, files.png())

    with pytest.raises(InvalidInputError, match="cannot write"):
        sets.export_to_file(inventory, PART, photo.id, tmp_path / "nowhere" / "copy.png")


def test_export_attachment_of_another_set_is_a_conflict(
    inventory: Inventory, files: Files, set_id: int, tmp_path: Path
) -> None:
    theirs = add(inventory, OTHER, files.png())

    with pytest.raises(ConflictError, match="does not belong to set"):
        sets.export_to_file(inventory, PART, theirs.id, tmp_path / "x.png")
    with pytest.raises(NotFoundError, match="no attachment 4242"):
        sets.export_to_stream(inventory, PART, 4242, io.BytesIO())
    assert not (tmp_path / "x.png").exists()
