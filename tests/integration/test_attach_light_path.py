"""Attaching on the light path: no ORM on a current SQLite file, the same rows and covers on PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from inventory_cli.bootstrap import Inventory
from inventory_cli.config import load_settings
from inventory_cli.domain.rules import SetRef
from inventory_cli.errors import ConflictError, NotFoundError
from inventory_cli.services import attaching, kits, parts, sets
from tests.conftest import CliRun, DbBackend, Files, json_out

HEAVY = ("sqlalchemy", "sqlmodel", "alembic", "pydantic", "PIL")


def _run_cli(*arguments: str) -> tuple[list[str], list[str]]:
    """Run ``inventory ARGUMENTS`` in a fresh interpreter: its stdout lines, the heavy modules it loaded."""
    program = (
        "import sys\n"
        "from inventory_cli.cli.main import app\n"
        f"sys.argv = ['inventory', *{list(arguments)!r}]\n"
        "try:\n"
        "    app()\n"
        "except SystemExit as exit:\n"
        "    assert not exit.code, exit.code\n"
        "finally:\n"
        f"    print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=False, env=dict(os.environ)
    )
    assert done.returncode == 0, done.stderr
    *output, modules = done.stdout.splitlines()
    return output, json.loads(modules.replace("'", '"'))


def test_attaching_on_a_current_sqlite_file_loads_no_orm_nor_image_library(cli: CliRun, files: Files) -> None:
    assert cli("part", "add", "Shift register", "--key", "SHFT").exit_code == 0
    assert cli("kit", "add", "Synth Voice").exit_code == 0
    set_id = json_out(cli("part", "show", "SHFT", "--json"))["set_id"]

    output, modules = _run_cli("part", "attach", "SHFT", str(files.pdf("sheet.pdf")), "--json")
    assert modules == []
    added = json.loads("\n".join(output))
    assert (added["kind"], added["title"], added["set_id"]) == ("pdf", "sheet.pdf", set_id)

    output, modules = _run_cli("kit", "attach", "synth voice", "https://example.com/voice", "--json")
    assert modules == []
    assert json.loads("\n".join(output))["url"] == "https://example.com/voice"

    output, modules = _run_cli("set", "add", str(set_id), str(files.pdf("notes.pdf", "notes")))
    assert modules == []
    assert output == [f"added attachment 3 to set {set_id}: pdf 'notes.pdf'"]

    # A small PNG is checked without the image library, and becomes the cover.
    output, modules = _run_cli("part", "attach", "SHFT", str(files.png("top.png")), "--json")
    assert modules == []
    assert json.loads("\n".join(output))["is_cover"] is True

    shown = json_out(cli("part", "show", "SHFT", "--json"))
    assert [a["title"] for a in shown["attachments"]] == ["sheet.pdf", "notes.pdf", "top.png"]
    assert shown["cover"]["title"] == "top.png"


def _set_row(backend: DbBackend, set_id: int) -> tuple[int | None, datetime]:
    cover, updated = backend.query(
        "SELECT cover_attachment_id, updated_at FROM attachment_sets WHERE id = :id", id=set_id
    )[0]
    return cover, updated if isinstance(updated, datetime) else datetime.fromisoformat(updated)


def test_the_first_image_claims_the_cover_and_touches_the_set(db_backend: DbBackend, files: Files) -> None:
    inventory = Inventory(load_settings())
    set_id = parts.add_part(inventory, "Regulator", key="REGL").set_id
    ref = SetRef("part", "regl")  # keys are matched in upper case
    _, created = _set_row(db_backend, set_id)

    sheet = attaching.add_attachment(inventory, ref, str(files.pdf()))
    assert _set_row(db_backend, set_id) == (None, created)  # a PDF neither covers nor touches the set
    photo = attaching.add_attachment(inventory, ref, str(files.png()), "Top")
    cover, updated = _set_row(db_backend, set_id)
    later = attaching.add_attachment(inventory, ref, str(files.jpeg()))
    inventory.close()

    assert (sheet.is_cover, photo.is_cover, later.is_cover) == (False, True, False)
    assert cover == photo.id and updated > created
    assert _set_row(db_backend, set_id)[0] == photo.id  # the second image leaves the cover alone
    # What the service reported is what a later read finds.
    shown = {a.id: a for a in sets.show_set(Inventory(load_settings()), ref).attachments}
    assert shown[photo.id] == photo and shown[sheet.id] == sheet and shown[later.id] == later


def test_a_kit_is_found_in_any_case_of_all_of_unicode(db_backend: DbBackend, files: Files) -> None:
    inventory = Inventory(load_settings())
    kits.add_kit(inventory, "Straße Lamp")

    view = attaching.add_attachment(inventory, SetRef("kit", "STRASSE LAMP"), str(files.png()))
    inventory.close()

    assert view.is_cover
    assert db_backend.query("SELECT count(*) FROM attachments") == [(1,)]


def test_duplicates_and_unknown_sets_change_nothing(db_backend: DbBackend, files: Files) -> None:
    inventory = Inventory(load_settings())
    parts.add_part(inventory, "Op-amp", key="OPAM")
    ref = SetRef("part", "OPAM")
    photo = attaching.add_attachment(inventory, ref, str(files.png()), "Front")
    link = attaching.add_attachment(inventory, ref, "https://example.com/opamp")

    with pytest.raises(ConflictError, match=rf"already in set \d+ as attachment {photo.id} \('Front'\)"):
        attaching.add_attachment(inventory, ref, str(files.png("again.png")))
    with pytest.raises(ConflictError, match=rf"as attachment {link.id} \('example.com/opamp'\)"):
        attaching.add_attachment(inventory, ref, "https://example.com/opamp")
    for missing, message in (
        (SetRef("part", "NOPE"), "no part with key 'NOPE'"),
        (SetRef("kit", "Nothing"), "no kit named 'Nothing'"),
        (SetRef(None, "999"), "no attachment set 999"),
    ):
        with pytest.raises(NotFoundError, match=message):
            attaching.add_attachment(inventory, missing, str(files.pdf()))
    inventory.close()

    assert db_backend.query("SELECT count(*) FROM attachments") == [(2,)]


def test_a_new_attachment_id_follows_every_id_ever_given(files: Files, db_path: Path) -> None:
    """AUTOINCREMENT: an id freed by a delete is never handed out again, on the light path either."""
    inventory = Inventory(load_settings())
    parts.add_part(inventory, "Crystal", key="XTAL")
    ref = SetRef("part", "XTAL")
    first = attaching.add_attachment(inventory, ref, str(files.pdf()))
    second = attaching.add_attachment(inventory, ref, "https://example.com/xtal")
    sets.remove_attachment(inventory, ref, second.id)

    third = attaching.add_attachment(inventory, ref, str(files.png()))
    inventory.close()

    assert (first.id, second.id, third.id) == (1, 2, 3)


def test_only_a_png_above_the_checked_size_is_decoded_by_the_image_library(
    files: Files, monkeypatch: pytest.MonkeyPatch
) -> None:
    from inventory_cli.services import intake

    decoded: list[str] = []
    real = intake._verify_image
    monkeypatch.setattr(
        intake, "_verify_image", lambda path, item: (decoded.append(item.name), real(path, item))
    )
    inventory = Inventory(load_settings())
    parts.add_part(inventory, "Display", key="DISP")
    ref = SetRef("part", "DISP")

    attaching.add_attachment(inventory, ref, str(files.png("small.png")))
    attaching.add_attachment(inventory, ref, str(files.jpeg("photo.jpg")))
    monkeypatch.setattr(intake, "_PNG_CHECKED_BYTES", 10)
    attaching.add_attachment(inventory, ref, str(files.png("large.png", (1, 2, 3))))
    inventory.close()

    assert decoded == ["photo.jpg", "large.png"]
