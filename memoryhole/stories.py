"""The same story across outlets: signatures of an article (MinHash of its word shingles, the keys
of the people it names and quotes, and the numbers it gives), the rule that says two articles tell
one story, how rare a name, a number or a statement is among the stored articles (so that a president
named in every other article, or a stock phrase, does not link unrelated reports), live copies of a
story elsewhere, and the `memoryhole stories` command.

MinHash is our own 30 lines over numpy (already installed with py3langid): datasketch would add
scipy for the one function we need. Linking looks candidates up by indexed keys (LSH bands, name
keys) inside a time window, so its cost does not grow with the number of stored articles.

Name rarity is IDF written out by hand rather than taken from a library (scikit-learn's
TfidfVectorizer and friends fit a whole corpus in memory): a name's document frequency is the number
of `story_keys` rows carrying its key, which the existing `(key, at)` index already keeps up to date
as articles are indexed, so one indexed count per name is all it costs; counts are cached for a few
minutes per database, so the common names (the only expensive ones to count) are counted rarely.
Those two read queries are here, not in memoryhole/store/quotes.py, only because that file belongs to
another part of issue 7; they read existing tables and write nothing.
"""

from __future__ import annotations

import hashlib
import math
import re
import threading
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import click
import numpy as np
from sqlalchemy import func, select

from .output import rfc3339, write_records
from .quotes.changes import statement_key
from .quotes.extract import Quotation
from .quotes.lexicon import available_languages, load_lexicon
from .quotes.names import PeopleIndex
from .quotes.translit import name_key
from .store import Store
from .store.quotes import (
    KEY_BAND,
    KEY_NAME,
    KEY_NUMBER,
    KEY_STATEMENT,
    Matcher,
    QuoteStore,
    StoryKeys,
    story_keys,
    story_signatures,
)

__all__ = [
    "article_keys",
    "same_story",
    "match",
    "matcher",
    "NameRarity",
    "minhash",
    "numbers_in",
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
# Specificity of shared names ("names" links only; near-copies of a text need none):
PRIOR_ARTICLES = 100  # pseudo-articles naming nobody: a small store's counts mean little
PRIOR_STATEMENTS = 3_000  # the same for one person's same words (a stock phrase soon counts)
MAX_CHANCE = 0.01  # unrelated articles per window expected to share the evidence, at most
RARITY_TTL = 600.0  # seconds a cached document frequency (and the store's size) is trusted

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


_NUMBER = re.compile(
    r"(?<![\w.,])(?:"
    r"(?P<grouped>\d{1,3}(?P<sep>[,.\u00a0\u202f' ])\d{3}(?:(?P=sep)\d{3})*)"
    r"|(?P<plain>\d+(?:[.,]\d+)?)"
    r")(?!\d|[.,]\d)"
)


def numbers_in(text: str) -> set[str]:
    """The numbers a text gives that say something specific, written one way whatever the language
    ("1,500", "1.500" and "1 500" are "1500"; "2,5" and "2.50" are "2.5"): integers from 100 up
    (not years 1900-2100) and decimals, with at least two significant digits (round figures such as
    "100" or "5,000" turn up everywhere). A casualty count or a sum is the same in every language,
    so it is evidence across languages where wording cannot be compared. Dates ("28.11.2026") and
    clock times are left out."""
    out = set()
    for m in _NUMBER.finditer(text):
        if m.group("grouped"):
            number = str(int(re.sub(r"\D", "", m.group("grouped"))))
        else:
            whole, _, fraction = m.group("plain").replace(",", ".").partition(".")
            fraction = fraction.rstrip("0")
            value = int(whole)
            if not fraction and (value < 100 or 1900 <= value <= 2100):
                continue
            number = f"{value}.{fraction}" if fraction else str(value)
        if len(number.replace(".", "").strip("0")) >= 2:
            out.add(number)
    return out


def _number_name(number: str) -> str:
    """A number as a pseudo-name: its document frequency is counted like a name's."""
    return "#" + number


def _statement_name(statement: str) -> str:
    """A statement as a pseudo-name: a stock phrase repeated in many articles weighs little."""
    return "@" + statement


def _prior(name: str) -> int:
    """Pseudo-articles without it: a quoted sentence word for word is rarer a priori than a name."""
    return PRIOR_STATEMENTS if name.startswith("@") else PRIOR_ARTICLES


def _evidence_names(sk: StoryKeys) -> tuple[str, ...]:
    """Everything whose rarity counts as evidence: names, numbers and statements."""
    return (
        sk.names + tuple(map(_number_name, sk.numbers)) + tuple(map(_statement_name, sk.statements))
    )


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
    numbers = sorted(numbers_in(text))
    keys = [(KEY_NAME, _key("name", n)) for n in sorted(names)]
    keys += [(KEY_NUMBER, _key("name", _number_name(n))) for n in numbers]
    keys += [(KEY_STATEMENT, _key("name", _statement_name(s))) for s in statements]
    if len(_shingles(text)) >= MIN_SHINGLES:
        keys += [(KEY_BAND, k) for k in _bands(signature)]
    return StoryKeys(
        article_id, outlet_id, number, at, language, signature.tobytes(),
        tuple(sorted(names)), tuple(sorted(speakers)), tuple(statements), tuple(keys),
        tuple(numbers),
    )  # fmt: skip


# ---- how rare a name is ---------------------------------------------------------------------------
@dataclass
class NameRarity:
    """Document frequencies of name keys over the stored articles, and what they make of shared names.

    A shared name found in df of N stored articles is chance evidence with probability
    p = (df + 1) / (N + PRIOR_ARTICLES); names are treated as independent, so a set of shared names
    turns up by chance in about (articles per window) × Π p unrelated articles. Its specificity is
    Σ -ln p (IDF), and a "names" link needs enough of it to keep that count under MAX_CHANCE.
    `frequencies(names, leave_out)` counts the df of names not yet known in the store, leaving out
    the articles in `pending` (seen here, perhaps not committed yet: they are counted from memory,
    so that a batch linked in one transaction counts its own articles exactly once).
    """

    articles: int = 0  # N: articles with a signature, pending ones included
    window_share: float = 1.0  # the linking window (both sides) over the span of the stored dates
    frequencies: Callable[[list[str], list[int]], dict[str, int]] | None = None
    known: dict[str, int] = field(default_factory=dict)  # name key -> df (the cache)
    pending: dict[int, tuple[str, ...]] = field(default_factory=dict)  # article id -> name keys
    loaded_articles: int = 0  # N when the store was read
    loaded_at: float = field(default_factory=time.monotonic)

    def df(self, names: Iterable[str]) -> dict[str, int]:
        names = set(names)
        missing = sorted(names - self.known.keys())
        if missing:
            found = self.frequencies(missing, list(self.pending)) if self.frequencies else {}
            for n in missing:
                self.known[n] = found.get(n, 0) + sum(n in ns for ns in self.pending.values())
        return {n: self.known[n] for n in names}

    def nats(self, names: Iterable[str]) -> float:
        """Specificity of a set of names: Σ -ln p over them (IDF)."""
        return sum(
            math.log((self.articles + _prior(name)) / (df + 1))
            for name, df in self.df(names).items()
        )

    def needed(self) -> float:
        """The specificity a "names" link needs: ln(articles per window / MAX_CHANCE)."""
        return math.log(max(1.0, self.articles * self.window_share) / MAX_CHANCE)

    def saw(self, sk: StoryKeys) -> None:
        """Count a newly linked article (its first version) without reading the store again."""
        if sk.number != 1 or sk.article_id in self.pending:
            return
        names = _evidence_names(sk)
        self.pending[sk.article_id] = names
        self.articles += 1
        for name in names:
            if name in self.known:
                self.known[name] += 1

    def stale(self) -> bool:
        grown = self.articles - self.loaded_articles > max(50, self.loaded_articles // 10)
        return grown or time.monotonic() - self.loaded_at > RARITY_TTL


def _read_rarity(store: Store, pending: dict[int, tuple[str, ...]]) -> NameRarity:
    """The store's size and date span now (articles seen but not committed yet added from
    `pending`); name counts are read as they are needed."""
    s, k = story_signatures, story_keys
    with store.engine.connect() as conn:  # a scan of story_signatures: about 20 ms at 100,000
        n, first, last = conn.execute(
            select(func.count(), func.min(s.c.at), func.max(s.c.at))
        ).one()
        stored = set(
            conn.execute(select(s.c.article_id).where(s.c.article_id.in_(list(pending)))).scalars()
        )
    pending = {aid: names for aid, names in pending.items() if aid not in stored}
    span = (last - first).total_seconds() if n else 0.0
    share = min(1.0, 2 * WINDOW.total_seconds() / span) if span > 0 else 1.0

    def count(names: list[str], leave_out: list[int]) -> dict[str, int]:
        """df of each name: its rows in story_keys, counted on the (key, at) index."""
        by_key = {_key("name", n): n for n in names}
        query = select(k.c.key, func.count()).where(k.c.key.in_(list(by_key)))
        if leave_out:
            query = query.where(k.c.article_id.not_in(leave_out))
        with store.engine.connect() as conn:  # its own connection, outside the linking transaction
            rows = conn.execute(query.group_by(k.c.key)).all()
        return {by_key[key]: int(c) for key, c in rows}

    total = int(n) + len(pending)
    return NameRarity(total, share, count, pending=pending, loaded_articles=total)


_rarities: dict[tuple[str, int], NameRarity] = {}
_rarities_lock = threading.Lock()


def name_rarity(store: Store) -> NameRarity:
    """The rarity of names in this store: read once, then kept up to date by `saw` and read again
    after RARITY_TTL seconds or when a tenth more articles have been linked."""
    with _rarities_lock:
        key = (store.url, id(store.engine))
        rarity = _rarities.get(key)
        if rarity is None or rarity.stale():
            rarity = _rarities[key] = _read_rarity(store, rarity.pending if rarity else {})
        return rarity


# ---- the rule -------------------------------------------------------------------------------------
def same_story(
    a: StoryKeys, b: StoryKeys, rarity: NameRarity | None = None
) -> tuple[str, float] | None:
    """("text", Jaccard) for near-copies; ("names", overlap) when the two name the same people and
    quote at least one of them: across languages on names alone, in one language only with a
    shared quotation or much shared wording too; and, given a `rarity`, only when the shared names
    and numbers and statements (each weighed by how many stored articles carry it, as names are)
    are too rare to be met by chance in one window. None otherwise."""
    similar = jaccard(a.minhash, b.minhash)
    if similar >= NEAR_DUPLICATE:
        return "text", similar
    shared = set(a.names) & set(b.names)
    if len(shared) < 2 or not set(a.speakers) & set(b.speakers):
        return None
    overlap = len(shared) / min(len(a.names), len(b.names))
    if overlap < NAME_OVERLAP:
        return None
    quoted = bool(set(a.statements) & set(b.statements)) or similar >= SAME_LANGUAGE_TEXT
    if a.language == b.language and not quoted:
        return None
    if rarity is not None:
        evidence = set(_evidence_names(a)) & set(_evidence_names(b))
        if rarity.nats(evidence) < rarity.needed():
            return None
    return "names", overlap


def match(
    new: StoryKeys, candidates: list[StoryKeys], rarity: NameRarity | None = None
) -> list[tuple[int, str, float]]:
    """The candidates that tell the same story as `new`: [(article_id, via, score)]. Without a
    `rarity` every name counts as rare (the rule before name rarity); see `matcher`."""
    out = []
    for other in candidates:
        verdict = same_story(new, other, rarity)
        if verdict is not None:
            out.append((other.article_id, *verdict))
    return out


def matcher(store: Store) -> Matcher:
    """`match` with the rarity of names in `store`: what QuoteStore.save should be given."""

    def store_match(new: StoryKeys, candidates: list[StoryKeys]) -> list[tuple[int, str, float]]:
        rarity = name_rarity(store)
        found = match(new, candidates, rarity)
        with _rarities_lock:
            rarity.saw(new)
        return found

    return store_match


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
