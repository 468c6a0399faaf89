"""Listing pages (home, section, tag pages) -> Listing: the same-site article links they show,
in page order, ignoring navigation and footer links. Membership is evidence for "unlisted".
"""

from __future__ import annotations

from memoryhole.extract import extract_links
from memoryhole.models import Listing, ListingEntry
from memoryhole.urls import is_homepage, same_site, url_kind

__all__ = ["parse_listing_page"]


def _is_article_link(url: str, anchor: str) -> bool:
    kind = url_kind(url)
    # An unsure URL shape counts when the anchor reads like a headline (four words or more).
    return kind == "article" or (kind is None and len(anchor.split()) >= 4)


def parse_listing_page(html: bytes, url: str, homepage: str) -> Listing:
    """Article links of a listing page: same site as ``homepage``, article-shaped, outside
    nav/header/footer/aside, each once (first position), titled by its anchor text."""
    try:
        links = extract_links(html, url, region="content")
    except Exception:  # extract_links does not raise by design; a listing must never either
        return Listing(url, "listing", error="malformed")
    entries: list[ListingEntry] = []
    for link, anchor in links:
        if not same_site(link, homepage) or is_homepage(link, homepage):
            continue
        if _is_article_link(link, anchor):
            entries.append(ListingEntry(link, anchor or None, None, len(entries)))
    return Listing(url, "listing", entries=tuple(entries))
