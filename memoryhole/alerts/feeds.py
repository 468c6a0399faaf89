"""Atom feeds of events (all, one outlet's, one rule's) as bytes, for the web UI and `alerts feed`.

Built with the standard library's ElementTree: an Atom document is a dozen elements, and escaping
and encoding are the only hard parts, which ElementTree does.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ..models import utcnow
from ..output import rfc3339
from ..store import Store
from ..store.alerts import AlertStore
from .messages import Links, event_message
from .rules import Rule

__all__ = ["FeedError", "atom_feed", "entry_id"]

ATOM = "http://www.w3.org/2005/Atom"
SCAN = 5000  # most recent events looked at when a rule filters them


class FeedError(LookupError):
    """The rule or outlet asked for does not exist."""


def entry_id(event_id: int) -> str:
    """A permanent id for an event's entry, independent of where the UI is served (RFC 4151 tag)."""
    return f"tag:memoryhole.invalid,2026:event-{event_id}"


def atom_feed(
    store: Store,
    *,
    rule_id: int | None = None,
    outlet: str | None = None,
    links: Links | None = None,
    limit: int = 100,
    now: datetime | None = None,
) -> bytes:
    """The newest `limit` events (of one outlet, or those one rule wants) as an Atom 1.0 document."""
    links = links or Links()
    alerts = AlertStore(store)
    rows, title = _select(alerts, rule_id, outlet, limit)
    return _render(rows, title, _self_url(links, rule_id, outlet), links, now or utcnow())


def _select(
    alerts: AlertStore, rule_id: int | None, outlet: str | None, limit: int
) -> tuple[list[dict], str]:
    if outlet is not None and alerts.store.outlet(name=outlet) is None:
        raise FeedError(f"no outlet named {outlet!r} (see `memoryhole outlets`)")
    if rule_id is None:
        rows = alerts.event_rows(outlet=outlet, limit=limit, newest_first=True)
        return rows, f"memoryhole: {outlet}" if outlet else "memoryhole: every change"
    found = alerts.rule(rule_id)
    if found is None:
        raise FeedError(f"no alert rule {rule_id} (see `memoryhole alerts list`)")
    rule = Rule.from_row(found)
    scanned = alerts.event_rows(outlet=outlet, limit=SCAN, newest_first=True)
    rows = [r for r in scanned if rule.wants(r)][:limit]
    return rows, f"memoryhole: rule {rule_id} ({rule.describe()})"


def _self_url(links: Links, rule_id: int | None, outlet: str | None) -> str:
    base = links.base_url.rstrip("/")
    if rule_id is not None:
        return f"{base}/feeds/rules/{rule_id}.atom"
    if outlet is not None:
        return f"{base}/feeds/outlets/{outlet}.atom"
    return f"{base}/feeds/events.atom"


def _render(rows: Sequence[dict], title: str, self_url: str, links: Links, now: datetime) -> bytes:
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _text(feed, "id", self_url)
    _text(feed, "title", title)
    _text(feed, "updated", rfc3339(rows[0]["detected_at"] if rows else now))
    _text(ET.SubElement(feed, f"{{{ATOM}}}author"), "name", "memoryhole")
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=self_url)
    ET.SubElement(feed, f"{{{ATOM}}}generator").text = "memoryhole"
    for row in rows:
        _entry(feed, row, links)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def _entry(feed: ET.Element, row: dict[str, Any], links: Links) -> None:
    message = event_message(row, links)
    entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
    _text(entry, "id", entry_id(row["id"]))
    _text(entry, "title", message.title)
    _text(entry, "updated", rfc3339(row["detected_at"]))
    _text(entry, "published", rfc3339(row["detected_at"]))
    _text(ET.SubElement(entry, f"{{{ATOM}}}author"), "name", row["source"])
    ET.SubElement(entry, f"{{{ATOM}}}category", term=row["kind"])
    timeline = links.for_event(row).get("timeline")
    if timeline:
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", href=timeline)
    if row.get("url"):
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="related", href=row["url"])
    ET.SubElement(entry, f"{{{ATOM}}}content", type="text").text = message.body


def _text(parent: ET.Element, tag: str, value: str | None) -> None:
    ET.SubElement(parent, f"{{{ATOM}}}{tag}").text = value or ""
