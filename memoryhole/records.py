"""Store rows → the public JSON records (field names are a contract shared by the CLI, API and alerts)."""

from __future__ import annotations

from typing import Any

from .output import rfc3339


def outlet_record(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "homepage": row["homepage"],
        "poll_seconds": row["poll_seconds"],
        "paused": bool(row["paused"]),
        "created_at": rfc3339(row["created_at"]),
        "feeds": [s["url"] for s in row.get("sources", []) if s["kind"] == "feed"],
        "sitemaps": [s["url"] for s in row.get("sources", []) if s["kind"] == "sitemap"],
        "listings": [s["url"] for s in row.get("sources", []) if s["kind"] == "listing"],
        "articles": sum(row.get("articles", {}).values()),
        "by_status": row.get("articles", {}),
    }


def article_record(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "url": row["url"],
        "source": row["source"],
        "status": row["status"],
        "title": row["title"],
        "versions": row["versions"],
        "first_seen": rfc3339(row["first_seen"]),
        "last_checked": rfc3339(row["last_checked"]),
        "published": rfc3339(row["published"]),
        "moved_to": row["moved_to"],
    }


def version_record(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": row["number"],
        "fetched_at": rfc3339(row["fetched_at"]),
        "url": row["url"],
        "title": row["title"],
        "byline": row["byline"],
        "published": row["published"],
        "updated": row["updated"],
        "language": row["language"],
        "digest": row["digest"],
        "text": row["text"],
    }


#: detail keys of an `edited`/`restored` event that are lifted to the top of its JSON record
_EDIT_FIELDS = (
    "words_added",
    "words_removed",
    "changed",
    "quotes_removed",
    "quotes_changed",
    "quotes_added",
)


def event_record(row: dict[str, Any]) -> dict[str, Any]:
    details = row.get("details") or {}
    rec: dict[str, Any] = {
        "id": row["id"],
        "kind": row["kind"],
        "url": row["url"],
        "source": row["source"],
        "title": row.get("title"),
        "detected_at": rfc3339(row["detected_at"]),
        "version": row["version"],
        "previous_version": row["previous_version"],
        "summary": row["summary"],
        "evidence": {"fetches": row.get("fetch_ids") or []},
    }
    if row["kind"] == "deleted":
        rec["how"] = row["how"]
        rec["still_live_at"] = details.get("still_live_at", [])
    if row["kind"] == "moved":
        rec["new_url"] = row["new_url"]
    for key in _EDIT_FIELDS:
        if key in details:
            rec[key] = details[key]
    return rec
