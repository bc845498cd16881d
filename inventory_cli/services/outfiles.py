"""Files the user asked for, written whole or not at all: a temp file beside the target, then a rename."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

from inventory_cli.errors import ConflictError, InvalidInputError, StorageError
from inventory_cli.storage.blobs import current_umask, fsync_dir


def refuse_existing(target: Path, overwrite: bool) -> None:
    """A conflict when ``target`` exists and may not be overwritten."""
    if target.exists() and not overwrite:
        raise ConflictError(f"{target} already exists", hint="pass --force to overwrite it")


def write_atomically(target: Path, write: Callable[[IO[bytes]], object], *, durable: bool = False) -> None:
    """Let ``write`` fill a temp file beside ``target``, then rename it into place.

    A failure inside ``write`` (a corrupt blob, a full disk) leaves no partial file behind.
    ``durable`` syncs the file and its folder to disk, for files that must survive a crash (backups).
    """
    try:
        handle = tempfile.NamedTemporaryFile(dir=target.parent, prefix=f".{target.name}.", delete=False)  # noqa: SIM115
    except OSError as exc:
        raise InvalidInputError(f"cannot write {target}: {exc.strerror}") from None
    temp = Path(handle.name)
    try:
        with handle:
            # Temp files start private (0600); the result gets the mode a new file normally has.
            os.fchmod(handle.fileno(), 0o666 & ~current_umask())
            write(handle)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(temp, target)
        if durable:
            fsync_dir(target.parent)
    except OSError as exc:
        raise StorageError(f"cannot write {target}: {exc.strerror}") from None
    finally:
        temp.unlink(missing_ok=True)
