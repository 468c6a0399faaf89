"""Alert rules, pure: which events a rule wants (outlets, kinds, edit size, keywords in the article).

Keyword matching is hand-written rather than using the FTS index because it must judge one event's
text at once, the same way on SQLite and PostgreSQL: casefolded, accents kept, whole words only.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..models import EVENT_KINDS

__all__ = ["ALERT_KINDS", "DEFAULT_KINDS", "Rule", "RuleError", "normalise", "split_phrases"]

#: Kinds a rule may ask for (`new` too, for whoever wants every story).
ALERT_KINDS = EVENT_KINDS
#: What a rule without --kind gets: everything but `new`, which would be a storm by design.
DEFAULT_KINDS = ("deleted", "unlisted", "edited", "moved", "restored", "outage")

_WORD = re.compile(r"\w+")


class RuleError(ValueError):
    """A rule could not be made; the message says what to write instead."""


def normalise(text: str) -> str:
    """Text → its words, NFKC-casefolded and joined by single spaces ("Ёлка, Liu!" → "ёлка liu")."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_WORD.findall(folded))


def split_phrases(values: Iterable[str]) -> tuple[str, ...]:
    """`--match` values → normalised phrases; each value may hold several separated by commas."""
    out = [normalise(part) for value in values for part in value.split(",")]
    return tuple(dict.fromkeys(p for p in out if p))


@dataclass(frozen=True)
class Rule:
    id: int
    outlets: tuple[str, ...] = ()  # outlet names; empty = every outlet
    kinds: tuple[str, ...] = ()  # empty = DEFAULT_KINDS
    match: tuple[str, ...] = ()  # normalised phrases; any one must appear in the article
    min_words: int | None = None  # edits: words added + removed at least this, or a quote cut
    urls: tuple[str, ...] = ()
    destination_ids: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        unknown = [k for k in self.kinds if k not in ALERT_KINDS]
        if unknown:
            raise RuleError(f"unknown event kind {unknown[0]!r} (one of {', '.join(ALERT_KINDS)})")
        if self.min_words is not None and self.min_words < 0:
            raise RuleError("--min-words must be zero or more")

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Rule:
        return cls(
            id=row["id"],
            outlets=tuple(row["outlets"] or ()),
            kinds=tuple(row["kinds"] or ()),
            match=tuple(row["match"] or ()),
            min_words=row["min_words"],
            urls=tuple(row.get("urls", ())),
            destination_ids=tuple(row.get("destination_ids", ())),
        )

    @property
    def effective_kinds(self) -> tuple[str, ...]:
        return self.kinds or DEFAULT_KINDS

    def wants(self, event: dict[str, Any]) -> bool:
        """Whether an event row (`AlertStore.event_rows`) is for this rule."""
        if self.outlets and event["source"] not in self.outlets:
            return False
        if event["kind"] not in self.effective_kinds:
            return False
        if event["kind"] == "outage":  # no article to search: keywords do not apply
            return True
        if event["kind"] == "edited" and not big_enough(event.get("details") or {}, self.min_words):
            return False
        return mentions(self.match, event.get("title") or "", event.get("version_text") or "")

    def describe(self) -> str:
        parts = [",".join(self.effective_kinds)]
        parts.append("outlets " + ",".join(self.outlets) if self.outlets else "every outlet")
        if self.match:
            parts.append("matching " + " | ".join(self.match))
        if self.min_words is not None:
            parts.append(f"edits of {self.min_words}+ words or a cut quotation")
        return "; ".join(parts)


def big_enough(details: dict[str, Any], min_words: int | None) -> bool:
    """An edit counts when enough words changed, or when a quotation was cut or changed whatever its size."""
    if min_words is None:
        return True
    if details.get("quotes_removed") or details.get("quotes_changed"):
        return True
    changed = int(details.get("words_added", 0)) + int(details.get("words_removed", 0))
    return changed >= min_words


def mentions(phrases: Sequence[str], *texts: str) -> bool:
    """Any phrase appears, as whole words in order, in any of the texts (no phrases: True)."""
    if not phrases:
        return True
    haystacks = [f" {normalise(t)} " for t in texts]
    return any(f" {p} " in h for p in phrases for h in haystacks)
