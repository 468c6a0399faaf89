"""The record: outlets, sources, articles, fetches, versions and events, on SQLite or PostgreSQL.

`Store` is the only code that writes SQL. Every check is saved in one transaction (fetch row, version,
article state, events), and the WARC records it points at are written and flushed before that commit.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, insert, or_, select, text, update
from sqlalchemy.exc import IntegrityError

from ..models import Document, Fetch, WarcLocation
from . import prepared
from . import schema as t
from .db import StoreError, inserted_id, integrity_ok, make_engine, sqlite_url, upgrade

__all__ = ["Store", "StoreError", "NewEvent", "CheckOutcome", "sqlite_url"]


@dataclass(frozen=True)
class CheckOutcome:
    """What one article check decided: the version to save (if any), article columns, events."""

    document: Document | None
    article_updates: dict[str, Any]
    events: Sequence[NewEvent] = ()


@dataclass(frozen=True)
class NewEvent:
    """An event to append, in the same transaction as the evidence it names."""

    kind: str
    outlet_id: int
    article_id: int | None
    detected_at: datetime
    how: str | None = None
    new_url: str | None = None
    summary: str = ""
    details: dict | None = None
    previous_version_id: int | None = None
    version_is_new: bool = False  # the event rests on the version saved in the same check
    extra_fetch_ids: tuple[int, ...] = ()


class Store:
    def __init__(self, url: str, *, migrate: bool = True) -> None:
        self.url = url
        self.engine: Engine = make_engine(url)
        if migrate:
            upgrade(self.engine)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    def integrity_ok(self) -> bool:
        return integrity_ok(self.engine)

    # ---- outlets and sources -------------------------------------------------------------
    def add_outlet(self, name: str, homepage: str, poll_seconds: float, now: datetime) -> int:
        try:
            with self.engine.begin() as conn:
                return inserted_id(
                    conn.execute(
                        insert(t.outlets).values(
                            name=name,
                            homepage=homepage,
                            poll_seconds=poll_seconds,
                            paused=False,
                            created_at=now,
                            next_probe_at=now,
                        )
                    )
                )
        except IntegrityError:
            raise StoreError(
                f"an outlet named {name!r} already exists (choose another --name)"
            ) from None

    def add_source(
        self, outlet_id: int, kind: str, url: str, now: datetime, *, windowed: bool = True
    ) -> int | None:
        """Add a feed, sitemap or listing page; None when the outlet already has that URL."""
        with self.engine.begin() as conn:
            exists = conn.execute(
                select(t.sources.c.id).where(
                    t.sources.c.outlet_id == outlet_id, t.sources.c.url == url
                )
            ).first()
            if exists:
                return None
            return inserted_id(
                conn.execute(
                    insert(t.sources).values(
                        outlet_id=outlet_id,
                        kind=kind,
                        url=url,
                        windowed=windowed,
                        added_at=now,
                        next_poll_at=now,
                        failures=0,
                    )
                )
            )

    def outlet(self, *, name: str | None = None, id: int | None = None) -> dict | None:
        with self.engine.connect() as conn:
            if name is not None:
                result = conn.execute(select(t.outlets).where(t.outlets.c.name == name))
            else:
                result = conn.execute(prepared.OUTLET_BY_ID, {"outlet_id": id})
            row = result.mappings().first()
            return dict(row) if row else None

    def outlets(self) -> list[dict]:
        """Every outlet with its sources and article counts per status."""
        with self.engine.connect() as conn:
            rows = [
                dict(r) for r in conn.execute(select(t.outlets).order_by(t.outlets.c.id)).mappings()
            ]
            srcs = conn.execute(select(t.sources).order_by(t.sources.c.id)).mappings().all()
            counts = conn.execute(
                select(t.articles.c.outlet_id, t.articles.c.status, func.count()).group_by(
                    t.articles.c.outlet_id, t.articles.c.status
                )
            ).all()
        for row in rows:
            row["sources"] = [dict(s) for s in srcs if s["outlet_id"] == row["id"]]
            row["articles"] = {status: n for oid, status, n in counts if oid == row["id"]}
        return rows

    def update_outlet(self, outlet_id: int, **values: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(prepared.UPDATE_OUTLET, prepared.set_values(t.outlets, outlet_id, values))

    def update_source(self, source_id: int, **values: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(prepared.UPDATE_SOURCE, prepared.set_values(t.sources, source_id, values))

    # ---- what is due ------------------------------------------------------------------------
    def due_sources(
        self,
        now: datetime,
        limit: int,
        exclude: Iterable[int] = (),
        *,
        not_since: datetime | None = None,
    ) -> list[dict]:
        """Sources due for a poll (``not_since``: only those not polled since then, for one-pass runs)."""
        return self._due(prepared.DUE_SOURCES, now, limit, exclude, not_since)

    def due_articles(
        self,
        now: datetime,
        limit: int,
        exclude: Iterable[int] = (),
        *,
        not_since: datetime | None = None,
    ) -> list[dict]:
        """Articles due for a check (``not_since``: only those not checked since then)."""
        return self._due(prepared.DUE_ARTICLES, now, limit, exclude, not_since)

    def _due(
        self,
        variants: dict[tuple[bool, bool], Any],
        now: datetime,
        limit: int,
        exclude: Iterable[int],
        not_since: datetime | None,
    ) -> list[dict]:
        excl = list(exclude)
        params: dict[str, Any] = {"now": now, "limit": limit}
        if excl:
            params["exclude"] = excl
        if not_since is not None:
            params["not_since"] = not_since
        stmt = variants[bool(excl), not_since is not None]
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(stmt, params).mappings()]

    def due_probes(self, now: datetime) -> list[dict]:
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(prepared.DUE_PROBES, {"now": now}).mappings()]

    def next_due(self) -> datetime | None:
        """The earliest moment anything is due (None when nothing is scheduled)."""
        with self.engine.connect() as conn:
            a = conn.execute(select(func.min(t.articles.c.next_check_at))).scalar()
            s = conn.execute(select(func.min(t.sources.c.next_poll_at))).scalar()
        # aggregate results bypass the column type on SQLite: normalise here
        vals = [_aware(v) for v in (a, s) if v is not None]
        return min(vals) if vals else None

    # ---- discovery ---------------------------------------------------------------------------
    def record_listing(
        self,
        outlet_id: int,
        source_id: int,
        entries: Sequence[tuple[str, str, datetime | None]],
        now: datetime,
        left: list[int] | None = None,
    ) -> list[int]:
        """Save one successful poll of a source: ``entries`` are (canonical_url, listed_url, published).

        ``entries`` are in listing order (newest first, as feeds and pages list them). New URLs become
        articles due for a check now; memberships of this source are marked listed or not.
        Returns the ids of new articles; ``left``, when given, receives the ids of articles the
        source listed before this poll and lists no more.
        """
        new_ids: list[int] = []
        with self.engine.begin() as conn:
            seen: set[int] = set()
            for position, (canonical, listed, published) in enumerate(entries):
                aid = self._article_id_for(conn, canonical, listed)
                if aid is None:
                    aid = self._new_article(conn, outlet_id, canonical, published, now)
                    new_ids.append(aid)
                if listed != canonical:
                    self._remember_url(conn, aid, listed, now)
                if aid in seen:
                    continue
                seen.add(aid)
                m = t.memberships
                found = conn.execute(
                    update(m)
                    .where(m.c.source_id == source_id, m.c.article_id == aid)
                    .values(
                        last_seen=now,
                        listed=True,
                        listed_published=published,
                        last_position=position,
                    )
                ).rowcount
                if not found:
                    conn.execute(
                        insert(m).values(
                            source_id=source_id,
                            article_id=aid,
                            first_seen=now,
                            last_seen=now,
                            listed=True,
                            listed_published=published,
                            first_position=position,
                            last_position=position,
                        )
                    )
            m = t.memberships
            gone = and_(m.c.source_id == source_id, m.c.listed.is_(True))
            if seen:
                gone = and_(gone, m.c.article_id.not_in(seen))
            if left is not None:  # (no UPDATE ... RETURNING: older SQLite builds lack it)
                left.extend(int(r[0]) for r in conn.execute(select(m.c.article_id).where(gone)))
            conn.execute(update(m).where(gone).values(listed=False))
        return new_ids

    def _article_id_for(self, conn: Connection, canonical: str, listed: str) -> int | None:
        row = conn.execute(select(t.articles.c.id).where(t.articles.c.url == canonical)).first()
        if row:
            return int(row[0])
        row = conn.execute(
            select(t.article_urls.c.article_id).where(t.article_urls.c.url.in_([canonical, listed]))
        ).first()
        return int(row[0]) if row else None

    def _new_article(
        self, conn: Connection, outlet_id: int, url: str, published: datetime | None, now: datetime
    ) -> int:
        aid = inserted_id(
            conn.execute(
                insert(t.articles).values(
                    outlet_id=outlet_id,
                    url=url,
                    status="live",
                    first_seen=now,
                    published=published,
                    next_check_at=now,
                    checks=0,
                )
            )
        )
        self._remember_url(conn, aid, url, now)
        return aid

    def _remember_url(self, conn: Connection, article_id: int, url: str, now: datetime) -> None:
        if not conn.execute(
            select(t.article_urls.c.url).where(t.article_urls.c.url == url)
        ).first():
            conn.execute(
                insert(t.article_urls).values(url=url, article_id=article_id, first_seen=now)
            )

    def memberships(self, article_id: int) -> list[dict]:
        """Every listing an article was ever in, with the listing's current extent (for unlisting)."""
        m, s = t.memberships, t.sources
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(m, s.c.kind, s.c.url, s.c.windowed, s.c.last_ok_at)
                .join(s, s.c.id == m.c.source_id)
                .where(m.c.article_id == article_id)
            ).mappings()
            return [dict(r) for r in rows]

    def older_still_listed(self, source_id: int, article_id: int) -> bool:
        """Whether the source still lists, at or below where the article last stood, an entry older than
        it (seen there before it, or below it in the same poll). Then the article did not roll off the
        end; entries pinned above it (a featured story on a homepage) prove nothing either way."""
        m = t.memberships
        with self.engine.connect() as conn:
            own = conn.execute(
                select(m.c.first_seen, m.c.first_position, m.c.last_position).where(
                    m.c.source_id == source_id, m.c.article_id == article_id
                )
            ).first()
            if own is None or own.last_position is None:
                return False
            older = m.c.first_seen < own.first_seen
            if own.first_position is not None:
                older = or_(
                    older,
                    and_(m.c.first_seen == own.first_seen, m.c.first_position > own.first_position),
                )
            found = conn.execute(
                select(m.c.article_id)
                .where(
                    m.c.source_id == source_id,
                    m.c.listed.is_(True),
                    m.c.article_id != article_id,
                    m.c.last_position >= own.last_position,
                    older,
                )
                .limit(1)
            ).first()
        return found is not None

    def older_listed_below(self, source_id: int, article_id: int, published: datetime) -> bool:
        """Whether a listing page still lists, at or below where the article last stood, an entry
        older than ``published`` (by the listing's date, else the article's own). Entries pinned
        above it (a featured story, an editor's pick) prove nothing either way."""
        m, a = t.memberships, t.articles
        with self.engine.connect() as conn:
            own = conn.execute(
                select(m.c.last_position).where(
                    m.c.source_id == source_id, m.c.article_id == article_id
                )
            ).scalar()
            if own is None:
                return False
            found = conn.execute(
                select(m.c.article_id)
                .join(a, a.c.id == m.c.article_id)
                .where(
                    m.c.source_id == source_id,
                    m.c.listed.is_(True),
                    m.c.article_id != article_id,
                    m.c.last_position >= own,
                    func.coalesce(m.c.listed_published, a.c.published) < published,
                )
                .limit(1)
            ).first()
        return found is not None

    def listing_extent(self, source_id: int) -> tuple[datetime | None, datetime | None, int]:
        """(oldest, newest) published date among a source's currently listed entries (the listing's
        date, else the article's own), and their count."""
        m, a = t.memberships, t.articles
        when = func.coalesce(m.c.listed_published, a.c.published)
        with self.engine.connect() as conn:
            lo, hi, n = conn.execute(
                select(func.min(when), func.max(when), func.count())
                .select_from(m.join(a, a.c.id == m.c.article_id))
                .where(m.c.source_id == source_id, m.c.listed.is_(True))
            ).one()
        return _aware(lo), _aware(hi), int(n)

    def unlisting_candidates(
        self,
        outlet_id: int,
        *,
        ids: Collection[int] | None = None,
        left_since: datetime | None = None,
    ) -> list[dict]:
        """Articles whose listing status may have changed: live ones that no source lists any more
        (though one did), and unlisted ones that a source lists again. The live ones are limited to
        ``ids`` or to those last listed at or after ``left_since``: every article rolls off its
        listings in the end, and re-judging all of them on every poll would grow without bound."""
        m, a = t.memberships, t.articles
        still = select(m.c.article_id).where(m.c.listed.is_(True))
        gone = and_(a.c.status == "live", a.c.id.in_(select(m.c.article_id)), a.c.id.not_in(still))
        if ids is not None:
            gone = and_(gone, a.c.id.in_(list(ids)))
        if left_since is not None:
            gone = and_(gone, a.c.id.in_(select(m.c.article_id).where(m.c.last_seen >= left_since)))
        q = select(a).where(
            a.c.outlet_id == outlet_id,
            or_(gone, and_(a.c.status == "unlisted", a.c.id.in_(still))),
        )
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(q).mappings()]

    # ---- checks ------------------------------------------------------------------------------
    def record_fetch(
        self,
        fetch: Fetch,
        loc: WarcLocation | None,
        purpose: str,
        *,
        outlet_id: int | None = None,
        source_id: int | None = None,
        article_id: int | None = None,
        conn: Connection | None = None,
    ) -> int:
        values = dict(
            article_id=article_id,
            source_id=source_id,
            outlet_id=outlet_id,
            purpose=purpose,
            url=fetch.url,
            final_url=fetch.final_url,
            started_at=fetch.started_at,
            elapsed=fetch.elapsed,
            status=fetch.status,
            redirects=[list(r) for r in fetch.redirects],
            error=fetch.error,
            error_detail=fetch.error_detail[:2000],
            payload_sha256=fetch.payload_sha256,
            payload_digest=loc.payload_digest if loc else None,
            warc_file=loc.filename if loc else None,
            warc_offset=loc.offset if loc else None,
            warc_length=loc.length if loc else None,
            warc_record_id=loc.record_id if loc else None,
            revisit=bool(loc and loc.revisit),
        )
        if conn is not None:
            return inserted_id(conn.execute(prepared.INSERT_FETCH, values))
        with self.engine.begin() as c:
            return inserted_id(c.execute(prepared.INSERT_FETCH, values))

    def record_check(
        self,
        article_id: int,
        outlet_id: int,
        fetch: Fetch,
        loc: WarcLocation | None,
        decide: Callable[[int], CheckOutcome],
    ) -> tuple[int, int | None]:
        """Save one check of an article in one transaction: its fetch row, then what ``decide`` makes of
        it (called with the new fetch id, inside the transaction; it must be pure and quick).

        A version is saved when the outcome carries a document whose digest differs from the latest
        version's. Returns (fetch_id, new version number or None).
        """
        with self.engine.begin() as conn:
            fetch_id = self.record_fetch(
                fetch, loc, "article", article_id=article_id, outlet_id=outlet_id, conn=conn
            )
            outcome = decide(fetch_id)
            document, number, version_id, prev = outcome.document, None, None, None
            if document is not None:
                prev = conn.execute(prepared.LATEST_VERSION, {"article_id": article_id}).first()
            if document is not None and (prev is None or prev.digest != document.digest):
                number = (prev.number if prev else 0) + 1
                version_id = inserted_id(
                    conn.execute(
                        prepared.INSERT_VERSION,
                        dict(
                            article_id=article_id,
                            number=number,
                            fetch_id=fetch_id,
                            fetched_at=fetch.started_at,
                            url=fetch.final_url,
                            title=document.title,
                            byline=document.byline,
                            published=document.published,
                            updated=document.updated,
                            language=document.language,
                            text=document.text,
                            digest=document.digest,
                        ),
                    )
                )
            updates = dict(outcome.article_updates)
            own_date = _parse_utc(document.published) if number == 1 and document else None
            if own_date is not None:
                # An article first found on an undated listing takes its own date (for unlisting).
                conn.execute(prepared.SET_OWN_DATE, {"where_id": article_id, "published": own_date})
            if number is not None and document is not None:
                updates["current_version"] = number
                updates["title"] = document.title
            if updates:
                conn.execute(
                    prepared.UPDATE_ARTICLE, prepared.set_values(t.articles, article_id, updates)
                )
            for ev in outcome.events:
                self._append_event(
                    conn, ev, fetch_id, version_id if ev.version_is_new else None, prev
                )
        return fetch_id, number

    def append_event(self, ev: NewEvent, fetch_id: int | None = None) -> int:
        with self.engine.begin() as conn:
            return self._append_event(conn, ev, fetch_id, None, None)

    def _append_event(
        self,
        conn: Connection,
        ev: NewEvent,
        fetch_id: int | None,
        version_id: int | None,
        prev: Any,
    ) -> int:
        current = version_id
        if current is None and ev.article_id is not None:
            current = conn.execute(
                prepared.LATEST_VERSION_ID, {"article_id": ev.article_id}
            ).scalar()
        previous = ev.previous_version_id
        if previous is None and version_id is not None and prev is not None:
            previous = prev.id
        fetch_ids = [*ev.extra_fetch_ids, *([fetch_id] if fetch_id is not None else [])]
        return inserted_id(
            conn.execute(
                prepared.INSERT_EVENT,
                dict(
                    kind=ev.kind,
                    outlet_id=ev.outlet_id,
                    article_id=ev.article_id,
                    detected_at=ev.detected_at,
                    version_id=current,
                    previous_version_id=previous,
                    fetch_ids=sorted(set(fetch_ids)),
                    how=ev.how,
                    new_url=ev.new_url,
                    summary=ev.summary,
                    details=ev.details,
                ),
            )
        )

    def set_state(
        self, article_id: int, status: str, state: dict, events: Sequence[NewEvent] = ()
    ) -> None:
        """Change an article's status and judgement state, with the events that say why, in one transaction."""
        with self.engine.begin() as conn:
            conn.execute(
                prepared.UPDATE_ARTICLE, {"where_id": article_id, "status": status, "state": state}
            )
            for ev in events:
                self._append_event(conn, ev, None, None, None)

    def remember_url(self, article_id: int, url: str, now: datetime) -> None:
        with self.engine.begin() as conn:
            self._remember_url(conn, article_id, url, now)

    def outlet_sources(self, outlet_id: int) -> list[dict]:
        with self.engine.connect() as conn:
            rows = conn.execute(prepared.OUTLET_SOURCES, {"outlet_id": outlet_id}).mappings()
            return [dict(r) for r in rows]

    def update_article(self, article_id: int, **values: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                prepared.UPDATE_ARTICLE, prepared.set_values(t.articles, article_id, values)
            )

    def revisit_target(self, payload_digest: str) -> tuple[str, datetime, str] | None:
        """(uri, date, record id) of the first full response with this payload digest, for revisits."""
        with self.engine.connect() as conn:
            row = conn.execute(prepared.REVISIT_TARGET, {"digest": payload_digest}).first()
        return (row[0], row[1], row[2]) if row else None

    # ---- reading -----------------------------------------------------------------------------
    def article(self, url_or_id: str | int) -> dict | None:
        a = t.articles
        with self.engine.connect() as conn:
            if isinstance(url_or_id, int):
                row = conn.execute(select(a).where(a.c.id == url_or_id)).mappings().first()
            else:
                row = conn.execute(select(a).where(a.c.url == url_or_id)).mappings().first()
                if row is None:
                    aid = conn.execute(
                        select(t.article_urls.c.article_id).where(t.article_urls.c.url == url_or_id)
                    ).scalar()
                    if aid is not None:
                        row = conn.execute(select(a).where(a.c.id == aid)).mappings().first()
            return dict(row) if row else None

    def article_state(self, article_id: int) -> dict | None:
        """Only the judgement state of an article (read again just before judging; one small column)."""
        with self.engine.connect() as conn:
            return conn.execute(prepared.ARTICLE_STATE, {"article_id": article_id}).scalar()

    def articles(self, *, outlet: str | None = None, status: str | None = None) -> list[dict]:
        a, o = t.articles, t.outlets
        counts = (
            select(t.versions.c.article_id, func.count().label("n"))
            .group_by(t.versions.c.article_id)
            .subquery()
        )
        q = (
            select(a, o.c.name.label("source"), func.coalesce(counts.c.n, 0).label("versions"))
            .join(o, o.c.id == a.c.outlet_id)
            .outerjoin(counts, counts.c.article_id == a.c.id)
            .order_by(a.c.id)
        )
        if outlet:
            q = q.where(o.c.name == outlet)
        if status:
            q = q.where(a.c.status == status)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(q).mappings()]

    def article_with_version(self, outlet_id: int, digest: str, *, exclude: int) -> int | None:
        """An article of the outlet (not ``exclude``) whose latest version has this digest (indexed)."""
        params = {"digest": digest, "outlet_id": outlet_id, "exclude": exclude}
        with self.engine.connect() as conn:
            found = conn.execute(prepared.ARTICLE_WITH_VERSION, params).scalar()
        return int(found) if found is not None else None

    def versions(self, article_id: int) -> list[dict]:
        v = t.versions
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(v).where(v.c.article_id == article_id).order_by(v.c.number)
            ).mappings()
            return [dict(r) for r in rows]

    def fetches(self, *, article_id: int | None = None) -> list[dict]:
        f = t.fetches
        q = select(f).order_by(f.c.id)
        if article_id is not None:
            q = q.where(f.c.article_id == article_id)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(q).mappings()]

    def events(
        self,
        *,
        since: datetime | None = None,
        kind: str | None = None,
        outlet: str | None = None,
        article_id: int | None = None,
    ) -> list[dict]:
        e, o = t.events, t.outlets
        q = events_select().order_by(e.c.id)
        conds = []
        if since is not None:
            conds.append(e.c.detected_at >= since)
        if kind:
            conds.append(e.c.kind == kind)
        if outlet:
            conds.append(o.c.name == outlet)
        if article_id is not None:
            conds.append(e.c.article_id == article_id)
        if conds:
            q = q.where(and_(*conds))
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(q).mappings()]

    def search(self, query: str, *, limit: int = 20) -> list[dict]:
        """Full-text search over every version (deleted articles included), best matches first."""
        with self.engine.connect() as conn:
            if self.dialect == "sqlite":
                rows = conn.execute(
                    text(
                        "SELECT v.id AS version_id, v.article_id, v.number AS version, v.title, a.url, "
                        "a.status, snippet(versions_fts, 1, '[', ']', '…', 12) AS snippet "
                        "FROM versions_fts JOIN versions v ON v.id = versions_fts.rowid "
                        "JOIN articles a ON a.id = v.article_id "
                        "WHERE versions_fts MATCH :q ORDER BY rank LIMIT :limit"
                    ),
                    {"q": _fts5_query(query), "limit": limit},
                )
            else:
                rows = conn.execute(
                    text(
                        "SELECT v.id AS version_id, v.article_id, v.number AS version, v.title, a.url, "
                        "a.status, ts_headline('simple', v.text, q, "
                        "'StartSel=[,StopSel=],MaxFragments=1,MaxWords=24,MinWords=8') AS snippet "
                        "FROM versions v JOIN articles a ON a.id = v.article_id, "
                        "websearch_to_tsquery('simple', :q) q "
                        "WHERE v.search @@ q ORDER BY ts_rank(v.search, q) DESC LIMIT :limit"
                    ),
                    {"q": query, "limit": limit},
                )
            return [dict(r) for r in rows.mappings()]

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            return {
                name: int(conn.execute(select(func.count()).select_from(table)).scalar() or 0)
                for name, table in (
                    ("outlets", t.outlets),
                    ("articles", t.articles),
                    ("versions", t.versions),
                    ("fetches", t.fetches),
                    ("events", t.events),
                )
            }


def events_select() -> Any:
    """Events joined with what every reader shows: article URL and title, outlet name, version numbers."""
    e, a, o, v = t.events, t.articles, t.outlets, t.versions
    pv = v.alias("pv")
    return (
        select(
            e,
            a.c.url,
            o.c.name.label("source"),
            v.c.number.label("version"),
            pv.c.number.label("previous_version"),
            a.c.title,
        )
        .join(o, o.c.id == e.c.outlet_id)
        .outerjoin(a, a.c.id == e.c.article_id)
        .outerjoin(v, v.c.id == e.c.version_id)
        .outerjoin(pv, pv.c.id == e.c.previous_version_id)
    )


def _fts5_query(query: str) -> str:
    """User words → an FTS5 query of quoted terms (so punctuation in user input is never FTS syntax)."""
    words = [w.replace('"', "") for w in query.split()]
    return " ".join(f'"{w}"' for w in words if w) or '""'


def _parse_utc(raw: str | None) -> datetime | None:
    """An extracted ISO 8601 date or datetime as an aware UTC datetime; None if absent or unreadable."""
    try:
        return _aware(raw).astimezone(UTC) if raw else None
    except (ValueError, OverflowError):  # not ISO 8601 (trafilatura's own form), or out of range
        return None


def _aware(value: Any) -> Any:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value
