"""Legacy schema: types, parts with attachments owned directly, kits without attachments.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

DEFAULT_TYPES = (
    "Resistor",
    "Potentiometer",
    "Capacitor",
    "Electrolytic Capacitor",
    "Inductor",
    "Diode",
    "LED",
    "Transistor",
    "MOSFET",
    "Voltage Regulator",
    "Op-Amp",
    "Logic IC",
    "Microcontroller",
    "Memory IC",
    "Audio IC",
    "Sensor",
    "Display",
    "Connector",
    "Switch",
    "Relay",
    "Fuse",
    "Battery",
    "Motor",
    "Speaker",
    "Module",
    "Development Board",
    "Cable",
    "Hardware",
    "Other",
)


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
    ]


def _postgres() -> bool:
    return bool(op.get_bind().dialect.name == "postgresql")


def _key_format_check() -> sa.CheckConstraint:
    """Four uppercase ASCII letters, in the dialect's own pattern syntax."""
    pattern = "key ~ '^[A-Z]{4}$'" if _postgres() else "key GLOB '[A-Z][A-Z][A-Z][A-Z]'"
    return sa.CheckConstraint(f"length(key) = 4 AND {pattern}", name="ck_parts_key_format")


def upgrade() -> None:
    # PostgreSQL checks that a referenced table exists, so the parts -> part_attachments key is
    # added once both tables exist; SQLite takes it inline.
    postgres = _postgres()
    types = op.create_table(
        "types",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_types"),
    )
    op.create_index("uq_types_name_lower", "types", [sa.text("lower(name)")], unique=True)
    op.bulk_insert(types, [{"name": name} for name in DEFAULT_TYPES])

    op.create_table(
        "parts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(4), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("manufacturer", sa.String(255)),
        sa.Column("manufacturer_code", sa.String(255)),
        sa.Column("type_id", sa.Integer()),
        sa.Column("tags", sa.JSON()),
        sa.Column("package", sa.String(100)),
        sa.Column("pin_count", sa.Integer()),
        sa.Column("pin_pitch", sa.String(50)),
        sa.Column("voltage_rating", sa.String(100)),
        sa.Column("input_voltage", sa.String(100)),
        sa.Column("output_voltage", sa.String(100)),
        sa.Column("mounting_type", sa.String(50)),
        sa.Column("series", sa.String(100)),
        sa.Column("dimensions", sa.String(100)),
        sa.Column("product_page", sa.String(2000)),
        sa.Column("seller", sa.String(255)),
        sa.Column("seller_link", sa.String(2000)),
        sa.Column("cover_attachment_id", sa.Integer()),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_parts"),
        sa.UniqueConstraint("key", name="uq_parts_key"),
        sa.CheckConstraint("pin_count IS NULL OR pin_count > 0", name="ck_parts_pin_count_positive"),
        _key_format_check(),
        sa.ForeignKeyConstraint(
            ["type_id"], ["types.id"], name="fk_parts_type_id_types", ondelete="RESTRICT"
        ),
        *(
            []
            if postgres
            else [
                sa.ForeignKeyConstraint(
                    ["cover_attachment_id"],
                    ["part_attachments.id"],
                    name="fk_parts_cover_attachment_id_part_attachments",
                )
            ]
        ),
    )
    op.create_index("ix_parts_type_id", "parts", ["type_id"])

    op.create_table(
        "part_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("part_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("blob_digest", sa.String(64)),
        sa.Column("url", sa.String(2000)),
        sa.Column("filename", sa.String(255)),
        sa.Column("content_type", sa.String(100)),
        sa.Column("size_bytes", sa.Integer()),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_part_attachments"),
        sa.CheckConstraint("kind IN ('image', 'pdf', 'url')", name="ck_part_attachments_kind"),
        sa.ForeignKeyConstraint(
            ["part_id"], ["parts.id"], name="fk_part_attachments_part_id_parts", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_part_attachments_part_id", "part_attachments", ["part_id"])
    if postgres:
        op.create_foreign_key(
            "fk_parts_cover_attachment_id_part_attachments",
            "parts",
            "part_attachments",
            ["cover_attachment_id"],
            ["id"],
        )

    op.create_table(
        "kits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("description", sa.Text()),
        sa.Column("build_target", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("archived_at", sa.DateTime()),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_kits"),
        sa.UniqueConstraint("name", name="uq_kits_name"),
        sa.CheckConstraint("build_target >= 0", name="ck_kits_build_target_non_negative"),
        sa.CheckConstraint("status IN ('active', 'archived')", name="ck_kits_status"),
        sa.CheckConstraint("status != 'archived' OR archived_at IS NOT NULL", name="ck_kits_archived_at"),
    )


def downgrade() -> None:
    op.drop_table("kits")
    if _postgres():
        op.drop_constraint("fk_parts_cover_attachment_id_part_attachments", "parts", type_="foreignkey")
    op.drop_table("part_attachments")
    op.drop_table("parts")
    op.drop_index("uq_types_name_lower", table_name="types")
    op.drop_table("types")
