"""LocalBlobStore.batch: blobs published inside it are synced once, together, when it ends."""

from __future__ import annotations

import hashlib
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
    for name in ("open", "replace", "link", "unlink", "mkdir", "utime"):
        real = getattr(blobs.FileOps, name)
        monkeypatch.setattr(
            blobs.ops, name, lambda *args, _n=name, _r=real, **kw: (calls.append(_n), _r(*args, **kw))[1]
        )
    return calls


def _publish(store: LocalBlobStore, data: bytes) -> bool:
    with store.stage(io.BytesIO(data), 1000) as staged:
        return store.publish(staged)


def test_a_new_blob_in_a_new_folder_takes_no_failing_link_and_no_age_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = LocalBlobStore(tmp_path / "store")
    calls = _calls(monkeypatch)
    with store.batch():
        assert _publish(store, b"first")
    # The folders first, then one link to the blob's name, then the temp name goes.
    assert (calls.count("link"), calls[-2:], "utime" in calls, "replace" in calls) == (
        1,
        ["link", "unlink"],
        False,
        False,
    )
    assert calls.index("link") > max(i for i, name in enumerate(calls) if name == "mkdir")
    calls.clear()
    with store.batch():
        assert not _publish(store, b"first")  # already there: its age is refreshed, nothing is moved
    assert calls == ["open", "link", "utime", "unlink"]
    assert list((store.root / "tmp").iterdir()) == []


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


def test_a_blob_stored_meanwhile_by_another_writer_is_never_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, other = LocalBlobStore(tmp_path / "store"), LocalBlobStore(tmp_path / "store")
    assert _publish(store, b"warm up")
    inodes: list[int] = []

    def just_before(name: str) -> object:
        real = getattr(blobs.FileOps, name)

        def call(source: object, target: str) -> object:
            if not inodes:  # the other writer stores the same content right before our move
                with monkeypatch.context() as inner:
                    inner.setattr(blobs, "ops", blobs.FileOps())
                    assert _publish(other, b"twin")
                inodes.append(os.stat(target).st_ino)
            return real(source, target)

        return call

    for name in ("link", "replace"):
        monkeypatch.setattr(blobs.ops, name, just_before(name))
    assert not _publish(store, b"twin")
    digest = hashlib.sha256(b"twin").hexdigest()
    assert os.stat(store.blob_path(digest)).st_ino == inodes[0]  # their file, not swapped for our copy
    assert list((store.root / "tmp").iterdir()) == []


def test_without_hard_links_the_blob_is_renamed_into_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    def no_links(*_args: object) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(blobs.ops, "link", no_links)
    store = LocalBlobStore(tmp_path / "store")
    assert _publish(store, b"on a FAT stick")
    digest = next(iter(store.list_blobs())).name
    assert store.hash_blob(digest) == digest
    assert list((store.root / "tmp").iterdir()) == []
