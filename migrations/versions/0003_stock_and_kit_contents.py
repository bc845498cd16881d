"""Boxes with numbered locations, stock per part and location with its history, kit contents.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28

New tables only; nothing existing changes. A downgrade drops them, so it refuses while they hold
rows unless the caller asked for the rows to be saved to a file first (``--save-dropped``).
"""

from typing import Any

import sqlalchemy as sa
from alembic import context, op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Child tables first: the order the downgrade drops them in.
NEW_TABLES = ("kit_contents", "stock_history", "stock", "locations", "boxes")


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
    ]


def _created_at() -> sa.Column:
    return sa.Column("created_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False)


def upgrade() -> None:
    op.create_table(
        "boxes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(255), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_boxes"),
        sa.CheckConstraint("capacity BETWEEN 1 AND 1000", name="ck_boxes_capacity_range"),
        sa.CheckConstraint("length(trim(description)) BETWEEN 1 AND 255", name="ck_boxes_description_length"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "locations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("box_id", sa.Integer(), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_locations"),
        sa.CheckConstraint("slot >= 1", name="ck_locations_slot_positive"),
        sa.UniqueConstraint("box_id", "slot", name="uq_locations_box_id_slot"),
        sa.ForeignKeyConstraint(
            ["box_id"], ["boxes.id"], name="fk_locations_box_id_boxes", ondelete="CASCADE"
        ),
    )
    op.create_table(
        "stock",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("part_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_stock"),
        sa.CheckConstraint("quantity > 0", name="ck_stock_quantity_positive"),
        sa.UniqueConstraint("part_id", "location_id", name="uq_stock_part_id_location_id"),
        sa.ForeignKeyConstraint(
            ["part_id"], ["parts.id"], name="fk_stock_part_id_parts", ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"], name="fk_stock_location_id_locations", ondelete="RESTRICT"
        ),
    )
    op.create_index("ix_stock_location_id", "stock", ["location_id"])
    op.create_table(
        "stock_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("part_id", sa.Integer(), nullable=False),
        sa.Column("location", sa.String(20), nullable=False),
        sa.Column("delta", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(10), nullable=False),
        _created_at(),
        sa.PrimaryKeyConstraint("id", name="pk_stock_history"),
        sa.CheckConstraint("delta != 0", name="ck_stock_history_delta_not_zero"),
        sa.CheckConstraint(
            "action IN ('add', 'remove', 'move-out', 'move-in')", name="ck_stock_history_action"
        ),
        sa.ForeignKeyConstraint(
            ["part_id"], ["parts.id"], name="fk_stock_history_part_id_parts", ondelete="CASCADE"
        ),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_stock_history_part_id", "stock_history", ["part_id", "id"])
    op.create_table(
        "kit_contents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kit_id", sa.Integer(), nullable=False),
        sa.Column("part_id", sa.Integer(), nullable=False),
        sa.Column("per_unit", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text()),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_kit_contents"),
        sa.CheckConstraint("per_unit >= 1", name="ck_kit_contents_per_unit_positive"),
        sa.UniqueConstraint("kit_id", "part_id", name="uq_kit_contents_kit_id_part_id"),
        sa.ForeignKeyConstraint(
            ["kit_id"], ["kits.id"], name="fk_kit_contents_kit_id_kits", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["part_id"], ["parts.id"], name="fk_kit_contents_part_id_parts", ondelete="RESTRICT"
        ),
    )
    op.create_index("ix_kit_contents_part_id", "kit_contents", ["part_id"])


def _rows(table: str) -> list[dict[str, Any]]:
    result = op.get_bind().execute(sa.text(f"SELECT * FROM {table} ORDER BY id"))
    return [
        {key: (value.isoformat() if hasattr(value, "isoformat") else value) for key, value in row.items()}
        for row in result.mappings()
    ]


def downgrade() -> None:
    from inventory_cli.storage.migrator import MigrationRefused

    saved = {table: _rows(table) for table in NEW_TABLES}
    held = {table: len(rows) for table, rows in saved.items() if rows}
    if held:
        dropped = context.config.attributes.get("dropped")
        if dropped is None:
            counts = ", ".join(f"{count} {table.replace('_', ' ')} rows" for table, count in held.items())
            raise MigrationRefused(
                f"the older schema has no boxes, stock or kit contents and this database holds {counts}; "
                "downgrade refused (pass --save-dropped FILE to save and drop them)"
            )
        dropped.update({table: rows for table, rows in saved.items() if rows})
        context.config.attributes.setdefault("notices", []).append(
            f"{sum(held.values())} rows of boxes, locations, stock, history and kit contents dropped"
        )
    for table in NEW_TABLES:
        op.drop_table(table)
