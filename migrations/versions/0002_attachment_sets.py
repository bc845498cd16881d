"""Attachment sets: every part and kit owns one set; attachments belong to sets, covers to sets.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28

PostgreSQL alters parts and kits in place where SQLite rebuilds them; its triggers are PL/pgSQL
functions with the same trigger names. Set-based data move: each part's set takes the part's id, each kit's set takes the largest part
id plus the kit's id, so owners and sets are joined without per-row loops. Attachment ids are
kept. A legacy cover that is not an image of its own part is dropped and reported.
"""

from typing import Any

import sqlalchemy as sa
from alembic import context, op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

PART_COLUMNS = (
    "id, key, description, manufacturer, manufacturer_code, type_id, tags, package, pin_count, "
    "pin_pitch, voltage_rating, input_voltage, output_voltage, mounting_type, series, "
    "dimensions, product_page, seller, seller_link, created_at, updated_at"
)
KIT_COLUMNS = "id, name, description, build_target, status, archived_at, created_at, updated_at"
ATTACHMENT_COLUMNS = (
    "id, kind, title, blob_digest, url, filename, content_type, size_bytes, created_at, updated_at"
)

TRIGGERS = {
    "trg_parts_delete_set": """
        CREATE TRIGGER trg_parts_delete_set AFTER DELETE ON parts
        BEGIN DELETE FROM attachment_sets WHERE id = OLD.attachment_set_id; END""",
    "trg_kits_delete_set": """
        CREATE TRIGGER trg_kits_delete_set AFTER DELETE ON kits
        BEGIN DELETE FROM attachment_sets WHERE id = OLD.attachment_set_id; END""",
    "trg_parts_set_unshared_insert": """
        CREATE TRIGGER trg_parts_set_unshared_insert BEFORE INSERT ON parts
        WHEN EXISTS (SELECT 1 FROM kits WHERE attachment_set_id = NEW.attachment_set_id)
        BEGIN SELECT RAISE(ABORT, 'attachment set is already owned by a kit'); END""",
    "trg_parts_set_unshared_update": """
        CREATE TRIGGER trg_parts_set_unshared_update BEFORE UPDATE OF attachment_set_id ON parts
        WHEN EXISTS (SELECT 1 FROM kits WHERE attachment_set_id = NEW.attachment_set_id)
        BEGIN SELECT RAISE(ABORT, 'attachment set is already owned by a kit'); END""",
    "trg_kits_set_unshared_insert": """
        CREATE TRIGGER trg_kits_set_unshared_insert BEFORE INSERT ON kits
        WHEN EXISTS (SELECT 1 FROM parts WHERE attachment_set_id = NEW.attachment_set_id)
        BEGIN SELECT RAISE(ABORT, 'attachment set is already owned by a part'); END""",
    "trg_kits_set_unshared_update": """
        CREATE TRIGGER trg_kits_set_unshared_update BEFORE UPDATE OF attachment_set_id ON kits
        WHEN EXISTS (SELECT 1 FROM parts WHERE attachment_set_id = NEW.attachment_set_id)
        BEGIN SELECT RAISE(ABORT, 'attachment set is already owned by a part'); END""",
    "trg_sets_cover_insert": """
        CREATE TRIGGER trg_sets_cover_insert BEFORE INSERT ON attachment_sets
        WHEN NEW.cover_attachment_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM attachments WHERE id = NEW.cover_attachment_id
            AND attachment_set_id = NEW.id AND kind = 'image')
        BEGIN SELECT RAISE(ABORT, 'cover must be an image of the same set'); END""",
    "trg_sets_cover_update": """
        CREATE TRIGGER trg_sets_cover_update BEFORE UPDATE OF cover_attachment_id ON attachment_sets
        WHEN NEW.cover_attachment_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM attachments WHERE id = NEW.cover_attachment_id
            AND attachment_set_id = NEW.id AND kind = 'image')
        BEGIN SELECT RAISE(ABORT, 'cover must be an image of the same set'); END""",
    "trg_attachments_cover_stays_valid": """
        CREATE TRIGGER trg_attachments_cover_stays_valid
        BEFORE UPDATE OF attachment_set_id, kind ON attachments
        WHEN EXISTS (SELECT 1 FROM attachment_sets WHERE cover_attachment_id = OLD.id)
        AND (NEW.attachment_set_id != OLD.attachment_set_id OR NEW.kind != 'image')
        BEGIN SELECT RAISE(ABORT, 'attachment is a cover: it must stay an image of its set'); END""",
}


# PostgreSQL counterparts: the same trigger names, PL/pgSQL functions behind them. The cover checks
# are constraint triggers deferred to commit, like the deferred cover foreign key, so that a whole
# inventory can be loaded in one transaction (sets with their covers first, attachments after);
# they re-read the row at commit, so only the final state counts.
PG_FUNCTIONS = {
    "inventory_delete_owned_set": """
        CREATE FUNCTION inventory_delete_owned_set() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            DELETE FROM attachment_sets WHERE id = OLD.attachment_set_id;
            RETURN NULL;
        END $$""",
    "inventory_parts_set_unshared": """
        CREATE FUNCTION inventory_parts_set_unshared() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF EXISTS (SELECT 1 FROM kits WHERE attachment_set_id = NEW.attachment_set_id) THEN
                RAISE EXCEPTION 'attachment set is already owned by a kit' USING ERRCODE = 'check_violation';
            END IF;
            RETURN NEW;
        END $$""",
    "inventory_kits_set_unshared": """
        CREATE FUNCTION inventory_kits_set_unshared() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF EXISTS (SELECT 1 FROM parts WHERE attachment_set_id = NEW.attachment_set_id) THEN
                RAISE EXCEPTION 'attachment set is already owned by a part' USING ERRCODE = 'check_violation';
            END IF;
            RETURN NEW;
        END $$""",
    "inventory_check_set_cover": """
        CREATE FUNCTION inventory_check_set_cover() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF EXISTS (SELECT 1 FROM attachment_sets s WHERE s.id = NEW.id
                       AND s.cover_attachment_id IS NOT NULL AND NOT EXISTS (
                           SELECT 1 FROM attachments a WHERE a.id = s.cover_attachment_id
                           AND a.attachment_set_id = s.id AND a.kind = 'image')) THEN
                RAISE EXCEPTION 'cover must be an image of the same set' USING ERRCODE = 'check_violation';
            END IF;
            RETURN NULL;
        END $$""",
    "inventory_check_cover_stays_valid": """
        CREATE FUNCTION inventory_check_cover_stays_valid() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF EXISTS (SELECT 1 FROM attachment_sets s WHERE s.cover_attachment_id = NEW.id
                       AND NOT EXISTS (SELECT 1 FROM attachments a WHERE a.id = NEW.id
                           AND a.attachment_set_id = s.id AND a.kind = 'image')) THEN
                RAISE EXCEPTION 'attachment is a cover: it must stay an image of its set'
                    USING ERRCODE = 'check_violation';
            END IF;
            RETURN NULL;
        END $$""",
}
PG_TRIGGERS = {
    "trg_parts_delete_set": "AFTER DELETE ON parts FOR EACH ROW EXECUTE FUNCTION inventory_delete_owned_set()",
    "trg_kits_delete_set": "AFTER DELETE ON kits FOR EACH ROW EXECUTE FUNCTION inventory_delete_owned_set()",
    "trg_parts_set_unshared_insert": (
        "BEFORE INSERT ON parts FOR EACH ROW EXECUTE FUNCTION inventory_parts_set_unshared()"
    ),
    "trg_parts_set_unshared_update": (
        "BEFORE UPDATE OF attachment_set_id ON parts FOR EACH ROW "
        "EXECUTE FUNCTION inventory_parts_set_unshared()"
    ),
    "trg_kits_set_unshared_insert": (
        "BEFORE INSERT ON kits FOR EACH ROW EXECUTE FUNCTION inventory_kits_set_unshared()"
    ),
    "trg_kits_set_unshared_update": (
        "BEFORE UPDATE OF attachment_set_id ON kits FOR EACH ROW "
        "EXECUTE FUNCTION inventory_kits_set_unshared()"
    ),
    "trg_sets_cover_insert": (
        "CONSTRAINT TRIGGER trg_sets_cover_insert AFTER INSERT ON attachment_sets "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION inventory_check_set_cover()"
    ),
    "trg_sets_cover_update": (
        "CONSTRAINT TRIGGER trg_sets_cover_update AFTER UPDATE OF cover_attachment_id ON attachment_sets "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION inventory_check_set_cover()"
    ),
    "trg_attachments_cover_stays_valid": (
        "CONSTRAINT TRIGGER trg_attachments_cover_stays_valid AFTER UPDATE OF attachment_set_id, kind "
        "ON attachments DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
        "EXECUTE FUNCTION inventory_check_cover_stays_valid()"
    ),
}
PG_TRIGGER_TABLES = {
    "trg_parts_delete_set": "parts",
    "trg_kits_delete_set": "kits",
    "trg_parts_set_unshared_insert": "parts",
    "trg_parts_set_unshared_update": "parts",
    "trg_kits_set_unshared_insert": "kits",
    "trg_kits_set_unshared_update": "kits",
    "trg_sets_cover_insert": "attachment_sets",
    "trg_sets_cover_update": "attachment_sets",
    "trg_attachments_cover_stays_valid": "attachments",
}


def _create_triggers() -> None:
    if not _postgres():
        for ddl in TRIGGERS.values():
            op.execute(ddl)
        return
    for ddl in PG_FUNCTIONS.values():
        op.execute(ddl)
    for name, body in PG_TRIGGERS.items():
        op.execute(f"CREATE {body}" if body.startswith("CONSTRAINT") else f"CREATE TRIGGER {name} {body}")


def _drop_triggers() -> None:
    if not _postgres():
        for name in TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        return
    for name, table in PG_TRIGGER_TABLES.items():
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
    for name in PG_FUNCTIONS:
        op.execute(f"DROP FUNCTION IF EXISTS {name}()")


def _postgres() -> bool:
    return bool(op.get_bind().dialect.name == "postgresql")


def _sync_sequence(table: str) -> None:
    """After rows were inserted with their own ids, make PostgreSQL's next id follow the largest."""
    if _postgres():
        op.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
        )


def _key_format_check() -> sa.CheckConstraint:
    pattern = "key ~ '^[A-Z]{4}$'" if _postgres() else "key GLOB '[A-Z][A-Z][A-Z][A-Z]'"
    return sa.CheckConstraint(f"length(key) = 4 AND {pattern}", name="ck_parts_key_format")


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
    ]


def _part_columns() -> list[sa.Column]:
    return [
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
    ]


def _part_constraints() -> list[sa.Constraint]:
    return [
        sa.PrimaryKeyConstraint("id", name="pk_parts"),
        sa.UniqueConstraint("key", name="uq_parts_key"),
        sa.CheckConstraint("pin_count IS NULL OR pin_count > 0", name="ck_parts_pin_count_positive"),
        _key_format_check(),
        sa.ForeignKeyConstraint(
            ["type_id"], ["types.id"], name="fk_parts_type_id_types", ondelete="RESTRICT"
        ),
    ]


def _kit_columns() -> list[sa.Column]:
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("description", sa.Text()),
        sa.Column("build_target", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("archived_at", sa.DateTime()),
    ]


def _kit_constraints() -> list[sa.Constraint]:
    return [
        sa.PrimaryKeyConstraint("id", name="pk_kits"),
        sa.UniqueConstraint("name", name="uq_kits_name"),
        sa.CheckConstraint("build_target >= 0", name="ck_kits_build_target_non_negative"),
        sa.CheckConstraint("status IN ('active', 'archived')", name="ck_kits_status"),
        sa.CheckConstraint("status != 'archived' OR archived_at IS NOT NULL", name="ck_kits_archived_at"),
    ]


def _set_owner_columns(table: str) -> list[Any]:
    return [
        sa.Column("attachment_set_id", sa.Integer(), nullable=False),
        sa.UniqueConstraint("attachment_set_id", name=f"uq_{table}_attachment_set_id"),
        sa.ForeignKeyConstraint(
            ["attachment_set_id"],
            ["attachment_sets.id"],
            name=f"fk_{table}_attachment_set_id_attachment_sets",
            ondelete="RESTRICT",
        ),
    ]


def _rebuild(table: str, items: list[Any], insert_sql: str, *, autoincrement: bool) -> None:
    """Replace ``table`` by a new definition, copying rows with ``insert_sql`` (SQLite's way)."""
    op.create_table(f"_new_{table}", *items, sqlite_autoincrement=autoincrement)
    op.execute(insert_sql.format(new=f"_new_{table}"))
    op.drop_table(table)
    op.rename_table(f"_new_{table}", table)


def _notice(message: str) -> None:
    context.config.attributes.setdefault("notices", []).append(message)


def _scalar(sql: str) -> int:
    return int(op.get_bind().execute(sa.text(sql)).scalar() or 0)


# The legacy schema did not bound titles: a blank one falls back to the file name or URL, and
# every title is cut to the 255 characters the new schema allows.
CLEAN_TITLE = "substr(COALESCE(NULLIF(trim(title), ''), NULLIF(trim(filename), ''), url, 'untitled'), 1, 255)"


def _refuse(message: str) -> None:
    from inventory_cli.storage.migrator import MigrationRefused

    raise MigrationRefused(message)


def _refuse_attachments_without_content(bind: Any) -> None:
    empty = bind.execute(
        sa.text(
            "SELECT a.id, p.key FROM part_attachments a JOIN parts p ON p.id = a.part_id "
            "WHERE a.blob_digest IS NULL AND a.url IS NULL ORDER BY a.id"
        )
    ).fetchall()
    if empty:
        named = ", ".join(f"{row.id} (part {row.key})" for row in empty[:10])
        _refuse(
            f"{len(empty)} legacy attachments have neither a stored file nor a URL: {named}; "
            "upgrade refused, nothing was changed (delete them or give them a URL first)"
        )


def _report_retitled(bind: Any) -> None:
    differs = "IS DISTINCT FROM" if _postgres() else "IS NOT"
    for row in bind.execute(
        sa.text(
            f"SELECT id, title, {CLEAN_TITLE} AS cleaned FROM part_attachments "
            f"WHERE title {differs} {CLEAN_TITLE} ORDER BY id"
        )
    ):
        _notice(f"attachment {row.id}: title {row.title!r} changed to {row.cleaned!r}")


COVER_FK = "fk_attachment_sets_cover_attachment_id_attachments"


def _add_set_owner(table: str, set_id_sql: str) -> None:
    """PostgreSQL alters tables in place: the owner column, filled, then NOT NULL, UNIQUE and FK."""
    op.add_column(table, sa.Column("attachment_set_id", sa.Integer()))
    op.execute(f"UPDATE {table} SET attachment_set_id = {set_id_sql}")
    op.alter_column(table, "attachment_set_id", nullable=False)
    op.create_unique_constraint(f"uq_{table}_attachment_set_id", table, ["attachment_set_id"])
    op.create_foreign_key(
        f"fk_{table}_attachment_set_id_attachment_sets",
        table,
        "attachment_sets",
        ["attachment_set_id"],
        ["id"],
        ondelete="RESTRICT",
    )


def _owners_take_sets_in_place() -> None:
    _add_set_owner("parts", "id")
    _add_set_owner("kits", "(SELECT COALESCE(MAX(id), 0) FROM parts) + id")
    op.drop_constraint("fk_parts_cover_attachment_id_part_attachments", "parts", type_="foreignkey")
    op.drop_column("parts", "cover_attachment_id")


def _owners_give_sets_back_in_place() -> None:
    op.add_column("parts", sa.Column("cover_attachment_id", sa.Integer()))
    op.execute(
        "UPDATE parts SET cover_attachment_id = s.cover_attachment_id "
        "FROM attachment_sets s WHERE s.id = parts.attachment_set_id"
    )
    op.create_foreign_key(
        "fk_parts_cover_attachment_id_part_attachments",
        "parts",
        "part_attachments",
        ["cover_attachment_id"],
        ["id"],
    )
    for table in ("parts", "kits"):
        op.drop_constraint(f"fk_{table}_attachment_set_id_attachment_sets", table, type_="foreignkey")
        op.drop_constraint(f"uq_{table}_attachment_set_id", table, type_="unique")
        op.drop_column(table, "attachment_set_id")


def upgrade() -> None:
    bind = op.get_bind()
    postgres = _postgres()
    # The set -> cover key closes a cycle with attachment -> set. SQLite takes it inline (it checks
    # the referenced table only when used); PostgreSQL gets it once attachments exists, deferred to
    # commit so that sets and their attachments can be written in either order.
    op.create_table(
        "attachment_sets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cover_attachment_id", sa.Integer()),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_attachment_sets"),
        *(
            []
            if postgres
            else [
                sa.ForeignKeyConstraint(
                    ["cover_attachment_id"], ["attachments.id"], name=COVER_FK, ondelete="SET NULL"
                )
            ]
        ),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attachment_set_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("blob_digest", sa.String(64)),
        sa.Column("url", sa.String(2000)),
        sa.Column("filename", sa.String(255)),
        sa.Column("content_type", sa.String(100)),
        sa.Column("size_bytes", sa.Integer()),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_attachments"),
        sa.CheckConstraint("kind IN ('image', 'pdf', 'url')", name="ck_attachments_kind"),
        sa.CheckConstraint("length(trim(title)) BETWEEN 1 AND 255", name="ck_attachments_title_length"),
        sa.CheckConstraint("blob_digest IS NOT NULL OR url IS NOT NULL", name="ck_attachments_has_content"),
        sa.ForeignKeyConstraint(
            ["attachment_set_id"],
            ["attachment_sets.id"],
            name="fk_attachments_attachment_set_id_attachment_sets",
            ondelete="CASCADE",
        ),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_attachments_blob_digest", "attachments", ["blob_digest"])
    op.create_index("ix_attachments_set_created", "attachments", ["attachment_set_id", "created_at", "id"])
    if postgres:
        op.create_foreign_key(
            COVER_FK,
            "attachment_sets",
            "attachments",
            ["cover_attachment_id"],
            ["id"],
            ondelete="SET NULL",
            deferrable=True,
            initially="DEFERRED",
        )

    dropped = bind.execute(
        sa.text(
            "SELECT p.key, p.cover_attachment_id, a.kind, a.part_id FROM parts p "
            "LEFT JOIN part_attachments a ON a.id = p.cover_attachment_id "
            "WHERE p.cover_attachment_id IS NOT NULL "
            "AND (a.id IS NULL OR a.part_id != p.id OR a.kind != 'image') ORDER BY p.key"
        )
    ).fetchall()
    for key, attachment_id, kind, owner in dropped:
        reason = (
            "it does not exist"
            if kind is None
            else "it belongs to another part"
            if owner is not None and kind == "image"
            else f"it is a {kind}, not an image"
        )
        _notice(f"part {key}: cover attachment {attachment_id} dropped because {reason}")

    op.execute(
        "INSERT INTO attachment_sets (id, created_at, updated_at) "
        "SELECT id, created_at, updated_at FROM parts"
    )
    op.execute(
        "INSERT INTO attachment_sets (id, created_at, updated_at) "
        "SELECT (SELECT COALESCE(MAX(id), 0) FROM parts) + id, created_at, updated_at FROM kits"
    )
    _refuse_attachments_without_content(bind)
    _report_retitled(bind)
    op.execute(
        f"INSERT INTO attachments (attachment_set_id, {ATTACHMENT_COLUMNS}) "
        f"SELECT part_id, {ATTACHMENT_COLUMNS.replace('title', CLEAN_TITLE + ' AS title')} "
        "FROM part_attachments"
    )
    op.execute(
        "UPDATE attachment_sets SET cover_attachment_id = ("
        " SELECT p.cover_attachment_id FROM parts p"
        " JOIN attachments a ON a.id = p.cover_attachment_id"
        "  AND a.attachment_set_id = p.id AND a.kind = 'image'"
        " WHERE p.id = attachment_sets.id)"
        " WHERE id IN (SELECT id FROM parts)"
    )

    _sync_sequence("attachment_sets")
    _sync_sequence("attachments")
    if postgres:
        _owners_take_sets_in_place()
    else:
        _rebuild(
            "parts",
            [*_part_columns(), *_set_owner_columns("parts"), *_timestamps(), *_part_constraints()],
            f"INSERT INTO {{new}} ({PART_COLUMNS}, attachment_set_id) SELECT {PART_COLUMNS}, id FROM parts",
            autoincrement=True,
        )
        op.create_index("ix_parts_type_id", "parts", ["type_id"])
        _rebuild(
            "kits",
            [*_kit_columns(), *_set_owner_columns("kits"), *_timestamps(), *_kit_constraints()],
            f"INSERT INTO {{new}} ({KIT_COLUMNS}, attachment_set_id) "
            f"SELECT {KIT_COLUMNS}, (SELECT COALESCE(MAX(id), 0) FROM parts) + id FROM kits",
            autoincrement=True,
        )
    op.drop_table("part_attachments")

    _create_triggers()

    sets = _scalar("SELECT COUNT(*) FROM attachment_sets")
    owners = _scalar("SELECT (SELECT COUNT(*) FROM parts) + (SELECT COUNT(*) FROM kits)")
    if sets != owners:
        raise RuntimeError(f"migration 0002: {sets} sets for {owners} owners")


def downgrade() -> None:
    bind = op.get_bind()
    doomed = bind.execute(
        sa.text(
            "SELECT a.id, a.attachment_set_id, k.name, a.kind, a.title, a.blob_digest, a.url, "
            "a.filename FROM attachments a LEFT JOIN kits k ON k.attachment_set_id = "
            "a.attachment_set_id WHERE a.attachment_set_id NOT IN "
            "(SELECT attachment_set_id FROM parts) ORDER BY a.id"
        )
    ).fetchall()
    if doomed:
        dropped = context.config.attributes.get("dropped")
        if dropped is None:
            _refuse(
                f"{len(doomed)} attachments belong to kits, which the older schema cannot hold; "
                "downgrade refused (pass --save-dropped FILE to save and drop them)"
            )
        dropped["kit_attachments"] = [
            {
                "id": row.id,
                "set_id": row.attachment_set_id,
                "owner": f"kit:{row.name}" if row.name is not None else None,
                "kind": row.kind,
                "title": row.title,
                "blob_digest": row.blob_digest,
                "url": row.url,
                "filename": row.filename,
            }
            for row in doomed
        ]
        _notice(f"{len(doomed)} kit attachments dropped")
        op.execute(
            "DELETE FROM attachments WHERE attachment_set_id NOT IN (SELECT attachment_set_id FROM parts)"
        )

    _drop_triggers()

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
    op.execute(
        f"INSERT INTO part_attachments (part_id, {ATTACHMENT_COLUMNS}) "
        f"SELECT p.id, {', '.join('a.' + c.strip() for c in ATTACHMENT_COLUMNS.split(','))} "
        "FROM attachments a JOIN parts p ON p.attachment_set_id = a.attachment_set_id"
    )
    op.create_index("ix_part_attachments_part_id", "part_attachments", ["part_id"])
    _sync_sequence("part_attachments")

    if _postgres():
        _owners_give_sets_back_in_place()
        op.drop_constraint(COVER_FK, "attachment_sets", type_="foreignkey")
    else:
        _rebuild(
            "parts",
            [
                *_part_columns(),
                sa.Column("cover_attachment_id", sa.Integer()),
                *_timestamps(),
                *_part_constraints(),
                sa.ForeignKeyConstraint(
                    ["cover_attachment_id"],
                    ["part_attachments.id"],
                    name="fk_parts_cover_attachment_id_part_attachments",
                ),
            ],
            f"INSERT INTO {{new}} ({PART_COLUMNS}, cover_attachment_id) "
            f"SELECT {', '.join('p.' + c.strip() for c in PART_COLUMNS.split(','))}, "
            "s.cover_attachment_id FROM parts p JOIN attachment_sets s ON s.id = p.attachment_set_id",
            autoincrement=False,
        )
        op.create_index("ix_parts_type_id", "parts", ["type_id"])
        _rebuild(
            "kits",
            [*_kit_columns(), *_timestamps(), *_kit_constraints()],
            f"INSERT INTO {{new}} ({KIT_COLUMNS}) SELECT {KIT_COLUMNS} FROM kits",
            autoincrement=False,
        )
    op.drop_table("attachments")
    op.drop_table("attachment_sets")
