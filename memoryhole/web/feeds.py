"""Atom feeds of events: all outlets (/feeds/events.atom) and one outlet (/feeds/outlets/{name}.atom).

Written with ElementTree (escaping is its job); each entry links to the article's timeline.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Request, Response

from ..output import rfc3339
from ..records import event_record
from . import queries
from .app import require_reader, web

router = APIRouter(prefix="/feeds", tags=["feeds"], dependencies=[Depends(require_reader)])
ATOM = "http://www.w3.org/2005/Atom"
FEED_SIZE = 50


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        el.text = text
    return el


def atom(request: Request, title: str, rows: list[dict]) -> bytes:
    base = str(request.base_url).rstrip("/")
    feed = ET.Element(f"{{{ATOM}}}feed")
    _sub(feed, "title", title)
    _sub(feed, "id", str(request.url))
    _sub(feed, "link", rel="self", href=str(request.url))
    _sub(feed, "updated", rfc3339(rows[0]["detected_at"]) if rows else "1970-01-01T00:00:00Z")
    _sub(_sub(feed, "author"), "name", "memoryhole")
    for row in rows:
        rec = event_record(row)
        entry = _sub(feed, "entry")
        what = rec["kind"] + (f" ({rec['how']})" if rec.get("how") else "")
        _sub(entry, "title", f"{what}: {rec['title'] or rec['url'] or rec['source']}")
        _sub(entry, "id", f"{base}/events/{rec['id']}")
        _sub(entry, "updated", rec["detected_at"])
        if row["article_id"] is not None:
            _sub(entry, "link", href=f"{base}/articles/{row['article_id']}")
        _sub(entry, "category", term=rec["kind"])
        _sub(entry, "summary", rec["summary"] or what)
    ET.register_namespace("", ATOM)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def _response(body: bytes) -> Response:
    return Response(body, media_type="application/atom+xml; charset=utf-8")


@router.get("/events.atom", summary="Atom feed of the latest events of every outlet")
def all_events(request: Request) -> Response:
    page = queries.events_page(web(request).engine, limit=FEED_SIZE)
    return _response(atom(request, "memoryhole: changes", page.items))


@router.get("/outlets/{name}.atom", summary="Atom feed of one outlet's latest events")
def outlet_events(request: Request, name: Annotated[str, Path(max_length=200)]) -> Response:
    ctx = web(request)
    if ctx.store.outlet(name=name) is None:
        raise HTTPException(404, f"no outlet named {name!r}")
    page = queries.events_page(ctx.engine, outlet=name, limit=FEED_SIZE)
    return _response(atom(request, f"memoryhole: {name}", page.items))
