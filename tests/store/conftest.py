"""Fixtures for the blob-store tests: a session-wide moto S3 server, fresh buckets, both backends."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from inventory_cli.config import load_settings
from inventory_cli.storage.blobs import LocalBlobStore
from inventory_cli.storage.s3blobs import S3BlobStore, S3Options
from inventory_cli.storage.stores import BlobStore, no_progress
from tests.store.s3server import FaultProxy, start_moto


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """One moto S3 server for the whole session (buckets keep tests apart)."""
    server, url = start_moto()
    yield url
    server.stop()


@pytest.fixture(autouse=True)
def aws_sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Dummy credentials and empty AWS config files, so no request or lookup leaves the machine."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    empty = tmp_path / "aws-empty"
    empty.write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    for name in (
        "INVENTORY_S3_ENDPOINT_URL",
        "INVENTORY_S3_REGION",
        "INVENTORY_S3_CHECKSUM",
        "INVENTORY_S3_CONNECT_TIMEOUT",
        "INVENTORY_S3_MULTIPART_THRESHOLD",
    ):
        monkeypatch.delenv(name, raising=False)
    # Few attempts keep the fault tests fast; 3 still shows a retry succeeding.
    monkeypatch.setenv("INVENTORY_S3_MAX_ATTEMPTS", "3")


def s3_client(endpoint: str) -> Any:
    """A plain boto3 client on the test server, for setting up and inspecting buckets."""
    import boto3

    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")


@pytest.fixture
def bucket(moto_endpoint: str, aws_sandbox: None) -> str:
    """A new, empty bucket."""
    name = f"inv-{uuid.uuid4().hex[:12]}"
    s3_client(moto_endpoint).create_bucket(Bucket=name)
    return name


@pytest.fixture
def s3_store_env(monkeypatch: pytest.MonkeyPatch, moto_endpoint: str, bucket: str) -> str:
    """Point the inventory's store at a fresh bucket on the test server; the store URL."""
    url = f"s3://{bucket}/inventory"
    monkeypatch.setenv("INVENTORY_STORE", url)
    monkeypatch.setenv("INVENTORY_S3_ENDPOINT_URL", moto_endpoint)
    return url


@pytest.fixture
def proxy(moto_endpoint: str) -> Iterator[FaultProxy]:
    """A fault-injecting proxy in front of the test server (forwards everything until told otherwise)."""
    host, _, port = moto_endpoint.removeprefix("http://").partition(":")
    started = FaultProxy((host, int(port))).start()
    yield started
    started.stop()


def make_s3_store(endpoint: str, bucket: str, prefix: str = "inventory", **options: Any) -> S3BlobStore:
    """An S3 store on the test server with the test settings."""
    settings = load_settings()
    base = S3Options.from_settings(settings)
    merged = {**base.__dict__, "endpoint_url": endpoint, **options}
    return S3BlobStore(f"s3://{bucket}/{prefix}", S3Options(**merged), no_progress)


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    """Each backend in turn: a local folder, and a bucket on the moto server over real HTTP."""
    if request.param == "local":
        return LocalBlobStore(tmp_path / "blobs")
    endpoint = request.getfixturevalue("moto_endpoint")
    return make_s3_store(endpoint, request.getfixturevalue("bucket"))


def plant(store: BlobStore, digest: str, data: bytes) -> None:
    """Write raw bytes under a blob's name, around the store (to plant corruption)."""
    if isinstance(store, LocalBlobStore):
        path = store.blob_path(digest)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            path.chmod(0o644)
        path.write_bytes(data)
    else:
        assert isinstance(store, S3BlobStore)
        store.client.put_object(Bucket=store.bucket, Key=store.key(digest), Body=data)


def remove(store: BlobStore, digest: str) -> None:
    """Delete a blob around the store."""
    store.delete(digest)


def age(store: BlobStore, digest: str, days: float) -> None:
    """Make a blob look ``days`` old (local: its mtime; S3: the test server's record of it)."""
    import os
    import time
    from datetime import UTC, datetime, timedelta

    if isinstance(store, LocalBlobStore):
        moment = time.time() - days * 86400
        os.utime(store.blob_path(digest), (moment, moment))
        return
    assert isinstance(store, S3BlobStore)
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends

    # The server runs in this process, so its record of the object can be dated back directly.
    key = s3_backends[DEFAULT_ACCOUNT_ID]["aws"].get_bucket(store.bucket).keys[store.key(digest)]
    key.last_modified = (datetime.now(UTC) - timedelta(days=days)).replace(tzinfo=None)


def plant_temp(store: BlobStore) -> str:
    """Leave an unfinished write, 3 days old, in the store (local: a temp file; S3: a multipart upload).

    The test server dates every multipart upload in 2010, so an S3 one is always old.
    """
    import os

    if isinstance(store, LocalBlobStore):
        folder = store.root / "tmp"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "stage-left-over"
        path.write_bytes(b"half a file")
        moment = path.stat().st_mtime - 3 * 86400
        os.utime(path, (moment, moment))
        return "stage-left-over"
    assert isinstance(store, S3BlobStore)
    key = f"{store.prefix}/sha256/00/00/{'0' * 64}"
    upload = store.client.create_multipart_upload(Bucket=store.bucket, Key=key)
    return f"{key} {upload['UploadId']}"


@pytest.fixture(params=["local", "s3"])
def backend(request: pytest.FixtureRequest, isolated_home: Path) -> BlobStore:
    """Run a CLI test once on the default local store and once on S3; the store the CLI will use."""
    if request.param == "s3":
        request.getfixturevalue("s3_store_env")
    from inventory_cli.bootstrap import Inventory

    return Inventory(load_settings()).blobs
