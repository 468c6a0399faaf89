"""The JSON API under /api: changes, articles, search and outlets, with the CLI's JSON field names.

Lists are pages: ``{"items": [...], "next": URL or null}``; follow ``next`` (a keyset cursor, so pages
stay fast and stable while new rows arrive). Writes need a Bearer token or a session plus CSRF header.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal, get_args

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from ..models import ARTICLE_STATUSES, EVENT_KINDS
from ..output import rfc3339
from ..records import article_record, event_record, outlet_record, version_record
from . import queries
from .app import require_reader, web
from .auth import CSRF_HEADER, Identity
from .outlets import OutletError, add_outlet, outlet_with_sources, update_outlet
from .queries import MARK_END, MARK_START, SearchFilters

router = APIRouter(prefix="/api", tags=["api"], dependencies=[Depends(require_reader)])

MAX_ID = 2**62  # ids beyond this are nonsense (and overflow SQLite's integers)
Limit = Annotated[int, Query(ge=1, le=queries.MAX_LIMIT, description="items per page")]
Before = Annotated[
    int | None, Query(ge=1, le=MAX_ID, description="cursor: items older than this id")
]
Kind = Literal["new", "edited", "deleted", "unlisted", "moved", "restored", "outage"]
Status = Literal["live", "deleted", "unlisted", "moved"]
assert set(get_args(Kind)) == set(EVENT_KINDS) and set(get_args(Status)) == set(ARTICLE_STATUSES)


class Paged(BaseModel):
    items: list[dict[str, Any]]
    next: str | None = Field(description="URL of the next page, null on the last")


class OutletIn(BaseModel):
    homepage: str = Field(max_length=2000, examples=["https://example.com/"])
    name: str | None = Field(None, max_length=100)
    poll_seconds: float | None = Field(None, ge=1, le=30 * 86400)
    feeds: list[str] = Field(default_factory=list, max_length=50)
    sitemaps: list[str] = Field(default_factory=list, max_length=50)


class OutletPatch(BaseModel):
    paused: bool | None = None
    poll_seconds: float | None = Field(None, ge=1, le=30 * 86400)


def utc(value: datetime | None) -> datetime | None:
    """Query datetimes without a zone are taken as UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _next(request: Request, cursor: int | None, key: str = "before") -> str | None:
    if cursor is None:
        return None
    return str(request.url.include_query_params(**{key: cursor}))


def change_record(row: dict) -> dict:
    """An event as `memoryhole changes --json` prints it."""
    return event_record(row)


def require_writer(request: Request) -> Identity:
    """A user with a Bearer token, or a logged-in browser that sends the X-CSRF-Token header."""
    ctx = web(request)
    identity = ctx.auth.identify(request)
    if identity.user is None:
        raise HTTPException(401, "log in or send an API token (Authorization: Bearer ...)")
    ctx.auth.check_csrf(identity, request.headers.get(CSRF_HEADER))
    return identity


@router.get(
    "/changes", response_model=Paged, summary="Events (new, edited, deleted, ...), newest first"
)
def changes(
    request: Request,
    kind: Kind | None = None,
    source: Annotated[str | None, Query(max_length=200, description="outlet name")] = None,
    since: datetime | None = None,
    limit: Limit = 50,
    before: Before = None,
) -> dict:
    page = queries.events_page(
        web(request).engine, kind=kind, outlet=source, since=utc(since), before=before, limit=limit
    )
    return {
        "items": [change_record(r) for r in page.items],
        "next": _next(request, page.next_before),
    }


@router.get("/articles", response_model=Paged, summary="Articles, newest first")
def articles(
    request: Request,
    status: Status | None = None,
    source: Annotated[str | None, Query(max_length=200)] = None,
    limit: Limit = 50,
    before: Before = None,
) -> dict:
    page = queries.articles_page(
        web(request).engine, status=status, outlet=source, before=before, limit=limit
    )
    return {
        "items": [article_record(r) for r in page.items],
        "next": _next(request, page.next_before),
    }


@router.get("/articles/{article_id}", summary="One article with every version and its events")
def article(request: Request, article_id: Annotated[int, PathParam(ge=1, le=MAX_ID)]) -> dict:
    engine = web(request).engine
    row = queries.article(engine, article_id)
    if row is None:
        raise HTTPException(404, f"no article with id {article_id}")
    rec = article_record(row)
    rec["versions"] = [version_record(v) for v in queries.versions(engine, article_id)]
    rec["version_count"] = row["versions"]
    events = queries.events_page(engine, article_id=article_id, limit=queries.MAX_LIMIT)
    rec["events"] = [change_record(e) for e in reversed(events.items)]
    return rec


def search_record(row: dict) -> dict:
    """A search hit: the CLI's `search --json` fields (snippet marked with [ ]) plus where and when."""
    return {
        "version_id": row["version_id"],
        "article_id": row["article_id"],
        "version": row["version"],
        "title": row["title"],
        "url": row["url"],
        "status": row["status"],
        "snippet": (row["snippet"] or "").replace(MARK_START, "[").replace(MARK_END, "]"),
        "source": row["source"],
        "fetched_at": rfc3339(row["fetched_at"]),
        "language": row["language"],
    }


@router.get("/search", response_model=Paged, summary="Full-text search over every version")
def search(
    request: Request,
    q: Annotated[str, Query(min_length=1, max_length=500)],
    source: Annotated[str | None, Query(max_length=200)] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    status: Status | None = None,
    language: Annotated[str | None, Query(max_length=12)] = None,
    limit: Limit = 20,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> dict:
    filters = SearchFilters(source, utc(since), utc(until), status, language)
    rows = queries.search(web(request).engine, q, filters, limit=limit + 1, offset=offset)
    more = offset + limit if len(rows) > limit else None
    return {
        "items": [search_record(r) for r in rows[:limit]],
        "next": _next(request, more, "offset"),
    }


@router.get("/outlets", response_model=Paged, summary="Every outlet with its sources and counts")
def outlets(request: Request) -> dict:
    return {"items": [outlet_record(o) for o in web(request).store.outlets()], "next": None}


@router.post("/outlets", status_code=201, summary="Follow a new outlet (needs a token or login)")
async def create_outlet(
    request: Request, body: OutletIn, _who: Annotated[Identity, Depends(require_writer)]
) -> JSONResponse:
    ctx = web(request)
    try:
        row = await add_outlet(
            ctx.store,
            ctx.settings,
            body.homepage,
            name=body.name,
            poll_seconds=body.poll_seconds,
            feeds=body.feeds,
            sitemaps=body.sitemaps,
        )
    except OutletError as exc:
        raise HTTPException(400, str(exc)) from None
    full = outlet_with_sources(ctx.store, row["name"]) or row
    return JSONResponse(outlet_record(full), status_code=201)


@router.patch(
    "/outlets/{name}", summary="Pause, resume or re-time an outlet (needs a token or login)"
)
def patch_outlet(
    request: Request,
    name: Annotated[str, PathParam(max_length=200)],
    body: OutletPatch,
    _who: Annotated[Identity, Depends(require_writer)],
) -> dict:
    store = web(request).store
    try:
        update_outlet(store, name, paused=body.paused, poll_seconds=body.poll_seconds)
    except LookupError:
        raise HTTPException(404, f"no outlet named {name!r}") from None
    except OutletError as exc:
        raise HTTPException(400, str(exc)) from None
    return outlet_record(outlet_with_sources(store, name) or {})
