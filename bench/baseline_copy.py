"""Baseline for ``part attach``: a one-pass copy that hashes while writing, fsyncs and renames.

    python bench/baseline_copy.py SOURCE FOLDER

Copies SOURCE into a temp file in FOLDER in 1 MiB chunks while computing its sha256, fsyncs the
file, renames it to its digest and fsyncs the folder: the least a durable content-addressed copy
can do, in the same language, as a whole process.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

CHUNK = 1024 * 1024


def copy(source: Path, folder: Path) -> Path:
    """Copy ``source`` durably into ``folder`` under its sha256; the new path."""
    hasher = hashlib.sha256()
    temp = folder / "copy.tmp"
    with source.open("rb") as reader, temp.open("wb") as writer:
        while chunk := reader.read(CHUNK):
            hasher.update(chunk)
            writer.write(chunk)
        writer.flush()
        os.fsync(writer.fileno())
    target = folder / hasher.hexdigest()
    os.replace(temp, target)
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    return target


if __name__ == "__main__":
    print(copy(Path(sys.argv[1]), Path(sys.argv[2])).name)
