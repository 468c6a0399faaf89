"""Quotation and story tables (on the shared metadata; migration 0004) and every query on them.

`quotations` holds each quotation of each indexed version; `quote_indexed` marks a version done (the
indexer's crash-safe progress); `story_signatures`/`story_keys` are each article's MinHash and name
keys (story_keys indexed by key, so linking looks up buckets instead of scanning); `stories` and
`story_articles` are the links. The decisions (what matches what) are in memoryhole/stories.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Connection,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Table,
    Text,
    case,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)

from . import Store
from . import schema as t
from .db import inserted_id
from .schema import UTC, metadata

__all__ = [
    "QuoteStore",
    "StoryKeys",
    "IndexedVersion",
    "KEY_BAND",
    "KEY_NAME",
    "KEY_NUMBER",
    "KEY_STATEMENT",
    "quotations",
    "quote_indexed",
    "story_signatures",
    "story_keys",
    "stories",
    "story_articles",
]

# story_keys.kind: a MinHash LSH band, a person-name key, a number the text gives ("1,500"), a
# statement (who said which words); only bands and names find candidates, all count as evidence
KEY_BAND, KEY_NAME, KEY_NUMBER, KEY_STATEMENT = 0, 1, 2, 3

quotations = Table(
    "quotations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version_id", ForeignKey("versions.id", ondelete="CASCADE"), nullable=False),
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(10), nullable=False),  # direct | reported
    Column("speaker", Text),  # as written
    Column("speaker_norm", Text),  # resolved citation form
    Column("speaker_key", Text),  # memoryhole.quotes.speaker_key
    Column("speaker_skeleton", Text),  # memoryhole.quotes.translit.name_key (across scripts)
    Column("cue", Text),
    Column("start_offset", Integer, nullable=False),
    Column("end_offset", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("statement", String(64), nullable=False),  # sha256 of quotes.changes.statement_key
    Index("ix_quotations_version", "version_id"),
    Index("ix_quotations_article", "article_id", "statement"),
    Index("ix_quotations_speaker", "speaker_key"),
    Index("ix_quotations_skeleton", "speaker_skeleton"),
)

quote_indexed = Table(
    "quote_indexed",
    metadata,
    Column("version_id", ForeignKey("versions.id", ondelete="CASCADE"), primary_key=True),
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("indexed_at", UTC, nullable=False),
    Index("ix_quote_indexed_article", "article_id", "number"),
)

story_signatures = Table(
    "story_signatures",
    metadata,
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("outlet_id", Integer, nullable=False),
    Column("number", Integer, nullable=False),  # the version the signature was made from
    Column("at", UTC, nullable=False),  # published (or first fetched): the linking time window
    Column("language", String(12)),
    Column("minhash", LargeBinary, nullable=False),
    Column("names", JSON, nullable=False),  # name keys
    Column("speakers", JSON, nullable=False),  # name keys of quotation speakers
    Column("statements", JSON, nullable=False),  # short hashes of its direct quotations' words
    Column("numbers", JSON),  # numbers the text gives (stories.numbers_in); NULL before 0006
)

story_keys = Table(
    "story_keys",
    metadata,
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("key", BigInteger, primary_key=True),
    Column("kind", SmallInteger, nullable=False),  # KEY_BAND | KEY_NAME | KEY_NUMBER | …
    Column("outlet_id", Integer, nullable=False),
    Column("at", UTC, nullable=False),
    Index("ix_story_keys_key", "key", "at"),
)

stories = Table(
    "stories",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", UTC, nullable=False),
)

story_articles = Table(
    "story_articles",
    metadata,
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("story_id", ForeignKey("stories.id", ondelete="CASCADE"), nullable=False),
    Column("linked_at", UTC, nullable=False),
    Column("via", String(10), nullable=False),  # text | names: why it joined
    Column("score", Float, nullable=False),
    Index("ix_story_articles_story", "story_id"),
)


@dataclass(frozen=True)
class StoryKeys:
    """What the store keeps of one article for linking (stories.Signature is made from this)."""

    article_id: int
    outlet_id: int
    number: int
    at: datetime
    language: str | None
    minhash: bytes
    names: tuple[str, ...]
    speakers: tuple[str, ...]
    statements: tuple[str, ...] = ()
    keys: tuple[tuple[int, int], ...] = ()  # (kind, key)
    numbers: tuple[str, ...] = ()  # normalised numbers of the text ("1500", "2.5")


@dataclass(frozen=True)
class IndexedVersion:
    """One version's index entries, ready to save."""

    version_id: int
    article_id: int
    number: int
    quotations: Sequence[dict[str, Any]]  # rows for the quotations table, without ids
    story: StoryKeys | None


#: Decides which candidates an article joins: (new, candidates) -> [(article_id, via, score)].
Matcher = Callable[[StoryKeys, list[StoryKeys]], list[tuple[int, str, float]]]


class QuoteStore:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.engine = store.engine

    # ---- indexing --------------------------------------------------------------------------
    def pending_versions(self, limit: int, *, lookback: int = 1000) -> list[dict]:
        """Versions not yet indexed, oldest first, with their article's outlet and dates.

        Looks only at ids above (highest indexed - lookback): versions are saved in id order, so
        one committed more than `lookback` versions late is not expected; the bound keeps this an
        index range scan however many versions are stored.
        """
        v, a, qi = t.versions, t.articles, quote_indexed
        with self.engine.connect() as conn:
            top = conn.execute(select(func.max(qi.c.version_id))).scalar() or 0
            q = (
                select(
                    v.c.id,
                    v.c.article_id,
                    v.c.number,
                    v.c.text,
                    v.c.language,
                    v.c.fetched_at,
                    a.c.outlet_id,
                    a.c.published,
                )
                .join(a, a.c.id == v.c.article_id)
                .outerjoin(qi, qi.c.version_id == v.c.id)
                .where(v.c.id > top - lookback, qi.c.version_id.is_(None))
                .order_by(v.c.id)
                .limit(limit)
            )
            return [dict(r) for r in conn.execute(q).mappings()]

    def save(
        self, batch: Iterable[IndexedVersion], match: Matcher, now: datetime, window: timedelta
    ) -> int:
        """Save a batch in one transaction: quotations, done-marks, signatures and story links."""
        n = 0
        with self.engine.begin() as conn:
            for item in batch:
                if item.quotations:
                    conn.execute(insert(quotations), [dict(r) for r in item.quotations])
                conn.execute(
                    insert(quote_indexed).values(
                        version_id=item.version_id,
                        article_id=item.article_id,
                        number=item.number,
                        indexed_at=now,
                    )
                )
                if item.story is not None and self._replace_keys(conn, item.story):
                    found = self._candidates(conn, item.story, window)
                    self._link(conn, item.article_id, match(item.story, found), now)
                n += 1
        return n

    def _replace_keys(self, conn: Connection, sk: StoryKeys) -> bool:
        """Keep the newest version's keys for the article; False when an older one came late."""
        current = conn.execute(
            select(story_signatures.c.number).where(story_signatures.c.article_id == sk.article_id)
        ).scalar()
        if current is not None and current > sk.number:
            return False
        if current is not None:  # a new version of an article already indexed
            conn.execute(
                delete(story_signatures).where(story_signatures.c.article_id == sk.article_id)
            )
            conn.execute(delete(story_keys).where(story_keys.c.article_id == sk.article_id))
        conn.execute(
            insert(story_signatures).values(
                article_id=sk.article_id,
                outlet_id=sk.outlet_id,
                number=sk.number,
                at=sk.at,
                language=sk.language,
                minhash=sk.minhash,
                names=list(sk.names),
                speakers=list(sk.speakers),
                statements=list(sk.statements),
                numbers=list(sk.numbers),
            )
        )
        rows = {key: kind for kind, key in sk.keys}  # one row per key (a name can also be a band)
        if rows:
            conn.execute(
                insert(story_keys),
                [
                    {
                        "article_id": sk.article_id,
                        "key": key,
                        "kind": kind,
                        "outlet_id": sk.outlet_id,
                        "at": sk.at,
                    }
                    for key, kind in rows.items()
                ],  # fmt: skip
            )
        return True

    def _candidates(
        self, conn: Connection, sk: StoryKeys, window: timedelta, limit: int = 50
    ) -> list[StoryKeys]:
        """Other outlets' articles within the time window sharing a band, or two name keys."""
        k = story_keys
        keys = [key for _kind, key in sk.keys]
        if not keys:
            return []
        bands = func.sum(case((k.c.kind == KEY_BAND, 1), else_=0))
        names = func.sum(case((k.c.kind == KEY_NAME, 1), else_=0))
        hits = (
            select(k.c.article_id, bands.label("bands"), names.label("names"))
            .where(
                k.c.key.in_(keys),
                k.c.at >= sk.at - window,
                k.c.at <= sk.at + window,
                k.c.outlet_id != sk.outlet_id,
            )
            .group_by(k.c.article_id)
            .having(or_(bands >= 1, names >= 2))
            .order_by(bands.desc(), names.desc())
            .limit(limit)
            .subquery()
        )
        s = story_signatures
        rows = conn.execute(select(s).join(hits, hits.c.article_id == s.c.article_id)).mappings()
        return [
            StoryKeys(
                r["article_id"],
                r["outlet_id"],
                r["number"],
                r["at"],
                r["language"],
                bytes(r["minhash"]),
                tuple(r["names"]),
                tuple(r["speakers"]),
                tuple(r["statements"]),
                numbers=tuple(r["numbers"] or ()),
            )  # fmt: skip
            for r in rows
        ]

    def _link(
        self,
        conn: Connection,
        article_id: int,
        matches: list[tuple[int, str, float]],
        now: datetime,
    ) -> None:
        """Put the article and its matches in one story, merging stories the match bridges."""
        if not matches:
            return
        sa = story_articles
        members = [article_id] + [m for m, _, _ in matches]
        current = dict(
            conn.execute(
                select(sa.c.article_id, sa.c.story_id).where(sa.c.article_id.in_(members))
            ).all()
        )
        story_ids = sorted(set(current.values()))
        if story_ids:
            target = story_ids[0]
            others = story_ids[1:]
            if others:
                conn.execute(update(sa).where(sa.c.story_id.in_(others)).values(story_id=target))
                conn.execute(delete(stories).where(stories.c.id.in_(others)))
        else:
            target = inserted_id(conn.execute(insert(stories).values(created_at=now)))
        best = max(matches, key=lambda m: m[2])
        new_rows = [(article_id, best[1], best[2])] + list(matches)
        seen: set[int] = set()
        for aid, via, score in new_rows:
            if aid in current or aid in seen:
                continue
            seen.add(aid)
            conn.execute(
                insert(sa).values(
                    article_id=aid, story_id=target, linked_at=now, via=via, score=round(score, 4)
                )
            )

    # ---- reading ---------------------------------------------------------------------------
    def quotation_rows(
        self, *, speaker_like: Sequence[str] = (), source: str | None = None
    ) -> list[dict]:
        """Every indexed quotation with its version, article and outlet (coarse filters in SQL)."""
        q, v, a, o = quotations, t.versions, t.articles, t.outlets
        latest = (
            select(quote_indexed.c.article_id, func.max(quote_indexed.c.number).label("latest"))
            .group_by(quote_indexed.c.article_id)
            .subquery()
        )
        query = (
            select(
                q,
                v.c.number,
                v.c.fetched_at,
                a.c.url,
                a.c.title,
                a.c.status,
                a.c.last_checked,
                o.c.name.label("source"),
                latest.c.latest,
            )
            .join(v, v.c.id == q.c.version_id)
            .join(a, a.c.id == q.c.article_id)
            .join(o, o.c.id == a.c.outlet_id)
            .join(latest, latest.c.article_id == q.c.article_id)
            .order_by(q.c.article_id, v.c.number, q.c.start_offset)
        )
        if speaker_like:  # any of the fragments in the speaker key or the cross-script key
            query = query.where(
                or_(
                    *(q.c.speaker_key.like(f"%{p}%") for p in speaker_like),
                    *(q.c.speaker_skeleton.like(f"%{p}%") for p in speaker_like),
                )
            )
        if source:
            query = query.where(o.c.name == source)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    def version_times(self, article_ids: Iterable[int]) -> dict[tuple[int, int], datetime]:
        """(article_id, number) -> fetched_at, for saying when a statement was last seen."""
        ids = list(set(article_ids))
        if not ids:
            return {}
        v = t.versions
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(v.c.article_id, v.c.number, v.c.fetched_at).where(v.c.article_id.in_(ids))
            ).all()
        return {(aid, n): at for aid, n, at in rows}

    def story_of(self, article_id: int) -> int | None:
        sa = story_articles
        with self.engine.connect() as conn:
            return conn.execute(select(sa.c.story_id).where(sa.c.article_id == article_id)).scalar()

    def story_rows(self, story_id: int | None = None) -> list[dict]:
        """Members of every story (or one), with their article, outlet and language."""
        sa, a, o, s = story_articles, t.articles, t.outlets, story_signatures
        query = (
            select(
                sa.c.story_id,
                sa.c.article_id,
                sa.c.via,
                sa.c.score,
                sa.c.linked_at,
                a.c.url,
                a.c.title,
                a.c.status,
                a.c.first_seen,
                o.c.name.label("source"),
                s.c.language,
            )
            .join(a, a.c.id == sa.c.article_id)
            .join(o, o.c.id == a.c.outlet_id)
            .outerjoin(s, s.c.article_id == sa.c.article_id)
            .order_by(sa.c.story_id, a.c.first_seen, a.c.id)
        )
        if story_id is not None:
            query = query.where(sa.c.story_id == story_id)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]
