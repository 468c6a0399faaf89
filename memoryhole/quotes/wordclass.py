"""The word class of a single word, for languages whose lexicon names a tagger model.

German capitalises nouns, so a capitalised word opening a sentence may be a noun (a speaker:
"Mandela sagte …") or an adverb or adjective ("Künftig können die Behörden …", "Kritisch bewertet
die Partei …", "Demnach sei er …"), after which the subject follows the verb. A word list of
openers cannot be complete; HanTa (the Hanover Tagger, LGPL) is a hidden Markov model of German
morphology whose model file ships inside its PyPI package and runs offline, so it is used here for
one word at a time: its most likely part-of-speech tag (STTS), cached, about 10 µs a word. Tagging
whole sentences (HMM over the sequence) would be better but costs about 10 ms a sentence.
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import Any

from memoryhole.quotes.lexicon import Lexicon


@cache
def _tagger(model: str) -> Any:
    from HanTa import HanoverTagger  # loaded on first use: about 0.2 s

    return HanoverTagger.HanoverTagger(model)


@lru_cache(maxsize=100_000)
def best_tag(model: str, word: str) -> str | None:
    """The most likely STTS tag of a word out of context ("Künftig" -> "ADJ(D)")."""
    tags = _tagger(model).tag_word(word)
    return tags[0][0] if tags else None


@lru_cache(maxsize=100_000)
def _analyses(model: str, word: str) -> tuple[tuple[str, float], ...]:
    return tuple((tag, float(score)) for tag, score in _tagger(model).tag_word(word)[:3])


#: HanTa scores a word it knows (or splits into known parts) above this; unknown words, which it
#: guesses, score about -28 and below ("Néstor" -33 as a noun, "Aussage" -10, "VW-Chef" -17)
KNOWN_LOGPROB = -25.0
#: closed word classes: prepositions, articles, determiners, pronouns, conjunctions, adverbs,
#: answer particles ("Auf", "Keine", "Ihrem", "Welche", "Nach"): never part of a name
CLOSED_TAGS = frozenset(
    {"APPR", "APPRART", "ART", "PIAT", "PIS", "PPOSAT", "PDAT", "PDS", "PWAT", "PWS", "KON",
     "KOUS", "ADV", "PTKANT", "PTKNEG", "ITJ", "PRF", "PPER"}
)  # fmt: skip


def _known(word: str, lex: Lexicon) -> tuple[tuple[str, float], ...]:
    """The tagger's analyses of a word it knows: one of the words its model precomputed (HanTa's
    `cache`, 23,000 German words), or a compound ending in one ("VW-Chef", "Immunschwäche-
    krankheit"). Unknown words are not analysed at all: HanTa's analysis of an unseen word costs
    about 2 ms, and a German page has hundreds of capitalised runs (profiled on 705 pages)."""
    if lex.tagger is None or not word[:1].isalpha():
        return ()
    return _known_to(lex.tagger, word)


@lru_cache(maxsize=100_000)
def _known_to(model: str, word: str) -> tuple[tuple[str, float], ...]:
    known = _precomputed(model)
    key = word.lower()
    if key not in known:
        tail = key.rsplit("-", 1)[-1]
        suffixes = [tail] if tail != key else []
        suffixes += [key[i:] for i in range(1, len(key) - 4)]
        key = next((s for s in suffixes if s in known), "")
        if not key:
            return ()
        word = key.capitalize() if word[:1].isupper() else key
    found = _analyses(model, word)
    return found if found and found[0][1] > KNOWN_LOGPROB else ()


@cache
def _precomputed(model: str) -> frozenset[str]:
    return frozenset(_tagger(model).cache)


def common_word(word: str, lex: Lexicon) -> bool:
    """A capitalised word the tagger knows well as a common noun or adjective ("Aussage",
    "Russischen") or as a word of a closed class ("Auf", "Keine"), so no part of a person's name;
    False for unknown words and without a tagger."""
    found = _known(word, lex)
    return bool(found) and (found[0][0] in ("NN", "ADJ(A)") or found[0][0] in CLOSED_TAGS)


def closed_class(word: str, lex: Lexicon) -> bool:
    """A word the tagger knows as a preposition, article, determiner, pronoun, conjunction, adverb
    or particle ("Nach", "Sowohl"): it ends no name ("Blasius Nach")."""
    found = _known(word, lex)
    return bool(found) and found[0][0] in CLOSED_TAGS


def is_opener(word: str, lex: Lexicon) -> bool:
    """An adverbial opening a clause (the lexicon's `adverbial_openers`, or a word the tagger
    classes as one of `opener_tags`): not a noun, never a speaker."""
    if word.casefold() in lex.adverbial_openers:
        return True
    if lex.tagger is None or not word[:1].isalpha():
        return False
    return best_tag(lex.tagger, word) in lex.opener_tags
