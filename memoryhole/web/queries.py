"""The web UI's and API's read queries: every list paginated (keyset on id, newest first) and indexed.

Rows have the same keys as the Store's, so `memoryhole.records` turns them into the public JSON records.
Search adds the filters (outlet, dates, status, language) and paging that `Store.search` does not have.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, case, column, func, literal_column, or_, select, table, text

from ..store import events_select
from ..store import schema as t

__all__ = ["Page", "SearchFilters", "MARK_START", "MARK_END"]

MAX_LIMIT = 200
#: Snippet highlight markers: rare characters that survive HTML escaping and become <mark> or [ ].
MARK_START, MARK_END = "\u2985", "\u2986"


@dataclass(frozen=True)
class Page:
    """One page of a list, newest first; ``next_before`` is the cursor for the next page (None at the end)."""

    items: list[dict]
    next_before: int | None


def _page(rows: list[dict], limit: int) -> Page:
    if len(rows) > limit:
        return Page(rows[:limit], int(rows[limit - 1]["id"]))
    return Page(rows, None)


def clamp(limit: int) -> int:
    return max(1, min(int(limit), MAX_LIMIT))


# ---- events -----------------------------------------------------------------------------------
def events_page(
    engine: Engine,
    *,
    kind: str | None = None,
    outlet: str | None = None,
    article_id: int | None = None,
    since: datetime | None = None,
    before: int | None = None,
    limit: int = 50,
) -> Page:
    """Events newest first, joined like `Store.events` (url, source, version numbers, title)."""
    e = t.events
    limit = clamp(limit)
    q = events_select().order_by(e.c.id.desc()).limit(limit + 1)
    if kind:
        q = q.where(e.c.kind == kind)
    if outlet:
        q = q.where(e.c.outlet_id == _outlet_id_subquery(outlet))
    if article_id is not None:
        q = q.where(e.c.article_id == article_id)
    if since is not None:
        q = q.where(e.c.detected_at >= since)
    if before is not None:
        q = q.where(e.c.id < before)
    with engine.connect() as conn:
        return _page([dict(r) for r in conn.execute(q).mappings()], limit)


def _outlet_id_subquery(name: str) -> Any:
    return select(t.outlets.c.id).where(t.outlets.c.name == name).scalar_subquery()


# ---- articles ---------------------------------------------------------------------------------
def _version_count() -> Any:
    v = t.versions
    return (
        select(func.count())
        .where(v.c.article_id == t.articles.c.id)
        .correlate(t.articles)
        .scalar_subquery()
        .label("versions")
    )


def articles_page(
    engine: Engine,
    *,
    status: str | None = None,
    outlet: str | None = None,
    before: int | None = None,
    limit: int = 50,
) -> Page:
    """Articles newest first, with the keys `records.article_record` needs."""
    a, o = t.articles, t.outlets
    limit = clamp(limit)
    q = (
        select(a, o.c.name.label("source"), _version_count())
        .join(o, o.c.id == a.c.outlet_id)
        .order_by(a.c.id.desc())
        .limit(limit + 1)
    )
    if status:
        q = q.where(a.c.status == status)
    if outlet:
        q = q.where(a.c.outlet_id == _outlet_id_subquery(outlet))
    if before is not None:
        q = q.where(a.c.id < before)
    with engine.connect() as conn:
        return _page([dict(r) for r in conn.execute(q).mappings()], limit)


def article(engine: Engine, article_id: int) -> dict | None:
    a, o = t.articles, t.outlets
    q = (
        select(a, o.c.name.label("source"), _version_count())
        .join(o, o.c.id == a.c.outlet_id)
        .where(a.c.id == article_id)
    )
    with engine.connect() as conn:
        row = conn.execute(q).mappings().first()
    return dict(row) if row else None


def last_events_for(engine: Engine, article_ids: list[int], kind: str) -> dict[int, dict]:
    """The latest event of ``kind`` for each of a page of articles (why it is deleted, unlisted...)."""
    if not article_ids:
        return {}
    e = t.events
    latest = (
        select(func.max(e.c.id))
        .where(e.c.article_id.in_(article_ids), e.c.kind == kind)
        .group_by(e.c.article_id)
    )
    with engine.connect() as conn:
        rows = conn.execute(select(e).where(e.c.id.in_(latest))).mappings()
        return {r["article_id"]: dict(r) for r in rows}


def versions(engine: Engine, article_id: int) -> list[dict]:
    v = t.versions
    with engine.connect() as conn:
        rows = conn.execute(select(v).where(v.c.article_id == article_id).order_by(v.c.number))
        return [dict(r) for r in rows.mappings()]


def article_fetches(
    engine: Engine, article_id: int, *, limit: int = 100, offset: int = 0
) -> list[dict]:
    """The article's fetches, newest first (one page: a years-old article has thousands)."""
    f = t.fetches
    q = (
        select(f)
        .where(f.c.article_id == article_id)
        .order_by(f.c.started_at.desc(), f.c.id.desc())
        .limit(clamp(limit))
        .offset(max(0, offset))
    )
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(q).mappings()]


def fetch(engine: Engine, fetch_id: int) -> dict | None:
    with engine.connect() as conn:
        row = conn.execute(select(t.fetches).where(t.fetches.c.id == fetch_id)).mappings().first()
    return dict(row) if row else None


def fetches_by_ids(engine: Engine, ids: list[int]) -> dict[int, dict]:
    if not ids:
        return {}
    f = t.fetches
    with engine.connect() as conn:
        rows = conn.execute(select(f).where(f.c.id.in_(ids[:MAX_LIMIT]))).mappings()
        return {r["id"]: dict(r) for r in rows}


def original_of_revisit(engine: Engine, payload_digest: str) -> dict | None:
    """The first full response with this payload digest (a revisit record holds no payload)."""
    f = t.fetches
    q = (
        select(f)
        .where(
            f.c.payload_digest == payload_digest, f.c.revisit.is_(False), f.c.warc_file.is_not(None)
        )
        .order_by(f.c.id)
        .limit(1)
    )
    with engine.connect() as conn:
        row = conn.execute(q).mappings().first()
    return dict(row) if row else None


def version_of_fetch(engine: Engine, fetch_id: int) -> dict | None:
    v = t.versions
    with engine.connect() as conn:
        row = conn.execute(select(v).where(v.c.fetch_id == fetch_id)).mappings().first()
    return dict(row) if row else None


# ---- overview ---------------------------------------------------------------------------------
def outlet_names(engine: Engine) -> dict[int, str]:
    with engine.connect() as conn:
        rows = conn.execute(select(t.outlets.c.id, t.outlets.c.name).order_by(t.outlets.c.name))
        return {oid: name for oid, name in rows}


def status_counts(engine: Engine) -> dict[str, dict[str, int]]:
    """{outlet name: {article status: count}} (index-only over ix_articles_outlet)."""
    a, o = t.articles, t.outlets
    per = (
        select(a.c.outlet_id, a.c.status, func.count().label("n"))
        .group_by(a.c.outlet_id, a.c.status)
        .subquery()
    )
    q = select(o.c.name, per.c.status, per.c.n).join(per, per.c.outlet_id == o.c.id)
    out: dict[str, dict[str, int]] = {}
    with engine.connect() as conn:
        for name, status, n in conn.execute(q):
            out.setdefault(name, {})[status] = int(n)
    return out


def _day(engine: Engine) -> Any:
    e = t.events
    if engine.dialect.name == "sqlite":  # stored as "YYYY-MM-DD HH:MM:SS" in UTC
        return func.substr(e.c.detected_at, 1, 10)
    return func.to_char(func.timezone("UTC", e.c.detected_at), "YYYY-MM-DD")


class EventTally:
    """Events per (outlet, kind), and per (outlet, kind, UTC day) for the chart, without re-counting
    the whole table on every overview.

    Events are append-only, so counts up to an event id stay true forever: they are kept here up to a
    *horizon* id (events detected over ``settle`` ago; later ones may still be committing out of order
    on PostgreSQL) and the few events past it are counted afresh on each call.
    """

    CHART_KINDS = ("deleted", "edited")

    def __init__(self, settle: timedelta = timedelta(minutes=10)) -> None:
        self.settle = settle
        self._lock = threading.Lock()
        self._horizon = 0
        self._kinds: Counter[tuple[int, str]] = Counter()
        self._days: Counter[tuple[int, str, str]] = Counter()

    def _count(self, conn: Any, engine: Engine, lo: int, hi: int | None) -> tuple[Counter, Counter]:
        e = t.events
        where = [e.c.id > lo] + ([e.c.id <= hi] if hi is not None else [])
        kinds: Counter[tuple[int, str]] = Counter()
        for oid, kind, n in conn.execute(
            select(e.c.outlet_id, e.c.kind, func.count())
            .where(*where)
            .group_by(e.c.outlet_id, e.c.kind)
        ):
            kinds[(oid, kind)] += int(n)
        day = _day(engine)
        days: Counter[tuple[int, str, str]] = Counter()
        for oid, kind, d, n in conn.execute(
            select(e.c.outlet_id, e.c.kind, day, func.count())
            .where(*where, e.c.kind.in_(self.CHART_KINDS))
            .group_by(e.c.outlet_id, e.c.kind, day)
        ):
            days[(oid, kind, str(d))] += int(n)
        return kinds, days

    def read(self, engine: Engine, now: datetime) -> tuple[Counter, Counter]:
        """(per (outlet id, kind), per (outlet id, kind, day)) counts of every event so far."""
        e = t.events
        with self._lock, engine.connect() as conn:
            horizon = conn.execute(
                select(e.c.id)
                .where(e.c.detected_at < now - self.settle)
                .order_by(e.c.detected_at.desc(), e.c.id.desc())
                .limit(1)
            ).scalar()
            if horizon is not None and horizon > self._horizon:
                kinds, days = self._count(conn, engine, self._horizon, horizon)
                self._kinds.update(kinds)
                self._days.update(days)
                self._horizon = horizon
            tail_kinds, tail_days = self._count(conn, engine, self._horizon, None)
        return self._kinds + tail_kinds, self._days + tail_days

    def summary(
        self, engine: Engine, now: datetime, days: int = 30
    ) -> tuple[dict[str, dict[str, int]], list[tuple[str, str, str, int]]]:
        """({outlet name: {kind: count}}, [(outlet, kind, "YYYY-MM-DD", count) of deletions and
        edits in the last ``days`` UTC days])."""
        names = outlet_names(engine)
        kinds, per_day = self.read(engine, now)
        counts: dict[str, dict[str, int]] = {}
        for (oid, kind), n in kinds.items():
            if oid in names:
                counts.setdefault(names[oid], {})[kind] = n
        first = (now - timedelta(days=days - 1)).date().isoformat()
        daily = [
            (names[oid], kind, day, n)
            for (oid, kind, day), n in per_day.items()
            if day >= first and oid in names
        ]
        return counts, daily


# ---- outlets ----------------------------------------------------------------------------------
def outlet_health(
    engine: Engine, now: datetime, *, window: timedelta = timedelta(hours=24)
) -> dict[int, dict]:
    """Per outlet id: last poll, last error, fetches and failed fetches in the window, outages."""
    s, f, e = t.sources, t.fetches, t.events
    since = now - window
    failed = func.sum(
        case((or_(f.c.status.is_(None), f.c.status >= 500, f.c.error.is_not(None)), 1), else_=0)
    )
    out: dict[int, dict] = {}
    with engine.connect() as conn:
        for oid, last_poll, last_ok in conn.execute(
            select(s.c.outlet_id, func.max(s.c.last_polled_at), func.max(s.c.last_ok_at)).group_by(
                s.c.outlet_id
            )
        ):
            out.setdefault(oid, {}).update(last_poll=_aware(last_poll), last_ok=_aware(last_ok))
        oids = [r[0] for r in conn.execute(select(t.outlets.c.id))]
        for oid in oids:  # one indexed range scan per outlet (ix_fetches_outlet_started)
            total, bad = conn.execute(
                select(func.count(), failed).where(f.c.outlet_id == oid, f.c.started_at >= since)
            ).one()
            outages = conn.execute(
                select(func.count(), func.max(e.c.detected_at)).where(
                    e.c.outlet_id == oid, e.c.kind == "outage"
                )
            ).one()
            out.setdefault(oid, {}).update(
                fetches=int(total or 0),
                failed=int(bad or 0),
                error_rate=(int(bad or 0) / total) if total else None,
                outages=int(outages[0] or 0),
                last_outage=_aware(outages[1]),
            )
    return out


# ---- search -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class SearchFilters:
    outlet: str | None = None
    since: datetime | None = None  # version fetched at or after
    until: datetime | None = None  # version fetched before
    status: str | None = None  # article status now
    language: str | None = None


def fts5_query(query: str) -> str:
    """User words → an FTS5 query of quoted terms (punctuation in user input is never FTS syntax)."""
    words = [w.replace('"', "").replace("\x00", "") for w in query.split()]
    return " ".join(f'"{w}"' for w in words if w) or '""'


def search(
    engine: Engine, query: str, filters: SearchFilters, *, limit: int = 20, offset: int = 0
) -> list[dict]:
    """Every version (deleted articles included) matching ``query``, best first; ``snippet`` holds
    the match between MARK_START and MARK_END."""
    v, a, o = t.versions, t.articles, t.outlets
    cols = [
        v.c.id.label("version_id"),
        v.c.article_id,
        v.c.number.label("version"),
        v.c.title,
        a.c.url,
        a.c.status,
        o.c.name.label("source"),
        v.c.fetched_at,
        v.c.language,
    ]
    if engine.dialect.name == "sqlite":
        fts = table("versions_fts", column("rowid"))
        snippet = func.snippet(literal_column("versions_fts"), -1, MARK_START, MARK_END, "…", 16)
        q = (
            select(*cols, snippet.label("snippet"))
            .select_from(fts)
            .join(v, v.c.id == fts.c.rowid)
            .where(text("versions_fts MATCH :q").bindparams(q=fts5_query(query)))
            .order_by(literal_column("rank"))
        )
    else:
        tsq = func.websearch_to_tsquery("simple", query)
        opts = f"StartSel={MARK_START},StopSel={MARK_END},MaxFragments=1,MaxWords=24,MinWords=8"
        snippet = func.ts_headline("simple", v.c.text, tsq, opts)
        search_col: Any = literal_column("versions.search")
        q = (
            select(*cols, snippet.label("snippet"))
            .select_from(v)
            .where(search_col.op("@@")(tsq))
            .order_by(func.ts_rank(search_col, tsq).desc())
        )
    q = q.join(a, a.c.id == v.c.article_id).join(o, o.c.id == a.c.outlet_id)
    q = _search_filters(q, filters).limit(clamp(limit)).offset(max(0, offset))
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(q).mappings()]


def _search_filters(q: Any, f: SearchFilters) -> Any:
    v, a, o = t.versions, t.articles, t.outlets
    if f.outlet:
        q = q.where(o.c.name == f.outlet)
    if f.since is not None:
        q = q.where(v.c.fetched_at >= f.since)
    if f.until is not None:
        q = q.where(v.c.fetched_at < f.until)
    if f.status:
        q = q.where(a.c.status == f.status)
    if f.language:
        q = q.where(v.c.language == f.language)
    return q


def _aware(value: Any) -> Any:
    """Aggregates bypass the column type on SQLite (a string comes back): make it an aware datetime."""
    from datetime import UTC

    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value
