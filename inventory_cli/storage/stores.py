"""The blob-store interface both backends keep, and the factory that picks one from a store URL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, BinaryIO, Protocol

from inventory_cli.errors import StorageError

if TYPE_CHECKING:
    from inventory_cli.config import Settings
    from inventory_cli.storage.blobs import BlobInfo, StagedBlob

# Reports a long transfer: called with a label and the total bytes, it gives back a context whose
# value is called with the bytes done since the last call.
Progress = Callable[[str, int], AbstractContextManager[Callable[[int], None]]]


@contextmanager
def no_progress(_label: str, _total: int) -> Iterator[Callable[[int], None]]:
    """A progress reporter that shows nothing (scripts, tests, small files)."""
    yield lambda _done: None


class BlobStore(Protocol):
    """A content-addressed store of immutable blobs under ``sha256/ab/cd/<hex>``."""

    @property
    def location(self) -> str:
        """The store as a user names it."""
        ...

    def exists(self, digest: str) -> bool:
        """Whether the blob is in the store."""
        ...

    def stage(self, source: BinaryIO, max_bytes: int) -> AbstractContextManager[StagedBlob]:
        """Copy ``source`` to a local temp file while hashing it."""
        ...

    def publish(self, staged: StagedBlob) -> bool:
        """Make a staged blob visible; False (after refreshing its age) when it was there already."""
        ...

    def open(self, digest: str) -> AbstractContextManager[BinaryIO]:
        """Open a blob for reading."""
        ...

    def stat(self, digest: str) -> BlobInfo | None:
        """Size and age of a blob, or None."""
        ...

    def list_blobs(self) -> Iterator[BlobInfo]:
        """Every blob in the store."""
        ...

    def hash_blob(self, digest: str) -> str:
        """The sha256 of the stored bytes."""
        ...

    def delete(self, digest: str) -> None:
        """Remove a blob."""
        ...

    def list_temp(self) -> list[BlobInfo]:
        """Unfinished writes the store holds (temp files, incomplete multipart uploads)."""
        ...

    def delete_temp(self, name: str) -> None:
        """Remove one unfinished write."""
        ...


def open_store(location: str, settings: Settings, progress: Progress | None = None) -> BlobStore:
    """The store a location names: ``s3://bucket/prefix`` or a local folder."""
    from pathlib import Path

    if location.startswith("s3://"):
        from importlib.util import find_spec

        if find_spec("boto3") is None:
            raise StorageError(
                f"cannot use blob store {location}: the S3 library (boto3) is not installed",
                hint="pip install 'inventory-cli[s3]'",
            )
        from inventory_cli.storage.s3blobs import S3BlobStore, S3Options

        return S3BlobStore(location, S3Options.from_settings(settings), progress or no_progress)
    if "://" in location:
        raise StorageError(
            f"blob store {location!r} is neither a local folder nor an s3:// URL",
            hint="use a folder path or s3://bucket/prefix",
        )
    from inventory_cli.storage.blobs import LocalBlobStore

    return LocalBlobStore(Path(location))
