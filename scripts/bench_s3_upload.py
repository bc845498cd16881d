"""S3 upload throughput through S3BlobStore against a local moto server: sequential vs concurrent.

Usage: python scripts/bench_s3_upload.py [--small N] [--small-kib K] [--large-mib M] [--threads T]
Needs the test extras (boto3, moto[server]). The server runs in its own process on 127.0.0.1, so
it does not share the client's GIL; nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import io
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from inventory_cli.bootstrap import Inventory
from inventory_cli.config import Settings
from inventory_cli.services import store as store_service
from inventory_cli.storage.blobs import LocalBlobStore
from inventory_cli.storage.s3blobs import S3BlobStore, S3Options
from inventory_cli.storage.stores import no_progress

MIB = 1024 * 1024


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server() -> tuple[subprocess.Popen[bytes], str]:
    """moto's server in a child process; it and its endpoint URL."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{url}/moto-api/", timeout=1)  # loopback only
            return server, url
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("moto server did not start")


def new_store(endpoint: str, concurrency: int) -> S3BlobStore:
    """A store on a new bucket (moto slows down as a bucket fills, so every run starts empty)."""
    bucket = f"bench-{uuid.uuid4().hex[:12]}"
    options = S3Options(endpoint_url=endpoint, multipart_threshold=8 * MIB, max_concurrency=concurrency)
    store = S3BlobStore(f"s3://{bucket}/inventory", options, no_progress)
    store.client.create_bucket(Bucket=bucket)
    return store


def publish(store: S3BlobStore | LocalBlobStore, data: bytes) -> None:
    """Stage and publish one blob, as an attach does."""
    with store.stage(io.BytesIO(data), len(data)) as staged:
        store.publish(staged)


def timed(label: str, total_bytes: int, action: object) -> float:
    """Run ``action`` and print MiB/s."""
    start = time.perf_counter()
    action()  # type: ignore[operator]
    seconds = time.perf_counter() - start
    rate = total_bytes / MIB / seconds
    print(f"{label:<48} {seconds:7.2f} s {rate:8.1f} MiB/s")
    return rate


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=200, help="number of small blobs")
    parser.add_argument("--small-kib", type=int, default=256, help="size of each small blob in KiB")
    parser.add_argument("--large-mib", type=int, default=64, help="size of the large blob in MiB")
    parser.add_argument("--threads", type=int, default=8, help="threads / multipart concurrency")
    args = parser.parse_args()
    os.environ.update(
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_EC2_METADATA_DISABLED="true",
    )
    empty = Path(tempfile.mkdtemp()) / "empty"
    empty.write_text("")
    os.environ["AWS_CONFIG_FILE"] = os.environ["AWS_SHARED_CREDENTIALS_FILE"] = str(empty)

    server, endpoint = start_server()
    try:
        small = [os.urandom(args.small_kib * 1024) for _ in range(args.small)]
        small_total = sum(len(b) for b in small)
        print(f"{args.small} blobs of {args.small_kib} KiB, and one blob of {args.large_mib} MiB")

        store = new_store(endpoint, 1)
        timed("small blobs, one after another", small_total, lambda: [publish(store, b) for b in small])
        store = new_store(endpoint, 1)
        with ThreadPoolExecutor(args.threads) as pool:
            timed(
                f"small blobs, {args.threads} threads",
                small_total,
                lambda: list(pool.map(lambda b: publish(store, b), small)),
            )

        large = os.urandom(args.large_mib * MIB)
        store = new_store(endpoint, 1)
        timed("large blob, 8 MiB parts, one at a time", len(large), lambda: publish(store, large))
        store = new_store(endpoint, args.threads)
        timed(f"large blob, 8 MiB parts, {args.threads} at a time", len(large), lambda: publish(store, large))

        # 'store copy' from a local folder to a new bucket, one blob at a time and overlapped.
        folder = Path(tempfile.mkdtemp()) / "blobs"
        local = LocalBlobStore(folder)
        for blob in small:
            publish(local, blob)
        settings = Settings(db_url="sqlite://", store=str(folder), config_file=folder / "none.toml")
        settings = Settings(**{**settings.__dict__, "s3_endpoint_url": endpoint})
        for threads in (1, args.threads):
            store_service.COPY_THREADS = threads
            target = new_store(endpoint, 1)
            inventory = Inventory(settings)
            timed(
                f"store copy local -> S3, {threads} thread(s)",
                small_total,
                lambda: store_service.copy(inventory, target.url),  # noqa: B023 - called at once
            )
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
