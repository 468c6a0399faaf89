"""Feeds -> Listing: RSS 0.9x/1.0/2.0 and Atom through feedparser (after the XML safety check,
since feedparser's parser would expand entities), JSON Feed through json. Never raises.
"""

from __future__ import annotations

import io
import json
import time
from datetime import UTC, datetime
from urllib.parse import urljoin

import feedparser

from memoryhole.models import Listing, ListingEntry
from memoryhole.sources.xmlsafe import check_xml

__all__ = ["parse_feed"]


def parse_feed(body: bytes, url: str) -> Listing:
    """Entries (absolute link, title, published in UTC, position) of an RSS, Atom or JSON feed.
    Broken feeds give the entries read before the break; nothing usable gives
    ``Listing(error="malformed")``; entity declarations give ``error="entity-expansion"`` or
    ``"external-entity"``."""
    if body.lstrip()[:1] == b"{":
        return _json_feed(body, url)
    rejected = check_xml(body)
    if rejected is not None:
        return Listing(url, "feed", error=rejected.reason)
    try:
        # A file object, never bytes: feedparser opens bytes that name a local file as a path.
        parsed = feedparser.parse(io.BytesIO(body), response_headers={"content-location": url})
    except Exception:  # feedparser's loose parser has odd failure modes on binary junk
        return Listing(url, "feed", error="malformed")
    base = parsed.get("feed", {}).get("link") or url
    entries = [
        (_absolute(url, e.get("link") or _permalink_id(e), base), e.get("title"), _struct_utc(e))
        for e in parsed.get("entries", [])
    ]
    # An empty feed is fine; something feedparser did not recognise as a feed is not.
    return _listing(url, entries, broken=bool(parsed.get("bozo")) or not parsed.get("version"))


def _permalink_id(entry: dict) -> str | None:
    """RSS <guid isPermaLink="true"> without a <link>: the guid is the article URL."""
    guid = entry.get("id")
    return guid if isinstance(guid, str) and guid.startswith(("http://", "https://")) else None


def _absolute(url: str, link: object, base: str) -> str | None:
    if not isinstance(link, str) or not link.strip():
        return None
    try:
        absolute = urljoin(urljoin(url, base), link.strip())
    except ValueError:
        return None
    return absolute if absolute.startswith(("http://", "https://")) else None


def _struct_utc(entry: dict) -> datetime | None:
    """feedparser's parsed dates are struct_time already converted to UTC."""
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if isinstance(value, time.struct_time):
            try:
                return datetime(*value[:6], tzinfo=UTC)
            except ValueError:
                continue
    return None


def _listing(
    url: str, entries: list[tuple[str | None, object, datetime | None]], broken: bool
) -> Listing:
    kept: list[ListingEntry] = []
    for link, title, published in entries:
        if link:  # an entry without a usable link cannot be followed
            kept.append(ListingEntry(link, _title(title), published, len(kept)))
    if not kept and broken:
        return Listing(url, "feed", error="malformed")
    return Listing(url, "feed", entries=tuple(kept))


def _title(value: object) -> str | None:
    return " ".join(value.split()) or None if isinstance(value, str) else None


def _json_feed(body: bytes, url: str) -> Listing:
    """JSON Feed 1.0/1.1 (https://jsonfeed.org/version/1.1)."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return Listing(url, "feed", error="malformed")
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        return Listing(url, "feed", error="malformed")
    home = data.get("home_page_url")
    base = home if isinstance(home, str) else url
    entries = [
        (_absolute(url, item.get("url") or item.get("external_url"), base), item.get("title"),
         _iso_utc(item.get("date_published") or item.get("date_modified")))
        for item in data["items"]
        if isinstance(item, dict)
    ]  # fmt: skip
    return _listing(url, entries, broken=False)


def _iso_utc(value: object) -> datetime | None:
    """RFC 3339 -> aware UTC datetime; a date without zone is taken as UTC."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
