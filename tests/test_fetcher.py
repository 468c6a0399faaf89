"""Fetcher against real raw-socket servers on 127.0.0.1: redirects, limits, encodings, robots."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import shutil
import socket
import ssl
import struct
import subprocess
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import brotli
import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from memoryhole.fetcher import (
    USER_AGENT,
    DecodeFailure,
    Fetcher,
    FetchLimits,
    _classify,
    content_problem,
    decode_content,
    parse_retry_after,
    sniff_charset,
)
from memoryhole.models import ERROR_CLASSES, Fetch
from memoryhole.netguard import AddressGuard

FAST = FetchLimits(connect_timeout=2, read_timeout=2, total_timeout=3, max_bytes=256 * 1024)


@dataclass
class Request:
    method: str
    path: str
    headers: list[tuple[str, str]]

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


Route = Callable[[socket.socket, Request], None]


class Server:
    """A raw-socket HTTP/1.1 server: each route writes whatever bytes it likes, then the socket closes."""

    def __init__(self, routes: dict[str, Route]) -> None:
        self.routes = routes
        self.requests: list[Request] = []
        self.active = 0
        self.max_active = 0
        self._lock = threading.Lock()
        self.sock = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self.sock.close()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            head = b""
            while b"\r\n\r\n" not in head:
                data = conn.recv(65536)
                if not data:
                    return
                head += data
            lines = head.split(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
            method, path, _ = lines[0].split(" ", 2)
            headers = [tuple(line.split(": ", 1)) for line in lines[1:]]
            req = Request(method, path, headers)  # type: ignore[arg-type]
            with self._lock:
                self.requests.append(req)
                self.active += 1
                self.max_active = max(self.max_active, self.active)
            try:
                self.routes.get(path, respond(404, b"not found"))(conn, req)
            except OSError:
                pass  # the client went away (deadline, size cap): expected in these tests
            finally:
                with self._lock:
                    self.active -= 1


def respond(
    status: int = 200,
    body: bytes = b"<html><body>hi</body></html>",
    headers: list[tuple[str, str]] | None = None,
    reason: str = "OK",
    length: bool = True,
) -> Route:
    hdrs = headers if headers is not None else [("Content-Type", "text/html; charset=utf-8")]

    def route(conn: socket.socket, req: Request) -> None:
        lines = [f"HTTP/1.1 {status} {reason}", *[f"{k}: {v}" for k, v in hdrs]]
        if length:
            lines.append(f"Content-Length: {len(body)}")
        lines.append("Connection: close")
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)

    return route


def redirect(to: str, status: int = 301) -> Route:
    return respond(status, b"", [("Location", to)], reason="Moved")


def raw(data: bytes) -> Route:
    return lambda conn, req: conn.sendall(data)


@pytest.fixture
def server():
    servers: list[Server] = []

    def make(routes: dict[str, Route]) -> Server:
        servers.append(Server(routes))
        return servers[-1]

    yield make
    for s in servers:
        s.close()


def fetch(url: str, *, limits: FetchLimits = FAST, robots: bool = False, **kw) -> Fetch:
    fetch_kw = {k: kw.pop(k) for k in ("etag", "last_modified", "expect") if k in kw}

    async def go() -> Fetch:
        async with Fetcher(limits=limits, respect_robots=robots, **kw) as f:
            return await f.fetch(url, **fetch_kw)

    result = asyncio.run(go())
    assert result.error is None or result.error in ERROR_CLASSES
    return result


# --------------------------------------------------------------------------- plain answers


def test_ok_fetch_records_exactly_the_headers_sent(server):
    srv = server({"/": respond(body=b"<html>hello</html>")})
    got = fetch(srv.url("/"))
    assert got.ok and got.status == 200 and got.body == b"<html>hello</html>"
    assert got.content_type == "text/html" and got.charset == "utf-8"
    (ex,) = got.exchanges
    assert list(ex.request_headers) == srv.requests[0].headers
    assert ex.header("content-length") == "18" and ex.raw_body == got.body
    assert ("User-Agent", USER_AGENT) in ex.request_headers
    assert ex.peer_ip == "127.0.0.1" and ex.http_version == "HTTP/1.1"


@pytest.mark.parametrize("status", [404, 410, 403])
def test_client_errors_are_evidence_not_errors(server, status):
    srv = server({"/gone": respond(status, b"<html>gone</html>", reason="Gone")})
    got = fetch(srv.url("/gone"))
    assert got.error is None and got.status == status and not got.ok
    assert got.body == b"<html>gone</html>"


def test_503_with_retry_after_seconds(server):
    hdrs = [("Retry-After", "120"), ("Content-Type", "text/html")]
    srv = server({"/": respond(503, b"busy", hdrs, reason="Service Unavailable")})
    got = fetch(srv.url("/"))
    assert got.error == "http-status" and got.status == 503 and got.retry_after == 120.0
    assert "503" in got.error_detail and got.exchanges[0].raw_body == b"busy"


def test_429_with_retry_after_date(server):
    when = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 60))
    srv = server({"/": respond(429, b"", [("Retry-After", when)], reason="Too Many")})
    got = fetch(srv.url("/"))
    assert got.error == "http-status" and got.status == 429
    assert got.retry_after is not None and 55 <= got.retry_after <= 61


# --------------------------------------------------------------------------- redirects


def test_redirect_chain_keeps_every_hop(server):
    srv = server({"/a": redirect("/b", 301), "/b": redirect("c", 302), "/c": respond()})
    got = fetch(srv.url("/a"))
    assert got.ok and got.final_url == srv.url("/c")
    assert [ex.status for ex in got.exchanges] == [301, 302, 200]
    assert got.redirects == ((301, srv.url("/a"), "/b"), (302, srv.url("/b"), "c"))


def test_redirect_cycle(server):
    srv = server({"/x": redirect("/y"), "/y": redirect("/x")})
    got = fetch(srv.url("/x"))
    assert got.error == "redirect-loop" and got.status is None
    assert len(got.exchanges) == 2 and "cycle" in got.error_detail
    assert len(got.redirects) == 2


def test_too_many_redirects(server):
    routes = {f"/r{i}": redirect(f"/r{i + 1}") for i in range(10)}
    srv = server(routes)
    limits = FetchLimits(total_timeout=5, max_redirects=3)
    got = fetch(srv.url("/r0"), limits=limits)
    assert got.error == "redirect-loop" and "more than 3" in got.error_detail
    assert len(got.exchanges) == 4  # r0..r3 were requested, r4 was not


def test_redirect_to_unsupported_scheme(server):
    srv = server({"/": redirect("ftp://example.invalid/file")})
    got = fetch(srv.url("/"))
    assert got.error == "protocol" and len(got.exchanges) == 1


# --------------------------------------------------------------------------- broken networks


def test_refused_port():
    sock = socket.create_server(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    got = fetch(f"http://127.0.0.1:{port}/")
    assert got.error == "connection" and got.status is None and got.exchanges == ()


def test_connection_reset(server):
    def reset(conn: socket.socket, req: Request) -> None:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    srv = server({"/": reset})
    got = fetch(srv.url("/"))
    assert got.error == "connection" and got.status is None


def test_slow_trickle_hits_total_deadline(server):
    def trickle(conn: socket.socket, req: Request) -> None:
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n"
        )
        for _ in range(200):
            conn.sendall(b"x")
            time.sleep(0.05)

    srv = server({"/": trickle})
    limits = FetchLimits(read_timeout=1, total_timeout=0.6)
    t0 = time.monotonic()
    got = fetch(srv.url("/"), limits=limits)
    assert time.monotonic() - t0 < 2
    assert got.error == "timeout" and got.status == 200
    assert not got.exchanges[-1].complete and 0 < len(got.exchanges[-1].raw_body) < 100


def test_endless_body_is_cut_at_max_bytes(server):
    def endless(conn: socket.socket, req: Request) -> None:
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        chunk = b"<p>" + b"a" * 8000 + b"</p>"
        while True:
            conn.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))

    srv = server({"/": endless})
    got = fetch(srv.url("/"))
    assert got.error == "too-large" and got.status == 200
    assert len(got.exchanges[0].raw_body) == FAST.max_bytes and not got.exchanges[0].complete


@pytest.mark.parametrize(
    "coding,compress",
    [("gzip", gzip.compress), ("br", lambda data: brotli.compress(data, quality=1))],
)
def test_decompression_bomb(server, coding, compress):
    bomb = compress(b"\0" * (16 * 1024 * 1024))
    assert len(bomb) < FAST.max_bytes
    hdrs = [("Content-Type", "text/html"), ("Content-Encoding", coding)]
    srv = server({"/": respond(body=bomb, headers=hdrs)})
    got = fetch(srv.url("/"))
    assert got.error == "too-large" and len(got.body) == FAST.max_bytes
    assert got.exchanges[0].raw_body == bomb  # the raw bytes are intact for the archive


def test_lying_content_length(server):
    srv = server({"/": raw(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nonly this")})
    got = fetch(srv.url("/"))
    assert got.error == "protocol" and got.exchanges[0].raw_body == b"only this"


@pytest.mark.parametrize(
    "tail", [b"5\r\nhello\r\nzz\r\n", b"5\r\nhello\r\n10\r\nshort"], ids=["bad-size", "cut"]
)
def test_broken_chunked(server, tail):
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n"
    srv = server({"/": raw(head + tail)})
    got = fetch(srv.url("/"))
    assert got.error == "protocol" and got.status == 200
    assert got.exchanges[0].raw_body.startswith(b"hello")


def test_corrupt_gzip_is_protocol(server):
    hdrs = [("Content-Type", "text/html"), ("Content-Encoding", "gzip")]
    srv = server({"/": respond(body=b"\x1f\x8b\x08\x00garbage-not-deflate", headers=hdrs)})
    got = fetch(srv.url("/"))
    assert got.error == "protocol" and "gzip" in got.error_detail


# --------------------------------------------------------------------------- content


@pytest.mark.parametrize(
    "body", [b"\x89PNG\r\n\x1a\n" + b"\0" * 50, b"%PDF-1.7\n...", b"<html>\0\0\0</html>"]
)
def test_binary_served_as_html(server, body):
    srv = server({"/": respond(body=body, headers=[("Content-Type", "text/html")])})
    got = fetch(srv.url("/"))
    assert got.error == "not-html" and got.status == 200


def test_expect_controls_type_check(server):
    feed = b"<?xml version='1.0'?><rss></rss>"
    srv = server({"/feed": respond(body=feed, headers=[("Content-Type", "application/rss+xml")])})
    assert fetch(srv.url("/feed")).error == "not-html"
    assert fetch(srv.url("/feed"), expect="xml").error is None
    assert fetch(srv.url("/feed"), expect="any").error is None


@pytest.mark.parametrize(
    "ctype,body,expected",
    [
        ("text/html; charset=ISO-8859-1", b"<html>caf\xe9</html>", "iso-8859-1"),
        ("text/html", b'<html><head><meta charset="windows-1251">', "windows-1251"),
        (
            "text/html",
            b'<meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">',
            "shift_jis",
        ),
        ("text/html; charset=latin-1", b"\xef\xbb\xbf<html>\xc3\xa9</html>", "utf-8"),
        ("text/html; charset=nonsense-42", b"<html></html>", None),
        ("text/html", b"<html>no declaration</html>", None),
    ],
)
def test_charset_cases(server, ctype, body, expected):
    srv = server({"/": respond(body=body, headers=[("Content-Type", ctype)])})
    assert fetch(srv.url("/")).charset == expected


def test_conditional_get_304(server):
    def conditional(conn: socket.socket, req: Request) -> None:
        if req.header("If-None-Match") == '"v1"':
            respond(304, b"", [("ETag", '"v1"')], reason="Not Modified", length=False)(conn, req)
        else:
            respond(200, b"<html>v1</html>", [("ETag", '"v1"'), ("Content-Type", "text/html")])(
                conn, req
            )

    srv = server({"/": conditional})
    first = fetch(srv.url("/"))
    assert first.status == 200 and first.etag == '"v1"' and not first.not_modified
    again = fetch(srv.url("/"), etag=first.etag, last_modified="Mon, 01 Jan 2024 00:00:00 GMT")
    assert again.ok and again.not_modified and again.status == 304 and again.body == b""
    assert again.etag == '"v1"'
    assert srv.requests[-1].header("If-Modified-Since") == "Mon, 01 Jan 2024 00:00:00 GMT"


# --------------------------------------------------------------------------- robots.txt


def test_robots_disallow_is_cached_and_archived(server):
    robots = b"User-agent: *\nDisallow: /nothing\n\nUser-agent: memoryhole\nDisallow: /private\n"
    srv = server(
        {"/robots.txt": respond(body=robots, headers=[("Content-Type", "text/plain")])}
        | {"/private/a": respond(), "/public": respond()}
    )
    aux: list[Fetch] = []

    async def go() -> tuple[Fetch, Fetch]:
        async with Fetcher(limits=FAST, on_aux_fetch=aux.append) as f:
            return await f.fetch(srv.url("/private/a")), await f.fetch(srv.url("/public"))

    denied, allowed = asyncio.run(go())
    assert denied.error == "robots-denied" and denied.exchanges == () and denied.status is None
    assert allowed.ok
    assert [r.path for r in srv.requests] == ["/robots.txt", "/public"]
    assert len(aux) == 1 and aux[0].body == robots and aux[0].exchanges


def test_robots_500_allows_for_now(server):
    srv = server({"/robots.txt": respond(500, b"oops", reason="Internal"), "/": respond()})
    got = fetch(srv.url("/"), robots=True)
    assert got.ok and [r.path for r in srv.requests] == ["/robots.txt", "/"]


# --------------------------------------------------------------------------- politeness and guard


def test_per_host_concurrency(server):
    def slow(conn: socket.socket, req: Request) -> None:
        time.sleep(0.15)
        respond()(conn, req)

    srv = server({"/slow": slow})

    async def go() -> list[Fetch]:
        async with Fetcher(limits=FAST, respect_robots=False, per_host=2) as f:
            return await asyncio.gather(*(f.fetch(srv.url("/slow")) for _ in range(6)))

    t0 = time.monotonic()
    results = asyncio.run(go())
    assert all(r.ok for r in results)
    assert srv.max_active == 2
    assert time.monotonic() - t0 >= 3 * 0.15  # six requests, two at a time


def test_host_delay_spaces_request_starts(server):
    srv = server({"/": respond()})

    async def go() -> list[Fetch]:
        async with Fetcher(limits=FAST, respect_robots=False, per_host=5, host_delay=0.1) as f:
            return await asyncio.gather(*(f.fetch(srv.url("/")) for _ in range(4)))

    starts = sorted(r.exchanges[0].started_at for r in asyncio.run(go()))
    assert (starts[-1] - starts[0]).total_seconds() >= 0.25  # 3 gaps of 0.1 s, minus jitter


def test_guard_blocks_loopback_and_redirect_hops(server):
    srv = server({"/": respond(), "/hop": redirect("http://127.0.0.2:1/")})
    blocked = fetch(srv.url("/"), guard=AddressGuard())
    assert blocked.error == "blocked-address" and blocked.exchanges == () and srv.requests == []
    assert fetch(srv.url("/"), guard=AddressGuard(allow=["127.0.0.1/32"])).ok
    by_name = srv.url("/").replace("127.0.0.1", "localhost")
    assert fetch(by_name, guard=AddressGuard(allow=["LOCALHOST"])).ok
    hop = fetch(srv.url("/hop"), guard=AddressGuard(allow=["127.0.0.1"]))
    assert hop.error == "blocked-address" and len(hop.exchanges) == 1
    assert "127.0.0.2" in hop.error_detail and hop.final_url == "http://127.0.0.2:1/"


def test_unsupported_scheme_is_protocol():
    assert fetch("file:///etc/passwd").error == "protocol"


# --------------------------------------------------------------------------- pure helpers

ENCODERS = {
    "gzip": gzip.compress,
    "deflate": zlib.compress,
    "br": brotli.compress,
}


@settings(max_examples=60, deadline=None)
@given(
    data=st.binary(max_size=4000),
    codings=st.lists(st.sampled_from(sorted(ENCODERS)), max_size=3),
)
def test_decode_content_round_trips(data, codings):
    encoded = data
    for coding in codings:
        encoded = ENCODERS[coding](encoded)
    assert decode_content(encoded, ", ".join(codings), limit=len(data)) == data
    if data:
        with pytest.raises(DecodeFailure) as err:
            decode_content(encoded, ", ".join(codings), limit=len(data) - 1)
        assert err.value.error == "too-large"


@given(st.binary(max_size=2000))
def test_raw_deflate_and_truncation(data):
    comp = zlib.compressobj(wbits=-15)
    raw_deflate = comp.compress(data) + comp.flush()
    assert decode_content(raw_deflate, "deflate", limit=10_000) == data
    gz = gzip.compress(data)
    # A body cut short decodes to a prefix when incomplete, and is an error when it claims completeness.
    assert data.startswith(decode_content(gz[:-9], "gzip", limit=10_000, complete=False))
    with pytest.raises(DecodeFailure):
        decode_content(gz[:-9], "gzip", limit=10_000)


@given(st.sampled_from(["utf-8", "iso-8859-2", "koi8-r", "euc-jp", "windows-1252", "big5"]))
def test_sniff_charset_from_meta(name):
    assert sniff_charset(None, f"<head><meta charset='{name.upper()}'>".encode()) == name
    assert sniff_charset(f"text/html; charset={name}", b"<meta charset=utf-16>") == name


def test_content_problem_and_retry_after():
    assert content_problem("html", "application/pdf", b"%PDF") is not None
    assert content_problem("html", None, b"<html></html>") is None
    assert content_problem("xml", "application/x-gzip", b"\x1f\x8b") is None
    assert content_problem("xml", "image/png", b"\x89PNG") is not None
    assert parse_retry_after("30") == 30.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Mon, 01 Jan 2001 00:00:00 GMT") == 0.0


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl CLI for a cert")
def test_untrusted_certificate_is_tls(tmp_path):
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
        + ["-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=x"],
        check=True,
        capture_output=True,
    )
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    sock = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        conn, _ = sock.accept()
        with contextlib.suppress(OSError), ctx.wrap_socket(conn, server_side=True):
            pass

    threading.Thread(target=serve, daemon=True).start()
    got = fetch(f"https://127.0.0.1:{sock.getsockname()[1]}/")
    sock.close()
    assert got.error == "tls" and got.status is None and "certificate" in got.error_detail.lower()


def test_dns_failure_is_classified_from_the_cause_chain():
    # Resolving a real name would send a query off this machine, so the chain is built by hand.
    try:
        try:
            raise socket.gaierror(-2, "Name or service not known")
        except socket.gaierror as exc:
            raise httpx.ConnectError(str(exc)) from exc
    except httpx.ConnectError as exc:
        failure = _classify(exc, FAST)
    assert (failure.error, "resolve" in failure.detail) == ("dns", True)
