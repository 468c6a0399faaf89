"""The cue right at a direct quote: after it ('"…," said X', a source in brackets) or before it in
its sentence ('X said: "…"', 'Steinbrück: „…“', 'His answer: "…"'), and the speaker found there."""

from __future__ import annotations

import re

from memoryhole.quotes.lexicon import Lexicon
from memoryhole.quotes.names import UPPER, PeopleIndex
from memoryhole.quotes.patterns import patterns
from memoryhole.quotes.quotation import Attribution, Quotation
from memoryhole.quotes.sentences import ABBREVIATED, TERMINAL, cut_sentence, start_of_sentence
from memoryhole.quotes.speakers import after_preposition, attribute, not_a_speaker, pick_speaker

AFTER_WINDOW = 160  # chars after a quote searched for "…," said X
CUE_REACH = 70  # the cue must start this close to the quote
BEFORE_WINDOW = 220  # chars before a quote searched for X said: "…"
# a source in brackets right after a quote: capitalised words only ("(Konrad-Adenauer-Stiftung)")
_CITED = re.compile(
    rf"[.!?…]?\s*\((?P<np>[{UPPER}][\w'’.&-]*(?:\s+[{UPPER}][\w'’.&-]*){{0,4}})\)\s*(?:[.;]|$)"
)
_APPOSITION = re.compile(
    rf"[\s,]*(?:[a-z][\w-]*\s+){{0,4}}[{UPPER}][^,.;:!?]{{1,60}}(?:,\s+[^,;:!?\"“”]{{2,100}}){{1,2}},\s*$"
)
_POSSESSOR_COLON = re.compile(r"(?<![\w-])(\w+)\s+\w+\s*:\s*$")  # "His answer:", "Ihre Antwort:"


def cue_after(
    text: str,
    start: int,
    limit: int,
    lex: Lexicon,
    people: PeopleIndex,
    last: Quotation | None,
    narration: bool = False,
) -> Attribution | None:
    """'"…," said X' / '"…", — сказал он' / '"…", - deyə X bildirib': the cue right after the quote."""
    window = text[start : min(limit, start + AFTER_WINDOW)]
    if not narration and re.match(rf"\s*[.!?…]\s+[{UPPER}]", window):
        return None  # „…“. Die Chefjuristin verwies …: the sentence closed right after the quote
    cited = _CITED.match(window) if not narration else None
    if cited is not None and not not_a_speaker(cited.group("np"), lex):
        # "„…“ (Konrad-Adenauer-Stiftung)." / "“…” (Reuters).": the source in brackets
        return attribute(cited.group("np"), start + cited.start("np"), None, lex, people, last)
    window = cut_sentence(window)
    pats = patterns(lex)
    cue = pats.cue.search(window)
    if cue is None and narration:
        cue = re.match(r"\s*[\w-]+", window)  # "— …, — вспоминает она": the verb opens it
    lead = window[: cue.start()] if cue else ""
    # '“…,” Lucas Paganini, a planetary scientist at NASA, said': a name and its apposition
    appositive = cue is not None and not narration and _APPOSITION.match(lead) is not None
    too_far = cue is not None and cue.start() > CUE_REACH and not appositive
    if cue is None or too_far or (not narration and not appositive and not _lead_ok(lead, lex)):
        return None
    rest = window[cue.end() :].split()
    if rest and rest[0].casefold() in lex.complementisers:
        return None  # "The clergyman explained that …": reported speech of its own
    ended = text[:start].rstrip("\"'”“»«’ ").endswith(".")
    long_tail = len(lead.split()) > 3 or len(window) > 80 or cue.group(0).lower() in lex.according
    if ended and not narration and window.lstrip()[:1].isupper() and long_tail:
        return None  # the quote closed its sentence: only a short "Smith said." may follow
    return pick_speaker(window, start, cue, lex, people, last)


def _lead_ok(lead: str, lex: Lexicon) -> bool:
    """Between a quote and its cue: punctuation, a dash, and at most a speaker phrase."""
    stripped = lead.strip(" ,.;:!?…—–-\n")
    if not stripped:
        return True
    if lead.lstrip()[:1] == "(":
        return False  # a bracket opens its own phrase
    return len(stripped.split()) <= 8 and "." not in ABBREVIATED.sub("", stripped)[:-1]


def cue_before(
    text: str, start: int, floor: int, lex: Lexicon, people: PeopleIndex, last: Quotation | None
) -> Attribution | None:
    """'X said: "…"' / 'Steinbrück: „…“': the cue (or a colon) in the same sentence before."""
    window = text[max(floor, start - BEFORE_WINDOW) : start]
    if window.rstrip()[-1:] in TERMINAL and window.strip():
        return None  # the sentence before closed: its cue was another quote's ("…," he asked.)
    lo = start_of_sentence(text, start, floor, BEFORE_WINDOW)
    window = text[lo:start]
    pats = patterns(lex)
    cues = list(pats.cue.finditer(window))
    if cues:
        return pick_speaker(window, lo, cues[-1], lex, people, last)
    owned = possessor(window, lo, lex, people, last)
    if owned is not None:
        return owned
    colon = pats.colon_speaker.search(window)
    if (
        colon
        and not not_a_speaker(colon.group("speaker"), lex)
        and not after_preposition(window, colon.start("speaker"), lex)
    ):
        return attribute(colon.group("speaker"), lo + colon.start(), None, lex, people, last)
    return None


def possessor(
    window: str, offset: int, lex: Lexicon, people: PeopleIndex, last: Quotation | None
) -> Attribution | None:
    """ "His answer: “…”", "Seine Begründung: „…“": the possessor speaks (as a pronoun would)."""
    owned = _POSSESSOR_COLON.search(window)
    if owned is None or owned.group(1).casefold() not in lex.possessives:
        return None
    pronoun = lex.possessives[owned.group(1).casefold()]
    last_speaker = last.speaker_norm if last else None
    norm = people.resolve(pronoun, offset + owned.start(), last_speaker)
    return Attribution(owned.group(1), norm, None)
