"""Careful HTTP downloads: http/https only, public addresses only, few redirects, capped size and time."""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import tempfile
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import IO
from urllib.parse import urljoin, urlsplit

from inventory_cli import __version__
from inventory_cli.domain.rules import Sniffed, sniff, validate_url
from inventory_cli.errors import BusyError, InvalidInputError, NotFoundError

MAX_REDIRECTS = 5
CHUNK = 64 * 1024
SNIFF_BYTES = 64
# Many slow chunks must not keep a command alive for ever: the whole download gets this many timeouts.
TOTAL_TIMEOUTS = 10
_REDIRECTS = {301, 302, 303, 307, 308}
_MEMORY_BYTES = 8 * 1024 * 1024


@dataclass
class Download:
    """A fetched body in a temporary file, with where it came from and what its bytes are."""

    url: str
    final_url: str
    redirects: list[str]
    body: IO[bytes]
    size: int
    head: bytes
    sniffed: Sniffed | None
    declared_type: str | None
    charset: str | None
    truncated: bool = False
    notes: list[str] = field(default_factory=list)

    def read_all(self) -> bytes:
        """The whole (possibly truncated) body."""
        self.body.seek(0)
        return self.body.read()

    def close(self) -> None:
        """Drop the temporary copy."""
        self.body.close()


Network = ipaddress.IPv4Network | ipaddress.IPv6Network
# True allows every address; a collection of networks allows only those beyond the public ones.
AllowPrivate = bool | Collection[Network]


def _allowed(ip: ipaddress.IPv4Address | ipaddress.IPv6Address, allow_private: AllowPrivate) -> bool:
    if ip.is_global or allow_private is True:
        return True
    if isinstance(allow_private, bool):
        return False
    return any(ip in network for network in allow_private)


def check_address(host: str, address: str, allow_private: AllowPrivate) -> None:
    """Refuse an address on a private, loopback, link-local or otherwise non-public network."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if not _allowed(ip, allow_private):
        raise InvalidInputError(
            # A host given as an address is not named twice.
            f"{host if host == str(ip) else f'{host} is at {ip}'}: a private, loopback or link-local "
            "address; not fetched",
            hint="pass --allow-private to fetch from your own network",
        )


def _resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise InvalidInputError(f"cannot resolve host {host!r}: {exc.strerror}") from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class _PinnedHTTP(http.client.HTTPConnection):
    """An HTTP connection to an address checked beforehand, so DNS cannot change it in between."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """The TLS variant: connects to the checked address, verifies the certificate for the host name."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


LimitFor = Callable[[Sniffed | None], tuple[int, bool]]


class Fetcher:
    """Downloads with the safety rules of ``--fetch``; ``timeout`` is per connect and per read."""

    def __init__(self, timeout: float, allow_private: AllowPrivate) -> None:
        self.timeout = timeout
        self.allow_private = allow_private

    def get(self, url: str, limit_for: LimitFor) -> Download:
        """GET ``url`` following up to 5 redirects.

        ``limit_for`` gets the type sniffed from the first bytes and returns (byte limit,
        whether to cut the body there rather than refuse it).
        """
        deadline = time.monotonic() + self.timeout * TOTAL_TIMEOUTS
        current = validate_url(url)
        redirects: list[str] = []
        while True:
            response, connection = self._request(current)
            try:
                if response.status in _REDIRECTS:
                    location = response.getheader("Location")
                    if not location:
                        raise InvalidInputError(f"{current}: redirect without a Location header")
                    if len(redirects) >= MAX_REDIRECTS:
                        raise InvalidInputError(
                            f"{url}: more than {MAX_REDIRECTS} redirects",
                            hint=f"the last one was to {current}",
                        )
                    current = validate_url(urljoin(current, location.strip()))
                    redirects.append(current)
                    continue
                self._check_status(current, response)
                return self._read(url, current, redirects, response, limit_for, deadline)
            finally:
                response.close()
                connection.close()

    def _request(self, url: str) -> tuple[http.client.HTTPResponse, http.client.HTTPConnection]:
        parts = urlsplit(url)
        host = parts.hostname or ""
        tls = parts.scheme.lower() == "https"
        try:
            port = parts.port or (443 if tls else 80)
        except ValueError:
            raise InvalidInputError(f"URL {url[:80]!r} has a bad port") from None
        addresses = _resolve(host, port)
        # Every resolved address must be allowed: otherwise a name with one public and one
        # private address could still reach the private one.
        for address in addresses:
            check_address(host, address, self.allow_private)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        last_error: OSError | None = None
        for address in addresses:
            cls = _PinnedHTTPS if tls else _PinnedHTTP
            connection = cls(host, port, address, self.timeout)
            try:
                connection.request(
                    "GET",
                    path,
                    headers={
                        "User-Agent": f"inventory/{__version__}",
                        "Accept": "*/*",
                        "Accept-Encoding": "identity",
                    },
                )
                return connection.getresponse(), connection
            except TimeoutError:
                connection.close()
                raise BusyError(f"{url}: no answer within {self.timeout:g} s") from None
            except ssl.SSLError as exc:
                connection.close()
                raise InvalidInputError(f"{url}: TLS failed ({exc.reason or exc})") from None
            except (OSError, http.client.HTTPException) as exc:
                connection.close()
                last_error = exc if isinstance(exc, OSError) else OSError(str(exc))
        reason = last_error.strerror or str(last_error) if last_error else "no address"
        raise BusyError(f"{url}: cannot connect ({reason})")

    @staticmethod
    def _check_status(url: str, response: http.client.HTTPResponse) -> None:
        status = response.status
        if 200 <= status < 300:
            return
        message = f"{url}: the server answered HTTP {status} {response.reason}".rstrip()
        if status in (404, 410):
            raise NotFoundError(message)
        if status == 429 or status >= 500:
            raise BusyError(message, hint="try again later")
        raise InvalidInputError(message)

    def _read(
        self,
        url: str,
        final_url: str,
        redirects: list[str],
        response: http.client.HTTPResponse,
        limit_for: LimitFor,
        deadline: float,
    ) -> Download:
        body = tempfile.SpooledTemporaryFile(max_size=_MEMORY_BYTES)  # noqa: SIM115
        try:
            return self._copy(url, final_url, redirects, response, limit_for, deadline, body)
        except BaseException:
            body.close()
            raise

    def _copy(
        self,
        url: str,
        final_url: str,
        redirects: list[str],
        response: http.client.HTTPResponse,
        limit_for: LimitFor,
        deadline: float,
        body: IO[bytes],
    ) -> Download:
        head = b""
        size = 0
        limit: int | None = None
        cut = False
        truncated = False
        declared = response.getheader("Content-Length")
        while True:
            if time.monotonic() > deadline:
                raise BusyError(f"{url}: download took longer than {self.timeout * TOTAL_TIMEOUTS:g} s")
            want = CHUNK if limit is not None else SNIFF_BYTES - len(head)
            try:
                chunk = response.read(want)
            except TimeoutError:
                raise BusyError(f"{url}: no data within {self.timeout:g} s") from None
            except (OSError, http.client.HTTPException) as exc:
                raise BusyError(f"{url}: download failed ({exc})") from None
            if limit is None:
                head += chunk
                if len(head) >= SNIFF_BYTES or not chunk:
                    limit, cut = limit_for(sniff(head))
                    if not cut and declared and declared.isdigit() and int(declared) > limit:
                        raise _too_large(url, int(declared), limit)
            if not chunk:
                break
            room = limit - size if limit is not None else len(chunk)
            if len(chunk) > room:
                assert limit is not None
                if not cut:
                    raise _too_large(url, None, limit)
                body.write(chunk[:room])
                size += room
                truncated = True
                break
            body.write(chunk)
            size += len(chunk)
        if size == 0:
            raise InvalidInputError(f"{url}: the server sent an empty body")
        body.seek(0)
        content_type = response.getheader("Content-Type")
        return Download(
            url=url,
            final_url=final_url,
            redirects=redirects,
            body=body,
            size=size,
            head=head,
            sniffed=sniff(head),
            declared_type=content_type.split(";")[0].strip().lower() if content_type else None,
            charset=response.headers.get_content_charset(),
            truncated=truncated,
        )


def _too_large(url: str, size: int | None, limit: int) -> InvalidInputError:
    said = f"{size} bytes" if size is not None else "more than that"
    return InvalidInputError(f"{url} is {said}; the limit for this kind of content is {limit} bytes")
