"""The sample-data description: found in the source tree, checked before anything is written."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from inventory_cli.bootstrap import Inventory
from inventory_cli.errors import InvalidInputError
from inventory_cli.services import sample_data
from inventory_cli.services.sample_description import read_description, sample_data_dir
from tests.conftest import SAMPLE_DATA, State


def test_the_folder_is_found_beside_the_package_in_a_source_tree() -> None:
    assert sample_data_dir() == SAMPLE_DATA
    description = read_description()
    assert description.folder == SAMPLE_DATA
    assert [box.ref for box in description.boxes] == ["passives", "ics", "modules"]
    shift = next(part for part in description.parts if part.key == "SHFT")
    assert shift.fields["pin_count"] == 16 and shift.type == "Logic IC"
    assert [a.file.name for a in shift.attachments if a.file] == [
        "sn74hc595-top.png",
        "sn74hc595.pdf",
        "sn74hc595-side.jpg",
        "sn74hc595-pinout.png",
    ]
    types = description.type_names
    assert types[0] == "Crystal" and "Logic IC" in types and len(types) == len(set(types)) == 20
    # One step per service call: types, boxes, and per part and kit its own rows.
    assert description.steps == 20 + 3 + 40 + 40 + 21 + 4 + 34 + 7 + 1


@pytest.fixture
def edited(tmp_path: Path) -> Callable[[Callable[[dict[str, Any]], None]], Path]:
    """A copy of the sample folder whose description ``change`` has edited."""

    def make(change: Callable[[dict[str, Any]], None]) -> Path:
        folder = tmp_path / "sample"
        shutil.copytree(SAMPLE_DATA, folder, dirs_exist_ok=True)
        data = json.loads((folder / "inventory.json").read_text(encoding="utf-8"))
        change(data)
        (folder / "inventory.json").write_text(json.dumps(data), encoding="utf-8")
        return folder

    return make


def _part(data: dict[str, Any], key: str) -> dict[str, Any]:
    return next(part for part in data["parts"] if part["key"] == key)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(version=2), "format: expected 'inventory-sample-data' version 1"),
        (lambda d: _part(d, "SHFT").update(pins=16), "parts[20]: unknown field 'pins'"),
        (lambda d: _part(d, "RONE").pop("description"), "parts[1]: missing field 'description'"),
        (lambda d: _part(d, "RONE")["stock"][0].update(box="attic"), "no box with ref 'attic'"),
        (lambda d: _part(d, "RONE")["stock"][0].update(quantity="9"), "stock[0].quantity: expected a whole"),
        (lambda d: _part(d, "RONE")["stock"][0].update(quantity=True), "expected a whole number"),
        (
            lambda d: _part(d, "LEDR")["attachments"][0].update(file="missing.png"),
            "no file 'missing.png'",
        ),
        (
            lambda d: _part(d, "LEDR")["attachments"][0].update(file="../inventory.json"),
            "no file '../inventory.json'",
        ),
        (
            lambda d: _part(d, "LEDR")["attachments"][0].update(url="https://example.com"),
            "give exactly one of 'file' and 'url'",
        ),
        (lambda d: d["kits"][0]["contents"][0].update(part="ZZZZ"), "part 'ZZZZ' is not in the description"),
        (lambda d: d["kits"][3].update(archived="yes"), "kits[3].archived: expected true or false"),
        (lambda d: d["boxes"][1].update(ref="passives"), "two boxes have the same ref"),
    ],
)
def test_a_bad_description_is_named_and_refused_before_any_write(
    edited: Callable[[Callable[[dict[str, Any]], None]], Path],
    inventory: Inventory,
    state: State,
    change: Callable[[dict[str, Any]], None],
    message: str,
) -> None:
    folder = edited(change)
    before = state()
    with pytest.raises(InvalidInputError) as error:
        sample_data.load(inventory, read_description(folder))
    assert message in error.value.message and str(folder / "inventory.json") in error.value.message
    assert state() == before


def test_values_go_through_the_services_validation(
    edited: Callable[[Callable[[dict[str, Any]], None]], Path], inventory: Inventory
) -> None:
    def only_a_bad_link(data: dict[str, Any]) -> None:
        part = _part(data, "RONE")
        part["product_page"] = "ftp://example.com/1k"
        data.update(parts=[part], kits=[], boxes=data["boxes"][:1], types=[])

    description = read_description(edited(only_a_bad_link))
    with pytest.raises(InvalidInputError, match="ftp"):
        sample_data.load(inventory, description)
    assert sample_data.existing_contents(inventory) == sample_data.Contents(parts=0, kits=0, boxes=1)


def test_a_folder_without_a_description_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="cannot read the sample data"):
        read_description(tmp_path)


def test_a_type_the_user_removed_comes_back(
    edited: Callable[[Callable[[dict[str, Any]], None]], Path], inventory: Inventory
) -> None:
    from inventory_cli.services import types

    def one_part(data: dict[str, Any]) -> None:
        data.update(parts=[_part(data, "SHFT")], kits=[], types=[])

    types.remove_type(inventory, "Logic IC")
    report = sample_data.load(inventory, read_description(edited(one_part)))
    assert report.types_added == ["Logic IC"] and report.parts == 1
