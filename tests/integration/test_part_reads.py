"""The light read path of ``part list`` and ``part show``: same results on both databases, user text
bound as parameters, and no ORM (nor rich, for JSON) imported by those commands."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from typing import Any

import pytest

from inventory_cli.bootstrap import Inventory
from inventory_cli.config import load_settings
from inventory_cli.domain.rules import SetRef
from inventory_cli.errors import NotFoundError
from inventory_cli.services import attaching, boxes, part_listing, part_views, parts, stock, types
from inventory_cli.storage import plainsql
from tests.conftest import CliRun, DbBackend, Files

ORM = ("sqlalchemy", "sqlmodel", "alembic")


def stocked(inventory: Inventory, files: Files) -> None:
    """Four parts: types, tags (one part without), stock in two slots, a cover and a link."""
    types.add_type(inventory, "Opamp")
    parts.add_part(inventory, "Dual opamp 50% off", key="OPAM", type_name="opamp", tags=["Analog", "dip-8"])
    parts.add_part(inventory, "Quad opamp", key="QUAD", type_name="Opamp", tags=["analog"], package="SO_14")
    parts.add_part(inventory, "Resistor 500 ohm", key="RFIV", type_name="Resistor", series="a_b")
    parts.add_part(inventory, "Bare wire", key="WIRE")
    attaching.add_attachment(inventory, SetRef("part", "OPAM"), str(files.png("opamp.png")))
    attaching.add_attachment(inventory, SetRef("part", "OPAM"), "https://example.com/opamp")
    boxes.add_box(inventory, "Drawer", 4)
    stock.add_stock(inventory, "OPAM", "1-2", 3)
    stock.add_stock(inventory, "OPAM", "1-1", 4)
    stock.add_stock(inventory, "QUAD", "1-3", 1)


def keys(views: list[Any]) -> list[str]:
    return [view.key for view in views]


def test_filters_and_show_agree_on_both_databases(db_backend: DbBackend, files: Files) -> None:
    inventory = Inventory(load_settings())
    stocked(inventory, files)

    assert keys(part_views.list_parts(inventory)) == ["OPAM", "QUAD", "RFIV", "WIRE"]
    assert keys(part_views.list_parts(inventory, type_name=" OPAMP ")) == ["OPAM", "QUAD"]
    assert keys(part_views.list_parts(inventory, tag="ANALOG")) == ["OPAM", "QUAD"]
    assert keys(part_views.list_parts(inventory, tag="dip")) == []  # whole tags only
    assert keys(part_views.list_parts(inventory, low_stock=1)) == ["QUAD", "RFIV", "WIRE"]
    assert keys(part_views.list_parts(inventory, search="50%")) == ["OPAM"]
    assert keys(part_views.list_parts(inventory, search="%")) == ["OPAM"]  # % matches itself only
    assert keys(part_views.list_parts(inventory, search="_")) == ["QUAD", "RFIV"]  # so does _
    assert keys(part_views.list_parts(inventory, search="o'")) == []
    assert keys(part_views.list_parts(inventory, search="OPAMP", tag="dip-8", low_stock=7)) == ["OPAM"]
    with pytest.raises(NotFoundError, match="unknown part type 'Opam'"):
        part_views.list_parts(inventory, type_name="Opam")

    shown = part_views.show_part(inventory, " opam ")
    assert (shown.key, shown.type, shown.tags, shown.stock_total) == ("OPAM", "Opamp", ["Analog", "dip-8"], 7)
    assert [(line.location, line.quantity) for line in shown.stock or []] == [("1-1", 4), ("1-2", 3)]
    assert [(a.kind, a.is_cover) for a in shown.attachments or []] == [("image", True), ("url", False)]
    assert shown.cover is not None and shown.cover.title == "opamp.png" and shown.attachment_count == 2
    listed = {view.key: view for view in part_views.list_parts(inventory)}
    assert listed["WIRE"].tags == [] and listed["WIRE"].cover is None
    assert replace(shown, attachments=None, stock=None) == listed["OPAM"]  # the list row, in full
    with pytest.raises(NotFoundError, match="no part with key 'NOPE'"):
        part_views.show_part(inventory, "NOPE")
    inventory.close()


def test_the_json_listing_is_the_dict_of_every_listed_part(
    db_backend: DbBackend, files: Files, cli: CliRun
) -> None:
    inventory = Inventory(load_settings())
    stocked(inventory, files)
    parts.add_part(inventory, 'Odd «text» "quoted" 100%s\\', key="ODDS", tags=["%d", "ünï"], pin_count=3)
    filters: list[dict[str, Any]] = [
        {},
        {"type_name": "opamp"},
        {"tag": "analog"},
        {"low_stock": 1},
        {"search": "%"},
    ]
    for where in filters:
        views = part_views.list_parts(inventory, **where)
        assert part_listing.list_part_records(inventory, **where).to_dicts() == [v.to_dict() for v in views]
    inventory.close()

    listed = cli("part", "list", "--json")
    dicts = [view.to_dict() for view in part_views.list_parts(inventory)]
    assert listed.exit_code == 0 and listed.stdout == json.dumps(dicts, indent=2, ensure_ascii=False) + "\n"
    assert [part["key"] for part in dicts] == ["ODDS", "OPAM", "QUAD", "RFIV", "WIRE"]
    assert cli("part", "list", "--json", "--search", "nothing like it").stdout == "[]\n"
    inventory.close()


def test_user_text_reaches_sql_only_as_bound_parameters(
    db_backend: DbBackend, files: Files, monkeypatch: pytest.MonkeyPatch
) -> None:
    inventory = Inventory(load_settings())
    stocked(inventory, files)
    sent: list[tuple[str, dict[str, Any]]] = []
    for runner in (plainsql.SqliteSql, plainsql.AlchemySql):
        original = runner.rows

        def recording(self: Any, sql: str, params: Any = None, _original: Any = original) -> Any:
            sent.append((sql, dict(params or {})))
            return _original(self, sql, params)

        monkeypatch.setattr(runner, "rows", recording)
    search, tag = "50%' OR '1'='1", "x_y'); DROP TABLE parts; --"

    assert part_views.list_parts(inventory, search=search, tag=tag, type_name="Opamp", low_stock=9) == []

    assert sent, "no statement was recorded"
    assert all(text not in sql for sql, _ in sent for text in (search, tag, "Opamp", "9"))
    assert {search, tag} <= {value for _, params in sent for value in params.values()}
    inventory.close()


PROBE = """
import json, sys
from inventory_cli.cli.main import run
sys.argv = ["inventory", *sys.argv[1:]]
try:
    run()
except SystemExit as stop:
    code = stop.code
sys.stdout.flush()
sys.stderr.write("\\n" + json.dumps([code, sorted(sys.modules)]) + "\\n")
"""


def probe(*args: str) -> tuple[str, set[str]]:
    """Run ``inventory ARGS`` in a new interpreter: its stdout and every module it imported."""
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=True)
    code, modules = json.loads(done.stderr.strip().splitlines()[-1])
    assert code in (0, None), done.stderr
    return done.stdout, set(modules)


def heavy(modules: set[str]) -> set[str]:
    """The top-level packages among ``modules`` that a fast read should not need."""
    # pydantic too: Typer below 0.29 (as pinned) does not coerce parameters through it.
    found = {name.split(".")[0] for name in modules} & {*ORM, "pydantic", "rich", "PIL"}
    return found | ({"inventory_cli.domain.models"} & modules)


def test_part_list_and_show_import_no_orm_nor_pydantic_and_json_no_rich(
    inventory: Inventory, files: Files
) -> None:
    stocked(inventory, files)
    inventory.close()

    listed, listing_modules = probe("part", "list", "--json")
    shown, show_modules = probe("part", "show", "OPAM", "--json")
    table, table_modules = probe("part", "list")

    assert [part["key"] for part in json.loads(listed)] == ["OPAM", "QUAD", "RFIV", "WIRE"]
    assert json.loads(shown)["attachment_count"] == 2
    assert "Dual opamp 50% off" in table
    assert heavy(listing_modules) == set() and heavy(show_modules) == set()
    assert heavy(table_modules) == {"rich"}  # rich draws the table, nothing else
    # Only the part commands were loaded, not the other groups.
    assert "inventory_cli.cli.part" in listing_modules
    # The JSON listing builds no part DTOs (their dataclasses cost start-up time).
    assert "inventory_cli.services.part_dto" not in listing_modules
    assert not {"inventory_cli.cli.kit", "inventory_cli.cli.sets", "inventory_cli.cli.db"} & listing_modules


SERVICE_PROBE = """
import sys
from inventory_cli.bootstrap import Inventory
from inventory_cli.config import load_settings
from inventory_cli.services import part_views
inventory = Inventory(load_settings())
assert part_views.list_parts(inventory, search="opamp", tag="analog", low_stock=9)
assert part_views.show_part(inventory, "OPAM").attachments
heavy = ("sqlalchemy", "sqlmodel", "alembic", "pydantic", "rich")
print(sorted(name for name in sys.modules if name.split(".")[0] in heavy))
"""


def test_the_part_read_services_import_no_orm_and_no_pydantic(inventory: Inventory, files: Files) -> None:
    # The services on their own, without the command line around them.
    stocked(inventory, files)
    inventory.close()
    done = subprocess.run([sys.executable, "-c", SERVICE_PROBE], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
