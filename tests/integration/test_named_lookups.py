"""Types and kits are found by one rule everywhere: folded over all of Unicode (kits: exact name first)."""

from __future__ import annotations

import pytest

from inventory_cli.bootstrap import Inventory
from inventory_cli.config import load_settings
from inventory_cli.errors import ConflictError, NotFoundError
from inventory_cli.services import parts, types
from inventory_cli.storage import part_rows
from tests.conftest import DbBackend


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
