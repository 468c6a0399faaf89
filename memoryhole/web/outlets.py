"""Outlet management from the web (UI forms and API): add with the SSRF guard, pause, resume, re-time.

Adding only records the outlet and its sources; the running monitor discovers feeds and sitemaps
(as `memoryhole add --no-discover` does), so a web request never fetches anything itself.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from ..app import address_guard
from ..models import utcnow
from ..settings import Settings
from ..store import Store, StoreError

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
MIN_POLL, MAX_POLL = 1.0, 30 * 86400.0


class OutletError(ValueError):
    """The request cannot be done as asked; the message says why (shown to the user)."""


def _http_url(value: str, what: str) -> str:
    value = value.strip()
    try:
        parts = urlsplit(value)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname) and len(value) <= 2000
    except ValueError:
        ok = False
    if not ok:
        raise OutletError(
            f"not an http(s) {what}: {value[:200]!r} (write it like https://example.com/)"
        )
    return value


def name_from_url(url: str) -> str:
    host = (urlsplit(url).hostname or "outlet").removeprefix("www.")
    return host.split(".")[0] or "outlet"


def check_poll(seconds: float) -> float:
    if not MIN_POLL <= seconds <= MAX_POLL:
        raise OutletError(f"a poll interval must be between {MIN_POLL:g} seconds and 30 days")
    return seconds


async def add_outlet(
    store: Store,
    settings: Settings,
    homepage: str,
    *,
    name: str | None = None,
    poll_seconds: float | None = None,
    feeds: list[str] | tuple[str, ...] = (),
    sitemaps: list[str] | tuple[str, ...] = (),
) -> dict:
    """Record a new outlet after checking every URL against the SSRF guard; returns its store row."""
    home = _http_url(homepage, "homepage URL")
    feeds = [_http_url(u, "feed URL") for u in feeds if u.strip()]
    sitemaps = [_http_url(u, "sitemap URL") for u in sitemaps if u.strip()]
    name = (name or "").strip() or name_from_url(home)
    if not NAME_RE.match(name):
        raise OutletError("a name needs 1-100 letters, digits, dots, dashes or underscores")
    poll = check_poll(poll_seconds if poll_seconds is not None else settings.poll)
    guard = address_guard(settings)
    for url in (home, *feeds, *sitemaps):
        problem = await guard.check(url)
        if problem:
            raise OutletError(f"refused {url[:200]}: {problem}")
    now = utcnow()
    try:
        oid = store.add_outlet(name, home, poll, now)
    except StoreError as exc:
        raise OutletError(str(exc)) from None
    for url in feeds:
        store.add_source(oid, "feed", url, now)
    for url in sitemaps:
        store.add_source(oid, "sitemap", url, now)
    store.add_source(oid, "listing", home, now)
    row = store.outlet(id=oid)
    assert row is not None
    return row


def update_outlet(
    store: Store, name: str, *, paused: bool | None = None, poll_seconds: float | None = None
) -> dict:
    row = store.outlet(name=name)
    if row is None:
        raise LookupError(name)
    values: dict = {}
    if paused is not None:
        values["paused"] = paused
    if poll_seconds is not None:
        values["poll_seconds"] = check_poll(poll_seconds)
    if values:
        store.update_outlet(row["id"], **values)
    return store.outlet(id=row["id"]) or row


def outlet_with_sources(store: Store, name: str) -> dict | None:
    """The outlet row with ``sources`` and ``articles`` as `records.outlet_record` wants them."""
    return next((o for o in store.outlets() if o["name"] == name), None)
