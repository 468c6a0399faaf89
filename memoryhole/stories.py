"""The same story across outlets: signatures of an article (MinHash of its word shingles and the
keys of the people it names and quotes), the rule that says two articles tell one story, live copies
of a story elsewhere, and the `memoryhole stories` command.

MinHash is our own 30 lines over numpy (already installed with py3langid): datasketch would add
scipy for the one function we need. Linking looks candidates up by indexed keys (LSH bands, name
keys) inside a time window, so its cost does not grow with the number of stored articles.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from datetime import datetime, timedelta
from typing import Any

import click
import numpy as np

from .output import rfc3339, write_records
from .quotes.changes import statement_key
from .quotes.extract import Quotation
from .quotes.lexicon import available_languages, load_lexicon
from .quotes.names import PeopleIndex
from .quotes.translit import name_key
from .store import Store
from .store.quotes import KEY_BAND, KEY_NAME, QuoteStore, StoryKeys

__all__ = [
    "article_keys",
    "same_story",
    "match",
    "minhash",
    "jaccard",
    "live_copies",
    "story_records",
    "stories",
    "WINDOW",
]

PERMUTATIONS = 64
BANDS, ROWS = 16, 4  # LSH: pairs with Jaccard about (1/16)^(1/4) = 0.5 and above share a band
SHINGLE = 4  # words per shingle
MIN_SHINGLES = 20  # shorter texts (notices, empty pages) get no bands: they would all collide
NEAR_DUPLICATE = 0.6  # estimated Jaccard of shingles for "a copy of the same text"
SAME_LANGUAGE_TEXT = 0.3  # same language, same people, no shared quotation: this much wording
NAME_OVERLAP = 0.5  # shared name keys over the smaller article's name keys
WINDOW = timedelta(days=3)  # stories link only when published this close together

_rng = np.random.default_rng(20261129)  # fixed: signatures must agree across processes and runs
_A = _rng.integers(1, 2**63, PERMUTATIONS, dtype=np.uint64) | np.uint64(1)
_B = _rng.integers(0, 2**63, PERMUTATIONS, dtype=np.uint64)
_EMPTY = np.full(PERMUTATIONS, 0xFFFFFFFF, dtype=np.uint32)


# ---- signatures ------------------------------------------------------------------------------------
def _shingles(text: str) -> set[int]:
    words = re.findall(r"\w+", text.casefold())
    return {
        zlib.crc32(" ".join(words[i : i + SHINGLE]).encode("utf-8"))
        for i in range(max(0, len(words) - SHINGLE + 1))
    }


def minhash(text: str) -> np.ndarray:
    """64 minimums of multiply-shift hashes over the text's 4-word shingles (uint32 each)."""
    hashes = np.fromiter(_shingles(text), dtype=np.uint64)
    if hashes.size == 0:
        return _EMPTY.copy()
    with np.errstate(over="ignore"):  # multiply-shift hashing wants the wrap-around modulo 2**64
        mixed = (_A[:, None] * hashes[None, :] + _B[:, None]) >> np.uint64(32)
    return mixed.min(axis=1).astype(np.uint32)


def jaccard(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of two texts from their MinHash signatures."""
    sa, sb = np.frombuffer(a, dtype=np.uint32), np.frombuffer(b, dtype=np.uint32)
    if (sa == 0xFFFFFFFF).all() or (sb == 0xFFFFFFFF).all():
        return 0.0
    return float((sa == sb).mean())


def _key(kind: str, value: bytes | str) -> int:
    data = value.encode("utf-8") if isinstance(value, str) else value
    digest = hashlib.blake2b(kind.encode() + b":" + data, digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)  # fits a signed BIGINT column


def _bands(signature: np.ndarray) -> list[int]:
    return [_key(f"band{i}", signature[i * ROWS : (i + 1) * ROWS].tobytes()) for i in range(BANDS)]


def _statement(q: Quotation) -> str:
    """Who said which words: one person's same quotation in two articles is strong evidence."""
    said = f"{name_key(q.speaker_norm or '') or ''}|{statement_key(q.text)}"
    return hashlib.blake2b(said.encode("utf-8"), digest_size=8).hexdigest()


def _looks_like_name(name: str) -> bool:
    words = name.split()
    return len(words) >= 2 and all(w[:1].isupper() for w in words)


def people_keys(text: str, language: str | None, quotes: list[Quotation]) -> tuple[set, set]:
    """(name keys of everyone named in full, name keys of the quotations' speakers)."""
    lang = language if language in available_languages() else "en"
    people = [p.name for p in PeopleIndex(text, load_lexicon(lang)).people]
    speakers = [
        q.speaker_norm for q in quotes if q.speaker_norm and _looks_like_name(q.speaker_norm)
    ]
    names = {k for k in map(name_key, people + speakers) if k}
    return names, {k for k in map(name_key, speakers) if k}


def article_keys(
    *,
    article_id: int,
    outlet_id: int,
    number: int,
    at: datetime,
    text: str,
    language: str | None,
    quotes: list[Quotation],
) -> StoryKeys:
    """Everything linking needs about one version of an article."""
    signature = minhash(text)
    names, speakers = people_keys(text, language, quotes)
    statements = sorted({_statement(q) for q in quotes if q.kind == "direct" and q.speaker_norm})
    keys = [(KEY_NAME, _key("name", n)) for n in sorted(names)]
    if len(_shingles(text)) >= MIN_SHINGLES:
        keys += [(KEY_BAND, k) for k in _bands(signature)]
    return StoryKeys(
        article_id, outlet_id, number, at, language, signature.tobytes(),
        tuple(sorted(names)), tuple(sorted(speakers)), tuple(statements), tuple(keys),
    )  # fmt: skip


# ---- the rule -------------------------------------------------------------------------------------
def same_story(a: StoryKeys, b: StoryKeys) -> tuple[str, float] | None:
    """("text", Jaccard) for near-copies; ("names", overlap) when the two name the same people and
    quote at least one of them: across languages on names alone, in one language only with a
    shared quotation or much shared wording too; None otherwise."""
    similar = jaccard(a.minhash, b.minhash)
    if similar >= NEAR_DUPLICATE:
        return "text", similar
    shared = set(a.names) & set(b.names)
    if len(shared) < 2 or not set(a.speakers) & set(b.speakers):
        return None
    overlap = len(shared) / min(len(a.names), len(b.names))
    if overlap < NAME_OVERLAP:
        return None
    same_quote = set(a.statements) & set(b.statements)
    if a.language == b.language and not same_quote and similar < SAME_LANGUAGE_TEXT:
        return None
    return "names", overlap


def match(new: StoryKeys, candidates: list[StoryKeys]) -> list[tuple[int, str, float]]:
    """The candidates that tell the same story as `new`: [(article_id, via, score)]."""
    out = []
    for other in candidates:
        verdict = same_story(new, other)
        if verdict is not None:
            out.append((other.article_id, *verdict))
    return out


# ---- reading --------------------------------------------------------------------------------------
def _member(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "source": row["source"],
        "url": row["url"],
        "title": row["title"],
        "status": row["status"],
        "language": row["language"],
        "via": row["via"],
        "first_seen": rfc3339(row["first_seen"]),
    }


def live_copies(store: Store, article_id: int) -> list[dict]:
    """Other outlets' articles of the same story that are still live:
    [{"source", "url", "title", "status"}] (empty when the article is in no story)."""
    qs = QuoteStore(store)
    story = qs.story_of(article_id)
    if story is None:
        return []
    rows = qs.story_rows(story)
    own = {r["source"] for r in rows if r["article_id"] == article_id}
    return [
        {k: r[k] for k in ("source", "url", "title", "status")}
        for r in rows
        if r["article_id"] != article_id and r["source"] not in own and r["status"] == "live"
    ]


def story_records(store: Store) -> list[dict]:
    """Every story: {"story", "sources", "articles": [{source, url, title, status, language, via,
    first_seen}]}, articles in the order they were first seen."""
    grouped: dict[int, list[dict]] = {}
    for row in QuoteStore(store).story_rows():
        grouped.setdefault(row["story_id"], []).append(row)
    return [
        {
            "story": sid,
            "sources": len({r["source"] for r in rows}),
            "articles": [_member(r) for r in rows],
        }
        for sid, rows in grouped.items()
    ]


@click.command("stories")
@click.option("--json", "as_json", is_flag=True, help="JSON Lines: one story per line.")
def stories(as_json: bool) -> None:
    """Stories told by more than one outlet, with each outlet's article and its status."""
    store = click.get_current_context().find_root().obj.store
    records = story_records(store)
    if as_json:
        write_records(records, (), as_json=True)
        return
    flat = [{"story": r["story"], **a} for r in records for a in r["articles"]]
    write_records(flat, ("story", "source", "status", "language", "title", "url"), as_json=False)
