"""The lossless backup bundle: every table and every referenced blob in one tar file, and its restore."""

from __future__ import annotations

import gzip
import io
import tarfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from inventory_cli.bootstrap import Inventory
from inventory_cli.errors import ConflictError, CorruptBlobError, InvalidInputError, StorageError
from inventory_cli.services.bundle_format import (
    MANIFEST,
    CountingReader,
    Manifest,
    blob_member,
    canonical_json,
    data_member,
    sha256_hex,
)
from inventory_cli.services.outfiles import refuse_existing, write_atomically
from inventory_cli.storage.blobs import CHUNK
from inventory_cli.storage.stores import BlobStore, Progress, no_progress
from inventory_cli.storage.tables import TABLE_ORDER, Row, columns, read_rows

if TYPE_CHECKING:
    from sqlmodel import Session

    from inventory_cli.services.bundle_merge import MergePlan

MAX_CONFLICTS_SHOWN = 10


@dataclass
class BundleSummary:
    """What a bundle holds: rows per table, blobs and their bytes."""

    bundle: str
    tables: dict[str, int]
    blobs: int
    bytes: int

    def to_dict(self) -> dict[str, Any]:
        """JSON form: the path, one count per table, the blobs and their bytes."""
        return {"bundle": self.bundle, **self.tables, "blobs": self.blobs, "bytes": self.bytes}


@dataclass
class RestoreSummary:
    """What a restore did: rows created and skipped per table, blobs added."""

    bundle: str
    created: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    blobs: int = 0
    blobs_added: int = 0
    bytes: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return dict(self.__dict__)


def is_gzip_name(path: Path) -> bool:
    """Whether a bundle name asks for gzip compression (``.tar.gz`` or ``.tgz``)."""
    return path.name.endswith((".tar.gz", ".tgz"))


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, mtime: int) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), mtime, 0o644
    tar.addfile(info, io.BytesIO(data))


def _add_blob(
    tar: tarfile.TarFile, store: BlobStore, digest: str, size: int, mtime: int, advance: Any
) -> None:
    """Stream one blob from the store into the tar, checking its sha256 on the way."""
    info = tarfile.TarInfo(blob_member(digest))
    info.size, info.mtime, info.mode = size, mtime, 0o444
    with store.open(digest) as handle:
        reader = CountingReader(handle, advance)
        try:
            tar.addfile(info, reader)
        except OSError:
            raise StorageError(f"blob {digest} changed size while it was being read") from None
    if reader.digest != digest:
        raise CorruptBlobError(
            f"blob {digest} is corrupt: its content no longer matches its digest",
            hint="run 'inventory store fsck'; no bundle was written",
        )


def _read_everything(inventory: Inventory) -> tuple[str, dict[str, list[Row]]]:
    """Every table's rows and the schema revision, from one read transaction (a consistent view)."""
    from inventory_cli.storage.schema import read_revision

    with inventory.uow(read_only=True) as uow:
        _state, revision = read_revision(uow.session.connection())
        data = {table: read_rows(uow.session, table) for table in TABLE_ORDER}
    assert revision is not None
    return revision, data


def write_bundle(
    inventory: Inventory, target: Path, *, overwrite: bool = False, progress: Progress | None = None
) -> BundleSummary:
    """Write every table and every referenced blob to ``target`` (gzip for ``.tar.gz``), atomically."""
    refuse_existing(target, overwrite)
    revision, data = _read_everything(inventory)
    store = inventory.blobs
    blobs: dict[str, int] = {}
    for digest in sorted({row["blob_digest"] for row in data["attachments"] if row["blob_digest"]}):
        info = store.stat(digest)
        if info is None:
            raise StorageError(
                f"blob {digest} is missing from the store {store.location}",
                hint="run 'inventory store fsck'; no bundle was written",
            )
        blobs[digest] = info.size
    members = {
        data_member(table): canonical_json({"table": table, "columns": columns(table), "rows": rows})
        for table, rows in data.items()
    }
    created = datetime.now(UTC).replace(microsecond=0)
    manifest = Manifest(
        schema_revision=revision,
        created_at=created.isoformat().replace("+00:00", "Z"),
        tables={table: len(rows) for table, rows in data.items()},
        data={name: sha256_hex(payload) for name, payload in members.items()},
        blobs=blobs,
    )
    mtime = int(created.timestamp())

    def write(handle: IO[bytes]) -> None:
        # Our own gzip layer: no temp file name or clock in its header.
        compressed = gzip.GzipFile(filename="", mode="wb", fileobj=handle, mtime=mtime) if gz else None
        sink: Any = compressed or handle
        with (
            tarfile.TarFile(fileobj=sink, mode="w", format=tarfile.PAX_FORMAT, copybufsize=CHUNK) as tar,
            (progress or no_progress)("writing bundle", manifest.blob_bytes) as advance,
        ):
            _add_bytes(tar, MANIFEST, manifest.to_json(), mtime)
            for name in sorted(members):
                _add_bytes(tar, name, members[name], mtime)
            for digest, size in blobs.items():
                _add_blob(tar, store, digest, size, mtime, advance)
        if compressed is not None:
            compressed.close()

    gz = is_gzip_name(target)
    write_atomically(target, write, durable=True)
    return BundleSummary(str(target), manifest.tables, len(blobs), manifest.blob_bytes)


def restore_bundle(inventory: Inventory, source: Path, *, progress: Progress | None = None) -> RestoreSummary:
    """Restore a bundle into this inventory: new rows are added, equal ones skipped, differing ones refused.

    Every member is checked and the merge tried (and rolled back) before anything is written; then
    the blobs are published, and the rows committed in one transaction.
    """
    from inventory_cli.services.bundle_reader import read_bundle

    store = inventory.blobs
    inventory.ensure_schema()
    summary = RestoreSummary(str(source))
    settings = inventory.settings
    largest = max(settings.max_pdf_bytes, settings.max_image_bytes)
    with read_bundle(source, store, progress or no_progress, largest) as contents:
        summary.blobs, summary.bytes = len(contents.manifest.blobs), contents.manifest.blob_bytes
        for row in contents.data["attachments"]:
            digest = row.get("blob_digest")
            if digest is not None and digest not in contents.manifest.blobs:
                raise InvalidInputError(
                    f"bundle {source}: attachment {row.get('id')} names blob {digest}, "
                    "which the bundle does not hold"
                )
        # A trial run first, rolled back: a bundle whose rows differ from this inventory or that the
        # database refuses leaves the store as it was. The blobs then go in before the write
        # transaction, so that slow uploads (S3) never hold the lock every other command waits for.
        with inventory.uow() as uow:
            _merge(uow.session, source, contents.data, check_now=True)
        for staged in contents.staged.values():
            summary.blobs_added += store.publish(staged)
        with inventory.uow() as uow:
            # Planned again: another command may have written since the trial.
            plan = _merge(uow.session, source, contents.data, check_now=False)
            # Under the write lock, as 'store gc' deletes: a blob collected since it was published
            # (only possible with a grace of zero) stops the restore before any row names it.
            for digest in contents.staged:
                if not store.exists(digest):
                    raise StorageError(
                        f"blob {digest} left the store during the restore", hint="run the same import again"
                    )
            with _refused_rows(source):
                # PostgreSQL checks the deferred cover rules only here.
                uow.commit()
    summary.created, summary.skipped = plan.created(), plan.skipped()
    return summary


def _merge(session: Session, source: Path, data: dict[str, list[Row]], *, check_now: bool) -> MergePlan:
    """Plan and apply the merge of ``data`` in the session's transaction; refuse conflicts and bad rows.

    With ``check_now`` the deferred checks (PostgreSQL's cover rules) run at once, for a trial run.
    """
    from inventory_cli.services.bundle_merge import apply_merge

    plan = _plan(source, session, data)
    _refuse_conflicts(source, plan)
    with _refused_rows(source):
        if check_now and session.get_bind().dialect.name == "postgresql":
            from sqlalchemy import text

            session.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))
        apply_merge(session, plan)
        session.flush()
    return plan


@contextmanager
def _refused_rows(source: Path) -> Iterator[None]:
    """Turn the database's refusal of a bundle's rows into invalid input."""
    from sqlalchemy.exc import DataError, IntegrityError

    try:
        yield
    except (IntegrityError, DataError, KeyError) as exc:
        reason = exc.orig if isinstance(exc, IntegrityError | DataError) else f"no row {exc}"
        raise InvalidInputError(f"bundle {source}: its rows are refused by the database ({reason})") from None


def _plan(source: Path, session: Session, data: dict[str, list[Row]]) -> MergePlan:
    """What restoring ``data`` would add and skip, and where it differs from the database."""
    from inventory_cli.services.bundle_merge import plan_merge

    try:
        return plan_merge(session, data)
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        # Rows pointing at ids the bundle lacks, or values of the wrong kind: the checksums
        # only prove the data arrived as written, not that whoever wrote it was careful.
        raise InvalidInputError(
            f"bundle {source}: its rows do not fit together ({type(exc).__name__}: {exc})"
        ) from None


def _refuse_conflicts(source: Path, plan: MergePlan) -> None:
    """Refuse the whole restore when any bundle row differs from the row already here."""
    if plan.conflicts:
        shown = ", ".join(plan.conflicts[:MAX_CONFLICTS_SHOWN])
        more = len(plan.conflicts) - MAX_CONFLICTS_SHOWN
        raise ConflictError(
            f"{len(plan.conflicts)} rows of the bundle differ from this inventory: {shown}"
            + (f" and {more} more" if more > 0 else ""),
            hint="nothing was restored; restore into an empty inventory or resolve the differences",
        )
