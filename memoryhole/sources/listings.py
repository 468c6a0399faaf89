"""Listing pages (home, section, tag pages) -> Listing: the same-site article links they show,
in page order, ignoring navigation and footer links, each with the date its teaser shows (a
``<time datetime>`` or ``itemprop="datePublished"`` in the link's own teaser block), when it shows one.
Membership is evidence for "unlisted"; teaser dates tell an article that rolled off the end of a
section page from one taken out of the middle of it.

Teaser dates are read by hand: trafilatura and htmldate date one *page*, not each item of a list.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urljoin

import lxml.html

from memoryhole.extract import extract_links, parse_html
from memoryhole.models import Listing, ListingEntry
from memoryhole.urls import canonicalize, is_homepage, same_site, url_kind

__all__ = ["parse_listing_page", "teaser_dates"]

_TEASER_DEPTH = 4  # ancestors climbed from a date to find the one link its teaser block holds


def _is_article_link(url: str, anchor: str) -> bool:
    kind = url_kind(url)
    # An unsure URL shape counts when the anchor reads like a headline (four words or more).
    return kind == "article" or (kind is None and len(anchor.split()) >= 4)


def parse_listing_page(html: bytes, url: str, homepage: str) -> Listing:
    """Article links of a listing page: same site as ``homepage``, article-shaped, outside
    nav/header/footer/aside, each once (first position), titled by its anchor text."""
    try:
        root = parse_html(html)
        links = extract_links(root, url, region="content") if root is not None else []
        dates = teaser_dates(root, url) if root is not None else {}
    except Exception:  # the parsers do not raise by design; a listing must never either
        return Listing(url, "listing", error="malformed")
    entries: list[ListingEntry] = []
    for link, anchor in links:
        if not same_site(link, homepage) or is_homepage(link, homepage):
            continue
        if _is_article_link(link, anchor):
            entries.append(ListingEntry(link, anchor or None, dates.get(link), len(entries)))
    return Listing(url, "listing", entries=tuple(entries))


def _parse_date(raw: str | None) -> datetime | None:
    if not raw:
        return None
    try:
        parsed = datetime.fromisoformat(raw.strip())
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError):  # not ISO 8601; or out of range once moved to UTC
        return None


def _links_in(element: lxml.html.HtmlElement, base_url: str) -> set[str]:
    found: set[str] = set()
    for a in element.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
            continue
        try:
            found.add(canonicalize(urljoin(base_url, href)))
        except ValueError:
            continue
        if len(found) > 1:
            break
    return found


def teaser_dates(root: lxml.html.HtmlElement, base_url: str) -> dict[str, datetime]:
    """Canonical link URL -> the date shown in its teaser: the nearest block around a date element
    that holds exactly one distinct link. A date in a block of several links (a date heading over a
    list, the page's own clock) belongs to none of them."""
    dates: dict[str, datetime] = {}
    for el in root.iter("time", "meta", "span", "div"):
        if el.tag == "time":
            when = _parse_date(el.get("datetime"))
        elif el.get("itemprop") == "datePublished":
            when = _parse_date(el.get("content") or el.get("datetime"))
        else:
            continue
        if when is None:
            continue
        block = el.getparent()
        for _ in range(_TEASER_DEPTH):
            if block is None:
                break
            links = _links_in(block, base_url)
            if len(links) > 1:
                break
            if len(links) == 1:
                dates.setdefault(links.pop(), when)
                break
            block = block.getparent()
    return dates
