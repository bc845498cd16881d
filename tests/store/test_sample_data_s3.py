"""The sample data loads the same way onto an S3 store: its files in the bucket, fsck clean."""

from __future__ import annotations

import hashlib

from tests.conftest import SAMPLE_DATA, CliRun, json_out
from tests.store.conftest import s3_client


def test_sample_data_on_s3(cli: CliRun, s3_store_env: str, bucket: str, moto_endpoint: str) -> None:
    report = json_out(cli("sample-data", "load", "--json"))
    digests = {
        hashlib.sha256(p.read_bytes()).hexdigest() for p in SAMPLE_DATA.iterdir() if p.suffix != ".json"
    }
    assert report["blobs_checked"] == len(digests)
    listed = s3_client(moto_endpoint).list_objects_v2(Bucket=bucket, Prefix="inventory/")
    assert {item["Key"] for item in listed["Contents"]} == {
        f"inventory/sha256/{d[:2]}/{d[2:4]}/{d}" for d in digests
    }
    fsck = json_out(cli("store", "fsck", "--json"))
    assert fsck["ok"] is True and fsck["referenced"] == len(digests) and fsck["store"] == s3_store_env
