"""The speaker phrase at a cue: candidates scored by distance and kind (names beat nearer pronouns
and nouns), the noun phrase after "so"/"laut" or the document after "heißt es", a description
right at the cue ("said the parson"), and the chosen phrase resolved to a person (`attribute`)."""

from __future__ import annotations

import re
from functools import cache

from memoryhole.quotes.lexicon import Lexicon
from memoryhole.quotes.names import (
    UPPER,
    PeopleIndex,
    _alternation,
    first_name_gender,
    is_pronoun,
    normalise,
    strip_titles,
)
from memoryhole.quotes.patterns import patterns
from memoryhole.quotes.quotation import Attribution, Quotation
from memoryhole.quotes.wordclass import is_opener

_POSSESSED = re.compile(r"\s+[a-z]")


def pick_speaker(
    window: str,
    offset: int,
    cue: re.Match[str],
    lex: Lexicon,
    people: PeopleIndex,
    last: Quotation | None,
) -> Attribution | None:
    """The speaker phrase nearest the cue; full person names win over nearer pronouns and nouns."""
    if cue.group(0).casefold() in lex.impersonal_cues:
        source = _impersonal_source(window, offset, cue, lex, people, last)
        if source is not None:
            return source
    if cue.group(0).casefold() in lex.np_cues:  # "…“, so die Grünen, …": the phrase after it
        found = noun_phrase_re(lex).match(window, cue.end())
        skip = re.match(lex.np_cue_skip, window[cue.end() :]) if lex.np_cue_skip else None
        if found is None and skip is not None:  # "…“, so charakterisierte ihn der Funktionär X"
            found = noun_phrase_re(lex).match(window, cue.end() + skip.end())
        if found is None:
            return None  # "laut geworden": an adjective, no cue
        if not not_a_speaker(found.group("np"), lex):
            phrase = found.group("np")
            return attribute(phrase, offset + found.start("np"), cue.group(0), lex, people, last)
    best: tuple[float, re.Match[str]] | None = None
    for match in patterns(lex).speaker.finditer(window):
        phrase = match.group("speaker")
        if not_a_speaker(phrase, lex):
            continue
        distance = min(abs(match.start() - cue.end()), abs(cue.start() - match.end()))
        if match.start() < cue.end() and match.end() > cue.start():
            continue  # the cue itself
        if phrase.casefold() in lex.possessives and _POSSESSED.match(window, match.end()):
            continue  # "said her mother": a description, picked below
        if after_preposition(window, match.start(), lex):
            continue  # "wandte sich an die Gäste: „…“": an object, not the speaker
        if cue.group(0).casefold() in lex.addressee_cues and _addressed(window, cue, match):
            continue  # "X told VOA correspondent Carla Babb": she was told
        score = distance + _speaker_penalty(phrase, lex, people)
        if best is None or score < best[0]:
            best = (score, match)
    named = best is not None and people.is_person(best[1].group("speaker")) and best[0] < -20
    if best is None or (best[0] > 2 and not named):
        described = _adjacent_descriptor(window, cue, lex)
        if described is not None and not after_preposition(window, described[1], lex):
            phrase, start = described
            return attribute(phrase, offset + start, cue.group(0), lex, people, last)
    if best is None:
        return Attribution(None, None, cue.group(0))
    match = best[1]
    return attribute(
        match.group("speaker"), offset + match.start(), cue.group(0), lex, people, last
    )


def _impersonal_source(
    window: str,
    offset: int,
    cue: re.Match[str],
    lex: Lexicon,
    people: PeopleIndex,
    last: Quotation | None,
) -> Attribution | None:
    """ "In einem Positionspapier des Ministeriums heißt es: „…“" / "heißt es in dem Schreiben":
    the document an impersonal cue points into is the source (the nearest noun may be another)."""
    source = _source_re(lex)
    found = source.match(window, cue.end()) or next(
        (m for m in source.finditer(window, 0, cue.start()) if m.end() >= cue.start() - 1), None
    )
    if found is None:
        return None
    return attribute(found.group("np"), offset + found.start("np"), cue.group(0), lex, people, last)


def _noun_phrase(lex: Lexicon) -> str:
    """A noun phrase: determiner, a lower-case adjective, a capitalised noun (or a name of several
    words), then `np_links` and more of them ("der Vorsitzende des Verbands")."""
    dets, links = _alternation(lex.determiners), _alternation(tuple(lex.np_links))
    rest = r"[\w'’-]*"
    capitalised = rf"[{UPPER}]{rest}(?:\s+[{UPPER}]{rest})*"
    noun = rf"(?:[^\W\d_{UPPER}]{rest}\s+)?{capitalised}"  # an adjective may come first
    return rf"(?:(?:{dets})\s+)?{noun}(?:\s+(?:{links})\s+(?:(?:{dets})\s+)?{noun})*"


@cache
def noun_phrase_re(lex: Lexicon) -> re.Pattern[str]:
    return re.compile(rf"\s*(?P<np>{_noun_phrase(lex)})")


@cache
def _source_re(lex: Lexicon) -> re.Pattern[str]:
    """ "in einem Positionspapier des Ministeriums": a preposition of `source_preps`, then a noun
    phrase."""
    return re.compile(rf"\s*(?:{_alternation(lex.source_preps)})\s+(?P<np>{_noun_phrase(lex)})\s*")


@cache
def _descriptor_res(lex: Lexicon) -> tuple[re.Pattern[str], re.Pattern[str]]:
    dets = _alternation(lex.determiners)
    words = r"(?:[^\W\d][\w'’-]*\s+){0,2}?[^\W\d_][\w'’-]*"
    np = rf"(?P<np>(?i:{dets})\s+{words})"
    stop = r"(?=\s*(?:[,.;:!?…\"“”]|$)|\s+(?:with|to|in|as|and|who|at|from|after|before|while|of|on|for|but)\b)"
    return re.compile(rf"\s*{np}{stop}"), re.compile(rf"(?:^|[,;]\s*|\s){np}\s*$")


def _adjacent_descriptor(window: str, cue: re.Match[str], lex: Lexicon) -> tuple[str, int] | None:
    """ "said the parson" / "the old man answered": a determiner phrase right at the cue."""
    after, before = _descriptor_res(lex)
    match = after.match(window, cue.end())
    if match is not None and cue.group(0).casefold() in lex.addressee_cues:
        match = None  # "an insider told the outlet": the outlet was told
    if match is None:
        match = before.search(window, 0, cue.start())
    if match is None or not match.group("np").split()[-1].islower():
        return None
    words = match.group("np").split()
    while len(words) > 2 and lex.adverb_ending and words[-1].endswith(lex.adverb_ending):
        words.pop()  # "the doctor carelessly"
    return " ".join(words), match.start("np")


def _speaker_penalty(phrase: str, lex: Lexicon, people: PeopleIndex) -> int:
    """Chars added to a candidate's distance from the cue: known people and pronouns are likely
    speakers; organisations and lone capitalised words (German nouns, places) are not."""
    if is_pronoun(phrase, lex) or people.is_person(phrase):
        return -60 if people.is_person(phrase) else 0
    if people.is_organisation(phrase):
        return 40
    name = strip_titles(phrase, lex)
    if name != phrase.strip() or not phrase[:1].isupper():
        return 0  # titled name or descriptive phrase
    if people.known_surname(name):
        return -20
    return 60


def _addressed(window: str, cue: re.Match[str], match: re.Match[str]) -> bool:
    """The phrase follows the cue within its clause: no comma or sentence end between them."""
    between = window[cue.end() : match.start()]
    return match.start() >= cue.end() and len(between) < 60 and not re.search(r"[,;:.!?]", between)


def after_preposition(window: str, start: int, lex: Lexicon) -> bool:
    """The phrase at `start` follows one of the lexicon's `object_preps`, directly or after a
    determiner and up to two more words (adjectives): "an die erschienenen Gäste"."""
    if not lex.object_preps:
        return False
    words = [w.casefold() for w in window[max(0, start - 60) : start].split()[-4:]]
    if words and words[-1] in lex.object_preps:
        return True
    for back in (1, 2, 3):  # the determiner's place, counted from the phrase
        if len(words) > back and words[-1 - back] in lex.object_preps:
            between = words[len(words) - back :]
            return between[0] in lex.determiners and all(w.isalpha() for w in between[1:])
    return False


@cache
def _prepositions(lex: Lexicon) -> frozenset[str]:
    """Words that open a phrase naming a place or an object: object prepositions and the
    lexicon's `governors` that are no determiners."""
    return lex.object_preps | (lex.governors - set(lex.determiners))


def not_a_speaker(phrase: str, lex: Lexicon) -> bool:
    """No one at all (`no_one`), a phrase opening with a preposition, or one word naming an
    organisation or place ("Reuters" in "told Reuters" is who was told; a direct quote's speaker is
    a person or a described one)."""
    words = phrase.split()
    if len(words) > 1 and words[0].casefold() in _prepositions(lex):
        return True  # "Scientists at the institute said": "at the institute" is where they work
    return no_one(phrase, lex) or len(words) == 1 and words[0].rstrip(".,") in lex.non_person_words


def no_one(phrase: str, lex: Lexicon) -> bool:
    """A heading, sentence openers only, or one adverbial opener ("Gleichzeitig")."""
    words = phrase.split()
    if len(words) > 2 and phrase.isupper():
        return True  # "ABOUT THE VIRUS OUTBREAK: …": a heading
    return all(w in lex.not_names and not is_pronoun(w, lex) for w in words) or (
        len(words) == 1 and is_opener(words[0], lex)
    )


def attribute(
    phrase: str,
    pos: int,
    cue: str | None,
    lex: Lexicon,
    people: PeopleIndex,
    last: Quotation | None,
) -> Attribution:
    phrase = _trim_phrase(phrase, lex)
    last_speaker = last.speaker_norm if last else None
    name = strip_titles(phrase, lex)
    words = phrase.split()
    kin = people.relative(words[0], words[1], pos, last_speaker) if len(words) > 1 else None
    described = people.described(phrase, pos, last_speaker) if phrase[:1].islower() else None
    # "Der Sprecher der Fraktion, Werner Hoyer" / "Markus Luthe, Geschäftsführer des Verbands"
    parts = [strip_titles(part, lex) for part in phrase.split(", ")] if ", " in phrase else []
    named = next((part for part in parts if people.named(part)), None)
    if named is not None and named != parts[0]:
        norm = people.resolve(named, pos, last_speaker)
    elif kin is not None:
        norm = kin  # "his wife": Mrs <his family name>
    elif described is not None:
        norm = described  # "the old man": a man in the scene (the phrase stays as written)
    elif (
        len(words) > 1
        and words[-1].casefold() in lex.document_nouns
        and lex.issue_verbs
        and (issuer := people.issuer(words[-1].casefold(), pos, pos + len(phrase))) is not None
    ):
        norm = issuer  # "the statement continued": Big Machine Records, who issued it
    elif name[:1].isupper() or is_pronoun(name, lex):
        norm = people.resolve(name, pos, last_speaker)
    else:
        norm = normalise(phrase, lex) if lex.language != "ru" else phrase
    return Attribution(phrase, norm, cue)


def _trim_phrase(phrase: str, lex: Lexicon) -> str:
    words = phrase.split()
    while len(words) > 1 and (
        words[0] in lex.not_names and not is_pronoun(words[0], lex) or is_opener(words[0], lex)
    ):
        words.pop(0)
    if len(words) > 1 and _opening_adverb(words[0], lex):
        words.pop(0)  # "Presently Tom said": the adverb opened the sentence
    return " ".join(words)


def _opening_adverb(word: str, lex: Lexicon) -> bool:
    """A capitalised manner or time adverb ("Presently", "Finally"), not a first name ("Polly")."""
    if not lex.adverb_ending or not lex.first_name_genders:
        return False
    ending = lex.adverb_ending
    return (
        len(word) > len(ending) + 3 and word.endswith(ending) and first_name_gender(word)[0] is None
    )
