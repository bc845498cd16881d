"""Content-addressed blob store on local disk: ``sha256/ab/cd/<hex>``, atomic writes, no deletes."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from inventory_cli.errors import InvalidInputError, StorageError

CHUNK = 1024 * 1024
DIGEST_PATTERN = re.compile(r"^[0-9a-f]{64}$")


@dataclass
class StagedBlob:
    """Bytes copied into the store's temp area and hashed, not yet visible as a blob."""

    digest: str
    size: int
    path: Path
    head: bytes


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalBlobStore:
    """Blobs under ``root``; a blob is written once, by rename, and only ``store gc`` removes it."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def __repr__(self) -> str:
        return f"LocalBlobStore({str(self.root)!r})"

    def blob_path(self, digest: str) -> Path:
        """Where the blob with ``digest`` lives (whether or not it exists)."""
        if not DIGEST_PATTERN.match(digest):
            raise InvalidInputError(f"not a sha256 digest: {digest!r}")
        return self.root / "sha256" / digest[:2] / digest[2:4] / digest

    def exists(self, digest: str) -> bool:
        """Whether the blob is in the store."""
        return self.blob_path(digest).is_file()

    def _tmp_dir(self) -> Path:
        tmp = self.root / "tmp"
        try:
            tmp.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"blob store {self.root} is not writable: {exc.strerror}") from exc
        return tmp

    @contextmanager
    def stage(self, source: BinaryIO, max_bytes: int) -> Iterator[StagedBlob]:
        """Copy ``source`` into a temp file while hashing it; the temp file goes on exit."""
        tmp_dir = self._tmp_dir()
        hasher = hashlib.sha256()
        size = 0
        head = b""
        try:
            handle = tempfile.NamedTemporaryFile(dir=tmp_dir, prefix="stage-", delete=False)  # noqa: SIM115
        except OSError as exc:
            raise StorageError(f"blob store {self.root} is not writable: {exc.strerror}") from exc
        path = Path(handle.name)
        try:
            with handle:
                while chunk := source.read(CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise InvalidInputError(f"file is larger than the limit of {max_bytes} bytes")
                    if len(head) < 4096:
                        head += chunk[: 4096 - len(head)]
                    hasher.update(chunk)
                    handle.write(chunk)
                handle.flush()
                os.fsync(handle.fileno())
            yield StagedBlob(hasher.hexdigest(), size, path, head)
        except OSError as exc:
            raise StorageError(f"cannot write to blob store {self.root}: {exc.strerror}") from exc
        finally:
            path.unlink(missing_ok=True)

    def publish(self, staged: StagedBlob) -> bool:
        """Make a staged blob visible under its digest; False when it was already there."""
        target = self.blob_path(staged.digest)
        if target.is_file():
            return False
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            # Same content, same name: a concurrent writer's rename over ours is harmless.
            os.replace(staged.path, target)
            _fsync_dir(target.parent)
        except OSError as exc:
            raise StorageError(f"cannot write to blob store {self.root}: {exc.strerror}") from exc
        return True

    @contextmanager
    def open(self, digest: str) -> Iterator[BinaryIO]:
        """Open a blob for reading."""
        path = self.blob_path(digest)
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            raise StorageError(
                f"blob {digest} is missing from the store {self.root}",
                hint="run 'inventory db check' to list every missing blob",
            ) from None
        except OSError as exc:
            raise StorageError(f"cannot read blob {digest}: {exc.strerror}") from exc
        with handle:
            yield handle

    def iter_digests(self) -> Iterator[str]:
        """Every blob digest in the store."""
        base = self.root / "sha256"
        if not base.is_dir():
            return
        for path in base.glob("*/*/*"):
            if DIGEST_PATTERN.match(path.name):
                yield path.name
