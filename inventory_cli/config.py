"""Settings resolved from command-line options, environment, the TOML config file and defaults."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inventory_cli.errors import InvalidInputError, StorageError

APP_NAME = "inventory"
MIB = 1024 * 1024

DEFAULT_MAX_IMAGE_BYTES = 20 * MIB
DEFAULT_MAX_PDF_BYTES = 100 * MIB
DEFAULT_BUSY_TIMEOUT_MS = 5000
DEFAULT_FETCH_TIMEOUT_MS = 15000
DEFAULT_S3_MAX_ATTEMPTS = 5
DEFAULT_S3_CONNECT_TIMEOUT = 5.0
DEFAULT_S3_MULTIPART_THRESHOLD = 16 * MIB
S3_CHECKSUM_MODES = ("when_supported", "when_required")


@dataclass(frozen=True)
class Settings:
    """Where the data lives and the limits that apply to it."""

    db_url: str
    store: str
    config_file: Path
    max_image_bytes: int = DEFAULT_MAX_IMAGE_BYTES
    max_pdf_bytes: int = DEFAULT_MAX_PDF_BYTES
    busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS
    fetch_timeout_ms: int = DEFAULT_FETCH_TIMEOUT_MS
    cache_dir: Path | None = None
    s3_endpoint_url: str | None = None
    s3_region: str | None = None
    s3_checksum: str = S3_CHECKSUM_MODES[0]
    s3_max_attempts: int = DEFAULT_S3_MAX_ATTEMPTS
    s3_connect_timeout: float = DEFAULT_S3_CONNECT_TIMEOUT
    s3_multipart_threshold: int = DEFAULT_S3_MULTIPART_THRESHOLD

    @property
    def db_path(self) -> Path | None:
        """The SQLite file behind ``db_url``, or None for other databases."""
        prefix = "sqlite:///"
        if self.db_url.startswith(prefix):
            return Path(self.db_url[len(prefix) :])
        return None


def _default_dirs() -> tuple[Path, Path]:
    """The data and config directories: ``INVENTORY_HOME`` for both, else platformdirs."""
    home = os.environ.get("INVENTORY_HOME")
    if home:
        root = Path(home).expanduser()
        return root, root
    import platformdirs

    return (
        Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
        Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
    )


def _cache_dir() -> Path:
    """Derived data (thumbnails): ``INVENTORY_CACHE``, else ``INVENTORY_HOME/cache``, else platformdirs."""
    if os.environ.get("INVENTORY_CACHE"):
        return Path(os.environ["INVENTORY_CACHE"]).expanduser().absolute()
    home = os.environ.get("INVENTORY_HOME")
    if home:
        return Path(home).expanduser() / "cache"
    import platformdirs

    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def db_url_from(value: str) -> str:
    """Turn a ``--db`` value (a file path or a SQLAlchemy URL) into a URL."""
    if "://" in value:
        return value
    return "sqlite:///" + str(Path(value).expanduser().absolute())


def store_location_from(value: str) -> str:
    """A ``--store`` value: URLs are kept as given, folders made absolute."""
    if "://" in value:
        return value
    return str(Path(value).expanduser().absolute())


def _read_config_file(path: Path) -> dict[str, object]:
    """The config file's table, or an empty one when there is no file."""
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise StorageError(f"cannot read config file {path}: {exc.strerror}") from exc
    # The TOML parser (about 1.5 ms of imports) loads only when there is a file to parse.
    import tomllib

    with handle:
        try:
            return tomllib.load(handle)
        except tomllib.TOMLDecodeError as exc:
            raise InvalidInputError(f"config file {path} is not valid TOML: {exc}") from exc
        except OSError as exc:
            raise StorageError(f"cannot read config file {path}: {exc.strerror}") from exc


def _positive_int(name: str, value: object) -> int:
    """Validate a size or timeout setting."""
    try:
        number = int(str(value))
    except ValueError:
        raise InvalidInputError(f"setting {name}={value!r} is not a whole number") from None
    if number <= 0:
        raise InvalidInputError(f"setting {name}={value!r} must be greater than 0")
    return number


def _positive_float(name: str, value: object) -> float:
    """Validate a timeout in seconds."""
    try:
        number = float(str(value))
    except ValueError:
        raise InvalidInputError(f"setting {name}={value!r} is not a number") from None
    if not number > 0:
        raise InvalidInputError(f"setting {name}={value!r} must be greater than 0")
    return number


def _s3_settings(pick: Callable[[str | None, str, str], str | None]) -> dict[str, Any]:
    """The S3 settings (endpoint, region, checksum mode, retries, timeouts, multipart size)."""
    checksum = (pick(None, "INVENTORY_S3_CHECKSUM", "s3_checksum") or S3_CHECKSUM_MODES[0]).lower()
    if checksum not in S3_CHECKSUM_MODES:
        raise InvalidInputError(
            f"setting s3_checksum={checksum!r} is not one of {', '.join(S3_CHECKSUM_MODES)}"
        )
    attempts = pick(None, "INVENTORY_S3_MAX_ATTEMPTS", "s3_max_attempts")
    timeout = pick(None, "INVENTORY_S3_CONNECT_TIMEOUT", "s3_connect_timeout")
    threshold = pick(None, "INVENTORY_S3_MULTIPART_THRESHOLD", "s3_multipart_threshold")
    return {
        "s3_endpoint_url": pick(None, "INVENTORY_S3_ENDPOINT_URL", "s3_endpoint_url"),
        "s3_region": pick(None, "INVENTORY_S3_REGION", "s3_region"),
        "s3_checksum": checksum,
        "s3_max_attempts": _positive_int("s3_max_attempts", attempts)
        if attempts
        else DEFAULT_S3_MAX_ATTEMPTS,
        "s3_connect_timeout": _positive_float("s3_connect_timeout", timeout)
        if timeout
        else DEFAULT_S3_CONNECT_TIMEOUT,
        "s3_multipart_threshold": _positive_int("s3_multipart_threshold", threshold)
        if threshold
        else DEFAULT_S3_MULTIPART_THRESHOLD,
    }


def load_settings(db: str | None = None, store: str | None = None) -> Settings:
    """Resolve settings: options first, then environment, then config file, then defaults."""
    data_dir, config_dir = _default_dirs()
    config_file = config_dir / "config.toml"
    file_values = _read_config_file(config_file)

    def pick(option: str | None, env: str, key: str) -> str | None:
        if option:
            return option
        if os.environ.get(env):
            return os.environ[env]
        value = file_values.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise InvalidInputError(f"config file {config_file}: {key} = {value!r} is not a string or number")
        return str(value)

    def relative_to_config(value: str | None, option: str | None, env: str) -> str | None:
        # A relative path in the config file means "next to the config file", not "here".
        if value and not option and not os.environ.get(env) and "://" not in value:
            return str(config_dir / Path(value).expanduser())
        return value

    db_value = relative_to_config(pick(db, "INVENTORY_DB", "db"), db, "INVENTORY_DB")
    store_value = relative_to_config(pick(store, "INVENTORY_STORE", "store"), store, "INVENTORY_STORE")
    limits = {
        "max_image_bytes": pick(None, "INVENTORY_MAX_IMAGE_BYTES", "max_image_bytes"),
        "max_pdf_bytes": pick(None, "INVENTORY_MAX_PDF_BYTES", "max_pdf_bytes"),
        "busy_timeout_ms": pick(None, "INVENTORY_BUSY_TIMEOUT_MS", "busy_timeout_ms"),
        "fetch_timeout_ms": pick(None, "INVENTORY_FETCH_TIMEOUT_MS", "fetch_timeout_ms"),
    }
    defaults = {
        "max_image_bytes": DEFAULT_MAX_IMAGE_BYTES,
        "max_pdf_bytes": DEFAULT_MAX_PDF_BYTES,
        "busy_timeout_ms": DEFAULT_BUSY_TIMEOUT_MS,
        "fetch_timeout_ms": DEFAULT_FETCH_TIMEOUT_MS,
    }
    resolved: dict[str, Any] = {
        name: _positive_int(name, value) if value is not None else defaults[name]
        for name, value in limits.items()
    }
    return Settings(
        db_url=db_url_from(db_value) if db_value else db_url_from(str(data_dir / "inventory.db")),
        store=store_location_from(store_value) if store_value else str(data_dir / "blobs"),
        config_file=config_file,
        cache_dir=_cache_dir(),
        **resolved,
        **_s3_settings(pick),
    )
