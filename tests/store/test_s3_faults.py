"""S3 faults through a fault-injecting HTTP proxy in front of moto: retries, bounded attempts, exit codes."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from inventory_cli.errors import ExitCode
from tests.conftest import CliRun, Files, State, assert_error, fails, json_out, query
from tests.store.s3server import FaultProxy


@pytest.fixture
def via_proxy(monkeypatch: pytest.MonkeyPatch, bucket: str, proxy: FaultProxy, cli: CliRun) -> FaultProxy:
    """The inventory's store is a fresh bucket reached through the proxy; part ABCD exists."""
    monkeypatch.setenv("INVENTORY_STORE", f"s3://{bucket}/inventory")
    monkeypatch.setenv("INVENTORY_S3_ENDPOINT_URL", proxy.url)
    assert cli("part", "add", "a part", "--key", "ABCD").exit_code == 0
    return proxy


def always(status: int, code: str):  # type: ignore[no-untyped-def]
    return lambda _n, _method, _path: (status, code)


def test_the_nth_store_request_failing_commits_nothing_and_leaves_fsck_clean(
    cli: CliRun, files: Files, via_proxy: FaultProxy, db_path: Path
) -> None:
    """For every N, fail the N-th S3 request of three attaches; each attach is all or nothing."""
    total = None
    n = 0
    while total is None or n <= total:
        key = f"N{chr(65 + n // 26)}{chr(65 + n % 26)}X"
        assert cli("part", "add", f"run {n}", "--key", key).exit_code == 0
        via_proxy.requests.clear()
        via_proxy.plan = lambda number, _m, _p, failing=n: (
            (403, "AccessDenied") if number == failing else None
        )
        shade = (n * 7 % 256, 90, 160)  # new content every run, so every run uploads
        paths = [
            files.png(f"a{n}.png", shade),
            files.pdf(f"b{n}.pdf", f"run {n}"),
            files.jpeg(f"c{n}.jpg", shade),
        ]

        codes = [cli("part", "attach", key, str(path)).exit_code for path in paths]

        via_proxy.plan = lambda _n, _m, _p: None
        if n == 0:
            total = len(via_proxy.requests)  # the fault-free run counts the requests
            assert codes == [0, 0, 0]
        else:
            assert sorted(codes) == [0, 0, ExitCode.STORAGE], (n, codes)
        rows = query(
            db_path,
            "SELECT COUNT(*) FROM attachments a JOIN parts p ON p.attachment_set_id = a.attachment_set_id "
            "WHERE p.key = ?",
            key,
        )
        assert rows[0][0] == codes.count(0), (n, codes)
        n += 1
    assert total is not None and total >= 6  # at least a check and a write per file
    report = json_out(cli("store", "fsck", "--json"))
    assert report["ok"] and report["missing"] == [] and report["corrupt"] == []
    assert report["referenced"] == 3 + 2 * total


def test_a_failed_request_is_one_clear_line(
    cli: CliRun, files: Files, via_proxy: FaultProxy, state: State
) -> None:
    via_proxy.plan = lambda number, method, _path: (403, "AccessDenied") if method == "PUT" else None

    fails(
        cli, state, ExitCode.STORAGE, ["part", "attach", "ABCD", str(files.png())], "access to S3", "denied"
    )


def test_transient_503s_succeed_after_retries(cli: CliRun, files: Files, via_proxy: FaultProxy) -> None:
    via_proxy.plan = lambda number, _method, _path: (503, "ServiceUnavailable") if number in (2, 3) else None

    result = cli("part", "attach", "ABCD", str(files.png()), "--json")

    assert result.exit_code == 0, result.stderr
    assert [status for _, _, status in via_proxy.requests].count(503) == 2
    assert json_out(cli("store", "fsck", "--json"))["ok"] is True


def test_persistent_5xx_is_retry_later_after_a_bounded_number_of_attempts(
    cli: CliRun, files: Files, via_proxy: FaultProxy, state: State, bucket: str
) -> None:
    via_proxy.plan = lambda _n, method, _path: (500, "InternalError") if method != "HEAD" else None

    fails(
        cli,
        state,
        ExitCode.RETRY,
        ["part", "attach", "ABCD", str(files.png())],
        "InternalError",
        "3 attempts",
    )

    # INVENTORY_S3_MAX_ATTEMPTS is 3 in the tests: three tries of the write, then it gives up.
    assert [status for _, _, status in via_proxy.requests].count(500) == 3


def test_throttling_that_outlasts_the_retries_is_retry_later(
    cli: CliRun, files: Files, via_proxy: FaultProxy, state: State, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INVENTORY_S3_MAX_ATTEMPTS", "2")  # throttling backs off for up to a second
    via_proxy.plan = lambda _n, method, _path: (503, "SlowDown") if method != "HEAD" else None

    fails(cli, state, ExitCode.RETRY, ["part", "attach", "ABCD", str(files.png())], "SlowDown", "2 attempts")


def test_access_denied_is_a_storage_error_naming_bucket_and_endpoint(
    cli: CliRun, files: Files, via_proxy: FaultProxy, state: State, bucket: str
) -> None:
    via_proxy.plan = always(403, "AccessDenied")

    result = fails(
        cli, state, ExitCode.STORAGE, ["part", "attach", "ABCD", str(files.png())], bucket, via_proxy.url
    )
    assert "credentials" in result.stderr
    assert len(via_proxy.requests) == 1  # a refusal is not retried


def test_a_missing_bucket_is_a_storage_error(
    cli: CliRun, files: Files, state: State, monkeypatch: pytest.MonkeyPatch, moto_endpoint: str
) -> None:
    assert cli("part", "add", "a part", "--key", "ABCD").exit_code == 0
    monkeypatch.setenv("INVENTORY_STORE", "s3://no-such-bucket/inventory")
    monkeypatch.setenv("INVENTORY_S3_ENDPOINT_URL", moto_endpoint)

    fails(
        cli,
        state,
        ExitCode.STORAGE,
        ["part", "attach", "ABCD", str(files.png())],
        "'no-such-bucket'",
        "does not exist",
        moto_endpoint,
    )
    assert_error(cli("store", "fsck"), ExitCode.STORAGE, "does not exist")


def test_a_server_that_is_down_is_a_storage_error(
    cli: CliRun, files: Files, state: State, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert cli("part", "add", "a part", "--key", "ABCD").exit_code == 0
    monkeypatch.setenv("INVENTORY_STORE", "s3://some-bucket/inventory")
    monkeypatch.setenv("INVENTORY_S3_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("INVENTORY_S3_CONNECT_TIMEOUT", "1")

    fails(
        cli,
        state,
        ExitCode.STORAGE,
        ["part", "attach", "ABCD", str(files.png())],
        "cannot connect",
        str(port),
    )
