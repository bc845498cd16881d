"""One contract for every blob store: the local folder and S3 (boto3 over HTTP to a moto server)."""

from __future__ import annotations

import hashlib
import io
import os
from datetime import UTC, datetime, timedelta

import pytest

from inventory_cli.errors import CorruptBlobError, InvalidInputError, StorageError
from inventory_cli.storage.blobs import LocalBlobStore
from inventory_cli.storage.s3blobs import S3BlobStore
from inventory_cli.storage.stores import BlobStore
from tests.store.conftest import age, make_s3_store, plant, plant_temp, s3_client


def put(store: BlobStore, data: bytes) -> tuple[str, bool]:
    """Stage and publish ``data``; its digest and whether it was new."""
    with store.stage(io.BytesIO(data), 1 << 30) as staged:
        return staged.digest, store.publish(staged)


def read(store: BlobStore, digest: str) -> bytes:
    with store.open(digest) as handle:
        return handle.read()


def test_a_published_blob_reads_back_under_its_sha256(store: BlobStore) -> None:
    data = b"%PDF-1.4 some datasheet bytes"
    digest, created = put(store, data)

    assert created is True
    assert digest == hashlib.sha256(data).hexdigest()
    assert store.exists(digest)
    info = store.stat(digest)
    assert info is not None and info.size == len(data)
    assert read(store, digest) == data
    assert [b.name for b in store.list_blobs()] == [digest]


def test_publishing_the_same_content_again_is_skipped(store: BlobStore) -> None:
    digest, _ = put(store, b"same bytes")

    again, created = put(store, b"same bytes")

    assert (again, created) == (digest, False)
    assert [b.name for b in store.list_blobs()] == [digest]


def test_publishing_an_existing_blob_refreshes_its_age(store: BlobStore) -> None:
    digest, _ = put(store, b"an old orphan about to be reused")
    age(store, digest, days=3)
    before = store.stat(digest)
    assert before is not None and before.modified < datetime.now(UTC) - timedelta(days=2)

    put(store, b"an old orphan about to be reused")

    after = store.stat(digest)
    assert after is not None and after.modified > datetime.now(UTC) - timedelta(hours=1)


def test_the_key_layout_is_sha256_ab_cd_hex(store: BlobStore) -> None:
    digest, _ = put(store, b"layout")
    relative = f"sha256/{digest[:2]}/{digest[2:4]}/{digest}"

    if isinstance(store, LocalBlobStore):
        assert (store.root / relative).is_file()
    else:
        assert isinstance(store, S3BlobStore)
        listing = s3_client(store.options.endpoint_url or "").list_objects_v2(Bucket=store.bucket)
        assert [item["Key"] for item in listing["Contents"]] == [f"inventory/{relative}"]


def test_staging_more_than_the_limit_is_refused_and_leaves_nothing(store: BlobStore) -> None:
    with (
        pytest.raises(InvalidInputError, match="larger than the limit of 10 bytes"),
        store.stage(io.BytesIO(b"x" * 11), 10),
    ):
        pass

    assert list(store.list_blobs()) == []
    assert store.list_temp() == []


def test_opening_a_missing_blob_is_a_storage_error(store: BlobStore) -> None:
    with pytest.raises(StorageError, match=f"blob {'a' * 64} is missing"):
        read(store, "a" * 64)


def test_a_malformed_digest_is_refused(store: BlobStore) -> None:
    with pytest.raises(InvalidInputError, match="not a sha256 digest"):
        store.exists("../../etc/passwd")


def test_a_corrupt_blob_hashes_to_something_else(store: BlobStore) -> None:
    digest, _ = put(store, b"original content")
    plant(store, digest, b"Original content")

    assert store.hash_blob(digest) == hashlib.sha256(b"Original content").hexdigest()
    assert store.hash_blob(digest) != digest


def test_an_s3_download_is_verified_before_any_byte_is_handed_out(store: BlobStore) -> None:
    if not isinstance(store, S3BlobStore):
        pytest.skip("the local store hands out the file; 'set export' verifies it")
    digest, _ = put(store, b"original content")
    plant(store, digest, b"Original content")

    with pytest.raises(CorruptBlobError, match=f"blob {digest} is corrupt"):
        read(store, digest)


def test_delete_removes_only_that_blob(store: BlobStore) -> None:
    first, _ = put(store, b"first")
    second, _ = put(store, b"second")

    store.delete(first)

    assert not store.exists(first)
    assert [b.name for b in store.list_blobs()] == [second]


def test_unfinished_writes_are_listed_and_can_be_removed(store: BlobStore) -> None:
    name = plant_temp(store)

    assert [t.name for t in store.list_temp()] == [name]
    store.delete_temp(name)
    assert store.list_temp() == []


def test_objects_outside_the_layout_are_not_blobs(store: BlobStore) -> None:
    digest, _ = put(store, b"a real blob")
    stray = f"sha256/zz/{digest[2:4]}/{digest}"
    if isinstance(store, LocalBlobStore):
        (store.root / "sha256" / "zz" / digest[2:4]).mkdir(parents=True)
        (store.root / stray).write_bytes(b"not here")
    else:
        assert isinstance(store, S3BlobStore)
        store.client.put_object(Bucket=store.bucket, Key=f"inventory/{stray}", Body=b"not here")

    assert [b.name for b in store.list_blobs()] == [digest]


def test_large_files_go_up_in_parts(moto_endpoint: str, bucket: str) -> None:
    store = make_s3_store(moto_endpoint, bucket, multipart_threshold=5 * 1024 * 1024)
    data = os.urandom(6 * 1024 * 1024)
    seen: list[int] = []

    def progress(label: str, total: int):  # type: ignore[no-untyped-def]
        from contextlib import contextmanager

        @contextmanager
        def reporter():  # type: ignore[no-untyped-def]
            seen.append(total)
            yield lambda done: seen.append(done)

        return reporter()

    store._progress = progress
    digest, _ = put(store, data)

    head = store.client.head_object(Bucket=bucket, Key=store.key(digest))
    assert head["ETag"].strip('"').endswith("-2")  # two parts
    assert read(store, digest) == data
    assert seen[0] == len(data) and sum(seen[1:]) == len(data)


def test_a_prefix_keeps_stores_apart_in_one_bucket(moto_endpoint: str, bucket: str) -> None:
    one = make_s3_store(moto_endpoint, bucket, prefix="one")
    two = make_s3_store(moto_endpoint, bucket, prefix="two/deeper")
    digest, _ = put(one, b"only in one")

    assert one.exists(digest)
    assert not two.exists(digest)
    assert list(two.list_blobs()) == []
