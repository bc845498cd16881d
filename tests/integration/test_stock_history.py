"""Stock and its history always agree, whatever sequence of adds, removes and moves ran."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inventory_cli.bootstrap import Inventory
from inventory_cli.errors import ConflictError
from inventory_cli.services import boxes, parts, stock
from tests.conftest import query

LOCATIONS = ["1-1", "1-2", "2-1"]
PARTS = 2

operations = st.lists(
    st.tuples(
        st.sampled_from(["add", "remove", "move"]),
        st.integers(0, PARTS - 1),
        st.sampled_from(LOCATIONS),
        st.sampled_from(LOCATIONS),
        st.integers(1, 12),
    ),
    max_size=25,
)


@pytest.fixture
def stocked_inventory(inventory: Inventory) -> Inventory:
    """An inventory with two boxes (locations 1-1, 1-2, 2-1)."""
    boxes.add_box(inventory, "A", 2)
    boxes.add_box(inventory, "B", 1)
    return inventory


def apply(
    inventory: Inventory, keys: list[str], model: Counter[tuple[str, str]], op: tuple[Any, ...]
) -> None:
    """Run one operation through the service and the same one on the model, when it is allowed."""
    action, index, source, target, quantity = op
    key = keys[index]
    if action == "add":
        stock.add_stock(inventory, key, source, quantity)
        model[key, source] += quantity
    elif action == "remove":
        if model[key, source] < quantity:
            with pytest.raises(ConflictError):
                stock.remove_stock(inventory, key, source, quantity)
            return
        stock.remove_stock(inventory, key, source, quantity)
        model[key, source] -= quantity
    elif source != target:
        if model[key, source] < quantity:
            with pytest.raises(ConflictError):
                stock.move_stock(inventory, key, source, target, quantity)
            return
        stock.move_stock(inventory, key, source, target, quantity)
        model[key, source] -= quantity
        model[key, target] += quantity


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_history_reconciles_with_stock_after_any_sequence(
    stocked_inventory: Inventory, ops: list[tuple[Any, ...]]
) -> None:
    inventory = stocked_inventory
    # Fresh parts per example, so that examples sharing the database do not see each other.
    keys = [parts.add_part(inventory, f"part {i}").key for i in range(PARTS)]
    model: Counter[tuple[str, str]] = Counter()
    for op in ops:
        apply(inventory, keys, model, op)

    db_path = inventory.settings.db_path
    assert db_path is not None
    for key in keys:
        held = {line.location: line.quantity for line in stock.list_stock(inventory, key)}
        expected = {loc: qty for (k, loc), qty in model.items() if k == key and qty > 0}
        assert held == expected, key  # and no row is left at 0
        logged = query(
            db_path,
            "SELECT h.location, SUM(h.delta) FROM stock_history h JOIN parts p ON p.id = h.part_id "
            "WHERE p.key = ? GROUP BY h.location HAVING SUM(h.delta) != 0",
            key,
        )
        assert dict(logged) == expected, key
        assert parts.show_part(inventory, key).stock_total == sum(expected.values())
    checks = {name: findings for name, findings in _checks(inventory)}
    assert checks["stock matches its history"] == []


def _checks(inventory: Inventory) -> list[tuple[str, list[str]]]:
    with inventory.uow(read_only=True) as uow:
        return uow.checks.run()
