"""An update import that moves stock: the locations parts leave are looked up once per batch."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from inventory_cli.bootstrap import Inventory
from inventory_cli.services.import_core import ImportRequest
from inventory_cli.services.importing import import_parts
from inventory_cli.storage import plainsql

PARTS = 6


def _import(inventory: Inventory, path: Path, text: str, reads: list[str]) -> Any:
    """Import ``text`` with --on-conflict update; every statement reading the locations table is noted."""
    path.write_text(text)
    request = ImportRequest(path.read_bytes(), path.name, "csv", path.parent, on_conflict="update")
    real = plainsql.SqliteSql.rows

    def noting(self: Any, sql: str, *args: Any) -> Any:
        if sql.startswith("SELECT box_id, slot, id FROM locations"):
            reads.append(sql)
        return real(self, sql, *args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(plainsql.SqliteSql, "rows", noting)
        return import_parts(inventory, request)


def test_parts_leaving_locations_read_the_locations_once(inventory: Inventory, tmp_path: Path) -> None:
    with inventory.plain_sql(write=True) as sql:
        box = sql.scalar("INSERT INTO boxes (description, capacity) VALUES ('Drawer', 3) RETURNING id")
        for slot in (1, 2, 3):
            sql.execute(
                "INSERT INTO locations (box_id, slot) VALUES (:box, :slot)", {"box": box, "slot": slot}
            )
    keys = [f"MOV{chr(65 + number)}" for number in range(PARTS)]
    source = tmp_path / "parts.csv"
    created = _import(
        inventory,
        source,
        "key,description,stock\n" + "".join(f"{k},Moved,{box}-1=2;{box}-2=1\n" for k in keys),
        [],
    )
    assert (created.created, created.errors) == (PARTS, [])

    reads: list[str] = []
    moved = _import(
        inventory, source, "key,description,stock\n" + "".join(f"{k},Moved,{box}-3=4\n" for k in keys), reads
    )

    assert (moved.updated, moved.errors) == (PARTS, [])
    assert len(reads) == 2, reads  # the checks' read, and one for the whole batch
    with inventory.plain_sql() as sql:
        stock = sql.rows(
            "SELECT l.slot, count(*), sum(st.quantity) FROM stock st "
            "JOIN locations l ON l.id = st.location_id GROUP BY l.slot"
        )
        removed = sql.scalar("SELECT count(*) FROM stock_history WHERE action = 'remove'")
    inventory.close()
    assert stock == [(3, PARTS, 4 * PARTS)]
    assert removed == 2 * PARTS
