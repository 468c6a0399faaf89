"""Sitemaps -> Listing: urlset (with Google News publication date and title), sitemap indexes,
plain-text sitemaps and gzip bodies (decompression bounded). Never raises.
"""

from __future__ import annotations

import re
import zlib
from datetime import UTC, datetime
from urllib.parse import urljoin

from memoryhole.models import Listing, ListingEntry
from memoryhole.sources.xmlsafe import XmlRejected, local_name, parse_xml
from memoryhole.urls import canonicalize

__all__ = ["parse_sitemap", "children_to_follow", "gunzip_bounded", "MAX_DECOMPRESSED"]

MAX_DECOMPRESSED = 50 * 1024 * 1024  # the sitemaps.org limit for one uncompressed file


class TooLarge(ValueError):
    """A compressed body inflates beyond the limit (a decompression bomb or a broken file)."""


def gunzip_bounded(body: bytes, limit: int = MAX_DECOMPRESSED) -> bytes:
    """Inflate gzip data, refusing to produce more than ``limit`` bytes (raises TooLarge)."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = inflater.decompress(body, limit + 1)
    if len(out) > limit or inflater.unconsumed_tail:
        raise TooLarge(f"gzip body inflates beyond {limit} bytes")
    return out


def parse_sitemap(body: bytes, url: str) -> Listing:
    """Entries of a urlset (published = news:publication_date, else lastmod), or the child
    sitemaps of a sitemapindex (kind "sitemap-index"), or the URLs of a text sitemap."""
    if body[:2] == b"\x1f\x8b":
        try:
            body = gunzip_bounded(body)
        except TooLarge:
            return Listing(url, "sitemap", error="too-large")
        except (zlib.error, EOFError):
            return Listing(url, "sitemap", error="malformed")
    head = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head != b"<" and body[:2] not in (b"\xff\xfe", b"\xfe\xff"):
        return _text_sitemap(body, url)
    root = parse_xml(body)
    if isinstance(root, XmlRejected):
        return Listing(url, "sitemap", error=root.reason)
    if local_name(root) == "sitemapindex":
        children = [_absolute(url, _child_text(s, "loc")) for s in _children(root, "sitemap")]
        return Listing(
            url, "sitemap-index", child_sitemaps=tuple(dict.fromkeys(c for c in children if c))
        )
    if local_name(root) != "urlset":
        return Listing(url, "sitemap", error="malformed")
    return Listing(url, "sitemap", entries=tuple(_entries(root, url)))


def _children(el, name: str) -> list:  # noqa: ANN001 - lxml elements
    return [c for c in el if local_name(c) == name]


def _child_text(el, name: str) -> str | None:  # noqa: ANN001
    # Direct children only: <image:loc> and <video:loc> inside <url> are not the page.
    for child in el:
        if local_name(child) == name and child.text and child.text.strip():
            return child.text.strip()
    return None


def _entries(root, url: str) -> list[ListingEntry]:  # noqa: ANN001
    entries: list[ListingEntry] = []
    for node in _children(root, "url"):
        loc = _absolute(url, _child_text(node, "loc"))
        if not loc:
            continue
        news = next((c for c in node if local_name(c) == "news"), None)
        published = (
            _w3c_datetime(_child_text(news, "publication_date")) if news is not None else None
        )
        title = _child_text(news, "title") if news is not None else None
        published = published or _w3c_datetime(_child_text(node, "lastmod"))
        entries.append(
            ListingEntry(loc, " ".join(title.split()) if title else None, published, len(entries))
        )
    return entries


def _text_sitemap(body: bytes, url: str) -> Listing:
    text = body.decode("utf-8", errors="replace")
    lines = (line.strip() for line in text.splitlines())
    links = [line for line in lines if line.startswith(("http://", "https://")) and " " not in line]
    if not links:
        return Listing(url, "sitemap", error="malformed")
    return Listing(
        url, "sitemap", entries=tuple(ListingEntry(u, None, None, i) for i, u in enumerate(links))
    )


def _absolute(base: str, loc: str | None) -> str | None:
    if not loc:
        return None
    try:
        absolute = urljoin(base, loc)
    except ValueError:
        return None
    return absolute if absolute.startswith(("http://", "https://")) else None


_W3C = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def _w3c_datetime(value: str | None) -> datetime | None:
    """W3C datetime (YYYY, YYYY-MM, YYYY-MM-DD, or a full timestamp) -> aware UTC."""
    if not value:
        return None
    value = value.strip()
    try:
        if _W3C.match(value):
            parts = [int(p) for p in value.split("-")] + [1, 1]
            return datetime(parts[0], parts[1], parts[2], tzinfo=UTC)
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def children_to_follow(listing: Listing, seen: set[str]) -> list[str]:
    """Child sitemaps of an index not fetched yet, in order. Adds them (and the index itself)
    to ``seen``, so an index that lists itself, or two indexes that list each other, end."""
    seen.add(canonicalize(listing.source_url))
    follow = []
    for child in listing.child_sitemaps:
        key = canonicalize(child)
        if key not in seen:
            seen.add(key)
            follow.append(child)
    return follow
