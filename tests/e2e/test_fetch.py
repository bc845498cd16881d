"""``--fetch`` and ``url preview`` against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import hashlib
import ipaddress
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from inventory_cli.errors import ExitCode, InvalidInputError
from inventory_cli.services.fetching import Fetcher
from tests.conftest import CliRun, State, fails, image_bytes, json_out, pdf_bytes, query

PDF = pdf_bytes("fetched datasheet")
PHOTO = image_bytes("PNG", color=(10, 120, 240))
OG = image_bytes("PNG", color=(1, 2, 3))
TWITTER = image_bytes("PNG", color=(4, 5, 6))
ICON = image_bytes("PNG", size=(16, 16), color=(7, 8, 9))

PAGE_OG = b"""<!doctype html><html><head>
<title>
  LM358 Dual Op-Amp &amp; more
</title>
<meta property="og:image" content="/og.png">
<meta name="twitter:image" content="/tw.png">
<link rel="icon" href="/icon.png">
</head><body>text</body></html>"""
PAGE_BROKEN_OG = b"""<html><head><title>Fallbacks</title>
<meta property="og:image" content="/missing.png">
<meta name="twitter:image" content="tw.png"></head></html>"""
PAGE_ICON = (
    b"""<html><head><title>Only an icon</title><link rel="shortcut icon" href="icon.png"></head></html>"""
)
PAGE_NOTHING = b"<html><head><title>Plain page</title></head><body>nothing to see</body></html>"


@dataclass
class Route:
    """What the test server answers on one path."""

    body: bytes = b""
    content_type: str = "application/octet-stream"
    status: int = 200
    location: str | None = None
    send_length: bool = True
    slow: bool = False


def _routes() -> dict[str, Route]:
    routes = {
        "/doc.pdf": Route(PDF, "application/pdf"),
        # The header lies: the bytes are a PNG.
        "/photo": Route(PHOTO, "text/html; charset=utf-8"),
        "/og.png": Route(OG, "image/png"),
        "/tw.png": Route(TWITTER, "image/png"),
        "/icon.png": Route(ICON, "image/png"),
        "/page-og": Route(PAGE_OG, "text/html; charset=utf-8"),
        "/page-broken-og": Route(PAGE_BROKEN_OG, "text/html"),
        "/page-icon": Route(PAGE_ICON, "text/html"),
        "/page-nothing": Route(PAGE_NOTHING, "text/html"),
        "/big.pdf": Route(PDF + b"\n" * 4000, "application/pdf"),
        "/big-unsized.pdf": Route(PDF + b"\n" * 4000, "application/pdf", send_length=False),
        "/slow.pdf": Route(PDF, "application/pdf", slow=True),
        "/to-metadata": Route(status=302, location="http://169.254.169.254/latest/meta-data/"),
        "/to-ftp": Route(status=301, location="ftp://127.0.0.1/doc.pdf"),
        "/gone": Route(b"no", "text/plain", status=404),
    }
    for hops in range(1, 7):
        routes[f"/hop/{hops}"] = Route(status=302, location=f"/hop/{hops - 1}" if hops > 1 else "/doc.pdf")
    return routes


@dataclass
class Server:
    """The running test server."""

    base: str
    release: threading.Event

    def url(self, path: str) -> str:
        """The full URL of ``path`` on the server."""
        return self.base + path


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    """An HTTP server on 127.0.0.1 with PDFs, images, pages, redirects and misbehaving routes."""
    routes = _routes()
    release = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            route = routes.get(self.path)
            if route is None:
                self.send_error(404)
                return
            if route.slow:
                release.wait(10)  # until the test is over: longer than any client timeout
            self.send_response(route.status)
            if route.location:
                self.send_header("Location", route.location)
            self.send_header("Content-Type", route.content_type)
            if route.send_length:
                self.send_header("Content-Length", str(len(route.body)))
            self.end_headers()
            self.wfile.write(route.body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield Server(f"http://127.0.0.1:{httpd.server_address[1]}", release)
    finally:
        release.set()
        httpd.shutdown()
        httpd.server_close()


def digest(data: bytes) -> str:
    """The sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


Attach = Callable[..., dict]


@pytest.fixture
def attach(cli: CliRun, part_key: str) -> Attach:
    """``part attach ABCD URL --fetch --allow-private --json``, parsed."""

    def run(url: str, *extra: str) -> dict:
        return json_out(cli("part", "attach", part_key, url, "--fetch", "--allow-private", "--json", *extra))

    return run


def test_pdf_target_is_stored_as_a_pdf_with_its_url(attach: Attach, server: Server, store_root: Path) -> None:
    data = attach(server.url("/doc.pdf"))

    assert data["kind"] == "pdf"
    assert data["url"] == server.url("/doc.pdf")
    assert data["blob_digest"] == digest(PDF)
    assert data["content_type"] == "application/pdf"
    assert data["filename"] == "doc.pdf" and data["title"] == "doc.pdf"
    assert data["size_bytes"] == len(PDF)
    assert (store_root / "sha256" / digest(PDF)[:2] / digest(PDF)[2:4] / digest(PDF)).read_bytes() == PDF


def test_image_target_with_a_lying_content_type_is_stored_as_the_image(
    attach: Attach, server: Server, cli: CliRun
) -> None:
    data = attach(server.url("/photo"), "--title", "Top view")

    assert data["kind"] == "image" and data["content_type"] == "image/png"
    assert data["fetched"]["declared_type"] == "text/html"
    assert data["blob_digest"] == digest(PHOTO)
    assert data["filename"] == "photo.png" and data["title"] == "Top view"
    assert data["is_cover"] is True  # the first image of the set, as for a file
    assert json_out(cli("set", "cover", "part:ABCD", "--json"))["id"] == data["id"]


def test_page_with_og_image_becomes_a_link_with_that_preview(
    attach: Attach, server: Server, db_path: Path
) -> None:
    data = attach(server.url("/page-og"))

    assert data["kind"] == "url" and data["url"] == server.url("/page-og")
    assert data["title"] == "LM358 Dual Op-Amp & more"
    assert data["blob_digest"] == digest(OG)
    assert data["fetched"]["preview_url"] == server.url("/og.png")
    assert data["is_cover"] is False  # a link is never the cover
    assert query(db_path, "SELECT kind, blob_digest, url FROM attachments") == [
        ("url", digest(OG), server.url("/page-og"))
    ]


def test_given_title_wins_over_the_page_title(attach: Attach, server: Server) -> None:
    assert attach(server.url("/page-og"), "-t", "Op-amp")["title"] == "Op-amp"


def test_missing_og_image_falls_back_to_twitter_image(attach: Attach, server: Server) -> None:
    data = attach(server.url("/page-broken-og"))

    assert data["blob_digest"] == digest(TWITTER)
    assert data["fetched"]["preview_url"] == server.url("/tw.png")
    assert any("missing.png" in note for note in data["fetched"]["notes"])


def test_page_with_only_an_icon_gets_the_icon(attach: Attach, server: Server) -> None:
    data = attach(server.url("/page-icon"))

    assert data["title"] == "Only an icon"
    assert data["blob_digest"] == digest(ICON)


def test_page_with_nothing_is_a_bare_link_with_its_title(attach: Attach, server: Server, cli: CliRun) -> None:
    data = attach(server.url("/page-nothing"))

    assert data["kind"] == "url" and data["blob_digest"] is None
    assert data["title"] == "Plain page"
    # The preview of a link without an image is a placeholder, and showing still works.
    assert cli("set", "show", "part:ABCD").exit_code == 0


def test_redirects_are_followed_and_the_given_url_kept(attach: Attach, server: Server) -> None:
    data = attach(server.url("/hop/5"))

    assert data["kind"] == "pdf" and data["url"] == server.url("/hop/5")
    assert data["fetched"]["final_url"] == server.url("/doc.pdf")
    assert len(data["fetched"]["redirects"]) == 5


@pytest.mark.parametrize(
    ("path", "code", "needle"),
    [
        ("/hop/6", ExitCode.INVALID_INPUT, "more than 5 redirects"),
        ("/to-ftp", ExitCode.INVALID_INPUT, "ftp:"),
        ("/gone", ExitCode.NOT_FOUND, "HTTP 404"),
        ("/big.pdf", ExitCode.INVALID_INPUT, "limit"),
        ("/big-unsized.pdf", ExitCode.INVALID_INPUT, "limit"),
        ("/slow.pdf", ExitCode.RETRY, "within 0.3 s"),
    ],
)
def test_bad_targets_change_nothing(
    cli: CliRun,
    state: State,
    part_key: str,
    server: Server,
    monkeypatch: pytest.MonkeyPatch,
    path: str,
    code: ExitCode,
    needle: str,
) -> None:
    monkeypatch.setenv("INVENTORY_MAX_PDF_BYTES", str(len(PDF) + 100))
    monkeypatch.setenv("INVENTORY_FETCH_TIMEOUT_MS", "300")

    args = ["part", "attach", part_key, server.url(path), "--fetch", "--allow-private"]
    fails(cli, state, code, args, needle)


def test_loopback_is_refused_without_the_option(
    cli: CliRun, state: State, part_key: str, server: Server
) -> None:
    fails(
        cli,
        state,
        ExitCode.INVALID_INPUT,
        ["part", "attach", part_key, server.url("/doc.pdf"), "--fetch"],
        # A host given as an address is named once.
        "error: 127.0.0.1: a private, loopback or link-local address; not fetched",
    )


def test_every_redirect_hop_is_checked(server: Server) -> None:
    # Only the test server's own address is allowed: the redirect to the metadata address is not.
    fetcher = Fetcher(2.0, [ipaddress.ip_network("127.0.0.1/32")])

    with pytest.raises(InvalidInputError, match=r"169\.254\.169\.254"):
        fetcher.get(server.url("/to-metadata"), lambda _sniffed: (10_000, False))


def test_fetching_the_same_url_twice_is_a_conflict(
    cli: CliRun, attach: Attach, state: State, server: Server
) -> None:
    first = attach(server.url("/page-og"))

    result = fails(
        cli,
        state,
        ExitCode.CONFLICT,
        ["part", "attach", "ABCD", server.url("/page-og"), "--fetch", "--allow-private"],
        f"attachment {first['id']}",
    )
    assert result.stdout == ""


def test_kit_and_set_commands_fetch_too(cli: CliRun, kit_name: str, server: Server) -> None:
    kit = json_out(
        cli("kit", "attach", kit_name, server.url("/doc.pdf"), "--fetch", "--allow-private", "--json")
    )
    added = json_out(
        cli("set", "add", "kit:Synth Voice", server.url("/photo"), "--fetch", "--allow-private", "--json")
    )

    assert (kit["kind"], added["kind"]) == ("pdf", "image")


def test_without_fetch_a_link_is_stored_as_given(cli: CliRun, part_key: str, server: Server) -> None:
    data = json_out(cli("part", "attach", part_key, server.url("/doc.pdf"), "--json"))

    assert data["kind"] == "url" and data["blob_digest"] is None and "fetched" not in data


def test_fetch_options_need_a_url_and_each_other(cli: CliRun, state: State, part_key: str, files) -> None:
    path = str(files.png())
    fails(cli, state, ExitCode.USAGE, ["part", "attach", part_key, path, "--fetch"], "--fetch needs")
    fails(
        cli, state, ExitCode.USAGE, ["part", "attach", part_key, path, "--allow-private"], "--allow-private"
    )


def test_url_preview_reports_and_writes_nothing(
    cli: CliRun, state: State, server: Server, part_key: str, store_root: Path
) -> None:
    before = state()

    data = json_out(cli("url", "preview", server.url("/page-og"), "--allow-private", "--json"))
    text = cli("url", "preview", server.url("/hop/1"), "--allow-private")

    assert data["kind"] == "url" and data["title"] == "LM358 Dual Op-Amp & more"
    assert data["preview_url"] == server.url("/og.png") and data["preview_content_type"] == "image/png"
    assert text.exit_code == 0, text.stderr
    assert "the PDF itself" in text.stdout and server.url("/doc.pdf") in text.stdout
    assert state() == before
    assert not (store_root / "tmp").exists() or not any((store_root / "tmp").iterdir())


def test_url_preview_refuses_loopback_without_the_option(cli: CliRun, server: Server) -> None:
    result = cli("url", "preview", server.url("/doc.pdf"))

    assert result.exit_code == ExitCode.INVALID_INPUT
    assert "--allow-private" in result.stderr
