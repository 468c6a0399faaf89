"""One check of one URL, start to finish: fetch → archive → extract → judge → record.

This is the whole system in one place. `runner.py` (one process) and, later, a scale-out worker drive
these same functions; everything they need arrives in a `Context`, so tests can hand in their own parts.
Order matters for evidence: the WARC records are written and flushed before the database commit that
points at them, so a kill at any moment leaves no row pointing at missing records.
"""

from __future__ import annotations

import logging
import random
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from . import changes, models, outages, soft404, stories
from .analysis import Analyser
from .archive import Archive, RevisitTarget, warc_date
from .extract import extract
from .fetcher import Expect, Fetcher
from .looplag import LoopLag
from .models import Document, Fetch, WarcLocation
from .scheduler import Schedule, after_failure, source_next_poll
from .settings import Settings
from .sources.discover import discover
from .sources.feeds import parse_feed
from .sources.listings import parse_listing_page
from .sources.sitemaps import parse_sitemap
from .store import CheckOutcome, NewEvent, Store
from .urls import canonicalize, looks_like_article_url, same_site

NOT_ARTICLE = (
    "not-article"  # article status for URLs that turned out to be section/tag/static pages
)
FAR_FUTURE = timedelta(days=3650)
log = logging.getLogger("memoryhole.pipeline")
# How far back the first unlisting judgement of a process looks for articles that left listings.
UNLISTING_LOOKBACK = timedelta(days=7)
REVISIT_CACHE = 50_000  # payload digests remembered in memory for revisit records


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
    outlet_cache: dict[int, tuple[float, changes.OutletContext]] = field(default_factory=dict)
    revisits: OrderedDict[str, RevisitTarget] = field(default_factory=OrderedDict)
    lag: LoopLag = field(default_factory=LoopLag)
    # outlet id -> articles whose unlisting is being judged (just left a listing, or suspected)
    unlisting_watch: dict[int, set[int]] = field(default_factory=dict)

    def revisit_of(self, digest: str) -> RevisitTarget | None:
        """The first full record of this payload: from memory when recent, else from the store."""
        hit = self.revisits.get(digest)
        if hit is not None:
            return hit
        found = self.store.revisit_target(digest)
        if found is None:
            return None
        uri, date, record_id = found
        return self._remember(digest, RevisitTarget(uri, warc_date(date), record_id))

    def _remember(self, digest: str, target: RevisitTarget) -> RevisitTarget:
        self.revisits[digest] = target
        if len(self.revisits) > REVISIT_CACHE:
            self.revisits.popitem(last=False)
        return target

    def save(self, fetch: Fetch) -> WarcLocation:
        """Archive one fetch (every hop, or a metadata record for a failure) before anything refers to it."""
        loc = self.archive.write_fetch(fetch, revisit_of=self.revisit_of)
        if not loc.revisit and loc.payload_digest and loc.record_id and fetch.exchanges:
            last = fetch.exchanges[-1]
            if last.complete and last.raw_body:
                self._remember(
                    loc.payload_digest,
                    RevisitTarget(last.url, warc_date(last.started_at), loc.record_id),
                )
        return loc

    def emit(self, events: list[NewEvent], url: str | None, outlet: str) -> None:
        if self.on_event is None:
            return
        for ev in events:
            self.on_event(
                {
                    "kind": ev.kind,
                    "url": url,
                    "source": outlet,
                    "how": ev.how,
                    "new_url": ev.new_url,
                    "summary": ev.summary,
                    "detected_at": ev.detected_at,
                }
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
    ctx.outlet_cache.pop(outlet["id"], None)
    return added


async def _verify_source(ctx: Context, kind: str, url: str) -> bool:
    fetch = await ctx.fetcher.fetch(url, expect="xml")
    if not fetch.ok:
        return False
    listing = (
        parse_feed(fetch.body, fetch.final_url)
        if kind == "feed"
        else parse_sitemap(fetch.body, fetch.final_url)
    )
    return listing.error is None and bool(listing.entries or listing.child_sitemaps)


async def probe_outlet(ctx: Context, outlet: dict, now: datetime) -> None:
    """Request a random nonexistent URL to (re)learn the outlet's not-found page (Bar-Yossef et al.)."""
    url = _origin(outlet["homepage"]) + soft404.random_probe_path(random.Random())
    fetch = await ctx.fetcher.fetch(url, expect="html")
    ctx.store.record_fetch(fetch, ctx.save(fetch), "probe", outlet_id=outlet["id"])
    values: dict[str, Any] = {"next_probe_at": now + timedelta(seconds=ctx.settings.probe_interval)}
    if fetch.status is not None and fetch.error is None:
        # An empty body (a bare 404 is common) is an empty page: learn() cannot read None.
        page: Document | str = (
            extract(fetch.body, fetch.final_url, charset=fetch.charset) if fetch.body else ""
        )
        values["not_found"] = soft404.Profile.learn(fetch.status, fetch.final_url, page).to_dict()
    elif fetch.error is not None:  # try again soon: a probe that failed taught nothing
        values["next_probe_at"] = now + timedelta(seconds=min(ctx.settings.probe_interval, 300))
    ctx.store.update_outlet(outlet["id"], **values)
    ctx.outlet_cache.pop(outlet["id"], None)


# ---- listings ------------------------------------------------------------------------------------
async def check_source(ctx: Context, src: dict, now: datetime) -> int:
    """Poll one feed, sitemap or listing page; returns how many new articles it revealed."""
    expect: Expect = "html" if src["kind"] == "listing" else "xml"
    fetch = await ctx.fetcher.fetch(
        src["url"], etag=src["etag"], last_modified=src["last_modified"], expect=expect
    )
    loc = ctx.save(fetch)
    ctx.store.record_fetch(fetch, loc, "source", outlet_id=src["outlet_id"], source_id=src["id"])
    kind = "homepage" if src["url"] == src["homepage"] else "feed"
    await _observe(ctx, src["outlet_id"], src["outlet"], fetch, kind, None, now)
    if not fetch.ok:
        failures = src["failures"] + 1
        ctx.store.update_source(
            src["id"],
            failures=failures,
            last_polled_at=now,
            last_error=fetch.error or f"http-{fetch.status}",
            next_poll_at=source_next_poll(src["poll_seconds"], failures, fetch.retry_after, now),
        )
        return 0
    updates: dict[str, Any] = dict(
        failures=0,
        last_polled_at=now,
        last_ok_at=now,
        last_error=None,
        next_poll_at=source_next_poll(src["poll_seconds"], 0, None, now),
        etag=fetch.etag,
        last_modified=fetch.last_modified,
    )
    if fetch.not_modified:
        ctx.store.update_source(src["id"], **updates)
        _judge_unlisting(ctx, src["outlet_id"], src["outlet"], now)  # a suspicion needs confirming
        return 0
    listing = _parse_listing(src, fetch)
    if listing.error is not None:
        updates.update(last_error=listing.error, last_ok_at=src["last_ok_at"])
        ctx.store.update_source(src["id"], **updates)
        return 0
    if src["kind"] == "sitemap":  # a news sitemap shows two days; a full one never drops entries
        windowed = "news" in src["url"].lower() or any(e.title for e in listing.entries)
        if windowed != src["windowed"]:
            updates["windowed"] = windowed
    for child in listing.child_sitemaps:
        if same_site(child, src["homepage"]):
            ctx.store.add_source(src["outlet_id"], "sitemap", child, now)
    entries = []
    for entry in listing.entries:
        if not same_site(entry.url, src["homepage"]) or looks_like_article_url(entry.url) is False:
            continue
        entries.append((canonicalize(entry.url), entry.url, entry.published))
    left: list[int] = []
    new = ctx.store.record_listing(src["outlet_id"], src["id"], entries, now, left)
    ctx.store.update_source(src["id"], **updates)
    watch = ctx.unlisting_watch.get(src["outlet_id"])
    if watch is not None:  # (the first look of a process finds them by date instead)
        watch.update(left)
    _judge_unlisting(ctx, src["outlet_id"], src["outlet"], now)
    return len(new)


def _parse_listing(src: dict, fetch: Fetch) -> Any:
    if src["kind"] == "feed":
        return parse_feed(fetch.body, fetch.final_url)
    if src["kind"] == "sitemap":
        return parse_sitemap(fetch.body, fetch.final_url)
    return parse_listing_page(fetch.body, fetch.final_url, src["homepage"])


def _older_still_listed(
    ctx: Context, membership: dict, article_id: int, published: datetime | None
) -> bool | None:
    """Evidence that an entry older than the article is still listed where it would roll off from:
    on an undated feed, by position; on a listing page, by date (the teaser's, else the article's
    own) among the entries at or below the article's last place, so that a pinned story or an
    editor's pick above it proves nothing. None: judge by the listing's dates alone (dated feeds,
    sitemaps, which keep no meaningful order)."""
    if membership["listed"]:
        return None
    if membership["kind"] == "listing":
        if published is None:
            return False
        return ctx.store.older_listed_below(membership["source_id"], article_id, published)
    if membership["kind"] != "feed" or membership["listed_published"] is not None:
        return None
    return ctx.store.older_still_listed(membership["source_id"], article_id)


def _judge_unlisting(ctx: Context, outlet_id: int, outlet: str, now: datetime) -> None:
    """After a poll: articles gone from every listing (or back in one) get an unlisting judgement."""
    tracker = _tracker(ctx, outlet_id)
    if tracker.in_outage:
        return
    octx: changes.OutletContext | None = None
    watch = ctx.unlisting_watch.get(outlet_id)
    if watch is None:  # first look in this process: whatever left its listings lately
        candidates = ctx.store.unlisting_candidates(outlet_id, left_since=now - UNLISTING_LOOKBACK)
    else:
        candidates = ctx.store.unlisting_candidates(outlet_id, ids=watch)
    watching: set[int] = set()
    ctx.unlisting_watch[outlet_id] = watching
    for art in candidates:
        if not art["state"]:
            continue
        octx = octx or _outlet_context(ctx, outlet_id, tracker)
        state = changes.ArticleState.from_dict(art["state"])
        published = art["published"] or changes.published_of(state)
        presences = []
        for m in ctx.store.memberships(art["id"]):
            lo, hi, count = ctx.store.listing_extent(m["source_id"])
            presences.append(
                changes.ListingPresence(
                    listing_url=m["url"],
                    still_listed=m["listed"],
                    entries=count,
                    windowed=m["windowed"],
                    newest_listed=hi,
                    oldest_listed=lo,
                    older_still_listed=_older_still_listed(ctx, m, art["id"], published),
                    polled_at=m["last_ok_at"],
                )
            )
        j = changes.judge_unlisting(
            state,
            presences,
            octx,
            now,
            published=published,
            evidence_id=None,
            policy=ctx.policy,
            require_served=True,
        )
        if j.state.status == "live" and (j.state.pending_unlisting or j.state.pending):
            watching.add(art["id"])  # judged again at the next poll, until settled either way
        events = []
        if j.change.kind in ("unlisted", "restored"):
            events.append(
                NewEvent(
                    j.change.kind,
                    outlet_id,
                    art["id"],
                    now,
                    summary=j.change.summary,
                    details=j.change.details or None,
                )
            )
        if events or _state_changed(state, j.state):
            ctx.store.set_state(art["id"], j.state.status, j.state.to_dict(), events)
            ctx.emit(events, art["url"], outlet)


# ---- articles ------------------------------------------------------------------------------------
async def check_article(ctx: Context, art: dict, now: datetime) -> list[NewEvent]:
    """Fetch one article, archive the exchange, extract if it changed, judge and record the outcome."""
    fetch = await ctx.fetcher.fetch(
        art["url"], etag=art["etag"], last_modified=art["last_modified"], expect="html"
    )
    loc = ctx.save(fetch)
    state = (
        changes.ArticleState.from_dict(art["state"])
        if art["state"]
        else changes.ArticleState(art["url"])
    )

    fingerprint, doc = art["fingerprint"], None
    if fetch.not_modified or (fetch.ok and fetch.payload_sha256 == art["payload_sha256"]):
        doc = state.doc  # byte-identical (or 304): nothing to extract
    elif fetch.status == 200 and fetch.error is None and fetch.body:
        analysis = await ctx.analyser(
            fetch.body, fetch.charset, fetch.final_url, art["fingerprint"]
        )
        fingerprint = analysis.fingerprint
        doc = analysis.document if analysis.document is not None else state.doc

    updates: dict[str, Any] = {"last_checked": now, "checks": art["checks"] + 1}
    if fetch.ok and not fetch.not_modified:
        updates.update(
            etag=fetch.etag, last_modified=fetch.last_modified, payload_sha256=fetch.payload_sha256
        )
    if state.doc is None and not _first_is_article(ctx, art, fetch, doc, updates, now):
        ctx.store.record_check(
            art["id"], art["outlet_id"], fetch, loc, lambda _id: CheckOutcome(None, updates)
        )
        return []

    tracker = _tracker(ctx, art["outlet_id"])
    await _observe(ctx, art["outlet_id"], art["outlet"], fetch, "article", fingerprint, now)
    # A listing poll may have judged the article (unlisted) while this check awaited: judge on top
    # of that, not of the state read at launch (no await from here to the commit).
    fresh = ctx.store.article_state(art["id"])
    if fresh and fresh != art["state"]:
        state = changes.ArticleState.from_dict(fresh)
    octx = _outlet_context(ctx, art["outlet_id"], tracker)
    if doc is not None and doc is not state.doc and fetch.ok:
        updates["fingerprint"] = fingerprint
    events: list[NewEvent] = []
    copy_of = _copy_of(ctx, art, doc) if state.doc is None and doc is not None else None

    def decide(fetch_id: int) -> CheckOutcome:
        judgement = changes.judge(
            state, fetch, doc, octx, now, fetch_id=fetch_id, policy=ctx.policy
        )
        change, new_state = judgement.change, judgement.state
        if _state_changed(state, new_state):
            updates["state"] = new_state.to_dict()
        updates["status"] = new_state.status
        paused = bool(change.details and change.details.get("paused"))
        if paused or new_state.pending is not None or new_state.status not in ("live", "unlisted"):
            # A 304, the same bytes or the same fingerprint next time would read as the baseline
            # version, which this page is not (or, judged during an outage, may not be: a removal
            # notice or a redirect seen then was not judged): fetch and read the next one in full.
            updates.update(etag=None, last_modified=None, payload_sha256=None, fingerprint=None)
        if change.kind == "moved":
            updates["moved_to"] = change.new_url
        updates["next_check_at"] = _next_check(ctx, art, fetch, judgement.recheck_in, now)
        # a version per real change; an `updated` date alone (often "now" on every load) is not one
        save_doc = doc if change.kind in ("new", "edited", "restored") else None
        # a story already tracked under another URL (a move seen first at its new URL) is not new
        if change.kind == "deleted":  # where readers can still find the story
            change = _with_live_copies(ctx, art["id"], change)
        if change.kind not in ("unchanged", "suspect") and not (change.kind == "new" and copy_of):
            events.append(
                NewEvent(
                    change.kind,
                    art["outlet_id"],
                    art["id"],
                    now,
                    how=change.how,
                    new_url=change.new_url,
                    summary=change.summary,
                    details=change.details or None,
                    version_is_new=save_doc is not None,
                    extra_fetch_ids=tuple((change.details or {}).get("fetch_ids", ())),
                )
            )
        return CheckOutcome(save_doc, updates, events)

    ctx.store.record_check(art["id"], art["outlet_id"], fetch, loc, decide)
    if events and events[0].kind == "new" and doc is not None and doc.canonical_url:
        canonical = canonicalize(doc.canonical_url)
        if canonical != art["url"] and same_site(canonical, art["url"]):
            ctx.store.remember_url(art["id"], canonical, now)
    ctx.emit(events, art["url"], art["outlet"])
    return events


def _with_live_copies(ctx: Context, article_id: int, change: models.Change) -> models.Change:
    copies = stories.live_copies(ctx.store, article_id)
    if not copies:
        return change
    where = ", ".join(f"{c['source']} ({c['url']})" for c in copies[:3])
    return replace(
        change,
        summary=f"{change.summary}; still live at {where}",
        details={**(change.details or {}), "still_live_at": copies},
    )


def _copy_of(ctx: Context, art: dict, doc: Document) -> int | None:
    """Another article of the outlet whose latest version is this very document, if any."""
    return ctx.store.article_with_version(art["outlet_id"], doc.digest, exclude=art["id"])


def _first_is_article(
    ctx: Context,
    art: dict,
    fetch: Fetch,
    doc: Document | None,
    updates: dict[str, Any],
    now: datetime,
) -> bool:
    """Before its first version: is this URL an article at all? Fills `updates` when it is not (yet)."""
    if doc is not None and doc.page_type == "article":
        return True
    if (
        doc is not None
    ):  # a section, tag, author, search or static page: never tracked as an article
        updates.update(status=NOT_ARTICLE, next_check_at=now + FAR_FUTURE, title=doc.title)
    elif (
        fetch.error is None
        and fetch.status is not None
        and 400 <= fetch.status < 500
        and art["checks"] >= 2
    ):
        updates.update(
            status=NOT_ARTICLE, next_check_at=now + FAR_FUTURE
        )  # listed but never served
    else:  # no article yet (error, 404 ...): try again on the failure schedule
        updates["next_check_at"] = after_failure(
            ctx.schedule.interval(0), art["checks"] + 1, fetch.retry_after, now
        )
    return False


def _state_changed(old: changes.ArticleState, new: changes.ArticleState) -> bool:
    """Whether the judgement state must be written (a bare `last_ok_at` tick is not worth a write)."""
    return replace(old, last_ok_at=None) != replace(new, last_ok_at=None)


def _outlet_context(
    ctx: Context, outlet_id: int, tracker: outages.OutageTracker
) -> changes.OutletContext:
    """What the judge needs to know about an outlet; read from the store at most once a minute."""
    cached = ctx.outlet_cache.get(outlet_id)
    if cached is None or cached[0] < time.monotonic():
        outlet = ctx.store.outlet(id=outlet_id) or {}
        octx = changes.OutletContext(
            homepage_url=outlet.get("homepage", ""),
            section_urls=frozenset(
                s["url"] for s in ctx.store.outlet_sources(outlet_id) if s["kind"] == "listing"
            ),
            not_found=soft404.Profile.from_dict(outlet["not_found"])
            if outlet.get("not_found")
            else None,
        )
        cached = (time.monotonic() + 60.0, octx)
        ctx.outlet_cache[outlet_id] = cached
    return replace(
        cached[1], in_outage=tracker.in_outage, served_elsewhere=tracker.served_elsewhere()
    )


def _next_check(
    ctx: Context, art: dict, fetch: Fetch, recheck_in: float | None, now: datetime
) -> datetime:
    regular = ctx.schedule.next_check(art["url"], art["published"], art["first_seen"], now)
    if recheck_in is not None:
        return min(regular, now + timedelta(seconds=recheck_in))
    if fetch.error is not None:
        interval = (regular - now).total_seconds()
        return after_failure(interval, 1, fetch.retry_after, now)
    return regular


async def _observe(
    ctx: Context,
    outlet_id: int,
    outlet: str,
    fetch: Fetch,
    kind: str,
    fingerprint: str | None,
    now: datetime,
) -> None:
    """Feed the outlet's outage guard; record one `outage` event when an outage begins. A timeout
    during which the monitor's own loop ran late is left out: it may be ours (see `looplag`)."""
    ctx.lag.ensure_running()
    if fetch.error == "timeout" and ctx.lag.explains(fetch.elapsed):
        log.info("%s: timeout while the monitor ran late; not outage evidence", fetch.url)
        return
    tracker = _tracker(ctx, outlet_id)
    ok = fetch.error is None and fetch.status is not None and fetch.status < 500
    transitions = tracker.observe(
        outages.Outcome(
            now=now,
            url=fetch.url,
            kind=kind,
            ok=ok,
            error=fetch.error,
            status=fetch.status,
            body_fingerprint=fingerprint,
        )
    )
    if not transitions:
        return
    ctx.store.update_outlet(outlet_id, outage=tracker.to_dict())
    for tr in transitions:
        if tr.kind == "outage-start":
            ev = NewEvent(
                "outage",
                outlet_id,
                None,
                now,
                summary=f"{outlet}: outage began ({tr.reason})",
                details=tr.to_dict(),
            )
            ctx.store.append_event(ev)
            ctx.emit([ev], None, outlet)


def _tracker(ctx: Context, outlet_id: int) -> outages.OutageTracker:
    """The outlet's outage guard, loaded once per process and saved whenever it changes state."""
    tracker = ctx.trackers.get(outlet_id)
    if tracker is None:
        saved = (ctx.store.outlet(id=outlet_id) or {}).get("outage")
        tracker = outages.OutageTracker.from_dict(saved) if saved else outages.OutageTracker()
        ctx.trackers[outlet_id] = tracker
    return tracker


def _origin(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
