"""The database tables (SQLAlchemy Core), the one place that names them; Alembic migrations build them.

Timestamps are stored as timezone-aware UTC. JSON columns hold values whose shape belongs to another module
(redirect chains, judgement state, diffs); they are never queried by content.
"""

from __future__ import annotations

from datetime import UTC as _UTC
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, on SQLite (which keeps no zone) as on PostgreSQL (timestamptz)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use memoryhole.models.utcnow()")
        value = value.astimezone(_UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=_UTC) if value.tzinfo is None else value.astimezone(_UTC)


UTC = UTCDateTime()  # the column type for every timestamp

outlets = Table(
    "outlets",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("homepage", Text, nullable=False),
    Column("poll_seconds", Float, nullable=False),
    Column("paused", Boolean, nullable=False, default=False),
    Column("created_at", UTC, nullable=False),
    Column("last_discovered_at", UTC),
    Column("next_probe_at", UTC),  # next random-URL request that (re)learns the not-found page
    Column("not_found", JSON),  # soft-404 profile learned from that request
    Column("outage", JSON),  # outage tracker state
)

sources = Table(
    "sources",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("outlet_id", ForeignKey("outlets.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(20), nullable=False),  # feed | sitemap | listing
    Column("url", Text, nullable=False),
    Column("windowed", Boolean, nullable=False, default=True),  # shows only the latest items
    Column("added_at", UTC, nullable=False),
    Column("next_poll_at", UTC, nullable=False),
    Column("last_polled_at", UTC),
    Column("last_ok_at", UTC),
    Column("last_error", String(40)),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("failures", Integer, nullable=False, default=0),
    UniqueConstraint("outlet_id", "url", name="uq_sources_outlet_url"),
)

articles = Table(
    "articles",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("outlet_id", ForeignKey("outlets.id", ondelete="CASCADE"), nullable=False),
    Column("url", Text, nullable=False, unique=True),  # canonical URL
    Column("status", String(20), nullable=False, default="live"),
    Column("first_seen", UTC, nullable=False),
    Column("published", UTC),  # as listed or extracted; drives the recheck schedule
    Column("last_checked", UTC),
    Column("next_check_at", UTC, nullable=False),
    Column("checks", Integer, nullable=False, default=0),
    Column("title", Text),
    Column("current_version", Integer),  # version number of the latest version
    Column("etag", Text),
    Column("last_modified", Text),
    Column(
        "payload_sha256", String(64)
    ),  # of the last decoded body, for the identical-bytes shortcut
    Column("fingerprint", Text),  # cheap body fingerprint of the last good page
    Column("moved_to", Text),
    Column("state", JSON),  # judgement state (changes.ArticleState)
    Index("ix_articles_due", "next_check_at"),
    Index("ix_articles_outlet", "outlet_id", "status"),
)

article_urls = Table(
    "article_urls",
    metadata,
    Column("url", Text, primary_key=True),
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
    Column("first_seen", UTC, nullable=False),
    Index("ix_article_urls_article", "article_id"),
)

memberships = Table(
    "memberships",
    metadata,
    Column("source_id", ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True),
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("first_seen", UTC, nullable=False),
    Column("last_seen", UTC, nullable=False),
    Column(
        "listed", Boolean, nullable=False, default=True
    ),  # in the source's latest successful poll
    Column("listed_published", UTC),  # the date the listing gave
    Column("first_position", Integer),  # its place in the listing when first seen (0 = top)
    Column("last_position", Integer),  # its place when last listed
    Index("ix_memberships_article", "article_id"),
)

fetches = Table(
    "fetches",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("article_id", ForeignKey("articles.id", ondelete="SET NULL")),
    Column("source_id", ForeignKey("sources.id", ondelete="SET NULL")),
    Column("outlet_id", ForeignKey("outlets.id", ondelete="SET NULL")),
    Column("purpose", String(20), nullable=False),  # article | source | probe | robots | homepage
    Column("url", Text, nullable=False),
    Column("final_url", Text),
    Column("started_at", UTC, nullable=False),
    Column("elapsed", Float, nullable=False),
    Column("status", Integer),
    Column("redirects", JSON),  # [[status, from, to], ...]
    Column("error", String(40)),
    Column("error_detail", Text),
    Column("payload_digest", String(64)),  # WARC-Payload-Digest of the final response
    Column("payload_sha256", String(64)),  # of the decoded body
    Column("warc_file", Text),
    Column("warc_offset", BigInteger),
    Column("warc_length", BigInteger),
    Column("warc_record_id", Text),
    Column("revisit", Boolean, nullable=False, default=False),
    Index("ix_fetches_article", "article_id", "started_at"),
    Index("ix_fetches_digest", "payload_digest"),
)

versions = Table(
    "versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
    Column("number", Integer, nullable=False),  # 1, 2, ... per article
    Column("fetch_id", ForeignKey("fetches.id"), nullable=False),
    Column("fetched_at", UTC, nullable=False),
    Column("url", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("byline", Text, nullable=False),
    Column("published", Text),
    Column("updated", Text),
    Column("language", String(12)),
    Column("text", Text, nullable=False),
    Column("digest", String(64), nullable=False),
    UniqueConstraint("article_id", "number", name="uq_versions_article_number"),
    Index("ix_versions_digest", "digest"),
)

events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("outlet_id", ForeignKey("outlets.id", ondelete="CASCADE"), nullable=False),
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE")),
    Column("detected_at", UTC, nullable=False),
    Column("version_id", ForeignKey("versions.id")),
    Column("previous_version_id", ForeignKey("versions.id")),
    Column("fetch_ids", JSON),  # the fetches this judgement rests on (its evidence)
    Column("how", String(30)),
    Column("new_url", Text),
    Column("summary", Text, nullable=False, default=""),
    Column("details", JSON),
    Index("ix_events_detected", "detected_at"),
    Index("ix_events_article", "article_id"),
    Index("ix_events_kind", "kind", "detected_at"),
)
