"""LocalBlobStore.stage on a large source: exact bytes and digest, write-back started range by range."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import pytest

from inventory_cli.errors import InvalidInputError, StorageError
from inventory_cli.storage import blobs
from inventory_cli.storage.blobs import CHUNK, WRITE_BEHIND, LocalBlobStore


def test_a_large_copy_is_exact_and_starts_write_back_over_every_full_range(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = os.urandom(2 * WRITE_BEHIND + CHUNK + 12345)
    ranges: list[tuple[int, int]] = []
    real = blobs._start_writeback
    monkeypatch.setattr(
        blobs,
        "_start_writeback",
        lambda fd, offset, length: (ranges.append((offset, length)), real(fd, offset, length)),
    )
    store = LocalBlobStore(tmp_path / "store")

    with store.stage(io.BytesIO(data), len(data)) as staged:
        assert staged.path.read_bytes() == data
        assert (staged.digest, staged.size, staged.head) == (
            hashlib.sha256(data).hexdigest(),
            len(data),
            data[:4096],
        )

    # Contiguous from the start, one per WRITE_BEHIND bytes; the tail is left to the fsync.
    assert ranges == [(0, WRITE_BEHIND), (WRITE_BEHIND, WRITE_BEHIND)]


def test_a_small_copy_starts_no_write_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ranges: list[tuple[int, int]] = []
    monkeypatch.setattr(blobs, "_start_writeback", lambda fd, offset, length: ranges.append((offset, length)))
    with LocalBlobStore(tmp_path / "store").stage(io.BytesIO(b"x" * 3 * CHUNK), 3 * CHUNK) as staged:
        assert staged.size == 3 * CHUNK
    assert ranges == []


def test_a_source_over_the_limit_is_refused_and_leaves_no_temp_file(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "store")
    with (
        pytest.raises(InvalidInputError, match="larger than the limit"),
        store.stage(io.BytesIO(b"y" * (3 * CHUNK + 1)), 3 * CHUNK),
    ):
        pass
    assert store.list_temp() == []


def test_a_write_failing_midway_is_a_storage_error_and_leaves_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writes: list[int] = []

    def failing_write(handle: io.BufferedWriter, data: bytes) -> None:
        writes.append(len(data))
        if len(writes) == 3:
            raise OSError(28, "No space left on device")
        handle.write(data)

    monkeypatch.setattr(blobs.ops, "write", failing_write)
    store = LocalBlobStore(tmp_path / "store")
    with (
        pytest.raises(StorageError, match="No space left on device"),
        store.stage(io.BytesIO(b"z" * 6 * CHUNK), 6 * CHUNK),
    ):
        pass
    assert writes == [CHUNK] * 3  # nothing is written after the failed chunk
    assert store.list_temp() == []
