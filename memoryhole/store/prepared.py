"""The statements every check runs, built once at import and executed with bound parameters.

Building a SQLAlchemy statement (and its cache key) per call cost more CPU than SQLite spent running
it; a statement built once keeps its memoized cache key, so each call only binds values. The SQL and
the values sent are the same as building the statement with ``.values(...)`` at every call.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, bindparam, insert, or_, select, update
from sqlalchemy.exc import CompileError

from . import schema as t

INSERT_FETCH = insert(t.fetches)
INSERT_VERSION = insert(t.versions)
INSERT_EVENT = insert(t.events)

# Parameter names for WHERE clauses must not be column names (those name the SET/VALUES columns).
UPDATE_ARTICLE = update(t.articles).where(t.articles.c.id == bindparam("where_id"))
UPDATE_OUTLET = update(t.outlets).where(t.outlets.c.id == bindparam("where_id"))
UPDATE_SOURCE = update(t.sources).where(t.sources.c.id == bindparam("where_id"))
SET_OWN_DATE = update(t.articles).where(
    t.articles.c.id == bindparam("where_id"), t.articles.c.published.is_(None)
)


def set_values(table: Any, row_id: int, values: dict[str, Any]) -> dict[str, Any]:
    """Parameters for ``UPDATE_*``: ``values`` for the SET clause, ``row_id`` for the WHERE clause.
    A name that is not a column fails here, as it would in ``.values(...)``, not silently."""
    unknown = values.keys() - table.c.keys()
    if unknown:
        raise CompileError(f"Unconsumed column names: {', '.join(sorted(unknown))}")
    return {"where_id": row_id, **values}


ARTICLE_STATE = select(t.articles.c.state).where(t.articles.c.id == bindparam("article_id"))
LATEST_VERSION = (
    select(t.versions.c.id, t.versions.c.number, t.versions.c.digest)
    .where(t.versions.c.article_id == bindparam("article_id"))
    .order_by(t.versions.c.number.desc())
    .limit(1)
)
LATEST_VERSION_ID = (
    select(t.versions.c.id)
    .where(t.versions.c.article_id == bindparam("article_id"))
    .order_by(t.versions.c.number.desc())
    .limit(1)
)
REVISIT_TARGET = (
    select(t.fetches.c.final_url, t.fetches.c.started_at, t.fetches.c.warc_record_id)
    .where(
        t.fetches.c.payload_digest == bindparam("digest"),
        t.fetches.c.revisit.is_(False),
        t.fetches.c.warc_record_id.is_not(None),
    )
    .order_by(t.fetches.c.id)
    .limit(1)
)
ARTICLE_WITH_VERSION = (
    select(t.articles.c.id)
    .join(
        t.versions,
        and_(
            t.versions.c.article_id == t.articles.c.id,
            t.versions.c.number == t.articles.c.current_version,
        ),
    )
    .where(
        t.versions.c.digest == bindparam("digest"),
        t.articles.c.outlet_id == bindparam("outlet_id"),
        t.articles.c.id != bindparam("exclude"),
    )
    .limit(1)
)
OUTLET_BY_ID = select(t.outlets).where(t.outlets.c.id == bindparam("outlet_id"))
OUTLET_SOURCES = select(t.sources).where(t.sources.c.outlet_id == bindparam("outlet_id"))
DUE_PROBES = select(t.outlets).where(
    t.outlets.c.paused.is_(False),
    or_(t.outlets.c.next_probe_at.is_(None), t.outlets.c.next_probe_at <= bindparam("now")),
)


def _due_sources() -> Any:
    s, o = t.sources, t.outlets
    return (
        select(s, o.c.homepage, o.c.poll_seconds, o.c.name.label("outlet"))
        .join(o, o.c.id == s.c.outlet_id)
        .where(s.c.next_poll_at <= bindparam("now"), o.c.paused.is_(False))
        .order_by(s.c.next_poll_at)
        .limit(bindparam("limit"))
    )


def _due_articles() -> Any:
    a, o = t.articles, t.outlets
    return (
        select(a, o.c.homepage, o.c.name.label("outlet"))
        .join(o, o.c.id == a.c.outlet_id)
        .where(a.c.next_check_at <= bindparam("now"), o.c.paused.is_(False))
        .order_by(a.c.next_check_at)
        .limit(bindparam("limit"))
    )


def _due_variants(base: Any, table: Any, last: Any) -> dict[tuple[bool, bool], Any]:
    """(excluding ids?, only those not done since a moment?) → the statement for that case."""
    out = {}
    for excluding in (False, True):
        for since in (False, True):
            q = base
            if excluding:
                q = q.where(table.c.id.not_in(bindparam("exclude", expanding=True)))
            if since:
                q = q.where(or_(last.is_(None), last < bindparam("not_since")))
            out[excluding, since] = q
    return out


DUE_SOURCES = _due_variants(_due_sources(), t.sources, t.sources.c.last_polled_at)
DUE_ARTICLES = _due_variants(_due_articles(), t.articles, t.articles.c.last_checked)
