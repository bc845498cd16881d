"""Content-addressed blob store in an S3 bucket, same layout as the local one under a key prefix."""

from __future__ import annotations

import hashlib
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, NoReturn

from inventory_cli.errors import BusyError, CorruptBlobError, InvalidInputError, StorageError
from inventory_cli.storage.blobs import CHUNK, DIGEST_PATTERN, BlobInfo, LocalBlobStore, StagedBlob
from inventory_cli.storage.stores import Progress

if TYPE_CHECKING:
    from inventory_cli.config import Settings

MIN_PART_SIZE = 5 * 1024 * 1024  # S3 refuses smaller multipart parts
BUCKET_PATTERN = re.compile(r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$")
THROTTLING_CODES = frozenset(
    {"SlowDown", "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequests"}
)
DENIED_CODES = frozenset(
    {
        "AccessDenied",
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "InvalidToken",
        "AllAccessDisabled",
        "403",
    }
)


_LOADER: Any = None


def _botocore_session() -> Any:
    """A fresh botocore session (credentials resolved anew) sharing one loader of service models."""
    global _LOADER
    import botocore.session
    from botocore.loaders import create_loader

    if _LOADER is None:
        _LOADER = create_loader()
    session = botocore.session.Session()
    # Parsing the S3 model takes most of a client's start-up; the model never changes.
    session.register_component("data_loader", _LOADER)
    return session


@dataclass(frozen=True)
class S3Options:
    """How to reach the S3 server: endpoint, region, checksum mode, retries, timeouts, part size."""

    endpoint_url: str | None = None
    region: str | None = None
    checksum: str = "when_supported"
    max_attempts: int = 5
    connect_timeout: float = 5.0
    multipart_threshold: int = 16 * 1024 * 1024
    max_concurrency: int = 8

    @classmethod
    def from_settings(cls, settings: Settings) -> S3Options:
        """The options the settings give."""
        return cls(
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            checksum=settings.s3_checksum,
            max_attempts=settings.s3_max_attempts,
            connect_timeout=settings.s3_connect_timeout,
            multipart_threshold=settings.s3_multipart_threshold,
        )


def parse_s3_url(url: str) -> tuple[str, str]:
    """``s3://bucket/some/prefix`` as (bucket, prefix without slashes at either end)."""
    rest = url.removeprefix("s3://")
    bucket, _, prefix = rest.partition("/")
    if not BUCKET_PATTERN.match(bucket):
        raise InvalidInputError(f"blob store {url!r}: {bucket!r} is not a valid S3 bucket name")
    return bucket, prefix.strip("/")


class S3BlobStore:
    """Blobs as objects ``<prefix>/sha256/ab/cd/<hex>``; a put is skipped when the object exists."""

    def __init__(self, url: str, options: S3Options, progress: Progress) -> None:
        self.url = url
        self.bucket, self.prefix = parse_s3_url(url)
        self.options = options
        self._progress = progress
        self._client: Any = None
        self._bucket_checked = False

    def __repr__(self) -> str:
        return f"S3BlobStore({self.url!r})"

    @property
    def location(self) -> str:
        """The store as a user names it (its s3:// URL)."""
        return self.url

    @property
    def _where(self) -> str:
        return f"bucket {self.bucket!r} at {self.options.endpoint_url or 'AWS S3'}"

    # --- the client and its errors -----------------------------------------------------------------

    @property
    def client(self) -> Any:
        """The boto3 client, built on first use (boto3 is imported only here)."""
        if self._client is None:
            import boto3
            from botocore.config import Config

            config = Config(
                retries={"mode": "standard", "total_max_attempts": self.options.max_attempts},
                connect_timeout=self.options.connect_timeout,
                read_timeout=60,
                request_checksum_calculation=self.options.checksum,
                response_checksum_validation=self.options.checksum,
                # S3-compatible servers behind a custom endpoint rarely serve bucket subdomains.
                s3={"addressing_style": "path" if self.options.endpoint_url else "auto"},
            )
            self._client = boto3.session.Session(botocore_session=_botocore_session()).client(
                "s3",
                endpoint_url=self.options.endpoint_url,
                region_name=self.options.region,
                config=config,
            )
        return self._client

    def _fail(self, exc: Exception, action: str) -> NoReturn:
        """Turn a botocore error into the storage, retry or bug error it stands for."""
        from botocore.exceptions import (
            BotoCoreError,
            ClientError,
            ConnectionClosedError,
            EndpointConnectionError,
            NoCredentialsError,
            ParamValidationError,
            PartialCredentialsError,
            ReadTimeoutError,
        )
        from botocore.exceptions import ConnectionError as BotoConnectionError

        if isinstance(exc, ClientError):
            error = exc.response.get("Error", {})
            code = str(error.get("Code", ""))
            status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
            if code in ("NoSuchBucket",):
                raise StorageError(
                    f"S3 {self._where} does not exist",
                    hint="create the bucket or fix INVENTORY_STORE / INVENTORY_S3_ENDPOINT_URL",
                ) from None
            if code in DENIED_CODES or status == 403:
                raise StorageError(
                    f"access to S3 {self._where} denied ({code or status}) while trying to {action}",
                    hint="check the AWS credentials (AWS_ACCESS_KEY_ID, AWS_PROFILE) and the bucket policy",
                ) from None
            if code in THROTTLING_CODES or status == 429 or status >= 500:
                raise BusyError(
                    f"S3 {self._where} is unavailable ({code or status}) after "
                    f"{self.options.max_attempts} attempts to {action}",
                    hint="retry later",
                ) from None
            message = error.get("Message", "")
            raise StorageError(f"S3 {self._where}: cannot {action}: {code or status} {message}") from None
        if isinstance(exc, NoCredentialsError | PartialCredentialsError):
            raise StorageError(
                f"no usable AWS credentials for S3 {self._where}",
                hint="set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE",
            ) from None
        if isinstance(exc, ReadTimeoutError | ConnectionClosedError):
            raise BusyError(f"S3 {self._where} did not answer in time while trying to {action}") from None
        if isinstance(exc, BotoConnectionError):  # refused, connect timeout, TLS, proxy
            # The endpoint's own message repeats the whole object URL; the kind of failure is enough.
            detail = "" if isinstance(exc, EndpointConnectionError) else f" ({type(exc).__name__})"
            raise StorageError(
                f"cannot connect to S3 {self._where}{detail}",
                hint="is the server running? check INVENTORY_S3_ENDPOINT_URL",
            ) from None
        if isinstance(exc, BotoCoreError) and not isinstance(exc, ParamValidationError):
            # e.g. a response checksum that does not match: the transfer, not the program, failed
            raise StorageError(f"S3 {self._where}: cannot {action}: {exc}") from None
        raise exc

    def _call(self, action: str, method: str, **kwargs: Any) -> Any:
        """Call one client method, translating its errors."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client, method)(**kwargs)
        except (ClientError, BotoCoreError) as exc:
            self._fail(exc, action)

    def _check_bucket(self) -> None:
        """Check once that the bucket exists (asked only after a bodiless 404)."""
        from botocore.exceptions import BotoCoreError, ClientError

        if self._bucket_checked:
            return
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError as exc:
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if str(exc.response.get("Error", {}).get("Code")) in ("404", "NoSuchBucket") or status == 404:
                exc.response["Error"]["Code"] = "NoSuchBucket"
            self._fail(exc, "reach the bucket")
        except BotoCoreError as exc:
            self._fail(exc, "reach the bucket")
        self._bucket_checked = True

    @staticmethod
    def _missing(exc: Exception) -> bool:
        from botocore.exceptions import ClientError

        if not isinstance(exc, ClientError):
            return False
        code = str(exc.response.get("Error", {}).get("Code", ""))
        return code in ("404", "NoSuchKey", "NotFound")

    # --- keys --------------------------------------------------------------------------------------

    def key(self, digest: str) -> str:
        """The object key of the blob with ``digest``."""
        if not DIGEST_PATTERN.match(digest):
            raise InvalidInputError(f"not a sha256 digest: {digest!r}")
        path = f"sha256/{digest[:2]}/{digest[2:4]}/{digest}"
        return f"{self.prefix}/{path}" if self.prefix else path

    # --- the blob-store interface ------------------------------------------------------------------

    def stat(self, digest: str) -> BlobInfo | None:
        """Size and age of a blob, or None when it is not in the bucket."""
        from botocore.exceptions import BotoCoreError, ClientError

        key = self.key(digest)
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=key)
        except (ClientError, BotoCoreError) as exc:
            if self._missing(exc):
                self._check_bucket()  # a HEAD's 404 has no body to tell a missing key from a missing bucket
                return None
            self._fail(exc, f"look up blob {digest}")
        return BlobInfo(digest, int(head["ContentLength"]), head["LastModified"].astimezone(UTC))

    def exists(self, digest: str) -> bool:
        """Whether the blob is in the bucket."""
        return self.stat(digest) is not None

    @contextmanager
    def stage(self, source: BinaryIO, max_bytes: int) -> Iterator[StagedBlob]:
        """Copy ``source`` into a local temp folder while hashing it; the copy goes on exit."""
        with (
            tempfile.TemporaryDirectory(prefix="inventory-stage-") as folder,
            LocalBlobStore(Path(folder)).stage(source, max_bytes) as staged,
        ):
            yield staged

    def _touch(self, digest: str) -> bool:
        """Refresh an existing object's age by copying it onto itself; False when it is absent."""
        from botocore.exceptions import BotoCoreError, ClientError

        key = self.key(digest)
        try:
            self.client.copy_object(
                Bucket=self.bucket,
                Key=key,
                CopySource={"Bucket": self.bucket, "Key": key},
                MetadataDirective="REPLACE",
                Metadata={"last-used": datetime.now(UTC).isoformat(timespec="seconds")},
            )
        except (ClientError, BotoCoreError) as exc:
            if self._missing(exc):
                return False
            self._fail(exc, f"refresh blob {digest}")
        return True

    def publish(self, staged: StagedBlob) -> bool:
        """Upload a staged blob (in parts when large); False when the object was already there."""
        if self._touch(staged.digest):
            return False
        self._upload(staged.path, staged.digest, staged.size)
        return True

    def _upload(self, path: Path, digest: str, size: int) -> None:
        from boto3.s3.transfer import TransferConfig
        from botocore.exceptions import BotoCoreError, ClientError

        config = TransferConfig(
            multipart_threshold=max(self.options.multipart_threshold, MIN_PART_SIZE),
            multipart_chunksize=max(self.options.multipart_threshold, MIN_PART_SIZE),
            max_concurrency=self.options.max_concurrency,
        )
        with self._progress(f"uploading {digest[:12]}", size) as advance, path.open("rb") as handle:
            try:
                self.client.upload_fileobj(
                    handle, self.bucket, self.key(digest), Config=config, Callback=advance
                )
            except (ClientError, BotoCoreError) as exc:
                self._fail(exc, f"upload blob {digest}")

    def _read_into(self, digest: str, sink: Callable[[bytes], Any]) -> int:
        """Stream a blob's bytes to ``sink``; the number of bytes."""
        from botocore.exceptions import BotoCoreError, ClientError

        response = self._get(digest)
        size = 0
        try:
            body = response["Body"]
            for chunk in body.iter_chunks(CHUNK):
                sink(chunk)
                size += len(chunk)
        except (ClientError, BotoCoreError) as exc:
            self._fail(exc, f"read blob {digest}")
        return size

    def _get(self, digest: str) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return self.client.get_object(Bucket=self.bucket, Key=self.key(digest))
        except (ClientError, BotoCoreError) as exc:
            if self._missing(exc):
                raise StorageError(
                    f"blob {digest} is missing from the store {self.url}",
                    hint="run 'inventory store fsck' to list every missing blob",
                ) from None
            self._fail(exc, f"read blob {digest}")

    @contextmanager
    def open(self, digest: str) -> Iterator[BinaryIO]:
        """Download a blob to a temp file and hand it out only if its sha256 matches."""
        hasher = hashlib.sha256()
        with tempfile.TemporaryFile(prefix="inventory-blob-") as handle:

            def sink(chunk: bytes) -> None:
                hasher.update(chunk)
                handle.write(chunk)

            self._read_into(digest, sink)
            if hasher.hexdigest() != digest:
                raise CorruptBlobError(
                    f"blob {digest} is corrupt: its content no longer matches its digest",
                    hint="restore it from a backup",
                )
            handle.seek(0)
            yield handle

    def hash_blob(self, digest: str) -> str:
        """The sha256 of the object's bytes (equal to ``digest`` unless it is corrupt)."""
        hasher = hashlib.sha256()
        self._read_into(digest, hasher.update)
        return hasher.hexdigest()

    def list_blobs(self) -> Iterator[BlobInfo]:
        """Every blob under the prefix (objects outside the layout are skipped)."""
        from botocore.exceptions import BotoCoreError, ClientError

        start = f"{self.prefix}/sha256/" if self.prefix else "sha256/"
        try:
            for page in self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=start
            ):
                for item in page.get("Contents", []):
                    name = item["Key"].rsplit("/", 1)[-1]
                    if DIGEST_PATTERN.match(name) and item["Key"] == self.key(name):
                        yield BlobInfo(name, int(item["Size"]), item["LastModified"].astimezone(UTC))
        except (ClientError, BotoCoreError) as exc:
            self._fail(exc, "list the blobs")

    def delete(self, digest: str) -> None:
        """Remove a blob (only gc calls this, and only for unreferenced blobs)."""
        self._call(f"delete blob {digest}", "delete_object", Bucket=self.bucket, Key=self.key(digest))

    def list_temp(self) -> list[BlobInfo]:
        """Incomplete multipart uploads under the prefix: S3's temp files. Named ``key upload-id``."""
        from botocore.exceptions import BotoCoreError, ClientError

        found = []
        try:
            for page in self.client.get_paginator("list_multipart_uploads").paginate(
                Bucket=self.bucket, Prefix=f"{self.prefix}/" if self.prefix else ""
            ):
                for upload in page.get("Uploads", []):
                    found.append(
                        BlobInfo(
                            f"{upload['Key']} {upload['UploadId']}",
                            0,
                            upload["Initiated"].astimezone(UTC),
                        )
                    )
        except (ClientError, BotoCoreError) as exc:
            self._fail(exc, "list unfinished uploads")
        return found

    def delete_temp(self, name: str) -> None:
        """Abort an incomplete multipart upload."""
        key, _, upload_id = name.rpartition(" ")
        self._call(
            "abort an unfinished upload",
            "abort_multipart_upload",
            Bucket=self.bucket,
            Key=key,
            UploadId=upload_id,
        )
