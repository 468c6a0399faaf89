"""Script-independent keys for person names, so one person matches across languages and scripts.

A name is transliterated (Cyrillic → Latin, Palladius for Chinese names) and folded to a consonant
skeleton by the table in `translit.toml`. Hand-written because the job is small and data-driven:
transliteration libraries give one romanisation, while matching needs every spelling to meet.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

__all__ = ["name_key", "word_skeleton"]

_TABLE = Path(__file__).with_name("translit.toml")
_VOWELS = re.compile(r"[aeiouy]+")


@dataclass(frozen=True)
class _Rules:
    sequences: re.Pattern[str]
    letters: dict[str, str]
    fold: re.Pattern[str]
    fold_to: dict[str, str]
    patronymic: tuple[str, ...]


def _longest_first(options: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(o) for o in sorted(options, key=len, reverse=True)))


@cache
def _rules() -> _Rules:
    data = tomllib.loads(_TABLE.read_text(encoding="utf-8"))
    fold_to = {src: group["to"] for group in data["fold"] for src in group["from"]}
    return _Rules(
        sequences=_longest_first(list(data["cyrillic_sequences"])),
        letters={**data["cyrillic"], **data["cyrillic_sequences"]},
        fold=_longest_first(list(fold_to)),
        fold_to=fold_to,
        patronymic=tuple(data["patronymic"]["endings"]),
    )


def _latin(word: str) -> str:
    rules = _rules()
    word = rules.sequences.sub(lambda m: rules.letters[m.group(0)], word.casefold())
    return "".join(rules.letters.get(ch, ch) for ch in word)


@lru_cache(maxsize=50000)
def word_skeleton(word: str) -> str:
    """A word's consonant skeleton: Latin letters, sounds folded, vowels dropped after the first
    letter (a leading vowel becomes "a"), doubled letters collapsed ("Цзяньчао", "Jianchao" → "jnc")."""
    rules = _rules()
    latin = _latin(word)
    folded = rules.fold.sub(lambda m: rules.fold_to[m.group(0)], latin)
    # accents go after folding: "ş" and "č" fold as themselves, "é" or "ö" are plain vowels
    bare = "".join(
        ch for ch in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(ch)
    )
    bare = re.sub(r"[^a-z]", "", bare)
    if bare[:1] == "y" and bare[1:2] in "aeiou" and len(bare) > 1:
        bare = bare[1:]  # "Yevgeny" ~ "Evgeny", "Юлия" ~ "Ulia"
    if not bare:
        return ""
    head = "a" if bare[0] in "aeiouy" else bare[0]
    tail = _VOWELS.sub("", bare[1:]).replace("h", "")
    return re.sub(r"(.)\1+", r"\1", head + tail)


def name_key(name: str) -> str | None:
    """The key of a full name: word skeletons in sorted order (patronymics left out), or None when
    nothing name-like remains ("Лю Цзяньчао" and "Liu Jianchao" → "jnc l")."""
    patronymic = _rules().patronymic
    words = [w for w in re.findall(r"[^\W\d_]+", name) if len(w) > 1 or w.isupper()]
    skeletons = [
        word_skeleton(w) for w in words if not (len(words) > 2 and _latin(w).endswith(patronymic))
    ]
    kept = sorted(s for s in skeletons if s)
    return " ".join(kept) if kept else None
