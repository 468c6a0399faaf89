"""The subject of the clause a quotation sits in. German news prose quotes inside a clause far more
often than after a speech verb ("Der Minister nannte den Plan „unsinnig“", "Nach dem Treffen sprach
die Kanzlerin von einem „Durchbruch“"): the clause's subject is the speaker, whatever the verb.

Hand-written word-class heuristics over the lexicon (determiners, subject pronouns, adverbial
openers, noun-phrase links): German capitalises nouns, so a noun phrase is determiner + lower-case
adjectives + capitalised words, and the finite verb is the first lower-case word after a noun.
Whether a capitalised word is a noun or an adverbial opener ("Künftig", "Demnach") is asked of
wordclass.py (HanTa's tagger, one word at a time). No dependency parser for German ships inside a
PyPI package, and these few rules are what the Wikinews dev split needed (docs/quotes.md has the
figures).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from memoryhole.quotes.lexicon import Lexicon
from memoryhole.quotes.wordclass import best_tag, is_opener

_TOKEN = re.compile(r"[\w][\w.'’-]*|[,:()]")
MAX_NP_WORDS = 8  # a longer run is not one noun phrase


@dataclass(frozen=True)
class Phrase:
    text: str
    start: int  # offset into the text
    verb: str | None  # the finite verb, used as the cue


@dataclass(frozen=True)
class _Tok:
    word: str
    start: int

    @property
    def cap(self) -> bool:
        return self.word[:1].isupper() or self.word[:1].isdigit()

    @property
    def low(self) -> str:
        return self.word.casefold()


@cache
def _determiners(lex: Lexicon) -> frozenset[str]:
    return frozenset(d.casefold() for d in lex.determiners)


def _is_det(tok: _Tok, lex: Lexicon) -> bool:
    return tok.low in _determiners(lex)


def _is_word(tok: _Tok) -> bool:
    return tok.word[:1].isalnum()


def _noun_phrase(toks: list[_Tok], i: int, lex: Lexicon) -> int | None:
    """End index (exclusive) of the noun phrase starting at toks[i], or None."""
    n = len(toks)
    if i < n and toks[i].low in lex.subject_pronouns:
        return i + 1
    j, nouns = i, 0
    while j < n and j - i < MAX_NP_WORDS:
        tok = toks[j]
        if not _is_word(tok):
            break
        if _is_det(tok, lex):
            if nouns and toks[j - 1].low not in lex.np_links and tok.low not in ("der", "des"):
                break  # only a genitive "der/des" continues ("der Sprecher der Regierung")
        elif tok.cap:
            if tok.low in lex.subject_pronouns or is_opener(tok.word, lex):
                break
            nouns += 1
        elif tok.low in lex.np_links and nouns:
            pass
        elif not nouns and j > i and (_is_det(toks[j - 1], lex) or not toks[j - 1].cap):
            pass  # an adjective between determiner and noun
        elif _participle_attribute(toks, i, j, lex):
            nouns = 0  # "Die von Umweltgruppen getragenen Gegeninitiative": the noun follows
        else:
            break
        j += 1
    while j > i and (_is_det(toks[j - 1], lex) or toks[j - 1].low in lex.np_links):
        j -= 1  # a trailing link word belongs to what follows
    return j if nouns else None


def _participle_attribute(toks: list[_Tok], i: int, j: int, lex: Lexicon) -> bool:
    """ "Die [von verschiedenen Umweltgruppen] getragenen Gegeninitiative": after a determiner and
    a preposition, a participle ending in -en right before a capitalised noun closes an attribute."""
    return (
        i + 1 < j
        and toks[i + 1].low in lex.attribute_preps
        and toks[j].low.endswith("en")
        and j + 1 < len(toks)
        and toks[j + 1].cap
        and _is_word(toks[j + 1])
    )


def _apposition_end(toks: list[_Tok], j: int) -> int | None:
    """ ", Name Name," after a noun phrase: the index after the closing comma, or None."""
    k = j + 1
    while k < len(toks) and toks[k].cap and _is_word(toks[k]) and k - j <= 4:
        k += 1
    if k > j + 1 and k < len(toks) and toks[k].word == ",":
        return k + 1
    return None


def _skip_comma_clause(toks: list[_Tok], j: int) -> int | None:
    """ ", die/der … ," (a relative clause or a longer apposition): the index after its comma."""
    for k in range(j + 1, min(len(toks), j + 16)):
        if toks[k].word == ",":
            return k + 1
    return None


def _verb_before_comma(toks: list[_Tok], comma: int) -> bool:
    """The clause ending at this comma ends in a verb or infinitive ("…, die Stufen zu
    erklimmen,"): a subordinate clause, so another may follow before the main verb."""
    return comma > 0 and not toks[comma - 1].cap and toks[comma - 1].word[:1].isalpha()


def _adjective(word: str, lex: Lexicon) -> bool:
    """Not a verb, by the tagger: an adjective or determiner inside an opening prepositional
    phrase ("Mit schärferen Tönen", "Für diesen Herbst")."""
    tag = best_tag(lex.tagger, word) if lex.tagger is not None else None
    return tag is not None and not tag.startswith("V")


def _verb_at(toks: list[_Tok], j: int, lex: Lexicon) -> bool:
    return (
        j < len(toks)
        and _is_word(toks[j])
        and not toks[j].cap
        and not _is_det(toks[j], lex)
        and toks[j].low not in lex.np_links
        and toks[j].low not in lex.subordinators
    )


def _phrase(text: str, toks: list[_Tok], i: int, j: int, verb: str | None) -> Phrase:
    start, end = toks[i].start, toks[j - 1].start + len(toks[j - 1].word)
    return Phrase(text[start:end].rstrip(" ,"), start, verb)


def _according(text: str, toks: list[_Tok], lex: Lexicon) -> Phrase | None:
    """ "laut X", "nach Angaben X": X is the source, whatever the subject."""
    for i, tok in enumerate(toks[:-1]):
        after = i + 1
        if tok.low == "nach" and toks[after].low == "angaben":
            after += 1
        elif tok.low == "nach":  # "Nach einer vom DFB veröffentlichten Erklärung erkennt …"
            for k in range(after, min(len(toks), after + 6)):
                if not _is_word(toks[k]):
                    break
                if toks[k].cap and lex.document_nouns and toks[k].low.endswith(lex.document_nouns):
                    return _phrase(text, toks, after, k + 1, tok.word)
            continue
        elif tok.low != "laut":
            continue
        end = _noun_phrase(toks, after, lex)
        if end is not None:
            return _phrase(text, toks, after, end, tok.word)
    return None


def _after_subordinate(text: str, toks: list[_Tok], lex: Lexicon) -> Phrase | None:
    """ "Als ihn ein Reporter ansprach, reagierte er unwirsch": a clause opening with a subordinate
    one ends at "<verb>, <verb>"; the main clause's subject follows its verb."""
    for k in range(2, len(toks) - 2):
        if toks[k].word == "," and not toks[k - 1].cap and _verb_at(toks, k + 1, lex):
            end_np = _noun_phrase(toks, k + 2, lex)
            if end_np is None or toks[k + 1].low in lex.reported_verbs:
                return None
            return _phrase(text, toks, k + 2, end_np, toks[k + 1].word)
    return None


def clause_subject(
    text: str, start: int, end: int, lex: Lexicon, *, reported_ok: bool = False
) -> Phrase | None:
    """The speaker of a quotation at `end` inside the sentence text[start:end]: its "laut X" source,
    else the subject before the finite verb ("Der Minister nannte …"), else the one right after it
    when an adverbial opens the sentence ("Am Montag sagte der Minister …")."""
    toks = [_Tok(m.group(0), m.start()) for m in _TOKEN.finditer(text, start, end)]
    colon = next((i for i, t in enumerate(toks[:4]) if t.word == ":"), None)
    if colon is not None and colon + 1 < len(toks) and toks[colon + 1].cap:
        toks = toks[colon + 1 :]  # "Haushalt: Die Partei will …": a heading before the sentence
    while toks and toks[0].word in "(,:":
        toks.pop(0)
    if len(toks) < 2:
        return None
    according = _according(text, toks, lex)
    if according is not None:
        return according
    first = toks[0]
    if first.low in lex.subordinators:
        return _after_subordinate(text, toks, lex)
    if is_opener(first.word, lex) or first.low in ("den", "dem", "einen", "einem"):
        j = 1
        while j < len(toks):
            prev = toks[j - 1]
            opener_ok = prev.cap or is_opener(prev.word, lex) or prev.word == ","
            if (
                _verb_at(toks, j, lex)
                and opener_ok
                and not is_opener(toks[j].word, lex)
                and not _adjective(toks[j].word, lex)  # "Mit schärferen Tönen kritisieren …"
            ):
                break
            j += 1
        else:
            return None
        end_np = _noun_phrase(toks, j + 1, lex)
        if end_np is None or toks[j].low in lex.reported_verbs:
            return None
        return _phrase(text, toks, j + 1, end_np, toks[j].word)
    end_np = _noun_phrase(toks, 0, lex)
    if end_np is None or end_np >= len(toks):
        return None
    j = end_np
    phrase_end = end_np
    if toks[j].word == "(":  # "Gegeninitiative Kopfbahnhof 21 (K21), die …": an abbreviation
        close = next((k for k in range(j, min(len(toks), j + 8)) if toks[k].word == ")"), None)
        if close is not None and close + 1 < len(toks):
            j = close + 1
    if toks[j].word == ",":
        appo = _apposition_end(toks, j)
        if appo is not None:
            j = phrase_end = appo
        else:
            j = _skip_comma_clause(toks, j) or len(toks)
            for _ in range(2):  # "Mandela, dem es schwer fiel, die Stufen zu erklimmen, wandte …"
                if _verb_at(toks, j, lex) or j >= len(toks) or toks[j - 1].word != ",":
                    break
                if not _verb_before_comma(toks, j - 1):
                    break
                j = _skip_comma_clause(toks, j - 1) or len(toks)
    if j < len(toks) and toks[j].word == ":":
        return _phrase(text, toks, 0, phrase_end, None)  # "Der Minister: „…“"
    if not _verb_at(toks, j, lex) or toks[j].low in lex.reported_verbs and not reported_ok:
        return None  # "Der Plan sei „gescheitert“": reported words, someone else's
    return _phrase(text, toks, 0, phrase_end, toks[j].word)
