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


def _calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the blob store's file-system calls from now on, in order."""
    calls: list[str] = []
    for name in ("open", "replace", "mkdir", "utime"):
        real = getattr(blobs.FileOps, name)
        monkeypatch.setattr(
            blobs.ops, name, lambda *args, _n=name, _r=real, **kw: (calls.append(_n), _r(*args, **kw))[1]
        )
    return calls


def _publish(store: LocalBlobStore, data: bytes) -> bool:
    with store.stage(io.BytesIO(data), 1000) as staged:
        return store.publish(staged)


def test_a_new_blob_in_a_new_folder_takes_no_failing_rename_and_no_age_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = LocalBlobStore(tmp_path / "store")
    calls = _calls(monkeypatch)
    with store.batch():
        assert _publish(store, b"first")
    # One rename, after the folders were made; no age check, as a folder made just now is empty.
    assert (calls.count("replace"), calls[-1], "utime" in calls) == (1, "replace", False)
    assert calls.index("replace") > max(i for i, name in enumerate(calls) if name == "mkdir")
    calls.clear()
    with store.batch():
        assert not _publish(store, b"first")  # already there: its age is refreshed, nothing is moved
    assert calls == ["open", "utime"]


def test_a_second_store_object_finds_the_blob_another_stored(tmp_path: Path) -> None:
    first, second = LocalBlobStore(tmp_path / "store"), LocalBlobStore(tmp_path / "store")
    assert _publish(first, b"shared")
    assert not _publish(second, b"shared")
    assert len(list(first.list_blobs())) == 1


def test_a_blob_folder_removed_since_it_was_made_is_made_again(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "store")
    assert _publish(store, b"one")
    digest = next(iter(store.list_blobs())).name
    store.delete(digest)
    os.rmdir(store.blob_path(digest).parent)
    assert _publish(store, b"one")
    assert store.exists(digest)
    assert store.hash_blob(digest) == digest


def test_a_blob_another_writer_stores_while_the_folder_is_made_is_found_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, other = LocalBlobStore(tmp_path / "store"), LocalBlobStore(tmp_path / "store")
    assert _publish(store, b"warm up")  # the temp and sha256 folders exist from here on
    real_mkdir = blobs.FileOps.mkdir
    raced: list[str] = []

    def racing_mkdir(folder: str) -> None:
        parent_there = os.path.isdir(os.path.dirname(folder))
        if parent_there and os.path.basename(os.path.dirname(folder)) != "sha256" and not raced:
            # Between our parent folder and our folder, another writer makes the folder and stores the blob.
            raced.append(folder)
            with monkeypatch.context() as inner:
                inner.setattr(blobs.ops, "mkdir", real_mkdir)
                assert _publish(other, b"contended")
        real_mkdir(folder)

    monkeypatch.setattr(blobs.ops, "mkdir", racing_mkdir)
    assert not _publish(store, b"contended")  # found there: not stored a second time
    assert raced
    assert len(list(store.list_blobs())) == 2
