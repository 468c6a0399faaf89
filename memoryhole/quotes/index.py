"""Indexing stored versions off the hot path: their quotations (with speakers) and story signatures,
and the story links these make. Idempotent and crash-safe: each batch is one transaction, so a kill
loses at most the batch in progress, which the next call redoes.
"""

from __future__ import annotations

import hashlib
from typing import Any

from memoryhole import stories
from memoryhole.models import utcnow
from memoryhole.quotes.changes import statement_key
from memoryhole.quotes.extract import Quotation, extract_quotations
from memoryhole.quotes.names import speaker_key
from memoryhole.quotes.translit import name_key
from memoryhole.store import Store
from memoryhole.store.quotes import IndexedVersion, QuoteStore

__all__ = ["index_new_versions", "quotation_row"]

BATCH = 100  # versions per transaction: the most a crash makes us redo


def index_new_versions(store: Store, *, limit: int = 500) -> int:
    """Index up to `limit` versions not yet indexed (oldest first); returns how many were indexed.

    Call it every few seconds from the runner, or once after a bulk import; 0 means up to date.
    """
    qs = QuoteStore(store)
    done = 0
    while done < limit:
        rows = qs.pending_versions(min(BATCH, limit - done))
        if not rows:
            break
        batch = [_index(row) for row in rows]  # CPU work before the write transaction opens
        done += qs.save(batch, stories.matcher(store), utcnow(), stories.WINDOW)
    return done


def _index(row: dict[str, Any]) -> IndexedVersion:
    text, language = row["text"] or "", row["language"]
    quotes = extract_quotations(text, language) if text.strip() else []
    keys = stories.article_keys(
        article_id=row["article_id"],
        outlet_id=row["outlet_id"],
        number=row["number"],
        at=row["published"] or row["fetched_at"],
        text=text,
        language=language,
        quotes=quotes,
    )
    return IndexedVersion(
        version_id=row["id"],
        article_id=row["article_id"],
        number=row["number"],
        quotations=[quotation_row(q, row["id"], row["article_id"]) for q in quotes],
        story=keys,
    )


def quotation_row(q: Quotation, version_id: int, article_id: int) -> dict[str, Any]:
    """A quotation as a row of the quotations table."""
    who = q.speaker_norm or q.speaker
    return {
        "version_id": version_id,
        "article_id": article_id,
        "kind": q.kind,
        "speaker": q.speaker,
        "speaker_norm": q.speaker_norm,
        "speaker_key": speaker_key(who) if who else None,
        "speaker_skeleton": name_key(who) if who and who[:1].isupper() else None,
        "cue": q.cue,
        "start_offset": q.start,
        "end_offset": q.end,
        "text": q.text,
        "statement": hashlib.sha256(statement_key(q.text).encode("utf-8")).hexdigest(),
    }
