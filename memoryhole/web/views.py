"""The HTML pages: overview, changes, deleted/unlisted lists, article timeline with diffs, archived
snapshots, outlets (health and management), search, login and account (sessions, tokens, users).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from ..archive import read_records
from ..models import ARTICLE_STATUSES, EVENT_KINDS, WarcLocation, utcnow
from ..settings import SettingsError, format_duration, parse_duration
from ..store import StoreError
from . import queries
from .app import SNAPSHOT_CSP, WebContext, require_reader, web
from .auth import ANON_COOKIE, CSRF_FIELD, SESSION_COOKIE, Identity, client_key
from .diffhtml import diff_view, highlight_snippet
from .outlets import OutletError, add_outlet, update_outlet
from .queries import MARK_END, MARK_START, SearchFilters

router = APIRouter(include_in_schema=False)
reader = [Depends(require_reader)]
MAX_ID = 2**62
Id = Annotated[int, PathParam(ge=1, le=MAX_ID)]
Before = Annotated[int | None, Query(ge=1, le=MAX_ID)]
CHART_DAYS = 30


# ---- rendering ----------------------------------------------------------------------------------
def register_filters(templates: Jinja2Templates) -> None:
    env = templates.env
    env.filters["dt"] = lambda v: v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if v else "—"
    env.filters["urlq"] = lambda v: quote(str(v), safe="")
    env.filters["duration"] = lambda v: format_duration(float(v)) if v is not None else "—"
    env.filters["pct"] = lambda v: f"{100 * v:.0f}%" if v is not None else "—"


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def render(request: Request, template: str, context: dict[str, Any], status: int = 200) -> Response:
    """A page with the requester and a CSRF token; starts a pre-login cookie when there is none."""
    ctx = web(request)
    identity = ctx.auth.identify(request)
    anon = None
    if identity.csrf_key is None:
        anon = secrets.token_urlsafe(18)
        identity = replace(identity, csrf_key="a" + anon)
        request.state.identity = identity
    values = {"me": identity.user, "csrf": ctx.auth.csrf_token(identity), "public": ctx.public_read}
    resp = ctx.templates.TemplateResponse(
        request, template, {**values, **context}, status_code=status
    )
    if anon is not None:
        resp.set_cookie(ANON_COOKIE, anon, httponly=True, samesite="lax", secure=_secure(request))
    return resp


def back(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


async def form_of(request: Request, *, login: bool = True) -> tuple[Identity, dict[str, str]]:
    """The posted form after its CSRF check (and, with ``login``, the check that someone is logged in)."""
    ctx = web(request)
    identity = ctx.auth.identify(request)
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    ctx.auth.check_csrf(identity, form.get(CSRF_FIELD))
    if login and identity.user is None:
        raise HTTPException(401, "log in first")
    return identity, form


# ---- overview and lists -------------------------------------------------------------------------
def chart(rows: list[tuple[str, str, str, int]], today: date, days: int = CHART_DAYS) -> list[dict]:
    """Per outlet, an inline SVG of stacked daily bars (deleted below, edited above).

    Built here rather than in the template: a loop of hundreds of rects is 50x faster as f-strings.
    """
    width, height, gap = 10, 48, 2
    day_keys = [(today - timedelta(days=days - 1 - i)).isoformat() for i in range(days)]
    per: dict[str, dict[tuple[str, str], int]] = {}
    for outlet, kind, day, n in rows:
        per.setdefault(outlet, {})[(kind, day)] = n
    out = []
    for outlet in sorted(per):
        counts = per[outlet]
        top = (
            max(counts.get(("deleted", d), 0) + counts.get(("edited", d), 0) for d in day_keys) or 1
        )
        rects = []
        for i, d in enumerate(day_keys):
            base = float(height)
            for kind, colour in (("deleted", "#c0392b"), ("edited", "#e6a23c")):
                n = counts.get((kind, d), 0)
                if n:
                    h = max(1.0, height * n / top)
                    base -= h
                    rects.append(
                        f'<rect class="{kind}" x="{i * width}" y="{base:.1f}" width="{width - gap}" '
                        f'height="{h:.1f}" fill="{colour}"><title>{d}: {n} {kind}</title></rect>'
                    )
        totals = {
            k: sum(n for (kk, _), n in counts.items() if kk == k) for k in ("deleted", "edited")
        }
        out.append(
            {
                "outlet": outlet,
                "bars": Markup("".join(rects)),
                "totals": totals,
                "width": days * width,
                "height": height,
            }
        )
    return out


SUMMARY_TTL = 5.0  # seconds the overview's counts and chart may lag (latest events never do)


def _summary(ctx: WebContext, now: datetime) -> dict[str, Any]:
    """Counts per outlet and kind, statuses and the chart: reused for a few seconds, because with
    many readers they would otherwise be recomputed for every page view."""
    with ctx.summary_lock:
        cached = ctx.summary_cache
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        counts, daily = ctx.tally.summary(ctx.engine, now, days=CHART_DAYS)
        value = {
            "counts": counts,
            "statuses": queries.status_counts(ctx.engine),
            "charts": chart(daily, now.date()),
        }
        ctx.summary_cache = (time.monotonic() + SUMMARY_TTL, value)
        return value


@router.get("/", dependencies=reader)
def overview(request: Request) -> Response:
    ctx, now = web(request), utcnow()
    latest = queries.events_page(ctx.engine, limit=20)
    return render(
        request,
        "overview.html",
        {
            "events": latest.items,
            "more": latest.next_before,
            "kinds": EVENT_KINDS,
            "chart_days": CHART_DAYS,
            **_summary(ctx, now),
        },
    )


@router.get("/changes", dependencies=reader)
def changes(
    request: Request,
    kind: Annotated[str | None, Query(max_length=20)] = None,
    source: Annotated[str | None, Query(max_length=200)] = None,
    before: Before = None,
) -> Response:
    kind = kind if kind in EVENT_KINDS else None
    page = queries.events_page(web(request).engine, kind=kind, outlet=source or None, before=before)
    return render(
        request,
        "changes.html",
        {
            "page": page,
            "kind": kind,
            "source": source or "",
            "kinds": EVENT_KINDS,
            "outlets": _outlet_names(request),
        },
    )


def _outlet_names(request: Request) -> list[str]:
    return list(queries.outlet_names(web(request).engine).values())


def _article_list(
    request: Request, status: str | None, source: str | None, before: int | None, title: str
) -> Response:
    engine = web(request).engine
    page = queries.articles_page(engine, status=status, outlet=source or None, before=before)
    why = {}
    if status in ("deleted", "unlisted", "moved"):
        why = queries.last_events_for(engine, [a["id"] for a in page.items], status)
    return render(
        request,
        "articles.html",
        {
            "page": page,
            "why": why,
            "status": status,
            "source": source or "",
            "title": title,
            "statuses": ARTICLE_STATUSES,
            "outlets": _outlet_names(request),
        },
    )


@router.get("/deleted", dependencies=reader)
def deleted(
    request: Request,
    source: Annotated[str | None, Query(max_length=200)] = None,
    before: Before = None,
) -> Response:
    return _article_list(request, "deleted", source, before, "Deleted articles")


@router.get("/unlisted", dependencies=reader)
def unlisted(
    request: Request,
    source: Annotated[str | None, Query(max_length=200)] = None,
    before: Before = None,
) -> Response:
    return _article_list(request, "unlisted", source, before, "Unlisted articles")


@router.get("/articles", dependencies=reader)
def articles(
    request: Request,
    status: Annotated[str | None, Query(max_length=20)] = None,
    source: Annotated[str | None, Query(max_length=200)] = None,
    before: Before = None,
) -> Response:
    status = status if status in ARTICLE_STATUSES else None
    return _article_list(request, status, source, before, "Articles")


# ---- one article ----------------------------------------------------------------------------------
def _timeline(versions: list[dict], events: list[dict], fetches: list[dict]) -> list[dict]:
    items = [{"type": "version", "at": v["fetched_at"], "row": v} for v in versions]
    items += [{"type": "event", "at": e["detected_at"], "row": e} for e in events]
    items += [{"type": "fetch", "at": f["started_at"], "row": f} for f in fetches]
    order = {"event": 0, "version": 1, "fetch": 2}
    return sorted(items, key=lambda i: (i["at"], -order[i["type"]]), reverse=True)


@router.get("/articles/{article_id}", dependencies=reader)
def article(
    request: Request,
    article_id: Id,
    a: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    b: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    view: Annotated[str, Query(max_length=10)] = "inline",
    fetches_from: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    engine = web(request).engine
    row = queries.article(engine, article_id)
    if row is None:
        raise HTTPException(404, f"no article with id {article_id}")
    versions = queries.versions(engine, article_id)
    events = queries.events_page(engine, article_id=article_id, limit=queries.MAX_LIMIT).items
    fetches = queries.article_fetches(engine, article_id, limit=100, offset=fetches_from)
    evidence = queries.fetches_by_ids(
        engine, sorted({i for e in events for i in (e["fetch_ids"] or [])})
    )
    by_number = {v["number"]: v for v in versions}
    new_n = b if b in by_number else (versions[-1]["number"] if versions else None)
    old_n = a if a in by_number else (new_n - 1 if new_n and new_n - 1 in by_number else None)
    diff = (
        diff_view(by_number[old_n], by_number[new_n])
        if old_n and new_n and old_n != new_n
        else None
    )
    return render(
        request,
        "article.html",
        {
            "article": row,
            "versions": versions,
            "events": events,
            "evidence": evidence,
            "timeline": _timeline(versions, events, fetches),
            "diff": diff,
            "old_n": old_n,
            "new_n": new_n,
            "view": "side" if view == "side" else "inline",
            "fetches_from": fetches_from,
            "more_fetches": len(fetches) == 100,
        },
    )


# ---- archived snapshots -----------------------------------------------------------------------------
def _location(ctx: WebContext, row: dict) -> WarcLocation:
    """Where a fetch's records are; the file must lie inside the archive directory."""
    if row["revisit"] and row["payload_digest"]:
        row = queries.original_of_revisit(ctx.engine, row["payload_digest"]) or row
    name = row["warc_file"]
    warc_dir = ctx.paths.warc_dir.resolve()
    if not name or not (warc_dir / name).resolve().is_relative_to(warc_dir):
        raise HTTPException(404, "this fetch has no archived response")
    return WarcLocation(
        name,
        row["warc_offset"],
        row["warc_length"],
        row["payload_digest"],
        row["warc_record_id"],
        False,
    )


def archived_response(ctx: WebContext, row: dict) -> tuple[bytes, str, int | None, tuple]:
    """(payload, content type, status, headers) of the final archived response of a fetch."""
    try:
        records = read_records(Path(ctx.paths.warc_dir), _location(ctx, row))
    except (OSError, ValueError):
        raise HTTPException(404, "the archived records could not be read") from None
    responses = [r for r in records if r.type == "response"]
    if not responses:
        raise HTTPException(404, "this fetch has no archived response")
    last = responses[-1]
    ctype = next((v for k, v in last.http_headers if k.lower() == "content-type"), "")
    return last.payload, ctype, last.http_status, last.http_headers


def _fetch_or_404(ctx: WebContext, fetch_id: int) -> dict:
    row = queries.fetch(ctx.engine, fetch_id)
    if row is None:
        raise HTTPException(404, f"no fetch with id {fetch_id}")
    return row


@router.get("/snapshots/{fetch_id}", dependencies=reader)
def snapshot(request: Request, fetch_id: Id) -> Response:
    ctx = web(request)
    row = _fetch_or_404(ctx, fetch_id)
    version = queries.version_of_fetch(ctx.engine, fetch_id)
    has_body = bool(row["warc_file"]) and row["status"] is not None
    return render(
        request,
        "snapshot.html",
        {
            "fetch": row,
            "version": version,
            "has_body": has_body,
            "article": queries.article(ctx.engine, row["article_id"])
            if row["article_id"]
            else None,
        },
    )


@router.get("/snapshots/{fetch_id}/raw", dependencies=reader)
def snapshot_raw(request: Request, fetch_id: Id) -> Response:
    """The archived page itself, for the sandboxed iframe: CSP sandbox (no scripts, opaque origin)."""
    ctx = web(request)
    payload, ctype, _status, _headers = archived_response(ctx, _fetch_or_404(ctx, fetch_id))
    media = ctype.split(";")[0].strip().lower()
    charset = next(
        (p.split("=", 1)[1].strip() for p in ctype.split(";")[1:] if "charset=" in p.lower()), None
    )
    kind = "text/html" if media in ("text/html", "application/xhtml+xml") else "text/plain"
    resp = Response(payload, media_type=f"{kind}; charset={charset}" if charset else kind)
    resp.headers["Content-Security-Policy"] = SNAPSHOT_CSP
    resp.headers["X-Frame-Options"] = "SAMEORIGIN"
    resp.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


# ---- outlets ------------------------------------------------------------------------------------------
@router.get("/outlets", dependencies=reader)
def outlets(
    request: Request, error: Annotated[str | None, Query(max_length=300)] = None
) -> Response:
    ctx = web(request)
    return render(
        request,
        "outlets.html",
        {
            "outlets": ctx.store.outlets(),
            "health": queries.outlet_health(ctx.engine, utcnow()),
            "error": error,
            "default_poll": format_duration(ctx.settings.poll),
        },
    )


def _poll(text: str) -> float | None:
    if not text.strip():
        return None
    try:
        return parse_duration(text)
    except SettingsError as exc:
        raise OutletError(str(exc)) from None


@router.post("/outlets")
async def outlets_add(request: Request) -> Response:
    ctx = web(request)
    _who, form = await form_of(request)
    try:
        await add_outlet(
            ctx.store,
            ctx.settings,
            form.get("homepage", ""),
            name=form.get("name") or None,
            poll_seconds=_poll(form.get("poll", "")),
            feeds=form.get("feeds", "").split(),
            sitemaps=form.get("sitemaps", "").split(),
        )
    except OutletError as exc:
        return render(
            request,
            "outlets.html",
            {
                "outlets": ctx.store.outlets(),
                "health": queries.outlet_health(ctx.engine, utcnow()),
                "error": str(exc),
                "default_poll": format_duration(ctx.settings.poll),
                "form": form,
            },
            status=400,
        )
    return back("/outlets")


@router.post("/outlets/{name}/settings")
async def outlets_edit(
    request: Request, name: Annotated[str, PathParam(max_length=200)]
) -> Response:
    ctx = web(request)
    _who, form = await form_of(request)
    paused = {"pause": True, "resume": False}.get(form.get("action", ""))
    try:
        update_outlet(ctx.store, name, paused=paused, poll_seconds=_poll(form.get("poll", "")))
    except LookupError:
        raise HTTPException(404, f"no outlet named {name!r}") from None
    except OutletError as exc:
        raise HTTPException(400, str(exc)) from None
    return back("/outlets")


# ---- search ----------------------------------------------------------------------------------------------
def _day(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    except ValueError:
        raise HTTPException(422, f"not a date: {value[:40]!r} (write it like 2025-01-31)") from None


@router.get("/search", dependencies=reader)
def search(
    request: Request,
    q: Annotated[str, Query(max_length=500)] = "",
    source: Annotated[str, Query(max_length=200)] = "",
    since: Annotated[str, Query(max_length=40)] = "",
    until: Annotated[str, Query(max_length=40)] = "",
    status: Annotated[str, Query(max_length=20)] = "",
    language: Annotated[str, Query(max_length=12)] = "",
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> Response:
    end = _day(until)
    filters = SearchFilters(
        source or None,
        _day(since),
        end + timedelta(days=1) if end else None,  # "until" a day includes that day
        status if status in ARTICLE_STATUSES else None,
        language or None,
    )
    per_page = 20
    rows = (
        queries.search(web(request).engine, q, filters, limit=per_page + 1, offset=offset)
        if q.strip()
        else []
    )
    for r in rows:
        r["snippet_html"] = highlight_snippet(r["snippet"] or "", MARK_START, MARK_END)
    params = {
        "q": q,
        "source": source,
        "since": since,
        "until": until,
        "status": status,
        "language": language,
    }
    return render(
        request,
        "search.html",
        {
            "rows": rows[:per_page],
            "params": params,
            "offset": offset,
            "per_page": per_page,
            "more": len(rows) > per_page,
            "outlets": _outlet_names(request),
            "statuses": ARTICLE_STATUSES,
        },
    )


# ---- login and account ---------------------------------------------------------------------------
def _safe_next(target: str | None) -> str:
    """Only same-site paths: never an absolute or protocol-relative URL (open redirect)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/"


@router.get("/login")
def login_form(request: Request, next: Annotated[str, Query(max_length=500)] = "/") -> Response:  # noqa: A002
    return render(request, "login.html", {"next": _safe_next(next), "error": None})


@router.post("/login")
async def login(request: Request) -> Response:
    ctx = web(request)
    _who, form = await form_of(request, login=False)
    name, password = form.get("name", "")[:100], form.get("password", "")[:1000]
    keys = (client_key(request), "name:" + name.lower())
    target = _safe_next(form.get("next"))
    if ctx.auth.limiter.blocked(*keys):
        return render(
            request,
            "login.html",
            {"next": target, "error": "too many failed logins: wait a few minutes"},
            429,
        )
    user = ctx.users.authenticate(name, password)
    if user is None:
        ctx.auth.limiter.failed(*keys)
        return render(
            request, "login.html", {"next": target, "error": "wrong name or password"}, 401
        )
    ctx.auth.limiter.succeeded(keys[1])
    token = ctx.users.start_session(user, request.headers.get("user-agent", ""))
    resp = back(target)
    resp.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
        max_age=int(timedelta(days=14).total_seconds()),
    )
    return resp


@router.post("/logout")
async def logout(request: Request) -> Response:
    ctx = web(request)
    who, _form = await form_of(request, login=False)
    if who.user is not None and who.session_id is not None:
        ctx.users.revoke_session(who.user.id, who.session_id)
    resp = back("/")
    resp.delete_cookie(SESSION_COOKIE)
    return resp


def _me(request: Request) -> Identity:
    who = web(request).auth.identify(request)
    if who.user is None:
        raise HTTPException(401, "log in first")
    return who


@router.get("/account")
def account(request: Request) -> Response:
    return _account_page(request, _me(request))


def _account_page(request: Request, who: Identity, **extra: Any) -> Response:
    ctx = web(request)
    assert who.user is not None
    return render(
        request,
        "account.html",
        {
            "sessions": ctx.users.sessions(who.user.id),
            "tokens": ctx.users.tokens(who.user.id),
            "users": ctx.users.all(),
            "current_session": who.session_id,
            "new_token": None,
            "error": None,
            **extra,
        },
    )


@router.post("/account/tokens")
async def token_create(request: Request) -> Response:
    who, form = await form_of(request)
    assert who.user is not None
    token = web(request).users.create_token(who.user, form.get("name", "")[:100])
    return _account_page(request, who, new_token=token)


@router.post("/account/tokens/{token_id}/revoke")
async def token_revoke(request: Request, token_id: Id) -> Response:
    who, _form = await form_of(request)
    assert who.user is not None
    web(request).users.revoke_token(who.user.id, token_id)
    return back("/account")


@router.post("/account/sessions/{session_id}/revoke")
async def session_revoke(request: Request, session_id: Id) -> Response:
    who, _form = await form_of(request)
    assert who.user is not None
    web(request).users.revoke_session(who.user.id, session_id)
    return back("/account")


@router.post("/account/users")
async def user_add(request: Request) -> Response:
    who, form = await form_of(request)
    try:
        web(request).users.add(form.get("name", ""), form.get("password", ""))
    except StoreError as exc:
        return _account_page(request, who, error=str(exc))
    return back("/account")
