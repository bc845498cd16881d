"""The backup bundle with the blobs in S3: restore into a bucket and bundle from it again."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import CliRun, json_out
from tests.e2e.test_cli_bundle import (
    Switch,
    blob_digests,
    bundle_args,
    export,
    members,
    source,
    source_template,
    state_of,
    switch_home,
)
from tests.store.conftest import s3_client

__all__ = ["source", "source_template", "switch_home"]  # fixtures this module uses


def test_round_trip_through_an_s3_store(
    cli: CliRun,
    source: Path,
    switch_home: Switch,
    tmp_path: Path,
    moto_endpoint: str,
    bucket: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    local = tmp_path / "local.tar"
    export(cli, local)
    local_blobs = blob_digests(source)

    # An empty inventory whose blob store is a bucket on the test server, over real HTTP.
    target = switch_home(tmp_path / "s3-home")
    monkeypatch.setenv("INVENTORY_STORE", f"s3://{bucket}/inventory")
    monkeypatch.setenv("INVENTORY_S3_ENDPOINT_URL", moto_endpoint)
    restored = json_out(cli(*bundle_args("import", local, "--json")))
    assert restored["blobs_added"] == len(local_blobs)
    listed = s3_client(moto_endpoint).list_objects_v2(Bucket=bucket, Prefix="inventory/")["Contents"]
    assert {item["Key"].rsplit("/", 1)[1] for item in listed} == local_blobs
    assert state_of(target).rows == state_of(source).rows
    assert cli("store", "fsck").exit_code == 0

    # Bundled again from the bucket: the same data and blobs, byte for byte.
    from_s3 = tmp_path / "from-s3.tar"
    export(cli, from_s3)
    first, second = members(local), members(from_s3)
    first.pop("manifest.json"), second.pop("manifest.json")
    assert first == second
