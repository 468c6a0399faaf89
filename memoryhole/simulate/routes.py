"""What a simulated outlet answers to one request (pure: routing, deletions, failures, validators).

``respond`` turns (newsroom state, request line, headers) into a ``SimResponse``; the socket side
(``server.py``) only carries out delays, connection resets and gzip.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from typing import Protocol
from urllib.parse import parse_qs, urlsplit

from memoryhole.simulate import pages
from memoryhole.simulate.newsroom import Article, Failure, Newsroom, Outlet
from memoryhole.simulate.pages import LABELS, Furniture
from memoryhole.simulate.texts import slugify

__all__ = ["SimResponse", "respond", "NEWS_SITEMAP_AGE", "FEED_SIZE", "HOME_SIZE"]

NEWS_SITEMAP_AGE = timedelta(days=2)
FEED_SIZE = 20
HOME_SIZE = 15

HTML = "text/html; charset=utf-8"
XML = "application/xml; charset=utf-8"
CSS = "body{font-family:Georgia,serif;max-width:60em;margin:auto}.ad{background:#eee}\n"


class Headers(Protocol):
    """A dict or an ``http.client.HTTPMessage``: anything with ``items()``."""

    def items(self) -> Iterable[tuple[str, str]]: ...


@dataclass(frozen=True)
class SimResponse:
    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    fault: str | None = None  # "reset": drop the connection without answering
    delay: float = 0.0  # seconds to wait before answering ("slow")
    gzip_ok: bool = False  # the outlet compresses when the client accepts gzip

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


@dataclass(frozen=True)
class _Page:
    status: int
    body: str
    ctype: str = HTML
    etag_key: str | None = None  # validators are sent only for 200 pages of outlets that send them
    modified: datetime | None = None
    location: str | None = None
    extra: tuple[tuple[str, str], ...] = ()


def respond(room: Newsroom, outlet: str, method: str, target: str, headers: Headers) -> SimResponse:
    """The outlet's answer to ``method target`` (HEAD answers like GET; the server drops the body)."""
    with room.lock:
        out = room.outlets[outlet]
        split = urlsplit(target)
        path = split.path or "/"
        art = out.paths.get(path)
        fail = room.failure(outlet, art)
        if fail is not None and fail.mode != "slow":
            return _failure(out, fail)
        furn = Furniture(now=room.now(), noise=room.noise, rng=room.noise_rng)
        page = _route(room, out, path, split.query, art, furn)
        resp = _finish(out, page, {k.lower(): v for k, v in headers.items()})
    return replace(resp, delay=fail.delay if fail is not None else 0.0)


def _failure(out: Outlet, fail: Failure) -> SimResponse:
    if fail.mode in ("reset", "refuse"):
        return SimResponse(0, fault="reset")
    if fail.mode == "maintenance":
        body = pages.maintenance_page(out).encode()
        return SimResponse(200, (("Content-Type", HTML), ("Cache-Control", "no-store")), body)
    status, reason = {
        "503": (503, "Service Temporarily Unavailable"),
        "500": (500, "Internal Server Error"),
    }.get(fail.mode, (429, "Too Many Requests"))
    headers = [("Content-Type", "text/html")]
    if status == 429:
        headers.append(("Retry-After", "2"))
    return SimResponse(status, tuple(headers), pages.proxy_error(status, reason).encode())


# --- routing -------------------------------------------------------------------------------------


def _route(
    room: Newsroom, out: Outlet, path: str, query: str, art: Article | None, furn: Furniture
) -> _Page:
    machine = _machine_page(room, out, path)
    if machine is not None:
        return machine
    if art is not None:
        return _article(out, art, path, furn)
    return _site_page(out, path, query, furn) or _not_found(out, path, furn)


def _machine_page(room: Newsroom, out: Outlet, path: str) -> _Page | None:
    """robots.txt, feeds and sitemaps (no furniture: their bytes change only with the state)."""
    style = out.style
    if path == "/robots.txt":
        return _xml(pages.robots_txt(out), "text/plain; charset=utf-8")
    if path == style.feed_path:
        feed = pages.atom_feed if style.feed_kind == "atom" else pages.rss_feed
        kind = "application/atom+xml" if style.feed_kind == "atom" else "application/rss+xml"
        return _xml(feed(out, out.visible()[:FEED_SIZE]), kind + "; charset=utf-8", out.changed)
    if path == style.news_sitemap_path:
        recent = [a for a in out.visible() if room.now() - a.published <= NEWS_SITEMAP_AGE]
        # No Last-Modified: items age out as the clock runs, with no change to date it by.
        return _xml(pages.news_sitemap(out, recent), XML)
    if path == style.plain_sitemap_path:
        return _xml(pages.plain_sitemap(out, out.visible()), XML, out.changed)
    if path == style.sitemap_index_path:
        newest = max((a.modified for a in out.visible()), default=pages.outlet_epoch())
        children = [(p, newest) for p in (style.news_sitemap_path, style.plain_sitemap_path) if p]
        return _xml(pages.sitemap_index(out, children), XML)
    if path == "/static/site.css":
        return _xml(CSS, "text/css")
    return None


def _xml(body: str, ctype: str, modified: datetime | None = None) -> _Page:
    return _Page(
        200, body, ctype, etag_key=hashlib.sha1(body.encode()).hexdigest()[:16], modified=modified
    )


def _site_page(out: Outlet, path: str, query: str, furn: Furniture) -> _Page | None:
    lab = LABELS[out.lang]
    arts = out.visible()
    stamp = f"p{out.rev}"
    newest = out.changed
    if path == "/":
        body = pages.listing_page(
            out, "/", lab["latest"], _pinned(out, arts[:HOME_SIZE]), furn, pages.home_extra(out)
        )
        return _Page(200, body, etag_key=stamp, modified=newest)
    if path in ("/about", "/contacts"):
        key = path.strip("/")
        return _Page(
            200, pages.static_page(out, path, lab[key], lab[key + "_text"], furn), etag_key=stamp
        )
    if path == "/search":
        q = parse_qs(query).get("q", [""])[0]
        hits = [a for a in arts if q and q.casefold() in a.title.casefold()][:FEED_SIZE]
        return _Page(
            200, pages.listing_page(out, path, lab["results"].format(q=q), hits, furn, cache=False)
        )
    sections = dict(out.style.sections)
    if path.strip("/") in sections:
        slug = path.strip("/")
        listed = _pinned(out, [a for a in arts if a.section == slug][:FEED_SIZE])
        return _Page(
            200,
            pages.listing_page(out, f"/{slug}/", sections[slug], listed, furn),
            etag_key=stamp,
            modified=newest,
        )
    match = re.fullmatch(r"/(tag|author)/([a-z0-9-]+)/?", path)
    if match:
        return _facet_page(out, match[1], match[2], furn)
    return None


def _pinned(out: Outlet, listed: list[Article]) -> list[Article]:
    """The outlet's editor's pick first (once), then the page's own list."""
    pick = out.pinned
    if pick is None or not pick.visible:
        return listed
    return [pick, *(a for a in listed if a is not pick)]


def _facet_page(out: Outlet, kind: str, slug: str, furn: Furniture) -> _Page | None:
    """A tag or author page, or None (not found) when nothing carries that tag or byline."""
    if kind == "tag":
        names = {slugify(t): t for a in out.visible() for t in a.tags}
        listed = [a for a in out.visible() if slug in (slugify(t) for t in a.tags)]
    else:
        names = {slugify(a.byline): a.byline for a in out.visible()}
        listed = [a for a in out.visible() if slugify(a.byline) == slug]
    if slug not in names:
        return None
    path = f"/{kind}/{slug}/"
    body = pages.listing_page(out, path, names[slug], listed[:FEED_SIZE], furn)
    return _Page(200, body, etag_key=f"p{out.rev}", modified=out.changed)


def _article(out: Outlet, art: Article, path: str, furn: Furniture) -> _Page:
    if path != art.path:
        return _Page(301, "", location=out.url(art.path))
    if art.status == "deleted":
        return _deleted(out, art, path, furn)
    return _Page(
        200,
        pages.article_page(out, art, furn),
        etag_key=f"a{art.id}-{art.rev}",
        modified=art.last_change,
    )


def _deleted(out: Outlet, art: Article, path: str, furn: Furniture) -> _Page:
    lab = LABELS[out.lang]
    how = art.how
    if how == "http-404":
        return replace(_not_found(out, path, furn), status=404)
    if how == "soft-404":
        return replace(_not_found(out, path, furn), status=200)
    if how in ("http-410", "http-403", "http-451"):
        status, key = {
            "http-410": (410, "gone"),
            "http-403": (403, "forbidden"),
            "http-451": (451, "legal"),
        }[how]
        return _Page(
            status,
            pages.message_page(out, lab["nf_title"] if status == 410 else lab[key], lab[key], furn),
        )
    if how == "redirect-home":
        return _Page(301, "", location=out.base)
    if how == "redirect-section":
        return _Page(301, "", location=out.url(f"/{art.section}/"))
    # removed-notice and emptied: the usual page with the body replaced
    return _Page(
        200,
        pages.article_page(out, art, furn),
        etag_key=f"a{art.id}-{art.rev}",
        modified=art.last_change,
    )


def _not_found(out: Outlet, path: str, furn: Furniture) -> _Page:
    if out.style.not_found == "404-plain":
        return _Page(404, pages.plain_404(), "text/html; charset=iso-8859-1")
    status = 200 if out.style.not_found == "soft-404" else 404
    return _Page(status, pages.not_found_page(out, path, furn))


# --- headers and conditional GET -----------------------------------------------------------------


def _finish(out: Outlet, page: _Page, req: dict[str, str]) -> SimResponse:
    headers: list[tuple[str, str]] = [("Content-Type", page.ctype)]
    if page.location:
        headers.append(("Location", page.location))
    validators = _validators(out, page) if page.status == 200 else []
    headers += validators
    headers.append(("Cache-Control", "public, max-age=60" if validators else "no-cache"))
    if validators and _not_modified(validators, req):
        return SimResponse(304, tuple(validators), b"")
    return SimResponse(page.status, tuple(headers), page.body.encode(), gzip_ok=out.style.gzip)


def _validators(out: Outlet, page: _Page) -> list[tuple[str, str]]:
    style = out.style
    found: list[tuple[str, str]] = []
    if page.etag_key and style.validators:
        found.append(("ETag", f'{"W/" if style.weak_etag else ""}"{out.name}-{page.etag_key}"'))
    if page.modified is not None and style.validators == "etag+lm":
        found.append(("Last-Modified", format_datetime(page.modified, usegmt=True)))
    return found


def _not_modified(validators: list[tuple[str, str]], req: dict[str, str]) -> bool:
    """RFC 9110 13.2.2: If-None-Match (weak comparison) wins over If-Modified-Since."""
    mine = dict(validators)
    if "if-none-match" in req:
        etag = mine.get("ETag")
        offered = [t.strip().removeprefix("W/") for t in req["if-none-match"].split(",")]
        return etag is not None and (etag.removeprefix("W/") in offered or "*" in offered)
    if "if-modified-since" in req and "Last-Modified" in mine:
        try:
            return parsedate_to_datetime(mine["Last-Modified"]) <= parsedate_to_datetime(
                req["if-modified-since"]
            )
        except (TypeError, ValueError):
            return False
    return False
