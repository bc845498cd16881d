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
from typing import IO, BinaryIO

from inventory_cli.errors import InvalidInputError, StorageError

CHUNK = 1024 * 1024
HEAD_BYTES = 4096
DIGEST_PATTERN = re.compile(r"^[0-9a-f]{64}$")


@dataclass
class StagedBlob:
    """Bytes copied into the store's temp area and hashed, not yet visible as a blob."""

    digest: str
    size: int
    path: Path
    head: bytes


def current_umask() -> int:
    """The process umask (read by setting it, then putting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _make_dirs(folder: Path) -> list[Path]:
    """Create ``folder`` and its missing parents; return those created, deepest last."""
    missing: list[Path] = []
    while not folder.is_dir():
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        path.mkdir(exist_ok=True)
    return list(reversed(missing))


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
        try:
            handle = tempfile.NamedTemporaryFile(dir=tmp_dir, prefix="stage-", delete=False)  # noqa: SIM115
        except OSError as exc:
            raise StorageError(f"blob store {self.root} is not writable: {exc.strerror}") from exc
        path = Path(handle.name)
        try:
            with handle:
                staged = self._copy(source, handle, max_bytes, path)
            yield staged
        finally:
            path.unlink(missing_ok=True)

    def _copy(self, source: BinaryIO, handle: IO[bytes], max_bytes: int, path: Path) -> StagedBlob:
        """Hash and write ``source`` to ``handle`` durably, refusing more than ``max_bytes``."""
        hasher = hashlib.sha256()
        size = 0
        head = b""
        try:
            # Blobs are immutable: readable by whoever may read the store, writable by nobody.
            os.fchmod(handle.fileno(), 0o444 & ~current_umask())
            while chunk := source.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise InvalidInputError(f"file is larger than the limit of {max_bytes} bytes")
                if len(head) < HEAD_BYTES:
                    head += chunk[: HEAD_BYTES - len(head)]
                hasher.update(chunk)
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        except OSError as exc:
            raise StorageError(f"cannot write to blob store {self.root}: {exc.strerror}") from exc
        return StagedBlob(hasher.hexdigest(), size, path, head)

    def publish(self, staged: StagedBlob) -> bool:
        """Make a staged blob visible under its digest; False when it was already there."""
        target = self.blob_path(staged.digest)
        if target.is_file():
            return False
        try:
            created = _make_dirs(target.parent)
            # Same content, same name: a concurrent writer's rename over ours is harmless.
            os.replace(staged.path, target)
            _fsync_dir(target.parent)
            # New folders must be durable in their parents too, or a crash could lose the blob.
            for folder in created:
                _fsync_dir(folder.parent)
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
