"""LocalBlobStore.batch: blobs published inside it are synced once, together, when it ends."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from inventory_cli.storage import blobs
from inventory_cli.storage.blobs import LocalBlobStore


def test_a_batch_syncs_once_instead_of_per_blob(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = LocalBlobStore(tmp_path / "store")
    fsyncs: list[int] = []
    syncs: list[Path] = []
    real_fsync = os.fsync
    monkeypatch.setattr(blobs.ops, "fsync", lambda fd: (fsyncs.append(fd), real_fsync(fd)))
    monkeypatch.setattr(blobs, "_sync_filesystem", lambda path: syncs.append(path))
    with store.batch():
        for number in range(3):
            with store.stage(io.BytesIO(b"content %d" % number), 1000) as staged:
                assert store.publish(staged)
        assert fsyncs == [] and syncs == []
    assert syncs == [store.root]
    assert len(list(store.list_blobs())) == 3
    # Outside a batch every blob is synced on its own, as before.
    with store.stage(io.BytesIO(b"alone"), 1000) as staged:
        store.publish(staged)
    assert fsyncs


def test_the_filesystem_sync_runs(tmp_path: Path) -> None:
    blobs._sync_filesystem(tmp_path)  # syncfs, or sync where it is missing: must not fail
