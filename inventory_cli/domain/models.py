"""SQLModel tables of the inventory; the migrated schema must match them (see tests)."""

from datetime import UTC, datetime
from enum import StrEnum

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
    func,
)
from sqlmodel import Field, SQLModel

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


class AttachmentKind(StrEnum):
    """What an attachment holds."""

    IMAGE = "image"
    PDF = "pdf"
    URL = "url"


class KitStatus(StrEnum):
    """Whether a kit is still being built."""

    ACTIVE = "active"
    ARCHIVED = "archived"


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
