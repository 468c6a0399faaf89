"""One check of one URL, start to finish: fetch → archive → extract → judge → record.

This is the whole system in one place. `runner.py` (one process) and, later, a scale-out worker drive
these same functions; everything they need arrives in a `Context`, so tests can hand in their own parts.
Order matters for evidence: the WARC records are written and flushed before the database commit that
points at them, so a kill at any moment leaves no row pointing at missing records.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from . import changes, outages, soft404
from .analysis import Analyser
from .archive import Archive, RevisitTarget
from .extract import extract
from .fetcher import Fetcher
from .models import Document, Fetch, WarcLocation
from .scheduler import Schedule, after_failure, source_next_poll
from .settings import Settings
from .sources.discover import discover
from .sources.feeds import parse_feed
from .sources.listings import parse_listing_page
from .sources.sitemaps import parse_sitemap
from .store import NewEvent, Store
from .urls import canonicalize, looks_like_article_url, same_site

NOT_ARTICLE = "not-article"  # article status for URLs that turned out to be section/tag/static pages
FAR_FUTURE = timedelta(days=3650)


@dataclass
class Context:
    store: Store
    fetcher: Fetcher
    archive: Archive
    analyser: Analyser
    settings: Settings
    schedule: Schedule
    policy: changes.Policy
    on_event: Callable[[dict[str, Any]], None] | None = None
    trackers: dict[int, outages.OutageTracker] = field(default_factory=dict)

    def revisit_of(self, digest: str) -> RevisitTarget | None:
        found = self.store.revisit_target(digest)
        return RevisitTarget(*found) if found else None

    def save(self, fetch: Fetch) -> WarcLocation:
        """Archive one fetch (every hop, or a metadata record for a failure) before anything refers to it."""
        return self.archive.write_fetch(fetch, revisit_of=self.revisit_of)

    def emit(self, events: list[NewEvent], url: str | None, outlet: str) -> None:
        if self.on_event is None:
            return
        for ev in events:
            self.on_event(
                {"kind": ev.kind, "url": url, "source": outlet, "how": ev.how, "new_url": ev.new_url,
                 "summary": ev.summary, "detected_at": ev.detected_at}
            )


# ---- outlets -------------------------------------------------------------------------------------
async def discover_outlet(ctx: Context, outlet: dict, now: datetime) -> dict[str, list[str]]:
    """Find an outlet's feeds, sitemaps and listing pages from its homepage and robots.txt; add them."""
    home = outlet["homepage"]
    page = await ctx.fetcher.fetch(home, expect="html")
    ctx.store.record_fetch(page, ctx.save(page), "homepage", outlet_id=outlet["id"])
    robots_url = _origin(home) + "/robots.txt"
    robots = await ctx.fetcher.fetch(robots_url, expect="any")
    ctx.store.record_fetch(robots, ctx.save(robots), "robots", outlet_id=outlet["id"])
    robots_txt = robots.body.decode("utf-8", "replace") if robots.ok else None
    found = discover(page.body if page.ok else b"", page.final_url or home, robots_txt)
    added: dict[str, list[str]] = {"feed": [], "sitemap": [], "listing": []}
    for kind, urls in (("feed", found.feeds), ("sitemap", found.sitemaps)):
        for url in urls:
            if await _verify_source(ctx, kind, url):
                ctx.store.add_source(outlet["id"], kind, url, now)
                added[kind].append(url)
    for url in [home, *found.listings][:8]:
        if ctx.store.add_source(outlet["id"], "listing", url, now) is not None:
            added["listing"].append(url)
    ctx.store.update_outlet(outlet["id"], last_discovered_at=now)
    return added


async def _verify_source(ctx: Context, kind: str, url: str) -> bool:
    fetch = await ctx.fetcher.fetch(url, expect="xml")
    if not fetch.ok:
        return False
    listing = parse_feed(fetch.body, fetch.final_url) if kind == "feed" else parse_sitemap(fetch.body, fetch.final_url)
    return listing.error is None and bool(listing.entries or listing.child_sitemaps)


async def probe_outlet(ctx: Context, outlet: dict, now: datetime) -> None:
    """Request a random nonexistent URL to (re)learn the outlet's not-found page (Bar-Yossef et al.)."""
    url = _origin(outlet["homepage"]) + soft404.random_probe_path(random.Random())
    fetch = await ctx.fetcher.fetch(url, expect="html")
    ctx.store.record_fetch(fetch, ctx.save(fetch), "probe", outlet_id=outlet["id"])
    values: dict[str, Any] = {"next_probe_at": now + timedelta(seconds=ctx.settings.probe_interval)}
    if fetch.status is not None and fetch.error is None:
        doc = extract(fetch.body, fetch.final_url, charset=fetch.charset) if fetch.body else None
        values["not_found"] = soft404.Profile.learn(fetch.status, fetch.final_url, doc).to_dict()
    elif fetch.error is not None:  # try again soon: a probe that failed taught nothing
        values["next_probe_at"] = now + timedelta(seconds=min(ctx.settings.probe_interval, 300))
    ctx.store.update_outlet(outlet["id"], **values)


# ---- listings ------------------------------------------------------------------------------------
async def check_source(ctx: Context, src: dict, now: datetime) -> int:
    """Poll one feed, sitemap or listing page; returns how many new articles it revealed."""
    expect = "html" if src["kind"] == "listing" else "xml"
    fetch = await ctx.fetcher.fetch(src["url"], etag=src["etag"], last_modified=src["last_modified"], expect=expect)
    loc = ctx.save(fetch)
    ctx.store.record_fetch(fetch, loc, "source", outlet_id=src["outlet_id"], source_id=src["id"])
    kind = "homepage" if src["url"] == src["homepage"] else "feed"
    await _observe(ctx, src["outlet_id"], src["outlet"], fetch, kind, None, now)
    if not fetch.ok:
        failures = src["failures"] + 1
        ctx.store.update_source(
            src["id"], failures=failures, last_polled_at=now, last_error=fetch.error or f"http-{fetch.status}",
            next_poll_at=source_next_poll(src["poll_seconds"], failures, fetch.retry_after, now),
        )
        return 0
    updates: dict[str, Any] = dict(
        failures=0, last_polled_at=now, last_ok_at=now, last_error=None,
        next_poll_at=source_next_poll(src["poll_seconds"], 0, None, now),
        etag=fetch.etag, last_modified=fetch.last_modified,
    )
    if fetch.not_modified:
        ctx.store.update_source(src["id"], **updates)
        return 0
    listing = _parse_listing(src, fetch)
    if listing.error is not None:
        updates.update(last_error=listing.error, last_ok_at=src["last_ok_at"])
        ctx.store.update_source(src["id"], **updates)
        return 0
    for child in listing.child_sitemaps:
        if same_site(child, src["homepage"]):
            ctx.store.add_source(src["outlet_id"], "sitemap", child, now)
    entries = []
    for entry in listing.entries:
        if not same_site(entry.url, src["homepage"]) or looks_like_article_url(entry.url) is False:
            continue
        entries.append((canonicalize(entry.url), entry.url, entry.published))
    new = ctx.store.record_listing(src["outlet_id"], src["id"], entries, now)
    ctx.store.update_source(src["id"], **updates)
    _judge_unlisting(ctx, src["outlet_id"], src["outlet"], now)
    return len(new)


def _parse_listing(src: dict, fetch: Fetch) -> Any:
    if src["kind"] == "feed":
        return parse_feed(fetch.body, fetch.final_url)
    if src["kind"] == "sitemap":
        return parse_sitemap(fetch.body, fetch.final_url)
    return parse_listing_page(fetch.body, fetch.final_url, src["homepage"])


def _judge_unlisting(ctx: Context, outlet_id: int, outlet: str, now: datetime) -> None:
    tracker = ctx.trackers.get(outlet_id)
    if tracker is not None and tracker.in_outage:
        return
    for art in ctx.store.unlisted_candidates(outlet_id):
        evidence = []
        for m in ctx.store.memberships(art["id"]):
            lo, hi, count = ctx.store.listing_extent(m["source_id"])
            evidence.append(
                changes.ListingEvidence(
                    still_listed=m["listed"], windowed=m["windowed"], listed_published=m["listed_published"],
                    oldest_listed=lo, newest_listed=hi, listed_count=count,
                )
            )
        published = art["published"] or art["first_seen"]
        if not changes.judge_unlisting(published, evidence, serves=art["status"] == "live"):
            continue
        ev = NewEvent("unlisted", outlet_id, art["id"], now, summary=f"no longer listed: {art['title'] or art['url']}")
        ctx.store.set_status(art["id"], "unlisted", ev)
        ctx.emit([ev], art["url"], outlet)


# ---- articles ------------------------------------------------------------------------------------
async def check_article(ctx: Context, art: dict, now: datetime) -> list[NewEvent]:
    """Fetch one article, archive the exchange, extract if it changed, judge and record the outcome."""
    fetch = await ctx.fetcher.fetch(art["url"], etag=art["etag"], last_modified=art["last_modified"], expect="html")
    loc = ctx.save(fetch)
    previous = ctx.store.latest_version(art["id"])
    prev_doc = _document_from_version(previous, art["url"]) if previous else None

    fingerprint = art["fingerprint"]
    doc: Document | None = None
    if fetch.not_modified or (fetch.ok and fetch.payload_sha256 == art["payload_sha256"]):
        doc = prev_doc  # byte-identical (or 304): nothing to extract
    elif fetch.status == 200 and fetch.error is None and fetch.body:
        analysis = await ctx.analyser(fetch.body, fetch.charset, fetch.final_url, art["fingerprint"])
        fingerprint = analysis.fingerprint
        doc = analysis.document if analysis.document is not None else prev_doc

    updates: dict[str, Any] = {"last_checked": now, "checks": art["checks"] + 1}
    if fetch.ok and not fetch.not_modified:
        updates.update(etag=fetch.etag, last_modified=fetch.last_modified, payload_sha256=fetch.payload_sha256)
    outlet = ctx.store.outlet(id=art["outlet_id"]) or {}

    if prev_doc is None:  # first sight of this URL
        return _record_first(ctx, art, outlet, fetch, loc, doc, fingerprint, updates, now)

    await _observe(ctx, art["outlet_id"], art["outlet"], fetch, "article", fingerprint, now)
    state = changes.ArticleState.from_dict(art["state"]) if art["state"] else changes.ArticleState.initial(prev_doc, now)
    octx = changes.OutletContext(
        homepage_url=outlet.get("homepage", ""),
        section_urls=frozenset(s["url"] for s in ctx.store.outlet_sources(art["outlet_id"]) if s["kind"] == "listing"),
        not_found=soft404.Profile.from_dict(outlet["not_found"]) if outlet.get("not_found") else None,
        in_outage=ctx.trackers.get(art["outlet_id"], outages.OutageTracker()).in_outage,
    )
    judgement = changes.judge(state, fetch, doc, octx, now, fetch_id=None, policy=ctx.policy)
    change = judgement.change
    updates["state"] = judgement.state.to_dict()
    updates["status"] = judgement.state.status
    if fetch.ok and doc is not None and doc is not prev_doc:
        updates["fingerprint"] = fingerprint
    if change.kind == "moved":
        updates["moved_to"] = change.new_url
    updates["next_check_at"] = _next_check(ctx, art, fetch, judgement.recheck_in, now)

    events: list[NewEvent] = []
    save_doc = None
    if change.kind in ("edited", "restored") or (change.kind == "unchanged" and doc is not None and doc is not prev_doc):
        save_doc = doc
    if change.kind in ("edited", "deleted", "moved", "restored", "unlisted"):
        events.append(
            NewEvent(
                change.kind, art["outlet_id"], art["id"], now, how=change.how, new_url=change.new_url,
                summary=change.summary, details=change.details or None,
                version_is_new=save_doc is not None,
                extra_fetch_ids=tuple(change.details.get("evidence_fetch_ids", ()) if change.details else ()),
            )
        )
    ctx.store.record_check(art["id"], art["outlet_id"], fetch, loc, document=save_doc, article_updates=updates, events=events)
    ctx.emit(events, art["url"], art["outlet"])
    return events


def _record_first(
    ctx: Context, art: dict, outlet: dict, fetch: Fetch, loc: WarcLocation, doc: Document | None,
    fingerprint: str | None, updates: dict[str, Any], now: datetime,
) -> list[NewEvent]:
    """The first good fetch of a URL makes version 1 and a `new` event, unless it is not an article."""
    events: list[NewEvent] = []
    if doc is None:  # no article yet (error, 404 ...): try again on the failure schedule
        updates["next_check_at"] = after_failure(
            ctx.schedule.interval(0), art["checks"] + 1, fetch.retry_after, now
        )
        if fetch.error is None and fetch.status is not None and 400 <= fetch.status < 500 and art["checks"] >= 2:
            updates.update(status=NOT_ARTICLE, next_check_at=now + FAR_FUTURE)
        ctx.store.record_check(art["id"], art["outlet_id"], fetch, loc, document=None, article_updates=updates)
        return events
    if doc.page_type != "article":
        updates.update(status=NOT_ARTICLE, next_check_at=now + FAR_FUTURE, title=doc.title)
        ctx.store.record_check(art["id"], art["outlet_id"], fetch, loc, document=None, article_updates=updates)
        return events
    canonical = canonicalize(doc.canonical_url) if doc.canonical_url else None
    updates.update(
        fingerprint=fingerprint,
        state=changes.ArticleState.initial(doc, now).to_dict(),
        next_check_at=ctx.schedule.next_check(art["url"], art["published"], art["first_seen"], now),
    )
    events.append(NewEvent("new", art["outlet_id"], art["id"], now, summary=doc.title, version_is_new=True))
    ctx.store.record_check(art["id"], art["outlet_id"], fetch, loc, document=doc, article_updates=updates, events=events)
    if canonical and canonical != art["url"] and same_site(canonical, outlet.get("homepage", art["url"])):
        ctx.store.remember_url(art["id"], canonical, now)
    ctx.emit(events, art["url"], art["outlet"])
    return events


def _next_check(ctx: Context, art: dict, fetch: Fetch, recheck_in: float | None, now: datetime) -> datetime:
    regular = ctx.schedule.next_check(art["url"], art["published"], art["first_seen"], now)
    if recheck_in is not None:
        return min(regular, now + timedelta(seconds=recheck_in))
    if fetch.error is not None:
        interval = (regular - now).total_seconds()
        return after_failure(interval, 1, fetch.retry_after, now)
    return regular


async def _observe(
    ctx: Context, outlet_id: int, outlet: str, fetch: Fetch, kind: str, fingerprint: str | None, now: datetime
) -> None:
    """Feed the outlet's outage guard; record one `outage` event when an outage begins."""
    tracker = ctx.trackers.get(outlet_id)
    if tracker is None:
        saved = (ctx.store.outlet(id=outlet_id) or {}).get("outage")
        tracker = outages.OutageTracker.from_dict(saved) if saved else outages.OutageTracker()
        ctx.trackers[outlet_id] = tracker
    ok = fetch.error is None and fetch.status is not None and fetch.status < 500
    transitions = tracker.observe(
        outages.Outcome(now=now, url=fetch.url, kind=kind, ok=ok, error=fetch.error, status=fetch.status,
                        body_fingerprint=fingerprint)
    )
    if not transitions:
        return
    ctx.store.update_outlet(outlet_id, outage=tracker.to_dict())
    for tr in transitions:
        if tr == "outage-start":
            ev = NewEvent("outage", outlet_id, None, now, summary=f"{outlet}: outage began ({fetch.error or fetch.status})")
            ctx.store.append_event(ev)
            ctx.emit([ev], None, outlet)


def _document_from_version(v: dict, url: str) -> Document:
    return Document(
        url=v["url"] or url, canonical_url=None, title=v["title"], byline=v["byline"], published=v["published"],
        updated=v["updated"], language=v["language"], text=v["text"], page_type="article",
    )


def _origin(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
