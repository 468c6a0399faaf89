"""Alert messages, pure: one event, a digest of a burst, or an outage → title, text and JSON payload.

The payload carries `records.event_record`'s field names (the public contract) plus `message` (the
text) and `links`; a digest carries the records of its events under `events`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..output import rfc3339
from ..records import event_record

__all__ = ["Links", "Message", "event_message", "digest_message", "trial_message", "what_happened"]

EXCERPT_CHARS = 280


@dataclass(frozen=True)
class Links:
    """Where an article's timeline and its archived copy are in the web UI."""

    base_url: str = "http://127.0.0.1:8080"
    timeline: str = "{base}/articles/{article_id}"
    archive: str = "{base}/snapshots/{fetch_id}"  # the fetch that saved the version

    def for_event(self, row: dict[str, Any]) -> dict[str, str]:
        if row.get("article_id") is None:
            return {}
        base = self.base_url.rstrip("/")
        out = {"timeline": self.timeline.format(base=base, article_id=row["article_id"])}
        if row.get("version_fetch_id") is not None:
            out["archive"] = self.archive.format(base=base, fetch_id=row["version_fetch_id"])
        return out


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    payload: dict[str, Any]
    notify_type: str = "warning"  # Apprise's info | success | warning | failure


def what_happened(row: dict[str, Any]) -> str:
    """ "deleted: soft-404", "edited: +12 -3 words, 1 quotation cut", "moved to URL", "outage: REASON"."""
    kind, details = row["kind"], row.get("details") or {}
    if kind == "deleted":
        return f"deleted: {row.get('how') or 'unknown'}"
    if kind == "moved":
        return f"moved to {row.get('new_url')}"
    if kind == "outage":
        return f"outage: {details.get('reason') or row.get('summary') or 'unreachable'}"
    if kind == "edited":
        parts = [f"+{details.get('words_added', 0)} -{details.get('words_removed', 0)} words"]
        cut = len(details.get("quotes_removed") or [])
        if cut:
            parts.append(f"{cut} quotation{'s' if cut > 1 else ''} cut")
        return "edited: " + ", ".join(parts)
    return kind


def event_message(row: dict[str, Any], links: Links) -> Message:
    """One event (a row of `AlertStore.event_rows`) as a message."""
    title = row.get("title") or row.get("url") or row["source"]
    headline = f"[{row['source']}] {what_happened(row)}: {title}"
    if row["kind"] == "outage":
        headline = f"[{row['source']}] {what_happened(row)}"
    lines = [
        f"Outlet: {row['source']}",
        *([f"Title: {row['title']}"] if row.get("title") else []),
        f"What happened: {what_happened(row)}",
        *([f"URL: {row['url']}"] if row.get("url") else []),
        *([f"First published: {published}"] if (published := _published(row)) else []),
        f"Detected: {rfc3339(row['detected_at'])}",
    ]
    if row["kind"] == "outage":
        lines.append("Alerts about single articles of this outlet are held back while it lasts.")
    excerpt = _excerpt(row)
    if excerpt:
        lines += ["", excerpt]
    link = links.for_event(row)
    if link:
        lines.append("")
        lines.append(f"Timeline: {link['timeline']}")
        if "archive" in link:
            lines.append(f"Archived copy: {link['archive']}")
    body = "\n".join(lines)
    payload = {**event_record(row), "message": body, "links": link}
    kind_type = "info" if row["kind"] in ("new", "restored") else "warning"
    return Message(headline, body, payload, kind_type)


def digest_message(rows: Sequence[dict[str, Any]], links: Links) -> Message:
    """A burst of events about one outlet as one message: one line per event, oldest first."""
    source = rows[0]["source"]
    first, last = rows[0]["detected_at"], rows[-1]["detected_at"]
    headline = f"[{source}] {len(rows)} changes at once"
    lines = [
        f"Outlet: {source}",
        f"{len(rows)} changes detected between {rfc3339(first)} and {rfc3339(last)}:",
        "",
    ]
    for row in rows:
        name = row.get("title") or row.get("url") or ""
        lines.append(f"- {what_happened(row)}: {name}")
        if row.get("url"):
            lines.append(f"  {row['url']}")
        timeline = links.for_event(row).get("timeline")
        if timeline:
            lines.append(f"  timeline: {timeline}")
    body = "\n".join(lines)
    payload = {
        "kind": "digest",
        "source": source,
        "count": len(rows),
        "detected_at": rfc3339(last),
        "events": [{**event_record(r), "links": links.for_event(r)} for r in rows],
        "message": body,
    }
    return Message(headline, body, payload)


def trial_message(rule_description: str) -> Message:
    body = f"This is a test alert from memoryhole.\nRule: {rule_description}"
    return Message("memoryhole test alert", body, {"kind": "test", "message": body}, "info")


def _published(row: dict[str, Any]) -> str | None:
    return row.get("version_published") or rfc3339(row.get("article_published"))


def _excerpt(row: dict[str, Any]) -> str:
    """What the reader should see first: the edit's changed words, or the lost text's opening."""
    details = row.get("details") or {}
    if row["kind"] in ("edited", "restored", "moved"):
        nested = details.get("edit")  # a restored or moved article that came back changed
        return _diff_excerpt(nested if isinstance(nested, dict) else details)
    if row["kind"] in ("deleted", "unlisted") and row.get("version_text"):
        label = "Lost text begins" if row["kind"] == "deleted" else "Text begins"
        return f"{label}: {_clip(row['version_text'])}"
    return ""


def _diff_excerpt(edit: dict[str, Any]) -> str:
    """The first changed words as [-removed-] {+added+}, and any quotation cut."""
    bits: list[str] = []
    for para in edit.get("diff") or []:
        for op in para.get("parts", [para]):
            if op.get("op") in ("delete", "replace") and op.get("old"):
                bits.append("[-" + " ".join(op["old"]) + "-]")
            if op.get("op") in ("insert", "replace") and op.get("new"):
                bits.append("{+" + " ".join(op["new"]) + "+}")
    lines = [f"Changes: {_clip(' '.join(bits))}"] if bits else []
    for quote in (edit.get("quotes_removed") or [])[:3]:
        lines.append(f"Quotation removed: {_quote_line(quote)}")
    return "\n".join(lines)


def _quote_line(quote: str | dict) -> str:
    """“words” — Speaker (quotations in event details carry their speaker when one was found)."""
    if isinstance(quote, str):
        return f"“{_clip(quote, 200)}”"
    speaker = quote.get("speaker")
    return f"“{_clip(quote.get('text', ''), 200)}”" + (f" — {speaker}" if speaker else "")


def _clip(text: str, limit: int = EXCERPT_CHARS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rsplit(" ", 1)[0] + "…"
