"""Exception tree and the one table of exit codes; imports nothing from the package."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes, so that a script can tell input errors from retries from bugs."""

    OK = 0
    UNEXPECTED = 1
    USAGE = 2
    NOT_FOUND = 3
    CONFLICT = 4
    STORAGE = 5
    INVALID_INPUT = 6
    CHECK_FAILED = 7
    RETRY = 75
    INTERRUPTED = 130
    TERMINATED = 143


class Terminated(KeyboardInterrupt):
    """SIGTERM, unwinding like Ctrl-C (the open transaction is rolled back) but exiting 143."""


class InventoryError(Exception):
    """Base of every error a user can cause or fix; carries a message, a hint and an exit code."""

    exit_code: ExitCode = ExitCode.UNEXPECTED

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(InventoryError):
    """The command was called the wrong way (missing --yes, malformed reference)."""

    exit_code = ExitCode.USAGE


class NotFoundError(InventoryError):
    """A named part, kit, set, attachment or file does not exist."""

    exit_code = ExitCode.NOT_FOUND


class ConflictError(InventoryError):
    """A duplicate, an ownership mismatch or an invariant the change would break."""

    exit_code = ExitCode.CONFLICT


class StorageError(InventoryError):
    """The database or the blob store cannot be used as it is."""

    exit_code = ExitCode.STORAGE


class InvalidInputError(InventoryError):
    """The input itself is bad: a file, a title, a URL, a number."""

    exit_code = ExitCode.INVALID_INPUT


class CheckFailedError(InventoryError):
    """A consistency check found problems."""

    exit_code = ExitCode.CHECK_FAILED


class BusyError(InventoryError):
    """A resource is temporarily unavailable (database locked); retrying may succeed."""

    exit_code = ExitCode.RETRY


class CorruptBlobError(StorageError):
    """A stored blob's bytes no longer match its sha256 name."""
