"""The judgement of one article check: previous state + new fetch/document + outlet context → a Change
(new, unchanged, suspect, edited, deleted with how, moved, restored; unlisted from listings) and the
next state. Pure: no clock, no I/O; the rules and the state machine are told in docs/judgement.md.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from dataclasses import fields as dataclass_fields
from datetime import UTC, datetime
from urllib.parse import urlsplit

from . import urls
from .diffing import paragraphs, similarity, word_diff, words_added, words_removed
from .models import Change, Document, Fetch
from .quotes.changes import quote_changes_with_speakers
from .soft404 import Profile, not_found_phrases, removed_notice

__all__ = [
    "ArticleState",
    "EditSummary",
    "Judgement",
    "ListingPresence",
    "OutletContext",
    "Policy",
    "Suspicion",
    "compare_versions",
    "judge",
    "judge_unlisting",
    "normalise_text",
    "published_of",
]

# Statuses that mean "come back later": the server is busy, slow, rate limiting or asking again.
# 408 and 425 are 4xx by number but say nothing about the article.
_TRANSIENT_STATUSES = frozenset({408, 425, 429})
_PERMANENT_REDIRECTS = frozenset({301, 308})
# Fields whose change is an edit worth an alert. "updated" alone is not: many sites bump
# dateModified on every cache refresh.
SUBSTANTIVE_FIELDS = ("title", "byline", "published", "body")
_SCALAR_FIELDS = ("title", "byline", "published", "updated")
# Below this similarity to the last good version a page at the same URL is a different page.
_DIFFERENT_PAGE = 0.3
_WORD = re.compile(r"\w+")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))


# ---------------------------------------------------------------- comparing two versions


def normalise_text(text: str) -> str:
    """Compatibility-normalised text without invisible characters, whitespace collapsed within
    paragraphs and blank lines between them: what "the same content" means for an edit."""
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    return "\n\n".join(paragraphs(text))


def _normalise_date(value: str | None) -> str | None:
    if not value or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return value.strip()
    return (parsed.astimezone(UTC) if parsed.tzinfo else parsed).isoformat()


def _scalars(doc: Document) -> dict[str, str | None]:
    return {
        "title": " ".join(normalise_text(doc.title).split()),
        "byline": " ".join(normalise_text(doc.byline).split()),
        "published": _normalise_date(doc.published),
        "updated": _normalise_date(doc.updated),
    }


@dataclass(frozen=True)
class EditSummary:
    """What changed between two versions of one article."""

    fields: tuple[str, ...]  # of title, byline, published, updated, body, quotations
    words_added: int = 0
    words_removed: int = 0
    similarity: float = 1.0  # of the bodies, 0..1
    scalars: dict = field(default_factory=dict)  # field -> {"old", "new"} for changed scalar fields
    diff: list = field(default_factory=list)  # diffing.word_diff of the bodies ([] if body same)
    quotes: dict = field(
        default_factory=dict
    )  # quotes.changes.quote_changes_with_speakers ({} if body same)

    @property
    def substantive(self) -> bool:
        """Worth an "edited" event: more than the updated date changed."""
        return any(f in SUBSTANTIVE_FIELDS for f in self.fields)

    def describe(self) -> str:
        parts = [", ".join(self.fields) + " changed"]
        if "body" in self.fields:
            parts.append(f"+{self.words_added} -{self.words_removed} words")
        n_quotes = sum(len(v) for v in self.quotes.values())
        if n_quotes:
            parts.append(f"{n_quotes} quotation change{'s' if n_quotes > 1 else ''}")
        return "; ".join(parts)

    def to_dict(self) -> dict:
        """Plain JSON; also the public field names of an edit (records.py lifts them to the top
        of an event's record): changed, quotes_removed, quotes_changed, quotes_added."""
        quotes = {f"quotes_{k}": self.quotes.get(k, []) for k in ("removed", "changed", "added")}
        return {
            **asdict(self),
            "fields": list(self.fields),
            "substantive": self.substantive,
            "changed": list(self.fields),
            **quotes,
        }

    @classmethod
    def from_dict(cls, data: dict) -> EditSummary:
        known = {f.name for f in dataclass_fields(cls)}
        data = {k: v for k, v in data.items() if k in known}
        return cls(**{**data, "fields": tuple(data["fields"])})


def compare_versions(old: Document, new: Document) -> EditSummary | None:
    """None when the normalised content is the same (whitespace, invisible characters and
    paragraph breaks alone are not changes); otherwise what changed."""
    if old is new or old == new:  # the common recheck: same bytes, 304 or same fingerprint
        return None
    old_s, new_s = _scalars(old), _scalars(new)
    changed = [f for f in _SCALAR_FIELDS if old_s[f] != new_s[f]]
    old_text, new_text = normalise_text(old.text), normalise_text(new.text)
    if old_text.split() != new_text.split():
        changed.append("body")
    if not changed:
        return None
    summary = EditSummary(
        fields=(), scalars={f: {"old": old_s[f], "new": new_s[f]} for f in changed if f in old_s}
    )
    if "body" in changed:
        diff = word_diff(old_text, new_text)
        # who said the quotations that went: speakers matter more than the words around them
        quotes = quote_changes_with_speakers(old_text, new_text, new.language or old.language)
        if any(quotes.values()):
            changed.append("quotations")
        summary = replace(
            summary,
            words_added=words_added(diff),
            words_removed=words_removed(diff),
            similarity=round(similarity(old_text, new_text), 4),
            diff=diff,
            quotes=quotes,
        )
    order = ("title", "byline", "published", "updated", "body", "quotations")
    return replace(summary, fields=tuple(f for f in order if f in changed))


# ---------------------------------------------------------------- state


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _from_iso(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@dataclass(frozen=True)
class Suspicion:
    """Evidence for a change not yet confirmed. ``count`` counts checks at least
    Policy.confirm_min_gap apart; ``fetch_ids`` lists every fetch that showed the evidence."""

    kind: str  # "deleted" | "moved" | "restored" | "unlisted"
    how: str | None
    first_seen_at: datetime
    last_counted_at: datetime
    count: int = 1
    fetch_ids: tuple = ()
    new_url: str | None = None
    served: bool = False  # unlisting: a check found the article still served since it began
    served_at: datetime | None = None  # ... first at this time

    def same_evidence(self, kind: str, how: str | None, new_url: str | None) -> bool:
        return (self.kind, self.how, self.new_url) == (kind, how, new_url)

    def to_dict(self) -> dict:
        return {
            **asdict(self),
            "first_seen_at": _iso(self.first_seen_at),
            "last_counted_at": _iso(self.last_counted_at),
            "fetch_ids": list(self.fetch_ids),
            "served_at": _iso(self.served_at),
        }

    @classmethod
    def from_dict(cls, data: dict) -> Suspicion:
        return cls(
            **{
                **data,
                "first_seen_at": _from_iso(data["first_seen_at"]),
                "last_counted_at": _from_iso(data["last_counted_at"]),
                "fetch_ids": tuple(data["fetch_ids"]),
                "served_at": _from_iso(data.get("served_at")),
            }
        )


@dataclass(frozen=True)
class ArticleState:
    """What the judge remembers about one article between checks. Start with ArticleState(url)."""

    url: str
    status: str = "live"  # models.ARTICLE_STATUSES
    doc: Document | None = None  # the last good version: the baseline for edits and restorations
    served_url: str | None = None  # the final URL the baseline was served from
    last_ok_at: datetime | None = None
    status_since: datetime | None = None
    status_how: str | None = (
        None  # the deletion how, or how a move was seen ("redirect-301", "canonical")
    )
    new_url: str | None = None  # where it moved
    pending: Suspicion | None = None  # from fetches: deleted / moved / restored
    pending_unlisting: Suspicion | None = None  # from listings: unlisted
    failures: int = 0  # checks in a row that told nothing (429, 503, timeout): the back-off count

    def to_dict(self) -> dict:
        return {
            **{
                k: getattr(self, k)
                for k in ("url", "status", "served_url", "status_how", "new_url")
            },
            "doc": asdict(self.doc) if self.doc else None,
            "last_ok_at": _iso(self.last_ok_at),
            "status_since": _iso(self.status_since),
            "pending": self.pending.to_dict() if self.pending else None,
            "pending_unlisting": self.pending_unlisting.to_dict()
            if self.pending_unlisting
            else None,
            **({"failures": self.failures} if self.failures else {}),
        }

    @classmethod
    def from_dict(cls, data: dict) -> ArticleState:
        pending, unlisting = data.get("pending"), data.get("pending_unlisting")
        return cls(
            url=data["url"],
            status=data.get("status", "live"),
            doc=Document(**data["doc"]) if data.get("doc") else None,
            served_url=data.get("served_url"),
            last_ok_at=_from_iso(data.get("last_ok_at")),
            status_since=_from_iso(data.get("status_since")),
            status_how=data.get("status_how"),
            new_url=data.get("new_url"),
            pending=Suspicion.from_dict(pending) if pending else None,
            pending_unlisting=Suspicion.from_dict(unlisting) if unlisting else None,
            failures=int(data.get("failures") or 0),
        )


@dataclass(frozen=True)
class OutletContext:
    homepage_url: str
    section_urls: frozenset[str] = frozenset()
    not_found: Profile | None = None
    in_outage: bool = False  # outages.OutageTracker.in_outage, after observing this check
    # OutageTracker.served_elsewhere(): the outlet's last healthy checks of two different articles.
    # None = unknown (no requirement); given, a deletion is confirmed only once another article
    # was served fine after the deletion was first seen, so that an outlet-wide fault (one
    # maintenance page everywhere) that the outage guard has not caught yet deletes nothing.
    served_elsewhere: tuple[tuple[str, datetime], ...] | None = None


@dataclass(frozen=True)
class Policy:
    confirm_checks: int = 2  # checks showing the same evidence before a change is confirmed
    confirm_min_gap: float = 600.0  # seconds between two counted checks
    move_similarity: float = 0.7  # body similarity for "the same article"
    emptied_share: float = 0.1  # body at most this share of the baseline's words is "emptied"
    emptied_min_words: int = 50  # ... when the baseline had at least this many words
    truncated_share: float = (
        0.5  # a paragraph prefix shorter than this share is a teaser, not an edit
    )
    retry_backoff: float = 30.0  # seconds before the 2nd try in a row after a transient failure;
    # doubled for each further one (capped by the article's usual interval)


@dataclass(frozen=True)
class Judgement:
    change: Change
    state: ArticleState
    recheck_in: float | None  # seconds; None = the scheduler's usual interval


# ---------------------------------------------------------------- reading one fetch


@dataclass(frozen=True)
class _Signal:
    kind: str  # "transient" | "nochange" | "served" | "deleted" | "moved"
    how: str | None = None
    note: str = ""
    new_url: str | None = None
    similarity: float | None = None


def _key(url: str) -> str:
    """Location identity: scheme, www., trailing slash and tracking parameters ignored."""
    parts = urlsplit(urls.canonicalize(url))
    path = parts.path.rstrip("/")
    return f"{urls.host(url)}{path}" + (f"?{parts.query}" if parts.query else "")


def _transient_note(fetch: Fetch) -> str | None:
    status = fetch.status
    if fetch.error is not None:
        return f"{fetch.error}{f' ({status})' if status else ''}: not evidence about the article"
    if status is None or status >= 500 or status in _TRANSIENT_STATUSES or 300 <= status < 400:
        return f"HTTP {status}: not evidence about the article"
    return None


def _classify(
    state: ArticleState, fetch: Fetch, doc: Document | None, ctx: OutletContext, policy: Policy
) -> _Signal:
    if fetch.not_modified:
        return _Signal("nochange", note="not modified since the last fetch")
    note = _transient_note(fetch)
    if note is not None:
        return _Signal("transient", note=note)
    assert fetch.status is not None
    if fetch.status >= 400:
        how = {404: "http-404", 410: "http-410"}.get(fetch.status, "http-4xx")
        return _Signal("deleted", how, note=f"HTTP {fetch.status}")
    if doc is None:
        return _Signal("transient", note="no document could be extracted")
    here = {_key(state.url)} | ({_key(state.served_url)} if state.served_url else set())
    if _key(fetch.final_url) not in here:
        return _classify_redirect(state, fetch, doc, ctx)
    return _classify_page(state, fetch, doc, ctx, policy)


def _is_home_or_section(url: str, ctx: OutletContext) -> str | None:
    if urls.is_homepage(url, ctx.homepage_url):
        return "redirect-home"
    if _key(url) in {_key(s) for s in ctx.section_urls}:
        return "redirect-section"
    return None


def _classify_redirect(
    state: ArticleState, fetch: Fetch, doc: Document, ctx: OutletContext
) -> _Signal:
    target = fetch.final_url
    base = state.doc
    sim = similarity(normalise_text(base.text), normalise_text(doc.text)) if base else None
    how = _is_home_or_section(target, ctx)
    # A tag, topic or search page standing in for the article counts as a section.
    if how is None and (
        doc.page_type == "listing"
        or (doc.page_type != "article" and (sim or 0.0) < _DIFFERENT_PAGE)
    ):
        how = "redirect-section"
    if how is not None:
        return _Signal("deleted", how, note=f"redirected to {target}")
    if base is None or sim is None:
        return _Signal("served", note="first seen at the site's own URL")  # a short link resolving
    permanent = any(code in _PERMANENT_REDIRECTS for code, _, _ in fetch.redirects)
    via = "redirect-permanent" if permanent else "redirect-temporary"
    return _Signal(
        "moved",
        via,
        note=f"redirected to {target}",
        new_url=urls.canonicalize(target),
        similarity=sim,
    )


def _is_teaser(new_text: str, old_text: str, share: float) -> bool:
    """The new body is the first paragraphs of the old one and much shorter: a paywall or teaser."""
    new_p, old_p = paragraphs(new_text), paragraphs(old_text)
    shorter = len(new_text.split()) < share * len(old_text.split())
    return bool(new_p) and shorter and old_p[: len(new_p)] == new_p


def _classify_page(
    state: ArticleState, fetch: Fetch, doc: Document, ctx: OutletContext, policy: Policy
) -> _Signal:
    base = state.doc
    new_text = normalise_text(doc.text)
    old_text = normalise_text(base.text) if base else ""
    sim = similarity(old_text, new_text) if base else None
    if sim is not None and sim >= policy.move_similarity:
        return _classify_canonical(state, doc, ctx, sim)
    if removed_notice(new_text, doc.title):
        return _Signal("deleted", "removed-notice", note="the page says the material was removed")
    profile_match = ctx.not_found is not None and ctx.not_found.is_match(doc, fetch.final_url)
    if profile_match or not_found_phrases(new_text, doc.title):
        return _Signal("deleted", "soft-404", note="the page is the outlet's not-found page")
    if base is None:
        return _Signal("served")
    if (
        base.page_type == "article"
        and doc.page_type != "article"
        and (sim or 0.0) < _DIFFERENT_PAGE
    ):
        return _Signal("deleted", "soft-404", note=f"the URL now shows a {doc.page_type} page")
    if _is_teaser(new_text, old_text, policy.truncated_share):
        return _Signal("nochange", note="only the first paragraphs served (paywall or teaser?)")
    old_words = len(old_text.split())
    if (
        old_words >= policy.emptied_min_words
        and _own_words(new_text, doc) <= policy.emptied_share * old_words
    ):
        return _Signal("deleted", "emptied", note="the article body is gone from the page")
    return _Signal("served")  # rewritten heavily: an edit (a canonical change needs the same story)


def _own_words(text: str, doc: Document) -> int:
    """Words of a body that are its own: not echoes of the page's title or byline, no dates or
    times. An emptied article page extracts as its headline, byline, date and tags, and those
    must not count as a surviving body."""
    echoed = set(_WORD.findall(normalise_text(f"{doc.title} {doc.byline}").casefold()))
    return sum(1 for w in _WORD.findall(text.casefold()) if w not in echoed and not w.isdigit())


def _classify_canonical(
    state: ArticleState, doc: Document, ctx: OutletContext, sim: float | None
) -> _Signal:
    """The same story (sim already above the move threshold), but the outlet now names another
    URL as its canonical home: a move, confirmed like a deletion since canonicals can flap."""
    old_canon = state.doc.canonical_url if state.doc else None
    new_canon = doc.canonical_url
    if not old_canon or not new_canon or sim is None:
        return _Signal("served")
    known = {_key(old_canon), _key(state.url)} | (
        {_key(state.served_url)} if state.served_url else set()
    )
    if _key(new_canon) in known or _is_home_or_section(new_canon, ctx):
        return _Signal("served")
    return _Signal(
        "moved",
        "canonical",
        note=f"canonical URL now {new_canon}",
        new_url=urls.canonicalize(new_canon),
        similarity=sim,
    )


# ---------------------------------------------------------------- the state machine


def _advance(
    pending: Suspicion | None,
    kind: str,
    how: str | None,
    new_url: str | None,
    now: datetime,
    fetch_id,
    policy: Policy,
) -> tuple[Suspicion, bool]:
    """Count one more check of this evidence; (suspicion, confirmed)."""
    if pending is None or not pending.same_evidence(kind, how, new_url):
        fresh = Suspicion(kind, how, now, now, 1, (fetch_id,), new_url)
        return fresh, fresh.count >= policy.confirm_checks
    gap = (now - pending.last_counted_at).total_seconds()
    counted = gap >= policy.confirm_min_gap
    updated = replace(
        pending,
        count=pending.count + 1 if counted else pending.count,
        last_counted_at=now if counted else pending.last_counted_at,
        fetch_ids=(*pending.fetch_ids, fetch_id),
    )
    return updated, updated.count >= policy.confirm_checks


def _wait(pending: Suspicion, now: datetime, policy: Policy) -> float:
    elapsed = (now - pending.last_counted_at).total_seconds()
    return max(policy.confirm_min_gap - elapsed, 1.0) if elapsed > 0 else policy.confirm_min_gap


def _suspect(
    state: ArticleState, pending: Suspicion, signal: _Signal, now: datetime, policy: Policy
) -> Judgement:
    details = {
        "suspected": pending.kind,
        "count": pending.count,
        "needed": policy.confirm_checks,
        "first_seen_at": _iso(pending.first_seen_at),
        "fetch_ids": list(pending.fetch_ids),
    }
    change = Change(
        "suspect",
        how=pending.how,
        new_url=pending.new_url,
        summary=f"{pending.kind}? {signal.note}",
        details=details,
    )
    return Judgement(change, replace(state, pending=pending), _wait(pending, now, policy))


def _evidence(pending: Suspicion) -> dict:
    return {
        "fetch_ids": list(pending.fetch_ids),
        "first_seen_at": _iso(pending.first_seen_at),
        "checks": pending.count,
    }


def _unchanged(
    state: ArticleState,
    note: str,
    *,
    recheck_in: float | None = None,
    details: dict | None = None,
    **flags: bool,
) -> Judgement:
    change = Change("unchanged", summary=note, details={**flags, **(details or {})})
    return Judgement(change, state, recheck_in)


def judge(
    state: ArticleState,
    fetch: Fetch,
    doc: Document | None,
    ctx: OutletContext,
    now: datetime,
    *,
    fetch_id: str | int,
    policy: Policy = Policy(),  # noqa: B008 - frozen, so a shared default is safe
) -> Judgement:
    """Judge one check of one article. See docs/judgement.md for the rules."""
    if ctx.in_outage:
        return _unchanged(state, "outlet outage: judgement paused", paused=True)
    signal = _classify(state, fetch, doc, ctx, policy)
    if signal.kind == "transient":
        failed = replace(state, failures=state.failures + 1)
        return _unchanged(
            failed,
            signal.note,
            recheck_in=_retry_wait(failed, fetch, policy),
            transient=True,
            details={"error": fetch.error, "status": fetch.status},
        )
    if state.failures:
        state = replace(state, failures=0)  # it answered: the back-off starts over next time
    if signal.kind == "nochange":
        fresh = state.status == "live" and state.pending is None
        return _unchanged(
            _seen_served(replace(state, last_ok_at=now)) if fresh else state, signal.note
        )
    if signal.kind == "deleted":
        return _on_deleted(state, signal, ctx, now, fetch_id, policy)
    assert doc is not None
    if signal.kind == "moved":
        return _on_moved(state, signal, fetch, doc, now, fetch_id, policy)
    return _on_served(state, signal, fetch, doc, now, fetch_id, policy)


def _retry_wait(state: ArticleState, fetch: Fetch, policy: Policy) -> float | None:
    """Seconds until the next try after a check that told nothing. The first retry comes when the
    server's Retry-After says (or, with a suspicion pending, after the confirmation gap); from the
    second failure in a row the wait doubles from `retry_backoff`, and Retry-After is only a
    floor under it: a server answering 429 "Retry-After: 2" for an hour is not asked every 2 s."""
    floor = fetch.retry_after or 0.0
    if state.pending:
        floor = max(floor, policy.confirm_min_gap)
    if state.failures <= 1:
        return floor or None
    return max(floor, policy.retry_backoff * 2 ** (state.failures - 2))


def _vouched(ctx: OutletContext, url: str, since: datetime) -> bool:
    if ctx.served_elsewhere is None:
        return True
    return any(other != url and at > since for other, at in ctx.served_elsewhere)


def _on_deleted(
    state: ArticleState,
    signal: _Signal,
    ctx: OutletContext,
    now: datetime,
    fetch_id,
    policy: Policy,
) -> Judgement:
    if state.status == "deleted":
        return _unchanged(replace(state, pending=None), f"still deleted ({signal.how})")
    if state.status == "moved":
        note = f"moved earlier to {state.new_url}; the old URL now gives {signal.how}"
        return _unchanged(replace(state, pending=None), note)
    pending, confirmed = _advance(state.pending, "deleted", signal.how, None, now, fetch_id, policy)
    if not confirmed or not _vouched(ctx, state.url, pending.first_seen_at):
        return _suspect(state, pending, signal, now, policy)
    title = state.doc.title if state.doc else ""
    details = {
        **_evidence(pending),
        "title": title,
        "last_ok_at": _iso(state.last_ok_at),
        "note": signal.note,
    }
    change = Change(
        "deleted",
        how=signal.how,
        summary=f"deleted ({signal.how}): {title}".rstrip(": "),
        details=details,
    )
    new_state = replace(
        state,
        status="deleted",
        status_how=signal.how,
        status_since=now,
        pending=None,
        pending_unlisting=None,
    )
    return Judgement(change, new_state, None)


def _on_moved(
    state: ArticleState,
    signal: _Signal,
    fetch: Fetch,
    doc: Document,
    now: datetime,
    fetch_id,
    policy: Policy,
) -> Judgement:
    if state.status == "moved" and state.new_url == signal.new_url:
        return _unchanged(state, f"still moved to {signal.new_url}")
    same = (signal.similarity or 0.0) >= policy.move_similarity
    # A permanent redirect to the same story is the outlet's own statement: one check is enough.
    if signal.how == "redirect-permanent" and same:
        pending, confirmed = (
            Suspicion("moved", signal.how, now, now, 1, (fetch_id,), signal.new_url),
            True,
        )
    else:
        pending, confirmed = _advance(
            state.pending, "moved", signal.how, signal.new_url, now, fetch_id, policy
        )
    if not confirmed:
        return _suspect(state, pending, signal, now, policy)
    edit = compare_versions(state.doc, doc) if state.doc else None
    details = {
        **_evidence(pending),
        "via": signal.how,
        "similarity": round(signal.similarity or 0.0, 4),
        "edit": edit.to_dict() if edit else None,
    }
    change = Change(
        "moved", new_url=signal.new_url, summary=f"moved to {signal.new_url}", details=details
    )
    new_state = replace(
        state,
        status="moved",
        status_how=signal.how,
        status_since=now,
        new_url=signal.new_url,
        doc=doc,
        last_ok_at=now,
        pending=None,
    )  # served_url stays the old URL, so the redirect keeps reading as "still moved"
    return Judgement(change, new_state, None)


def _on_served(
    state: ArticleState,
    signal: _Signal,
    fetch: Fetch,
    doc: Document,
    now: datetime,
    fetch_id,
    policy: Policy,
) -> Judgement:
    served = replace(state, doc=doc, served_url=state.served_url or fetch.final_url, last_ok_at=now)
    if state.doc is None:
        change = Change(
            "new", summary=doc.title, details={"title": doc.title, "final_url": fetch.final_url}
        )
        return Judgement(change, replace(served, pending=None), None)
    if (
        state.status == "moved"
        and doc.canonical_url
        and _key(doc.canonical_url) == _key(state.new_url or "")
    ):
        return _unchanged(
            replace(state, pending=None), f"still moved to {state.new_url} (canonical)"
        )
    if state.status in ("deleted", "moved"):
        return _on_restored(state, signal, served, fetch, doc, now, fetch_id, policy)
    cleared = (
        {"cleared": state.pending.kind, "cleared_how": state.pending.how} if state.pending else {}
    )
    served = _seen_served(replace(served, pending=None))
    edit = compare_versions(state.doc, doc)
    if edit is None:
        return _unchanged(served, "unchanged", details=cleared)
    if not edit.substantive:
        return _unchanged(
            served,
            f"metadata only: {edit.describe()}",
            details={"metadata": edit.to_dict(), **cleared},
        )
    change = Change("edited", summary=edit.describe(), details={**edit.to_dict(), **cleared})
    return Judgement(change, served, None)


def _seen_served(state: ArticleState) -> ArticleState:
    """Note on a pending unlisting that the article is still served (a moved or deleted article
    also leaves its listings, and only a check of the article itself tells them apart)."""
    p = state.pending_unlisting
    if p is None or p.served:
        return state
    return replace(state, pending_unlisting=replace(p, served=True, served_at=state.last_ok_at))


def _on_restored(
    state: ArticleState,
    signal: _Signal,
    served: ArticleState,
    fetch: Fetch,
    doc: Document,
    now: datetime,
    fetch_id,
    policy: Policy,
) -> Judgement:
    """A deleted or moved-away article served again at its own URL; confirmed like a deletion,
    because a stale cache can serve a deleted page for a while."""
    pending, confirmed = _advance(state.pending, "restored", None, None, now, fetch_id, policy)
    if not confirmed:
        return _suspect(
            state, pending, replace(signal, note="the article is served again"), now, policy
        )
    assert state.doc is not None
    edit = compare_versions(state.doc, doc)
    details = {
        **_evidence(pending),
        "was": state.status,
        "how": state.status_how,
        "edit": edit.to_dict() if edit else None,
    }
    change = Change(
        "restored",
        summary=f"restored after {state.status}" + (f"; {edit.describe()}" if edit else ""),
        details=details,
    )
    new_state = replace(
        served,
        status="live",
        status_how=None,
        status_since=now,
        new_url=None,
        pending=None,
        served_url=fetch.final_url,
    )
    return Judgement(change, new_state, None)


# ---------------------------------------------------------------- unlisting


@dataclass(frozen=True)
class ListingPresence:
    """One listing (feed, sitemap, listing page) the article was ever in, as it stands now.

    The pipeline computes it from stored memberships and the listing's latest successful fetch:
    ``still_listed``: the article is in that fetch; ``entries``: how many entries that fetch had
    (0 = no usable fetch, the listing is ignored); ``windowed``: the listing shows only recent items
    (feeds, news sitemaps, listing pages; False for full sitemaps and archives, which never roll off);
    ``newest_listed``/``oldest_listed``: the newest and oldest published dates among the current
    entries, when the listing gives dates; ``older_still_listed``: where order or teaser dates say so
    (undated feeds, listing pages), whether an entry older than the article is still listed at or
    below where the article stood; None when the listing is judged by its dates alone.
    """

    listing_url: str
    still_listed: bool
    entries: int
    windowed: bool = True
    newest_listed: datetime | None = None
    oldest_listed: datetime | None = None
    older_still_listed: bool | None = None
    polled_at: datetime | None = None  # the listing's latest successful poll

    def straddles(self, published: datetime | None) -> bool:
        """Entries both older and newer than the article remain: it did not roll off the end."""
        if not self.windowed:
            return True
        newer = published is None or self.newest_listed is None or published < self.newest_listed
        if self.older_still_listed is not None:
            return self.older_still_listed and newer
        if published is None or self.newest_listed is None or self.oldest_listed is None:
            return False
        return self.oldest_listed < published < self.newest_listed


def published_of(state: ArticleState) -> datetime | None:
    raw = state.doc.published if state.doc else None
    try:
        parsed = datetime.fromisoformat(raw) if raw else None
    except ValueError:
        return None
    if parsed is not None and parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)  # listing dates are UTC; a bare date is read as UTC too
    return parsed


def _fresh_after_served(pending: Suspicion, presences: Sequence[ListingPresence]) -> bool:
    """The article was found served, and every listing that gives its poll time was polled again
    since, still without it: a listing last read before then (while the article was, say, deleted
    and then restored) may list it again."""
    if not pending.served:
        return False
    since = pending.served_at
    return since is None or all(p.polled_at is None or p.polled_at >= since for p in presences)


def judge_unlisting(
    state: ArticleState,
    presences: Sequence[ListingPresence],
    ctx: OutletContext,
    now: datetime,
    *,
    published: datetime | None = None,
    evidence_id: str | int | None = None,
    policy: Policy = Policy(),  # noqa: B008 - frozen, so a shared default is safe
    require_served: bool = False,
) -> Judgement:
    """Unlisted: gone from every listing it was in, while at least one of them still shows entries
    older and newer than it (or never drops old entries), and the article still serves (live, no
    pending deletion). Confirmed over checks like a deletion. Relisted → restored. ``published``
    defaults to the article's own published date. With ``require_served``, confirmation also waits
    for a check of the article that found it still served after it left its listings (``judge``
    notes that on the suspicion): a moved or deleted article leaves its listings too."""
    usable = [p for p in presences if p.entries > 0]
    if ctx.in_outage:
        return _unchanged(state, "outlet outage: judgement paused", paused=True)
    if not usable or state.status in ("deleted", "moved") or state.doc is None:
        return _unchanged(state, "no unlisting judgement")
    listed = [p.listing_url for p in usable if p.still_listed]
    if listed:
        if state.status == "unlisted":
            change = Change(
                "restored", summary="listed again", details={"was": "unlisted", "listings": listed}
            )
            return Judgement(
                change, replace(state, status="live", status_since=now, status_how=None), None
            )
        return _unchanged(replace(state, pending_unlisting=None), "listed")
    if state.status == "unlisted":
        return _unchanged(state, "still unlisted")
    if state.pending is not None and state.pending.kind == "deleted":
        return _unchanged(state, "a deletion is being checked; not judging unlisting")
    when = published or published_of(state)
    straddled = [p.listing_url for p in usable if p.straddles(when)]
    if not straddled:
        return _unchanged(
            replace(state, pending_unlisting=None), "rolled off the end of its listings"
        )
    pending, confirmed = _advance(
        state.pending_unlisting, "unlisted", None, None, now, evidence_id, policy
    )
    if not confirmed or (require_served and not _fresh_after_served(pending, usable)):
        details = {
            "suspected": "unlisted",
            "count": pending.count,
            "needed": policy.confirm_checks,
            "listings": straddled,
        }
        change = Change("suspect", summary="unlisted? gone from its listings", details=details)
        return Judgement(
            change, replace(state, pending_unlisting=pending), _wait(pending, now, policy)
        )
    details = {**_evidence(pending), "listings": straddled, "title": state.doc.title}
    change = Change("unlisted", summary=f"unlisted: {state.doc.title}", details=details)
    return Judgement(
        change, replace(state, status="unlisted", status_since=now, pending_unlisting=None), None
    )
