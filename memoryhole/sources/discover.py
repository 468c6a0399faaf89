"""Auto-discovery for a new outlet: its feeds (<link rel=alternate> plus common paths), its
sitemaps (robots.txt plus common paths) and its listing pages (home + main-nav sections).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin

import protego

from memoryhole.extract import extract_links, parse_html
from memoryhole.urls import canonicalize, is_homepage, url_kind

__all__ = ["Discovered", "discover"]

_FEED_TYPES = frozenset(
    {"application/rss+xml", "application/atom+xml", "application/feed+json",
     "application/json+feed", "application/rdf+xml", "application/xml", "text/xml"}
)  # fmt: skip
_FEED_PATHS = ("/feed", "/rss", "/rss.xml", "/atom.xml", "/feed.xml")
_SITEMAP_PATHS = ("/sitemap.xml", "/news-sitemap.xml")
MAX_SECTIONS = 30


@dataclass(frozen=True)
class Discovered:
    """Where to look for an outlet's articles. URLs in ``unverified`` were guessed from common
    paths and not seen on the site: fetch them once and drop those that fail."""

    feeds: tuple[str, ...]
    sitemaps: tuple[str, ...]
    listings: tuple[str, ...]
    unverified: frozenset[str] = frozenset()


def discover(homepage_html: bytes, homepage_url: str, robots_txt: str | None) -> Discovered:
    """Feeds, sitemaps and listing pages of the outlet whose home page this is. Pure."""
    root = parse_html(homepage_html)
    declared_feeds = _declared_feeds(root, homepage_url) if root is not None else []
    declared_sitemaps = _robots_sitemaps(robots_txt, homepage_url)
    guessed_feeds = [urljoin(homepage_url, p) for p in _FEED_PATHS]
    guessed_sitemaps = [urljoin(homepage_url, p) for p in _SITEMAP_PATHS]
    feeds = _unique(declared_feeds + guessed_feeds)
    sitemaps = _unique(declared_sitemaps + guessed_sitemaps)
    unverified = (set(guessed_feeds) - set(declared_feeds)) | (
        set(guessed_sitemaps) - set(declared_sitemaps)
    )
    sections = _nav_sections(root, homepage_url) if root is not None else []
    listings = _unique([canonicalize(homepage_url), *sections])
    return Discovered(tuple(feeds), tuple(sitemaps), tuple(listings), frozenset(unverified))


def _unique(urls: list[str]) -> list[str]:
    return list(dict.fromkeys(urls))


def _declared_feeds(root, homepage_url: str) -> list[str]:  # noqa: ANN001 - lxml element
    found = []
    for link in root.iter("link"):
        rel = set((link.get("rel") or "").lower().split())
        kind = (link.get("type") or "").lower().split(";")[0].strip()
        href = (link.get("href") or "").strip()
        if "alternate" in rel and kind in _FEED_TYPES and href:
            absolute = _absolute(homepage_url, href)
            if absolute:
                found.append(absolute)
    return found


def _robots_sitemaps(robots_txt: str | None, homepage_url: str) -> list[str]:
    if not robots_txt:
        return []
    try:
        listed = list(protego.Protego.parse(robots_txt).sitemaps)
    except Exception:  # protego copes with most junk; a robots.txt must never stop discovery
        return []
    return [a for a in (_absolute(homepage_url, s.strip()) for s in listed) if a]


def _absolute(base: str, href: str) -> str | None:
    """``href`` made absolute against ``base`` when it is an http(s) URL; None otherwise."""
    try:
        absolute = urljoin(base, href)
    except ValueError:  # urllib refuses "http://[" and the like
        return None
    return absolute if absolute.startswith(("http://", "https://")) else None


def _nav_sections(root, homepage_url: str) -> list[str]:  # noqa: ANN001 - lxml element
    """Same-site links in the main navigation whose URL is section-shaped."""
    sections = []
    for url, _anchor in extract_links(root, homepage_url, same_site_only=True, region="nav"):
        if url_kind(url) == "listing" and not is_homepage(url, homepage_url):
            sections.append(url)
    return sections[:MAX_SECTIONS]
