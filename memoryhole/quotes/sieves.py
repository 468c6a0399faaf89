"""The sentence-level sieves for languages that quote inside a clause (German: `subject_speaker`)
and where no cue sits right at the quote: the subject of the quote's sentence, a passive's agent, a
pronoun after the quote, a report in the subjunctive carried on from a quote or a cue before it, and
the subject of the sentence before an uncued quote."""

from __future__ import annotations

import re
from functools import cache

from memoryhole.quotes.clauses import clause_subject
from memoryhole.quotes.cues import AFTER_WINDOW, possessor
from memoryhole.quotes.lexicon import Lexicon
from memoryhole.quotes.marks import QUOTES, Span
from memoryhole.quotes.names import UPPER, PeopleIndex, _alternation
from memoryhole.quotes.patterns import patterns
from memoryhole.quotes.quotation import Attribution, Quotation
from memoryhole.quotes.sentences import (
    SENTENCE_GAP,
    TERMINAL,
    WORD,
    end_of_sentence,
    last_sentence_start,
    start_of_sentence,
)
from memoryhole.quotes.speakers import (
    attribute,
    not_a_speaker,
    noun_phrase_re,
    pick_speaker,
)

SUBJECT_WINDOW = 400  # chars before a quote in which its sentence's subject is looked for


def reported_bridge(
    text: str, span: Span, last: Quotation | None, para_start: int, lex: Lexicon
) -> Attribution | None:
    """ "„…“, erklärte X. Diese Aussagen seien erniedrigend. Die Angestellten seien betraut. „…“":
    sentences in the subjunctive between two quotes of a paragraph report the same speaker, so the
    next quote is still theirs, however long the report between them."""
    if last is None or last.speaker_norm is None or last.start < para_start:
        return None
    between = text[last.end : span.start]
    if "\n\n" in between or len(between) > 1500:
        return None
    sentences = [piece for piece in SENTENCE_GAP.split(between)[1:] if piece.strip()]
    if not sentences:
        return None
    for sentence in sentences:
        if not {w.casefold() for w in WORD.findall(sentence)} & lex.reported_verbs:
            return None
    return Attribution(last.speaker, last.speaker_norm, None)


def reported_source(
    text: str,
    span: Span,
    para_start: int,
    lex: Lexicon,
    people: PeopleIndex,
    last: Quotation | None,
) -> Attribution | None:
    """ "In einem Positionspapier heißt es, die Prüfung habe ergeben, … Deshalb sei es „…“": a
    quote in a subjunctive sentence continues the report begun by the last sentence of the
    paragraph that is not in the subjunctive; that sentence's cue names the source."""
    lo = max(para_start, span.start - 1500)  # a report of a few sentences, not a whole book
    # every sentence start, scanned in place (not through `start_of_sentence`, which reads its
    # window alone): a period at the window's start is judged with what precedes it ("2014. Der")
    gaps = SENTENCE_GAP.finditer(text, lo, span.start + 1)  # + 1: the quote mark
    starts = [lo] + [m.end() for m in gaps if m.end() <= span.start]
    sentences = list(zip(starts, [*starts[1:], span.start], strict=True))

    def subjunctive(a: int, b: int) -> bool:
        return bool({w.casefold() for w in WORD.findall(text[a:b])} & lex.reported_verbs)

    if not sentences or not subjunctive(*sentences[-1]):
        return None
    for a, b in reversed(sentences[:-1]):
        if subjunctive(a, b) and not patterns(lex).cue.search(text, a, b):
            continue
        if re.search(r"[“”„«»\"]", text[a:b]):
            return None  # a quotation's own sentence: left to the other rules
        cues = list(patterns(lex).cue.finditer(text, a, b))
        if not cues:
            return None
        impersonal = cues[-1].group(0).casefold() in lex.impersonal_cues
        phrase = None if impersonal else clause_subject(text, a, b, lex)
        if phrase is not None and not not_a_speaker(phrase.text, lex):
            return attribute(phrase.text, phrase.start, phrase.verb, lex, people, last)
        window = text[a:b]
        cue = patterns(lex).cue.search(window, cues[-1].start() - a)
        return pick_speaker(window, a, cue, lex, people, last) if cue else None
    return None


def sentence_subject(
    text: str, start: int, floor: int, lex: Lexicon, people: PeopleIndex, last: Quotation | None
) -> Attribution | None:
    """The subject of the sentence the quote sits in (clauses.py), when text precedes it there."""
    lo = max(floor, start - SUBJECT_WINDOW)
    before = text[lo:start].rstrip()
    if not before or before[-1] in TERMINAL:
        return None  # the quote opens its sentence
    sentence_start = start_of_sentence(text, start, floor, SUBJECT_WINDOW)
    if sentence_start == lo and lo > floor or text[sentence_start:start].lstrip()[:1] in QUOTES:
        return None  # too far back to tell, or a quote opened the sentence ("„…“, sagte er, „…“")
    sentence_start = _after_colon(text, sentence_start, start, lex)
    owned = possessor(text[sentence_start:start], sentence_start, lex, people, last)
    if owned is not None:
        return owned
    after_quote = _clause_after_quote(text, sentence_start, start, lex)
    if after_quote is not None:  # "X nannte ihn „…“, Y strich „…“ hervor": Y's own clause
        phrase = clause_subject(text, after_quote, start, lex)
        if phrase is not None and not not_a_speaker(phrase.text, lex):
            return attribute(phrase.text, phrase.start, phrase.verb, lex, people, last)
    # "Der 58-Jährige habe darin geschrieben, er müsse …": a cue after the subjunctive auxiliary
    words = {w.casefold() for w in WORD.findall(text[sentence_start:start])}
    cued = bool(words & lex.cue_participles)
    phrase = clause_subject(text, sentence_start, start, lex, reported_ok=cued)
    if phrase is None or not_a_speaker(phrase.text, lex):
        return None
    return attribute(phrase.text, phrase.start, phrase.verb, lex, people, last)


def passive_agent(
    text: str, span: Span, para_start: int, para_end: int, lex: Lexicon
) -> tuple[str, int, str] | tuple[()] | None:
    """The quote's sentence in the passive with a speech participle ("Das Gesetz wird von
    Kritikern als „…“ bezeichnet", "wurde vom Rechnungshof als „…“ kritisiert"): (agent, where,
    participle), or () when no agent is named; None when the sentence is not such a passive."""
    if not lex.passive_auxiliaries:
        return None
    start = start_of_sentence(text, span.start + 1, para_start, SUBJECT_WINDOW + 1)  # with its mark
    end = end_of_sentence(text, span.end, para_end, AFTER_WINDOW)
    if patterns(lex).cue.search(text, start, span.start):
        return None  # "Er sagte, wer … „…“ schiesse, könne nur so bezeichnet werden": his words
    outside = ((start, span.start), (span.end, end))  # the quote's own words do not count
    words = [w.casefold() for a, b in outside for w in WORD.findall(text[a:b])]
    participle = next((w for w in reversed(words) if w in lex.cue_participles), None)
    if participle is None or not set(words) & lex.passive_auxiliaries:
        return None
    preps = _alternation(tuple(lex.agent_preps))
    for a, b in outside:
        for found in re.finditer(rf"(?<![\w-])(?i:{preps})\s+", text[a:b]):
            at = a + found.end()
            phrase = noun_phrase_re(lex).match(text, at, b) or _agent_words(lex).match(text, at, b)
            if phrase is not None:
                np = phrase.group("np") if "np" in phrase.groupdict() else phrase.group(0)
                return np.strip(), at, participle
    return ()


@cache
def _agent_words(lex: Lexicon) -> re.Pattern[str]:
    """An agent in lower case: up to four words before punctuation, a quote or one of the
    lexicon's `agent_stops` ("von vielen als „…“")."""
    stops = rf"|\s+(?:{_alternation(lex.agent_stops)})\b" if lex.agent_stops else ""
    return re.compile(rf"[^\W\d_]+(?:\s+[^\W\d_]+){{0,3}}?(?=\s*(?:[,.;:!?)“”„«»\"]|$){stops})")


def _clause_after_quote(text: str, start: int, end: int, lex: Lexicon) -> int | None:
    """Where a new main clause begins after an earlier quote of the same sentence and a comma."""
    closing = [m.end() for m in re.finditer(r"[“”»\"]\s*,\s+", text[start:end])]
    if not closing:
        return None
    clause = start + closing[-1]
    word = re.match(r"[^\W\d_][\w-]*", text[clause:end])
    if (
        word is None
        or not word.group(0)[0].isupper()
        or word.group(0).casefold() in lex.subordinators
    ):
        return None  # a lower-case or subordinate continuation belongs to the clause before
    return clause


def pronoun_after(text: str, span: Span, lex: Lexicon, people: PeopleIndex) -> Attribution | None:
    """ "Mit den Worten „…“, richtete er seinen Blick …": the subject pronoun right after the
    clause's verb, after the quote."""
    found = re.match(r"\s*,\s+([^\W\d_]+)\s+([^\W\d_]+)\b", text[span.end : span.end + 60])
    if found is None or found.group(2).casefold() not in lex.subject_pronouns:
        return None
    if found.group(1)[0].isupper() or found.group(1).casefold() in lex.subordinators:
        return None
    pronoun = found.group(2)
    return Attribution(pronoun, people.resolve(pronoun, span.end), found.group(1))


def _after_colon(text: str, start: int, end: int, lex: Lexicon) -> int:
    """Where the clause holding a quote at `end` starts: after a colon that opens a new sentence
    ("Die FDP schloss sich an: Der Sprecher Werner Hoyer nannte es „…“") when no cue comes before
    the colon (after "Er sagte:" the words are his, whoever their subject is)."""
    colons = list(re.finditer(rf":\s+(?=[{UPPER}])", text[start:end]))
    if not colons or patterns(lex).cue.search(text, start, start + colons[-1].start()):
        return start
    return start + colons[-1].end()


def previous_subject(
    text: str, span: Span, para_start: int, lex: Lexicon, people: PeopleIndex
) -> Attribution | None:
    """An uncued quote opening a sentence: the subject of the sentence before it in the paragraph
    ("Die Partei will den Etat kürzen. „Wir müssen sparen.“")."""
    before = text[para_start : span.start].rstrip()
    if not before or before[-1] not in TERMINAL:
        return None
    sentence_start = para_start + last_sentence_start(before[:-1])
    if text[sentence_start : span.start].lstrip()[:1] in QUOTES:
        return None
    phrase = clause_subject(text, sentence_start, para_start + len(before), lex)
    if phrase is None or not_a_speaker(phrase.text, lex):
        return None
    return attribute(phrase.text, phrase.start, None, lex, people, None)
