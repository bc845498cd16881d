"""Types and kits are found by one rule everywhere: folded over all of Unicode (kits: exact name first)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from inventory_cli.bootstrap import Inventory
from inventory_cli.config import load_settings
from inventory_cli.domain.rules import SetRef
from inventory_cli.errors import ConflictError, NotFoundError
from inventory_cli.services import attaching, kits, parts, sets, types
from inventory_cli.storage import part_rows
from tests.conftest import DbBackend, Files


def test_a_type_is_found_in_any_case_of_all_of_unicode(db_backend: DbBackend) -> None:
    inventory = Inventory(load_settings())
    types.add_type(inventory, "Straße")

    # 'ß' folds to 'ss': neither SQLite's nor a plain lower() would match these.
    with pytest.raises(ConflictError, match="type 'Straße' already exists"):
        types.add_type(inventory, "STRASSE")
    added = parts.add_part(inventory, "Road sign", key="SIGN", type_name=" strasse ")
    with inventory.plain_sql() as sql:
        found = part_rows.type_named(sql, "STRASSE")
    with pytest.raises(ConflictError, match="type 'Straße' is used by 1 part"):
        types.remove_type(inventory, "strasse")
    parts.edit_part(inventory, "SIGN", type_name="")
    removed = types.remove_type(inventory, "STRASSE")
    with pytest.raises(NotFoundError, match="no part type 'Straße'"):
        types.remove_type(inventory, " Straße ")
    inventory.close()

    assert added.type == "Straße"
    assert found is not None and found[1] == "Straße"
    assert removed.name == "Straße"
    assert db_backend.query("SELECT count(*) FROM types WHERE name = 'Straße'") == [(0,)]


def test_a_kit_is_found_by_exact_name_first_then_in_any_case_by_every_command(
    db_backend: DbBackend, files: Files
) -> None:
    inventory = Inventory(load_settings())
    kits.add_kit(inventory, "Straße Lamp")
    kits.add_kit(inventory, "Desk")

    with pytest.raises(ConflictError, match="a kit named 'Straße Lamp' already exists"):
        kits.add_kit(inventory, "STRASSE LAMP")
    with pytest.raises(ConflictError, match="a kit named 'Straße Lamp' already exists"):
        kits.edit_kit(inventory, "desk", new_name="strasse lamp")
    renamed = kits.edit_kit(inventory, "STRASSE LAMP", new_name="STRASSE Lamp")  # its own name, recased
    photo = attaching.add_attachment(inventory, SetRef("kit", "strasse lamp"), str(files.png()))
    shown = sets.show_set(inventory, SetRef("kit", "Strasse LAMP"))
    cover = sets.get_cover(inventory, SetRef("kit", "STRASSE LAMP"))
    for ref in (SetRef("kit", "Nothing"), SetRef("part", "NOPE"), SetRef(None, "999")):
        with pytest.raises(NotFoundError) as light:
            attaching.add_attachment(inventory, ref, str(files.pdf()))
        with pytest.raises(NotFoundError) as orm:
            sets.show_set(inventory, ref)
        assert (str(light.value), light.value.hint) == (str(orm.value), orm.value.hint)
    inventory.close()

    assert renamed.name == "STRASSE Lamp"
    assert shown.owner == "kit:STRASSE Lamp" and [a.id for a in shown.attachments] == [photo.id]
    assert cover is not None and cover.id == photo.id
    assert db_backend.query("SELECT count(*) FROM kits") == [(2,)]


@pytest.mark.parametrize("owner", ["part", "kit"])
def test_an_owner_whose_set_is_gone_is_reported_alike_by_attach_and_the_set_commands(
    owner: str, db_path: Path, files: Files
) -> None:
    inventory = Inventory(load_settings())
    parts.add_part(inventory, "Op-amp", key="OPAM")
    kits.add_kit(inventory, "Lamp")
    inventory.close()
    table, column, value = ("parts", "key", "OPAM") if owner == "part" else ("kits", "name", "Lamp")
    raw = sqlite3.connect(db_path, isolation_level=None)
    raw.execute("PRAGMA foreign_keys = OFF")  # only such a damaged file has an owner without a set
    raw.execute(
        f"DELETE FROM attachment_sets WHERE id = (SELECT attachment_set_id FROM {table} WHERE {column} = ?)",
        (value,),
    )
    raw.close()
    ref = SetRef(owner, value)

    inventory = Inventory(load_settings())
    with pytest.raises(NotFoundError, match=f"{owner}:{value} has no attachment set") as light:
        attaching.add_attachment(inventory, ref, str(files.pdf()))
    with pytest.raises(NotFoundError, match=f"{owner}:{value} has no attachment set") as orm:
        sets.show_set(inventory, ref)
    inventory.close()

    assert light.value.hint == orm.value.hint == "run 'inventory db check'"
