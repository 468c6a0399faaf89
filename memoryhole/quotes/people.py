"""Who said what, where: indexed quotations grouped into statements (one speaker's words in one
article across its versions) with first and last seen and whether they are still there.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from memoryhole.output import rfc3339
from memoryhole.quotes.names import speaker_key
from memoryhole.quotes.translit import name_key
from memoryhole.store import Store
from memoryhole.store.quotes import QuoteStore

__all__ = ["statements", "STATEMENT_STATUSES"]

#: live: in the article's latest version; removed: cut in an edit; deleted: the article was deleted
STATEMENT_STATUSES = ("live", "removed", "deleted")


def statements(
    store: Store,
    *,
    speaker: str | None = None,
    source: str | None = None,
    since: datetime | None = None,
) -> list[dict[str, Any]]:
    """Statements as public records, oldest first: speaker, text, kind, cue, url, source, title,
    status, first_seen, last_seen, removed_at, first_version, last_version.

    `speaker` matches any spelling of the name's words ("Lavrov" finds "Сергей Лавров"); `since`
    keeps statements first seen at or after it.
    """
    wanted = _speaker_filter(speaker) if speaker else None
    qs = QuoteStore(store)
    rows = qs.quotation_rows(speaker_like=wanted[2] if wanted else (), source=source)
    if wanted:
        rows = [r for r in rows if _speaker_matches(r, wanted)]
    groups: dict[tuple[int, str], list[dict]] = {}
    for row in rows:
        groups.setdefault((row["article_id"], row["statement"]), []).append(row)
    times = qs.version_times(aid for aid, _ in groups)
    out = [_record(occurrences, times) for occurrences in groups.values()]
    out = [r for r in out if since is None or r["_first"] >= since]
    out.sort(key=lambda r: (r["_first"], r["url"]))
    for r in out:
        del r["_first"]
    return out


def _speaker_filter(name: str) -> tuple[set[str], set[str], tuple[str, ...]]:
    """(key words, cross-script skeleton words, SQL LIKE fragments) of a --speaker value."""
    words = set(speaker_key(name).split())
    skeleton = set((name_key(name) or "").split())
    fragments = tuple(
        w for w in (max(words, key=len, default=""), max(skeleton, key=len, default="")) if w
    )
    return words, skeleton, fragments


def _speaker_matches(row: dict, wanted: tuple[set[str], set[str], tuple[str, ...]]) -> bool:
    words, skeleton, _ = wanted
    key_words = set((row["speaker_key"] or "").split())
    skel_words = set((row["speaker_skeleton"] or "").split())
    return bool(words and words <= key_words) or bool(skeleton and skeleton <= skel_words)


def _record(occurrences: list[dict], times: dict[tuple[int, int], datetime]) -> dict[str, Any]:
    first, last = occurrences[0], occurrences[-1]  # rows come ordered by version number
    aid = first["article_id"]
    cut = last["number"] < last["latest"]
    status = "deleted" if last["status"] == "deleted" else "removed" if cut else "live"
    if status == "live":
        last_seen = last["last_checked"] or last["fetched_at"]
    else:
        last_seen = last["fetched_at"]
    removed_at = times.get((aid, last["number"] + 1)) if cut else None
    return {
        "speaker": last["speaker_norm"] or last["speaker"],
        "speaker_as_written": last["speaker"],
        "text": last["text"],
        "kind": last["kind"],
        "cue": last["cue"],
        "url": last["url"],
        "source": last["source"],
        "title": last["title"],
        "status": status,
        "first_seen": rfc3339(first["fetched_at"]),
        "last_seen": rfc3339(last_seen),
        "removed_at": rfc3339(removed_at),
        "first_version": first["number"],
        "last_version": last["number"],
        "_first": first["fetched_at"],
    }
