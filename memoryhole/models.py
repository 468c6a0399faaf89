"""The values passed between the steps of the data flow (discover, fetch, archive, extract, judge, record).

Every value here is a frozen dataclass with no behaviour beyond small derived properties, so that
the pure steps (extract, judge, schedule) can be tested without I/O and handed across processes.
All datetimes are timezone-aware UTC.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "ERROR_CLASSES",
    "EVENT_KINDS",
    "DELETION_HOWS",
    "ARTICLE_STATUSES",
    "Exchange",
    "Fetch",
    "WarcLocation",
    "Document",
    "ListingEntry",
    "Listing",
    "Change",
    "utcnow",
    "sha256_hex",
]

#: How a fetch failed. ``None`` on a ``Fetch`` means an HTTP response was received and read whole
#: (any status, including 404 or 503: the status code is the evidence, not an error class).
ERROR_CLASSES = (
    "timeout",  # connect/read/total deadline passed
    "connection",  # refused, reset, closed early
    "dns",  # name did not resolve
    "tls",  # certificate or handshake failure
    "http-status",  # 5xx / 429: server answered but refused to serve (status kept on the Fetch)
    "too-large",  # body over the size limit, or decompression bomb
    "not-html",  # content type (or sniffed bytes) is not HTML/XML as expected
    "robots-denied",  # robots.txt forbids the URL for our user agent
    "redirect-loop",  # redirect cycle or more redirects than allowed
    "protocol",  # malformed HTTP: lying Content-Length, broken chunking, bad encoding
    "blocked-address",  # SSRF guard: resolved to an address the operator did not allow
)

#: Event kinds (public contract: CLI JSON Lines, HTTP API, alert payloads).
EVENT_KINDS = ("new", "edited", "deleted", "unlisted", "moved", "restored", "outage")

#: How an article was deleted (public contract: the ``how`` field of ``deleted`` events).
DELETION_HOWS = (
    "http-404",
    "http-410",
    "http-4xx",
    "redirect-home",
    "redirect-section",
    "soft-404",
    "removed-notice",
    "emptied",
)

#: What ``memoryhole articles`` shows as an article's status.
ARTICLE_STATUSES = ("live", "deleted", "unlisted", "moved")


def utcnow() -> datetime:
    """The current time, timezone-aware UTC (the only clock the I/O layers read)."""
    return datetime.now(UTC)


def sha256_hex(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Exchange:
    """One HTTP request and its response, exactly as they crossed the wire (one hop of a redirect chain).

    ``raw_body`` is the payload as received after de-chunking but before content decoding (what goes
    into the WARC response record); ``Fetch.body`` of the final hop is the decoded payload.
    ``complete`` is False when the body was cut short (size limit, deadline, broken stream).
    """

    url: str
    method: str
    request_headers: tuple[tuple[str, str], ...]
    status: int
    reason: str
    http_version: str  # "HTTP/1.1"
    response_headers: tuple[tuple[str, str], ...]
    raw_body: bytes
    started_at: datetime
    complete: bool = True
    peer_ip: str | None = None

    def header(self, name: str) -> str | None:
        lname = name.lower()
        for key, value in self.response_headers:
            if key.lower() == lname:
                return value
        return None


@dataclass(frozen=True)
class Fetch:
    """The outcome of fetching one URL: every outcome, never an exception.

    ``exchanges`` holds every hop (redirects first, the final response last); it is empty when no
    HTTP response was received at all (DNS, connection, TLS, timeout before headers, robots).
    """

    url: str
    started_at: datetime
    elapsed: float  # seconds
    final_url: str
    status: int | None  # final HTTP status, None when no response arrived
    body: bytes = b""  # decoded payload of the final response (possibly truncated when error set)
    content_type: str | None = None  # media type of the final response, lower-case, no parameters
    charset: str | None = None  # from the header or sniffed from the bytes
    exchanges: tuple[Exchange, ...] = ()
    error: str | None = None  # one of ERROR_CLASSES, or None
    error_detail: str = ""  # one human line: why
    retry_after: float | None = None  # seconds, from Retry-After on 429/503
    not_modified: bool = False  # 304 answer to a conditional GET
    etag: str | None = None
    last_modified: str | None = None

    @property
    def ok(self) -> bool:
        """A response was received whole (2xx or 304), with no error class."""
        return (
            self.error is None
            and self.status is not None
            and (200 <= self.status < 300 or self.status == 304)
        )

    @property
    def redirects(self) -> tuple[tuple[int, str, str], ...]:
        """(status, from_url, to_url) for each redirect hop, in order."""
        out = []
        for ex in self.exchanges[:-1] if self.status is not None else self.exchanges:
            loc = ex.header("location")
            if 300 <= ex.status < 400 and loc is not None:
                out.append((ex.status, ex.url, loc))
        return tuple(out)

    @functools.cached_property  # a check reads it up to three times; the body is tens of KB
    def payload_sha256(self) -> str | None:
        return sha256_hex(self.body) if self.status is not None else None


@dataclass(frozen=True)
class WarcLocation:
    """Where the records of one fetch were written: enough to read them back with warcio."""

    filename: str  # relative to the archive directory
    offset: int  # byte offset of the first record of the fetch (gzip member start)
    length: int  # bytes from offset spanning all records of the fetch
    payload_digest: str | None  # WARC-Payload-Digest of the final response ("sha1:BASE32")
    record_id: str | None  # WARC-Record-ID of the final response / revisit / metadata record
    revisit: bool = False  # the final response was written as a revisit record

    @classmethod
    def of_fetch(cls, row: Mapping[str, Any]) -> WarcLocation:
        """The location a stored fetch row (`fetches` table) points to."""
        return cls(
            row["warc_file"],
            row["warc_offset"],
            row["warc_length"],
            row["payload_digest"],
            row["warc_record_id"],
            bool(row["revisit"]),
        )


@dataclass(frozen=True)
class Document:
    """What an HTML page says, extracted and normalised (no page furniture)."""

    url: str
    canonical_url: str | None  # rel=canonical or og:url, absolute
    title: str
    byline: str
    published: str | None  # ISO 8601 date or datetime as found
    updated: str | None
    language: str | None  # ISO 639-1 code
    text: str  # paragraphs joined by "\n\n"
    page_type: str  # "article" | "listing" | "other" (section, tag, author, search, static pages)
    og_type: str | None = None
    description: str = ""

    @property
    def paragraphs(self) -> tuple[str, ...]:
        return tuple(p for p in self.text.split("\n\n") if p)

    @property
    def digest(self) -> str:
        """sha256 over the normalised fields that make a version distinct."""
        parts = [self.title, self.byline, self.published or "", self.updated or "", self.text]
        return sha256_hex("\x1f".join(parts))


@dataclass(frozen=True)
class ListingEntry:
    """One item a feed, sitemap or listing page showed."""

    url: str  # absolute, as listed
    title: str | None = None
    published: datetime | None = None  # as the listing states, UTC
    position: int = 0  # order in the listing, 0 = first


@dataclass(frozen=True)
class Listing:
    """What one feed, sitemap or listing page contained at one fetch."""

    source_url: str
    kind: str  # "feed" | "sitemap" | "sitemap-index" | "listing"
    entries: tuple[ListingEntry, ...] = ()
    child_sitemaps: tuple[str, ...] = ()  # for sitemap indexes
    error: str | None = None  # "malformed", "entity-expansion", ... when it could not be parsed


@dataclass(frozen=True)
class Change:
    """A judgement about one article after a check (issue: change detection fills this in)."""

    kind: str  # one of EVENT_KINDS, or "unchanged" / "suspect"
    how: str | None = None
    new_url: str | None = None
    summary: str = ""
    details: dict = field(default_factory=dict)
