"""Fetching one URL politely and safely: every outcome becomes a ``models.Fetch``, never an exception.

Redirects and content decoding are done here rather than by httpx so that every hop is kept as an
``Exchange`` with its raw bytes (for the WARC) and so that decompression bombs hit a hard cap.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import email.utils
import logging
import re
import socket
import ssl
import time
import zlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal, Protocol

import brotli
import httpx
from protego import Protego

from memoryhole import netguard
from memoryhole.models import Exchange, Fetch, utcnow

__all__ = [
    "USER_AGENT",
    "FetchLimits",
    "Fetcher",
    "DecodeFailure",
    "decode_content",
    "sniff_charset",
    "content_problem",
    "parse_retry_after",
]

log = logging.getLogger(__name__)

USER_AGENT = "memoryhole/0.1 (+https://github.com/memoryhole/memoryhole; news archive monitor)"
ROBOTS_TOKEN = "memoryhole"  # the product token robots.txt groups are matched against
ACCEPT_ENCODING = "gzip, deflate, br"  # only what decode_content can undo
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
ROBOTS_TTL = 3600.0
# RFC 9309 2.3.1.4 says "assume complete disallow" when robots.txt is unreachable; for a monitor
# that would turn every outage into silence, so we allow all but ask again soon.
ROBOTS_UNREACHABLE_TTL = 300.0
ROBOTS_MAX_BYTES = 500 * 1024  # RFC 9309 2.5: parse at least the first 500 KiB
SNIFF_BYTES = 4096
MiB = 1024 * 1024

Expect = Literal["html", "xml", "any"]


@dataclass(frozen=True)
class FetchLimits:
    """Deadlines (seconds) and sizes (bytes) for one fetch; ``max_bytes`` caps raw and decoded bodies."""

    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    total_timeout: float = 45.0
    max_redirects: int = 10
    max_bytes: int = 10 * MiB
    user_agent: str = USER_AGENT


# --------------------------------------------------------------------------- content decoding


class DecodeFailure(Exception):
    """A body could not be decoded; ``error`` is "too-large" or "protocol", ``partial`` what was decoded."""

    def __init__(self, error: str, detail: str, partial: bytes = b"") -> None:
        super().__init__(detail)
        self.error = error
        self.detail = detail
        self.partial = partial


class _Decoder(Protocol):
    def decode(self, data: bytes, budget: int) -> bytes: ...

    @property
    def finished(self) -> bool: ...


class _ZlibDecoder:
    """gzip (possibly multi-member) or deflate (zlib-wrapped or raw, as servers disagree)."""

    def __init__(self, wbits: int) -> None:
        self._wbits = wbits
        self._d = zlib.decompressobj(wbits)
        self._started = False

    def decode(self, data: bytes, budget: int) -> bytes:
        if not self._started and self._wbits == zlib.MAX_WBITS and not _has_zlib_header(data):
            self._wbits = -zlib.MAX_WBITS
            self._d = zlib.decompressobj(self._wbits)
        self._started = True
        out = bytearray()
        while data and len(out) < budget:
            out += self._d.decompress(data, budget - len(out))
            data = self._d.unconsumed_tail
            if self._d.eof:
                data = self._d.unused_data
                if self._wbits <= zlib.MAX_WBITS or not data.startswith(b"\x1f\x8b"):
                    break  # trailing garbage after the stream: browsers ignore it too
                self._d = zlib.decompressobj(self._wbits)
        return bytes(out)

    @property
    def finished(self) -> bool:
        return self._d.eof


class _BrotliDecoder:
    def __init__(self) -> None:
        self._d = brotli.Decompressor()

    def decode(self, data: bytes, budget: int) -> bytes:
        out = bytearray(self._d.process(data, output_buffer_limit=budget))
        while len(out) < budget and not self._d.can_accept_more_data():
            out += self._d.process(b"", output_buffer_limit=budget - len(out))
        return bytes(out)

    @property
    def finished(self) -> bool:
        return bool(self._d.is_finished())


def _has_zlib_header(data: bytes) -> bool:
    return len(data) >= 2 and data[0] & 0x0F == 8 and ((data[0] << 8) | data[1]) % 31 == 0


def _decoder(coding: str) -> _Decoder:
    if coding in ("gzip", "x-gzip"):
        return _ZlibDecoder(16 + zlib.MAX_WBITS)
    if coding == "deflate":
        return _ZlibDecoder(zlib.MAX_WBITS)
    if coding == "br":
        return _BrotliDecoder()
    raise DecodeFailure("protocol", f"unsupported Content-Encoding {coding!r}")


def _decode_layer(coding: str, raw: bytes, limit: int, complete: bool) -> bytes:
    decoder = _decoder(coding)
    out = bytearray()
    step = 64 * 1024  # feed in slices so a bomb is stopped long before it is fully inflated
    try:
        for start in range(0, len(raw), step):
            out += decoder.decode(raw[start : start + step], limit + 1 - len(out))
            if len(out) > limit:
                raise DecodeFailure(
                    "too-large", f"{coding} body inflates past {limit} bytes", bytes(out[:limit])
                )
    except (zlib.error, brotli.error) as exc:
        raise DecodeFailure("protocol", f"corrupt {coding} body: {exc}", bytes(out)) from exc
    if complete and raw and not decoder.finished:
        raise DecodeFailure("protocol", f"truncated {coding} stream", bytes(out))
    return bytes(out)


def decode_content(
    raw: bytes, content_encoding: str | None, *, limit: int, complete: bool = True
) -> bytes:
    """Undo ``Content-Encoding`` (gzip, deflate, br, stacked) without ever holding more than ``limit``.

    ``complete=False`` (a body cut short) tolerates an unfinished stream. Raises ``DecodeFailure``.
    """
    codings = [c.strip().lower() for c in (content_encoding or "").split(",")]
    layers = list(reversed([c for c in codings if c and c != "identity"]))
    data = raw
    for i, coding in enumerate(layers):
        # An inner layer is still compressed and may be a little larger than the final body.
        layer_limit = limit if i == len(layers) - 1 else 2 * limit + 1024
        data = _decode_layer(coding, data, layer_limit, complete)
    if len(data) > limit:
        raise DecodeFailure("too-large", f"body is over {limit} bytes", data[:limit])
    return data


# --------------------------------------------------------------------------- content sniffing

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16le"),
    (codecs.BOM_UTF16_BE, "utf-16be"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9._:-]+)""", re.I)
_BINARY_MAGIC = (
    b"\x89PNG",
    b"%PDF-",
    b"PK\x03\x04",
    b"GIF8",
    b"\xff\xd8\xff",
    b"\x1f\x8b",
    b"RIFF",
    b"OggS",
    b"ID3",
    b"wOFF",
    b"wOF2",
    b"\x00\x00\x01\x00",
    b"BZh",
    b"7z\xbc\xaf",
)
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
# Feeds and sitemaps are often served with sloppy types; gzip is a sitemap.xml.gz file.
XML_TYPES = frozenset(
    {"application/xml", "text/xml", "text/html", "text/plain", "application/octet-stream"}
)
GZIP_TYPES = frozenset({"application/gzip", "application/x-gzip", "application/x-gunzip"})


def _valid_charset(label: bytes | str | None) -> str | None:
    if not label:
        return None
    name = label.decode("ascii", "replace") if isinstance(label, bytes) else label
    name = name.strip().strip("\"'").lower()
    try:
        codecs.lookup(name)
    except LookupError:
        return None
    return name


def sniff_charset(content_type_header: str | None, body: bytes) -> str | None:
    """The body's declared charset: a BOM (which browsers let win), the header, then <meta>/<?xml?>."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name
    _, params = _parse_content_type(content_type_header)
    from_header = _valid_charset(params.get("charset"))
    if from_header:
        return from_header
    head = body[:SNIFF_BYTES]
    for pattern in (_XML_ENCODING, _META_CHARSET):
        match = pattern.search(head)
        if match and _valid_charset(match.group(1)):
            return _valid_charset(match.group(1))
    return None


def _looks_binary(body: bytes) -> bool:
    head = body[:1024]
    if any(head.startswith(magic) for magic in _BINARY_MAGIC) or head[4:8] == b"ftyp":
        return True
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False  # UTF-16 text is full of NULs
    return b"\x00" in head


def content_problem(expect: Expect, content_type: str | None, body: bytes) -> str | None:
    """Why a 2xx body is not what the caller expected (None when acceptable)."""
    if expect == "any" or not body:
        return None
    if expect == "html" and content_type and content_type not in HTML_TYPES:
        return f"Content-Type {content_type} is not HTML"
    if expect == "xml":
        if content_type in GZIP_TYPES:
            return None
        if content_type and content_type not in XML_TYPES and not content_type.endswith("+xml"):
            return f"Content-Type {content_type} is not XML"
    if _looks_binary(body):
        return f"body of declared type {content_type or 'none'} looks binary"
    return None


def _parse_content_type(value: str | None) -> tuple[str | None, dict[str, str]]:
    if not value:
        return None, {}
    media, *rest = value.split(";")
    params = {}
    for part in rest:
        key, sep, val = part.partition("=")
        if sep:
            params[key.strip().lower()] = val.strip().strip("\"'")
    return (media.strip().lower() or None), params


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date); None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # str.isdigit() is also true for "²" (latin-1 \xb2)
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or utcnow())).total_seconds())


# --------------------------------------------------------------------------- errors


class _Failure(Exception):
    """Internal: ends a fetch with an error class (never leaves this module)."""

    def __init__(self, error: str, detail: str) -> None:
        super().__init__(detail)
        self.error = error
        self.detail = detail


def _causes(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in chain:
        chain.append(cur)
        cur = cur.__cause__ or cur.__context__
    return chain


def _classify(exc: Exception, limits: FetchLimits) -> _Failure:
    """Map an httpx exception to an error class, looking through the cause chain for DNS/TLS."""
    chain = _causes(exc)
    if isinstance(exc, httpx.ConnectTimeout):
        return _Failure("timeout", f"connect timed out after {limits.connect_timeout:g}s")
    if isinstance(exc, httpx.TimeoutException):
        return _Failure("timeout", f"no data for {limits.read_timeout:g}s ({type(exc).__name__})")
    if any(isinstance(c, socket.gaierror) for c in chain):
        return _Failure("dns", f"name did not resolve: {exc}")
    if any(isinstance(c, ssl.SSLError) for c in chain):
        return _Failure("tls", f"TLS failure: {exc}")
    if isinstance(exc, httpx.RemoteProtocolError) and "without sending a response" not in str(exc):
        return _Failure("protocol", f"malformed response: {exc}")
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL | httpx.LocalProtocolError):
        return _Failure("protocol", f"cannot request: {exc}")
    return _Failure("connection", f"{type(exc).__name__}: {exc or 'connection failed'}")


# --------------------------------------------------------------------------- the fetcher


@dataclass
class _Chain:
    """The hops of one fetch so far (mutable while the fetch runs)."""

    url: str
    exchanges: list[Exchange] = field(default_factory=list)
    current: str = ""
    # The last exchange when it is the answer (not a redirect that was followed).
    final: Exchange | None = None
    deadline: float | None = None  # loop time; set when the first request starts


@dataclass
class _RobotsEntry:
    parser: Protego | None  # None = allow everything
    expires: float  # time.monotonic()

    def allows(self, url: str) -> bool:
        return self.parser is None or bool(self.parser.can_fetch(url, ROBOTS_TOKEN))


class Fetcher:
    """Fetches URLs with limits, robots.txt, per-host politeness and an optional SSRF guard.

    One instance per event loop. ``fetch`` never raises for network or HTTP trouble. Overall
    concurrency is the caller's business; ``per_host`` and ``host_delay`` bound each host.
    """

    def __init__(
        self,
        client: httpx.AsyncClient | None = None,
        *,
        limits: FetchLimits = FetchLimits(),  # noqa: B008 (frozen, so sharing the default is safe)
        respect_robots: bool = True,
        per_host: int = 2,
        host_delay: float = 0.0,
        guard: netguard.AddressGuard | None = None,
        on_aux_fetch: Callable[[Fetch], object] | None = None,  # its return value is ignored
    ) -> None:
        self.limits = limits
        self.respect_robots = respect_robots
        self.per_host = per_host
        self.host_delay = host_delay
        self.guard = guard
        self.on_aux_fetch = on_aux_fetch
        self._own_client = client is None
        # One TLS context for all our clients: making one costs about 20 ms of CPU.
        self._ssl: ssl.SSLContext | None = None
        self._client = client or self._new_client()
        # One connection pool per host: httpcore scans every pooled connection (a poll() each) on
        # every request, so one shared pool for hundreds of hosts costs more than the request.
        self._clients: dict[str, httpx.AsyncClient] = {}
        self._timeout = httpx.Timeout(
            connect=limits.connect_timeout,
            read=limits.read_timeout,
            write=limits.read_timeout,
            pool=limits.total_timeout,
        )
        self._host_sems: dict[str, asyncio.Semaphore] = {}
        self._next_slot: dict[str, float] = {}
        self._robots: dict[str, _RobotsEntry] = {}
        self._robots_locks: dict[str, asyncio.Lock] = {}

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._own_client:
            for client in (self._client, *self._clients.values()):
                await client.aclose()
            self._clients.clear()

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        expect: Expect = "html",
    ) -> Fetch:
        """GET ``url`` following redirects; the outcome (including every failure) as a ``Fetch``."""
        return await self._fetch(url, etag, last_modified, expect, self.respect_robots)

    async def _fetch(
        self, url: str, etag: str | None, last_modified: str | None, expect: Expect, robots: bool
    ) -> Fetch:
        started, t0 = utcnow(), time.monotonic()
        chain = _Chain(url=url, current=url)
        headers = self._request_headers(etag, last_modified)
        try:
            await self._follow(chain, headers, robots)
            assert chain.final is not None
            outcome = self._judge_final(chain.final, expect)
        except _Failure as failure:
            return self._failed(chain, failure, started, time.monotonic() - t0)
        return _build_fetch(chain, started, time.monotonic() - t0, etag, last_modified, **outcome)

    def _request_headers(self, etag: str | None, last_modified: str | None) -> dict[str, str]:
        headers = {
            "User-Agent": self.limits.user_agent,
            "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            "Accept-Encoding": ACCEPT_ENCODING,
        }
        # Values that cannot go on the wire (non-latin-1) are dropped rather than crash the fetch.
        if etag and etag.isascii():
            headers["If-None-Match"] = etag
        if last_modified and last_modified.isascii():
            headers["If-Modified-Since"] = last_modified
        return headers

    async def _follow(self, chain: _Chain, headers: dict[str, str], robots: bool) -> None:
        """Request ``chain.current`` and follow redirects until a final answer or a _Failure."""
        seen = [chain.url]
        while True:
            await self._admit(chain.current, robots)
            exchange, failure = await self._exchange(chain, headers)
            chain.exchanges.append(exchange)
            location = exchange.header("location")
            if failure or exchange.status not in REDIRECT_STATUSES or location is None:
                chain.final = exchange
                if failure:
                    raise failure
                return
            chain.current = _resolve_redirect(exchange.url, location)
            if chain.current in seen:
                raise _Failure(
                    "redirect-loop", "redirect cycle: " + " -> ".join([*seen, chain.current])
                )
            if len(seen) > self.limits.max_redirects:
                raise _Failure("redirect-loop", f"more than {self.limits.max_redirects} redirects")
            seen.append(chain.current)

    async def _admit(self, url: str, robots: bool) -> None:
        """Checks before a hop is requested: scheme, SSRF guard, robots.txt."""
        scheme = url.partition(":")[0].lower()
        if scheme not in ("http", "https"):
            raise _Failure("protocol", f"unsupported URL scheme in {url[:200]!r}")
        if self.guard is not None:
            try:
                # The guard resolves the name itself; a stuck resolver must not outlive the fetch.
                async with asyncio.timeout(self.limits.connect_timeout):
                    problem = await self.guard.check(url)
            except TimeoutError:
                raise _Failure("timeout", f"resolving {url[:200]} took too long") from None
            if problem:
                raise _Failure("blocked-address", problem)
        if robots and not await self._robots_allow(url):
            raise _Failure("robots-denied", f"robots.txt disallows {url} for {ROBOTS_TOKEN}")

    @contextlib.asynccontextmanager
    async def _host_slot(self, host: str) -> AsyncIterator[None]:
        """Hold one of ``per_host`` slots for ``host``, spacing request starts by ``host_delay``."""
        sem = self._host_sems.setdefault(host, asyncio.Semaphore(self.per_host))
        async with sem:
            if self.host_delay > 0:
                now = asyncio.get_running_loop().time()
                slot = max(now, self._next_slot.get(host, 0.0))
                self._next_slot[host] = slot + self.host_delay
                await asyncio.sleep(slot - now)
            yield

    def _new_client(self) -> httpx.AsyncClient:
        keep = max(2, self.per_host)
        if self._ssl is None:
            self._ssl = httpx.create_ssl_context(trust_env=False)  # what verify=True makes
        return httpx.AsyncClient(
            follow_redirects=False,
            trust_env=False,
            verify=self._ssl,
            limits=httpx.Limits(max_connections=None, max_keepalive_connections=keep),
        )

    def _client_for(self, url: httpx.URL) -> httpx.AsyncClient:
        if not self._own_client:
            return self._client
        client = self._clients.get(url.host)
        if client is None:
            client = self._clients[url.host] = self._new_client()
        return client

    async def _exchange(
        self, chain: _Chain, headers: dict[str, str]
    ) -> tuple[Exchange, _Failure | None]:
        """One request/response; the response (possibly partial) and why it is partial, if it is."""
        try:
            url = httpx.URL(chain.current)  # parsed once: build_request takes the parsed URL as is
            client = self._client_for(url)
            request = client.build_request("GET", url, headers=headers, timeout=self._timeout)
        except (httpx.InvalidURL, httpx.UnsupportedProtocol, ValueError) as exc:
            raise _Failure("protocol", f"invalid URL {chain.current[:200]!r}: {exc}") from exc
        async with self._host_slot(request.url.host):
            loop = asyncio.get_running_loop()
            if chain.deadline is None:
                chain.deadline = loop.time() + self.limits.total_timeout
            return await self._send(client, request, chain.deadline)

    async def _send(
        self, client: httpx.AsyncClient, request: httpx.Request, deadline: float
    ) -> tuple[Exchange, _Failure | None]:
        started = utcnow()
        response: httpx.Response | None = None
        peer: str | None = None
        body = bytearray()
        failure: _Failure | None = None
        try:
            async with asyncio.timeout_at(deadline):
                response = await client.send(request, stream=True, follow_redirects=False)
                try:
                    peer = _peer_ip(response)  # read now: the socket is gone after aclose()
                    self._check_peer(request.url.host, peer)
                    failure = await self._read_raw(response, body)
                finally:
                    await response.aclose()
        except TimeoutError:
            failure = _Failure(
                "timeout", f"total deadline of {self.limits.total_timeout:g}s passed"
            )
        except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError, OSError) as exc:
            failure = _classify(exc, self.limits)
        if response is None:
            assert failure is not None
            raise failure
        exchange = _make_exchange(request, response, bytes(body), started, failure is None, peer)
        return exchange, failure

    def _check_peer(self, host: str, peer: str | None) -> None:
        """Re-check the address actually connected to: DNS may answer differently the second time."""
        if self.guard is None or peer is None or self.guard.host_allowed(host):
            return
        problem = self.guard.ip_problem(peer)
        if problem:
            # Raised out of _send without an Exchange: nothing from a refused address is kept.
            raise _Failure("blocked-address", f"connected to {problem}")

    async def _read_raw(self, response: httpx.Response, body: bytearray) -> _Failure | None:
        cap = self.limits.max_bytes
        async for chunk in response.aiter_raw():
            body += chunk
            if len(body) > cap:
                del body[cap:]
                return _Failure("too-large", f"body is over {cap} bytes")
        return None

    def _judge_final(self, exchange: Exchange, expect: Expect) -> dict:
        """Decode the final body and decide its error class (None, http-status, not-html, ...)."""
        content_type, _ = _parse_content_type(exchange.header("content-type"))
        try:
            body = decode_content(
                exchange.raw_body,
                exchange.header("content-encoding"),
                limit=self.limits.max_bytes,
                complete=exchange.complete,
            )
        except DecodeFailure as exc:
            return {
                "body": exc.partial,
                "content_type": content_type,
                "error": exc.error,
                "detail": exc.detail,
            }
        error, detail, retry_after = None, "", None
        if exchange.status >= 500 or exchange.status == 429:
            error, detail = "http-status", f"HTTP {exchange.status} {exchange.reason}".strip()
            retry_after = parse_retry_after(exchange.header("retry-after"))
        elif 200 <= exchange.status < 300:
            problem = content_problem(expect, content_type, body)
            if problem:
                error, detail = "not-html", problem
        return {
            "body": body,
            "content_type": content_type,
            "error": error,
            "detail": detail,
            "retry_after": retry_after,
        }

    def _failed(self, chain: _Chain, failure: _Failure, started: datetime, elapsed: float) -> Fetch:
        """A Fetch for a chain that ended in failure (partial final response kept when there is one)."""
        final = chain.final
        body = b""
        if final is not None and final.raw_body:
            with contextlib.suppress(DecodeFailure):
                body = decode_content(
                    final.raw_body,
                    final.header("content-encoding"),
                    limit=self.limits.max_bytes,
                    complete=False,
                )
        return Fetch(
            url=chain.url,
            started_at=started,
            elapsed=elapsed,
            final_url=final.url if final else chain.current,
            status=final.status if final else None,
            body=body,
            content_type=_parse_content_type(final.header("content-type"))[0] if final else None,
            exchanges=tuple(chain.exchanges),
            error=failure.error,
            error_detail=failure.detail,
        )

    # ----------------------------------------------------------------------- robots.txt

    async def _robots_allow(self, url: str) -> bool:
        origin = _origin(url)
        entry = self._robots.get(origin)
        if entry is None or entry.expires <= time.monotonic():
            lock = self._robots_locks.setdefault(origin, asyncio.Lock())
            async with lock:  # one robots.txt fetch per origin even when many fetches wait on it
                entry = self._robots.get(origin)
                if entry is None or entry.expires <= time.monotonic():
                    entry = await self._load_robots(origin)
                    self._robots[origin] = entry
        return entry.allows(url)

    async def _load_robots(self, origin: str) -> _RobotsEntry:
        fetch = await self._fetch(origin + "/robots.txt", None, None, "any", robots=False)
        if self.on_aux_fetch is not None:
            try:
                self.on_aux_fetch(fetch)
            except Exception:  # archiving robots.txt must not stop the fetch it guards
                log.exception("on_aux_fetch failed for %s/robots.txt", origin)
        now = time.monotonic()
        status = fetch.status
        if status is not None and 200 <= status < 300 and fetch.error in (None, "too-large"):
            text = fetch.body[:ROBOTS_MAX_BYTES].decode("utf-8", "replace")
            return _RobotsEntry(Protego.parse(text), now + ROBOTS_TTL)
        if status is not None and 400 <= status < 500 and status != 429:
            return _RobotsEntry(None, now + ROBOTS_TTL)  # RFC 9309: "unavailable" means allow all
        log.info("robots.txt for %s unreachable (%s); allowing for now", origin, fetch.error_detail)
        return _RobotsEntry(None, now + ROBOTS_UNREACHABLE_TTL)


# --------------------------------------------------------------------------- helpers


def _origin(url: str) -> str:
    parsed = httpx.URL(url)
    default = {"http": 80, "https": 443}.get(parsed.scheme)
    port = f":{parsed.port}" if parsed.port and parsed.port != default else ""
    return f"{parsed.scheme}://{parsed.raw_host.decode('ascii')}{port}"


def _resolve_redirect(base: str, location: str) -> str:
    try:
        return str(httpx.URL(base).join(location.strip()))
    except (httpx.InvalidURL, ValueError) as exc:
        raise _Failure("protocol", f"bad redirect Location {location[:200]!r}: {exc}") from exc


def _peer_ip(response: httpx.Response) -> str | None:
    stream = response.extensions.get("network_stream")
    addr = stream.get_extra_info("server_addr") if stream is not None else None
    return str(addr[0]) if addr else None


def _latin1_pairs(raw: list[tuple[bytes, bytes]]) -> tuple[tuple[str, str], ...]:
    # latin-1 maps bytes 1:1, so the archive can write back exactly the bytes that were exchanged.
    return tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in raw)


def _make_exchange(
    request: httpx.Request,
    response: httpx.Response,
    raw_body: bytes,
    started: datetime,
    complete: bool,
    peer_ip: str | None,
) -> Exchange:
    return Exchange(
        url=str(request.url),
        method=request.method,
        request_headers=_latin1_pairs(request.headers.raw),
        status=response.status_code,
        reason=response.reason_phrase,
        http_version=response.http_version,
        response_headers=_latin1_pairs(response.headers.raw),
        raw_body=raw_body,
        started_at=started,
        complete=complete,
        peer_ip=peer_ip,
    )


def _build_fetch(
    chain: _Chain,
    started: datetime,
    elapsed: float,
    etag: str | None,
    last_modified: str | None,
    *,
    body: bytes,
    content_type: str | None,
    error: str | None,
    detail: str,
    retry_after: float | None = None,
) -> Fetch:
    final = chain.final
    assert final is not None
    not_modified = final.status == 304
    return Fetch(
        url=chain.url,
        started_at=started,
        elapsed=elapsed,
        final_url=final.url,
        status=final.status,
        body=body,
        content_type=content_type,
        charset=sniff_charset(final.header("content-type"), body) if body else None,
        exchanges=tuple(chain.exchanges),
        error=error,
        error_detail=detail,
        retry_after=retry_after,
        not_modified=not_modified,
        # A 304 need not repeat the validators; the ones we sent still hold.
        etag=final.header("etag") or (etag if not_modified else None),
        last_modified=final.header("last-modified") or (last_modified if not_modified else None),
    )
