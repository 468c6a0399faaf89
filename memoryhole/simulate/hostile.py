"""A hostile news outlet on 127.0.0.1: every article link is a trap (redirect loops, slowloris, bombs,
lying framing, binary and mis-encoded pages) and its feeds and sitemaps carry XML attacks.

Written on raw sockets rather than ``http.server`` because the traps must break HTTP framing
(a lying Content-Length, broken chunking) in ways a well-behaved server library will not.
"""

from __future__ import annotations

import contextlib
import functools
import socket
import socketserver
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import TracebackType

import brotli

__all__ = ["HostileOutlet", "Trap", "TRAPS", "LISTING_TRAPS", "serve_hostile"]

GiB = 1 << 30
MiB = 1 << 20
ARTICLE_PATH = "/news/2026/11/28/{}-{}.html"  # date-shaped, so discovery treats it as an article


@dataclass(frozen=True)
class Trap:
    """One trap article: what it does and the error classes a correct fetcher may give it."""

    name: str
    what: str
    errors: frozenset[str | None]  # None = a whole, usable response (the page is merely odd)


def _trap(name: str, what: str, *errors: str | None) -> Trap:
    return Trap(name, what, frozenset(errors))


TRAPS: tuple[Trap, ...] = (
    _trap("plain", "an ordinary article (the outlet is reachable)", None),
    _trap("redirect-endless", "302 to a new URL, forever", "redirect-loop"),
    _trap("redirect-cycle", "302 between two URLs", "redirect-loop"),
    _trap("redirect-file", "302 to file:///etc/passwd", "protocol"),
    _trap("slowloris", "headers, then one body byte per interval", "timeout"),
    _trap("slow-headers", "the status line and headers one byte per interval", "timeout"),
    _trap("endless", "a chunked body that never ends", "too-large"),
    _trap("huge", "Content-Length of 1 GiB, streamed lazily", "too-large"),
    _trap("gzip-bomb", "1 GiB of zeros as gzip (about 1 MiB)", "too-large"),
    _trap("brotli-bomb", "1 GiB of zeros as brotli (about 190 KiB)", "too-large"),
    _trap("lying-length", "Content-Length 1,000,000, then 2 KiB and close", "protocol"),
    _trap("bad-chunked", "a chunk size that is not hexadecimal", "protocol"),
    _trap("binary", "PNG bytes served as text/html", "not-html"),
    _trap("charset-wrong", "declared UTF-8, encoded windows-1251", None),
    _trap("charset-mixed", "UTF-8 and latin-1 bytes in one page", None),
    _trap("charset-none", "windows-1252 with no declaration anywhere", None),
    _trap("utf16-nobom", "UTF-16LE with no BOM and no declaration", None, "not-html"),
    _trap("invalid-bytes", "declared UTF-8, full of invalid sequences", None),
    _trap("deep-nesting", "50,000 nested <div> elements", None),
    _trap(
        "retry-after-junk", "503 with Retry-After: \\xb2 (a digit to str.isdigit)", "http-status"
    ),
    _trap("bad-links", "canonical, og:url, <base> and links that are not parseable URLs", None),
)

#: Feed and sitemap traps: path → (source kind, the Listing.error a safe parser gives it).
#: "sitemap-self" is an index listing itself: no error, but it must not be followed forever.
LISTING_TRAPS: dict[str, tuple[str, str | None]] = {
    "/feed-laughs.xml": ("feed", "entity-expansion"),
    "/feed-xxe.xml": ("feed", "external-entity"),
    "/sitemap-laughs.xml": ("sitemap", "entity-expansion"),
    "/sitemap-xxe.xml": ("sitemap", "external-entity"),
    "/sitemap-bomb.xml.gz": ("sitemap", "too-large"),
    "/sitemap-self.xml": ("sitemap", None),
}

LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + b"".join(
        b' <!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b"]>\n"
)
XXE = b'<?xml version="1.0"?>\n<!DOCTYPE x [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>\n'


# --------------------------------------------------------------------------- bodies


def _page(title: str, body: str, head: str = "") -> str:
    return (
        f"<!DOCTYPE html><html lang='en'><head><title>{title}</title>{head}</head>"
        f"<body><main><article><h1>{title}</h1>{body}</article></main></body></html>"
    )


_STORY = "".join(
    f"<p>Paragraph {i}: the council met on Tuesday to discuss the harbour plan, and residents "
    f"asked again why the budget had doubled since the spring.</p>"
    for i in range(6)
)
_RUSSIAN = "Совет депутатов обсудил план реконструкции порта; жители снова спросили о бюджете."


@functools.cache
def _gzip_bomb(size: int) -> tuple[bytes, bytes, int, bytes]:
    """One gzip member inflating to ``size`` zeros: (header, piece, repeats, tail), about size/1000.

    A piece ends in a full flush (byte-aligned, history reset), so repeating its bytes is still a
    valid deflate stream; compressing the whole size instead would take seconds of CPU.
    """
    piece_size = 16 * MiB
    repeats = max(1, size // piece_size)
    comp = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    piece = comp.compress(bytes(piece_size)) + comp.flush(zlib.Z_FULL_FLUSH)
    crc, zeros = 0, bytes(MiB)
    for _ in range(repeats * piece_size // MiB):
        crc = zlib.crc32(zeros, crc)
    final = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS).flush()  # an empty last block
    tail = final + struct.pack("<II", crc, (repeats * piece_size) & 0xFFFFFFFF)
    return b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff", piece, repeats, tail


def _gzip_bomb_parts(size: int) -> Iterator[bytes]:
    header, piece, repeats, tail = _gzip_bomb(size)
    yield header
    for _ in range(repeats):
        yield piece
    yield tail


def _gzip_bomb_length(size: int) -> int:
    header, piece, repeats, tail = _gzip_bomb(size)
    return len(header) + len(piece) * repeats + len(tail)


@functools.cache
def _brotli_bomb(size: int) -> bytes:
    # Streamed through the compressor in 1 MiB pieces: the 1 GiB is never held in memory.
    comp, zeros, out = brotli.Compressor(quality=1), bytes(MiB), []
    for _ in range(size // MiB):
        out.append(comp.process(zeros))
    out.append(comp.finish())
    return b"".join(out)


_PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
    + bytes(range(256)) * 8
)


# --------------------------------------------------------------------------- the server


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False
    outlet: HostileOutlet

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that give up on a trap hang up mid-answer: that is the point


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        with contextlib.suppress(OSError):  # the client hung up, as clients of traps do
            self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            head = self._read_head()
            if head is not None:
                path = head.split(b" ")[1].decode("latin-1") if head.count(b" ") >= 2 else "/"
                self.server.outlet.answer(path.split("?")[0], self)

    def _read_head(self) -> bytes | None:
        data = b""
        while b"\r\n\r\n" not in data and len(data) < 64 * 1024:
            chunk = self.request.recv(4096)
            if not chunk:
                return None
            data += chunk
        return data

    def send(self, data: bytes) -> None:
        self.request.sendall(data)


def _head(status: str, headers: list[tuple[str, str]]) -> bytes:
    lines = [f"HTTP/1.1 {status}", *(f"{k}: {v}" for k, v in headers), "", ""]
    return "\r\n".join(lines).encode("latin-1")


class HostileOutlet:
    """Serves the hostile outlet until ``close()``; ``url`` is its homepage, ``trap_url(name)`` each trap.

    ``bomb_bytes`` is what the gzip and brotli bombs and the huge page inflate or stream to;
    ``trickle`` the seconds between bytes of the slow traps.
    """

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, *, bomb_bytes: int = GiB, trickle: float = 1.0
    ) -> None:
        self.bomb_bytes = bomb_bytes
        self.trickle = trickle
        self._stop = threading.Event()
        self._server = _Server((host, port), _Handler)
        self._server.outlet = self
        bound, self.port = self._server.server_address[:2]
        # An AF_INET server's address is (str, int); typeshed allows bytes for other families.
        assert isinstance(bound, str), bound
        self.host = bound
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.requests: list[str] = []  # paths asked for, in order (tests count redirect hops)
        self._routes: dict[str, Callable[[_Handler, str], None]] = {
            "/": self._home,
            "/robots.txt": self._robots,
            "/rss.xml": self._feed,
            "/sitemap.xml": self._sitemap,
            **{path: self._listing_trap for path in LISTING_TRAPS},
        }

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    def trap_url(self, name: str, n: int = 1) -> str:
        return f"http://{self.host}:{self.port}" + ARTICLE_PATH.format(name, n)

    def start(self) -> HostileOutlet:
        self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()  # ends the endless and slow streams still being sent
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> HostileOutlet:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ----------------------------------------------------------------------- routing

    def answer(self, path: str, h: _Handler) -> None:
        self.requests.append(path)
        if path in self._routes:
            self._routes[path](h, path)
            return
        for trap in TRAPS:
            prefix, _, suffix = ARTICLE_PATH.format(trap.name, "\0").partition("\0")
            number = path.removeprefix(prefix).removesuffix(suffix)
            if path.startswith(prefix) and number.isdigit():
                n = int(number)
                getattr(self, "_t_" + trap.name.replace("-", "_"))(h, n)
                return
        self._send(h, "404 Not Found", "text/html", _page("Not found", "<p>No such page.</p>"))

    def _send(
        self,
        h: _Handler,
        status: str,
        ctype: str,
        body: str | bytes,
        extra: list[tuple[str, str]] | None = None,
    ) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        headers = [("Content-Type", ctype), ("Content-Length", str(len(data)))]
        headers += [*(extra or []), ("Connection", "close")]
        h.send(_head(status, headers) + data)

    def _stream(self, h: _Handler, pieces: Iterator[bytes], pause: float = 0.0) -> None:
        for piece in pieces:
            if self._stop.is_set():
                return
            h.send(piece)
            if pause:
                self._stop.wait(pause)

    # ----------------------------------------------------------------------- normal pages

    def _home(self, h: _Handler, _path: str) -> None:
        links = "".join(
            f"<li><a href='{ARTICLE_PATH.format(t.name, 1)}'>Breaking: the full story of {t.name} "
            f"as told by our reporters</a></li>"
            for t in TRAPS
        )
        head = "".join(
            f"<link rel='alternate' type='application/rss+xml' href='{p}'>"
            for p in ("/rss.xml", "/feed-laughs.xml", "/feed-xxe.xml")
        )
        self._send(
            h,
            "200 OK",
            "text/html; charset=utf-8",
            _page("Hostile Herald", f"<ul>{links}</ul>", head),
        )

    def _robots(self, h: _Handler, _path: str) -> None:
        lines = ["User-agent: *", "Allow: /", f"Sitemap: {self.url}sitemap.xml"]
        lines += [
            f"Sitemap: {self.url.rstrip('/')}{p}"
            for p, (k, _) in LISTING_TRAPS.items()
            if k == "sitemap"
        ]
        self._send(h, "200 OK", "text/plain", "\n".join(lines) + "\n")

    def _feed(self, h: _Handler, _path: str) -> None:
        self._send(h, "200 OK", "application/rss+xml", self._rss(b""))

    def _rss(self, prologue: bytes, extra_item: bytes = b"") -> bytes:
        items = b"".join(
            b"<item><title>%s</title><link>%s</link><pubDate>Sat, 28 Nov 2026 09:00:00 GMT</pubDate></item>"
            % (t.name.encode(), self.trap_url(t.name).encode())
            for t in TRAPS
        )
        return (
            (prologue or b'<?xml version="1.0"?>\n')
            + b'<rss version="2.0"><channel><title>Hostile Herald</title>'
            + b"<link>%s</link>%s%s</channel></rss>" % (self.url.encode(), extra_item, items)
        )

    def _urlset(self, prologue: bytes, extra: bytes = b"") -> bytes:
        urls = b"".join(b"<url><loc>%s</loc></url>" % self.trap_url(t.name).encode() for t in TRAPS)
        return (
            (prologue or b'<?xml version="1.0"?>\n')
            + b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            + extra
            + urls
            + b"</urlset>"
        )

    def _sitemap(self, h: _Handler, _path: str) -> None:
        self._send(h, "200 OK", "application/xml", self._urlset(b""))

    def _listing_trap(self, h: _Handler, path: str) -> None:
        if path == "/feed-laughs.xml":
            body = self._rss(LAUGHS, b"<item><title>&lol9;</title></item>")
        elif path == "/feed-xxe.xml":
            body = self._rss(XXE, b"<item><title>&xxe;</title></item>")
        elif path == "/sitemap-laughs.xml":
            body = self._urlset(LAUGHS, b"<url><loc>http://x/&lol9;</loc></url>")
        elif path == "/sitemap-xxe.xml":
            body = self._urlset(XXE, b"<url><loc>&xxe;</loc></url>")
        elif path == "/sitemap-self.xml":
            body = (
                b'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                b"<sitemap><loc>%s</loc></sitemap></sitemapindex>"
                % f"{self.url}sitemap-self.xml".encode()
            )
        else:  # the sitemap file itself is gzip (not a Content-Encoding): a bomb for the parser
            body = b"".join(_gzip_bomb_parts(self.bomb_bytes))
            self._send(h, "200 OK", "application/gzip", body)
            return
        self._send(h, "200 OK", "application/xml", body)

    # ----------------------------------------------------------------------- trap articles

    def _t_plain(self, h: _Handler, n: int) -> None:
        self._send(
            h, "200 OK", "text/html; charset=utf-8", _page("Harbour plan budget doubles", _STORY)
        )

    def _t_redirect_endless(self, h: _Handler, n: int) -> None:
        self._send(
            h,
            "302 Found",
            "text/html",
            "",
            [("Location", ARTICLE_PATH.format("redirect-endless", n + 1))],
        )

    def _t_redirect_cycle(self, h: _Handler, n: int) -> None:
        self._send(
            h,
            "302 Found",
            "text/html",
            "",
            [("Location", ARTICLE_PATH.format("redirect-cycle", 3 - n))],
        )

    def _t_redirect_file(self, h: _Handler, n: int) -> None:
        self._send(h, "302 Found", "text/html", "", [("Location", "file:///etc/passwd")])

    def _t_slowloris(self, h: _Handler, n: int) -> None:
        body = _page("Slow", _STORY).encode()
        h.send(_head("200 OK", [("Content-Type", "text/html"), ("Content-Length", str(len(body)))]))
        self._stream(h, (body[i : i + 1] for i in range(len(body))), self.trickle)

    def _t_slow_headers(self, h: _Handler, n: int) -> None:
        head = _head("200 OK", [("Content-Type", "text/html"), ("X-Padding", "x" * 1000)])
        self._stream(h, (head[i : i + 1] for i in range(len(head))), self.trickle)

    def _t_endless(self, h: _Handler, n: int) -> None:
        h.send(_head("200 OK", [("Content-Type", "text/html"), ("Transfer-Encoding", "chunked")]))
        chunk = b"<p>" + b"and on " * 9000 + b"</p>"
        frame = b"%x\r\n%s\r\n" % (len(chunk), chunk)
        self._stream(h, iter(lambda: frame, None))

    def _t_huge(self, h: _Handler, n: int) -> None:
        piece = (b"<p>" + b"word " * 13000 + b"</p>\n")[: 64 * 1024]
        count = self.bomb_bytes // len(piece)
        headers = [("Content-Type", "text/html"), ("Content-Length", str(count * len(piece)))]
        h.send(_head("200 OK", headers) + b"<html><body>")
        self._stream(h, (piece for _ in range(count)))

    def _t_gzip_bomb(self, h: _Handler, n: int) -> None:
        headers = [("Content-Type", "text/html"), ("Content-Encoding", "gzip")]
        headers.append(("Content-Length", str(_gzip_bomb_length(self.bomb_bytes))))
        h.send(_head("200 OK", headers))
        self._stream(h, _gzip_bomb_parts(self.bomb_bytes))

    def _t_brotli_bomb(self, h: _Handler, n: int) -> None:
        self._send(
            h, "200 OK", "text/html", _brotli_bomb(self.bomb_bytes), [("Content-Encoding", "br")]
        )

    def _t_lying_length(self, h: _Handler, n: int) -> None:
        h.send(_head("200 OK", [("Content-Type", "text/html"), ("Content-Length", "1000000")]))
        h.send(_page("Short", _STORY).encode()[:2048])
        h.request.shutdown(socket.SHUT_WR)

    def _t_bad_chunked(self, h: _Handler, n: int) -> None:
        h.send(_head("200 OK", [("Content-Type", "text/html"), ("Transfer-Encoding", "chunked")]))
        h.send(b"10\r\n<html><body><p>\r\nzz-not-hex\r\nmore body\r\n0\r\n\r\n")

    def _t_binary(self, h: _Handler, n: int) -> None:
        self._send(h, "200 OK", "text/html", _PNG)

    def _t_charset_wrong(self, h: _Handler, n: int) -> None:
        body = _page("Порт", f"<p>{_RUSSIAN}</p>" * 6).encode("cp1251")
        self._send(h, "200 OK", "text/html; charset=utf-8", body)

    def _t_charset_mixed(self, h: _Handler, n: int) -> None:
        utf8 = _page("Café crème", _STORY.replace("council", "café council")).encode("utf-8")
        self._send(
            h, "200 OK", "text/html", utf8.replace(b"residents", "résidents".encode("latin-1"))
        )

    def _t_charset_none(self, h: _Handler, n: int) -> None:
        body = _page("Naïve façade", _STORY.replace("harbour", "façade “harbour”")).encode("cp1252")
        self._send(h, "200 OK", "text/html", body)

    def _t_utf16_nobom(self, h: _Handler, n: int) -> None:
        self._send(h, "200 OK", "text/html", _page("Sixteen bits", _STORY).encode("utf-16-le"))

    def _t_invalid_bytes(self, h: _Handler, n: int) -> None:
        body = (
            _page("Broken bytes", _STORY)
            .encode()
            .replace(b"budget", b"bud\xff\xfe\xc0\xafget\xed\xa0\x80")
        )
        self._send(h, "200 OK", "text/html; charset=utf-8", body)

    def _t_retry_after_junk(self, h: _Handler, n: int) -> None:
        body = _page("Busy", "<p>Try later.</p>")
        self._send(h, "503 Service Unavailable", "text/html", body, [("Retry-After", "\xb2")])

    def _t_bad_links(self, h: _Handler, n: int) -> None:
        self._send(h, "200 OK", "text/html; charset=utf-8", _bad_links_page())

    def _t_deep_nesting(self, h: _Handler, n: int) -> None:
        body = b"<html><body>" + b"<div>" * 50_000 + _STORY.encode() + b"</div>" * 50_000
        self._send(h, "200 OK", "text/html; charset=utf-8", body)


BAD_HREF = "http://["  # urllib.parse raises ValueError("Invalid IPv6 URL") on it


def _bad_links_page() -> str:
    head = (
        f"<link rel='canonical' href='{BAD_HREF}'><meta property='og:url' content='{BAD_HREF}'>"
        f"<base href='{BAD_HREF}'>"
    )
    links = "".join(
        f"<a href='{h}'>a link to somewhere else</a>" for h in (BAD_HREF, "//[::1", "/x")
    )
    return _page("Links from nowhere", _STORY + links, head)


def serve_hostile(host: str = "127.0.0.1", port: int = 0, **kwargs: float) -> HostileOutlet:
    """Start a hostile outlet in background threads; use as a context manager or call ``close()``."""
    return HostileOutlet(host, port, **kwargs).start()  # type: ignore[arg-type]


def _main() -> None:  # pragma: no cover - manual use: python -m memoryhole.simulate.hostile
    with serve_hostile() as outlet:
        print(outlet.url, flush=True)
        while True:
            time.sleep(3600)


if __name__ == "__main__":  # pragma: no cover
    _main()
