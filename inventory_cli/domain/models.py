"""SQLModel tables of the inventory; the migrated schema must match them (see tests)."""

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlmodel import Field, SQLModel

# Defined without the ORM (light command paths use them); re-exported here for the rest.
from inventory_cli.domain.kinds import AttachmentKind as AttachmentKind
from inventory_cli.domain.kinds import KitStatus as KitStatus
from inventory_cli.domain.kinds import StockAction as StockAction

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# One metadata for the tables of this package, so that tests of other code cannot leak into it.
metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """Current time in UTC, stored without tzinfo so SQLite round-trips compare equal."""
    return datetime.now(UTC).replace(tzinfo=None)


class Base(SQLModel):
    """Common base binding every table to the package's metadata."""

    metadata = metadata


def _timestamp() -> Column:
    return Column(DateTime(), nullable=False, default=utcnow, server_default=func.current_timestamp())


class PartType(Base, table=True):
    """A named category of parts; names are unique without regard to case."""

    __tablename__ = "types"
    __table_args__ = (Index("uq_types_name_lower", func.lower(Column("name")), unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column("name", String(100), nullable=False))


class AttachmentSet(Base, table=True):
    """The aggregate root for documentation: owns attachments, names one image as the cover."""

    __tablename__ = "attachment_sets"
    __table_args__ = {"sqlite_autoincrement": True}  # an id is never reused after a delete

    id: int | None = Field(default=None, primary_key=True)
    cover_attachment_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer,
            ForeignKey("attachments.id", ondelete="SET NULL", use_alter=True),
            nullable=True,
        ),
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class Attachment(Base, table=True):
    """An image, PDF or link that belongs to exactly one attachment set."""

    __tablename__ = "attachments"
    __table_args__ = (
        CheckConstraint("kind IN ('image', 'pdf', 'url')", name="kind"),
        CheckConstraint("length(trim(title)) BETWEEN 1 AND 255", name="title_length"),
        CheckConstraint("blob_digest IS NOT NULL OR url IS NOT NULL", name="has_content"),
        Index("ix_attachments_set_created", "attachment_set_id", "created_at", "id"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    attachment_set_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("attachment_sets.id", ondelete="CASCADE"),
            nullable=False,
        )
    )
    kind: str = Field(sa_column=Column(String(10), nullable=False))
    title: str = Field(sa_column=Column(String(255), nullable=False))
    blob_digest: str | None = Field(default=None, sa_column=Column(String(64), index=True))
    url: str | None = Field(default=None, sa_column=Column(String(2000)))
    filename: str | None = Field(default=None, sa_column=Column(String(255)))
    content_type: str | None = Field(default=None, sa_column=Column(String(100)))
    size_bytes: int | None = Field(default=None, sa_column=Column(Integer))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class Part(Base, table=True):
    """A kind of component, identified by a four-letter key, with its own attachment set."""

    __tablename__ = "parts"
    __table_args__ = (
        CheckConstraint("pin_count IS NULL OR pin_count > 0", name="pin_count_positive"),
        CheckConstraint("length(key) = 4 AND key GLOB '[A-Z][A-Z][A-Z][A-Z]'", name="key_format"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(sa_column=Column(String(4), nullable=False, unique=True))
    description: str = Field(sa_column=Column(Text, nullable=False))
    manufacturer: str | None = Field(default=None, sa_column=Column(String(255)))
    manufacturer_code: str | None = Field(default=None, sa_column=Column(String(255)))
    type_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("types.id", ondelete="RESTRICT"), index=True),
    )
    tags: list[str] | None = Field(default=None, sa_column=Column(JSON))
    package: str | None = Field(default=None, sa_column=Column(String(100)))
    pin_count: int | None = Field(default=None, sa_column=Column(Integer))
    pin_pitch: str | None = Field(default=None, sa_column=Column(String(50)))
    voltage_rating: str | None = Field(default=None, sa_column=Column(String(100)))
    input_voltage: str | None = Field(default=None, sa_column=Column(String(100)))
    output_voltage: str | None = Field(default=None, sa_column=Column(String(100)))
    mounting_type: str | None = Field(default=None, sa_column=Column(String(50)))
    series: str | None = Field(default=None, sa_column=Column(String(100)))
    dimensions: str | None = Field(default=None, sa_column=Column(String(100)))
    product_page: str | None = Field(default=None, sa_column=Column(String(2000)))
    seller: str | None = Field(default=None, sa_column=Column(String(255)))
    seller_link: str | None = Field(default=None, sa_column=Column(String(2000)))
    attachment_set_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("attachment_sets.id", ondelete="RESTRICT"),
            nullable=False,
            unique=True,
        )
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class Kit(Base, table=True):
    """The parts a project needs, with a build target and its own attachment set."""

    __tablename__ = "kits"
    __table_args__ = (
        CheckConstraint("build_target >= 0", name="build_target_non_negative"),
        CheckConstraint("status IN ('active', 'archived')", name="status"),
        CheckConstraint("status != 'archived' OR archived_at IS NOT NULL", name="archived_at"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column(String(255), nullable=False, unique=True))
    description: str | None = Field(default=None, sa_column=Column(Text))
    build_target: int = Field(default=1, sa_column=Column(Integer, nullable=False))
    status: str = Field(default=KitStatus.ACTIVE.value, sa_column=Column(String(10), nullable=False))
    archived_at: datetime | None = Field(default=None, sa_column=Column(DateTime()))
    attachment_set_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("attachment_sets.id", ondelete="RESTRICT"),
            nullable=False,
            unique=True,
        )
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class Box(Base, table=True):
    """A numbered box of storage with locations 1..capacity; its id is the number users see."""

    __tablename__ = "boxes"
    __table_args__ = (
        CheckConstraint("capacity BETWEEN 1 AND 1000", name="capacity_range"),
        CheckConstraint("length(trim(description)) BETWEEN 1 AND 255", name="description_length"),
        {"sqlite_autoincrement": True},  # a box number is never handed out twice
    )

    id: int | None = Field(default=None, primary_key=True)
    description: str = Field(sa_column=Column(String(255), nullable=False))
    capacity: int = Field(sa_column=Column(Integer, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class Location(Base, table=True):
    """Slot ``slot`` of a box, written ``BOX-SLOT`` (e.g. ``7-3``)."""

    __tablename__ = "locations"
    __table_args__ = (
        CheckConstraint("slot >= 1", name="slot_positive"),
        UniqueConstraint("box_id", "slot"),
    )

    id: int | None = Field(default=None, primary_key=True)
    box_id: int = Field(sa_column=Column(Integer, ForeignKey("boxes.id", ondelete="CASCADE"), nullable=False))
    slot: int = Field(sa_column=Column(Integer, nullable=False))


class Stock(Base, table=True):
    """How many of a part lie at one location; a row exists only while the quantity is above 0."""

    __tablename__ = "stock"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        UniqueConstraint("part_id", "location_id"),
        Index("ix_stock_location_id", "location_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # RESTRICT: a part or location that holds stock cannot be deleted by accident.
    part_id: int = Field(
        sa_column=Column(Integer, ForeignKey("parts.id", ondelete="RESTRICT"), nullable=False)
    )
    location_id: int = Field(
        sa_column=Column(Integer, ForeignKey("locations.id", ondelete="RESTRICT"), nullable=False)
    )
    quantity: int = Field(sa_column=Column(Integer, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class StockChange(Base, table=True):
    """One append-only history row: a signed change of a part's quantity at a location."""

    __tablename__ = "stock_history"
    __table_args__ = (
        CheckConstraint("delta != 0", name="delta_not_zero"),
        CheckConstraint("action IN ('add', 'remove', 'move-out', 'move-in')", name="action"),
        Index("ix_stock_history_part_id", "part_id", "id"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    # The history belongs to the part: it goes when the part is deleted.
    part_id: int = Field(
        sa_column=Column(Integer, ForeignKey("parts.id", ondelete="CASCADE"), nullable=False)
    )
    # The location as text, so that history outlives a box that is later removed.
    location: str = Field(sa_column=Column(String(20), nullable=False))
    delta: int = Field(sa_column=Column(Integer, nullable=False))
    action: str = Field(sa_column=Column(String(10), nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class KitContent(Base, table=True):
    """One line of a kit's bill of materials: a part and how many one unit needs."""

    __tablename__ = "kit_contents"
    __table_args__ = (
        CheckConstraint("per_unit >= 1", name="per_unit_positive"),
        UniqueConstraint("kit_id", "part_id"),
        Index("ix_kit_contents_part_id", "part_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kit_id: int = Field(sa_column=Column(Integer, ForeignKey("kits.id", ondelete="CASCADE"), nullable=False))
    # RESTRICT: a part used in a kit is not deleted unless the kit lines go first.
    part_id: int = Field(
        sa_column=Column(Integer, ForeignKey("parts.id", ondelete="RESTRICT"), nullable=False)
    )
    per_unit: int = Field(sa_column=Column(Integer, nullable=False))
    note: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
