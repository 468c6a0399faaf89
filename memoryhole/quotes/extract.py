"""Quotation extraction: direct quotes (quote marks, dash speech) and reported speech, each with its
speaker, cue verb and offsets into the text. Rule-based over the language lexicons in `lang/`.

Direct quotes are attributed in sieves (after Muzny et al. 2017): first the cue at the quote
(after it, before it, a colon, the sentence subject), then, in one sequential pass, continuation,
narration naming someone and the last person named; then the conversation sieves of `dialogue.py`
(turns, vocatives, alternation) over the quotes no cue attributed.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, replace
from functools import cache

from memoryhole.quotes.clauses import clause_subject
from memoryhole.quotes.dialogue import BREAK, NAMED, SAME, TURN, Item, addressees, conversation
from memoryhole.quotes.lexicon import Lexicon, available_languages, load_lexicon
from memoryhole.quotes.marks import QUOTE_CHARS, Span, dash_spans, quote_spans
from memoryhole.quotes.names import (
    UPPER,
    PeopleIndex,
    _alternation,
    first_name_gender,
    is_pronoun,
    normalise,
    speaker_pattern,
    strip_titles,
)
from memoryhole.quotes.wordclass import best_tag, is_opener

AFTER_WINDOW = 160  # chars after a quote searched for "…," said X
CUE_REACH = 70  # the cue must start this close to the quote
BEFORE_WINDOW = 220  # chars before a quote searched for X said: "…"
SUBJECT_WINDOW = 400  # chars before a quote in which its sentence's subject is looked for
TERMINAL = ".!?…"
QUOTES = "".join(QUOTE_CHARS)
# a period after these is an abbreviation, not a sentence end ("said Mr. Bennet")
_ABBREVIATIONS = ("Mr", "Mrs", "Ms", "Dr", "St", "Prof", "Gen", "Col", "Capt", "Lt", "Sen", "Rep",
                  "Gov", "Sgt", "Rev", "Hon", "Jr", "Sr")  # fmt: skip
# ... nor after a one- or two-digit number: a German ordinal ("am 3. Juni", "im 20. Jahrhundert"),
# nor after a single capital: an initial ("George W. Bush", "William R. Dougan")
_NOT_AFTER = (
    "".join(rf"(?<!\b{a})" for a in _ABBREVIATIONS) + r"(?<!\b\d)(?<!\b\d\d)" + rf"(?<!\b[{UPPER}])"
)
_ABBREVIATED = re.compile(rf"\b(?:{'|'.join(_ABBREVIATIONS)})\.")
_SENTENCE_END = re.compile(rf"(?:{_NOT_AFTER}\.|[!?…])(?=\s+[{UPPER}“„«\"—–])")
# ... or no space at all after a word's period when a capitalised word follows ("übernommen.Ralph
# Senkel": paragraphs glued by the page's markup)
_SENTENCE_GAP = re.compile(
    rf"(?:{_NOT_AFTER}\.|[!?…])[\"”»“]?(?:\s+|(?<=[a-zäöüß]\.)(?=[{UPPER}][a-zäöüß]))"
    rf"(?=[{UPPER}“„«\"—–])"
)


@dataclass(frozen=True)
class Quotation:
    """One quotation. `start`/`end` span it in the given text (including quote marks for direct
    quotes); `text` is the quoted words without the marks."""

    text: str
    start: int
    end: int
    kind: str  # "direct" | "reported"
    speaker: str | None  # as written ("he", "Сергея Лаврова", "a police spokesman")
    speaker_norm: str | None  # resolved, citation-form name ("Сергей Лавров")
    cue: str | None  # the cue verb or phrase as written
    language: str


@dataclass(frozen=True)
class Attribution:
    speaker: str | None
    speaker_norm: str | None
    cue: str | None


@dataclass(frozen=True)
class Patterns:
    cue: re.Pattern[str]
    speaker: re.Pattern[str]
    colon_speaker: re.Pattern[str]
    reported: tuple[re.Pattern[str], ...]
    name_after_cue: re.Pattern[str]  # "said Durbeyfield"
    name_before_cue: re.Pattern[str]  # "Mrs. Lennox gasped"
    reported_cue: re.Pattern[str] | None  # "his claim that": cues reported speech only


@cache
def _patterns(lex: Lexicon) -> Patterns:
    cues = _alternation(lex.cue_verbs + lex.according)
    cue = rf"(?<![\w-])(?i:{cues})(?![\w-])"
    if lex.not_cues:  # "wie folgt", "so genannt": a cue word in a phrase that is none
        cue = rf"(?<![\w-])(?!(?i:{_alternation(lex.not_cues)})(?![\w-])){cue}"
    speaker = speaker_pattern(lex)
    titles = _alternation(lex.titles)
    named = rf"(?:(?:{titles})\s+)?[{UPPER}][\w'’-]+"
    templates = {
        "{SPEAKER}": speaker,
        "{SPEAKER_GEN}": speaker.replace("(?P<speaker>", "(?P<speaker_gen>", 1),
        "{CUE}": rf"(?P<cue>{cue})",
        "{CLAUSE}": r"(?P<quote>\S.*?)\s*[.!?…]*\s*$",
        "{CLAUSE_BEFORE}": r"^(?P<quote>\S.*?)",
        "{REPORTED_CUE}": rf"(?P<cue>(?i:{_alternation(lex.reported_cues)}))",
    }
    reported = []
    for template in lex.reported:
        for key, value in templates.items():
            template = template.replace(key, value)
        reported.append(re.compile(template, re.DOTALL))
    return Patterns(
        cue=re.compile(cue),
        speaker=re.compile(speaker),
        colon_speaker=re.compile(speaker + r"\s*:\s*$"),
        reported=tuple(reported),
        name_after_cue=re.compile(rf"\s+(?P<name>{named})(?![\w-])"),
        name_before_cue=re.compile(rf"(?<![\w-])(?P<name>{named})\s+$"),
        reported_cue=(
            re.compile(rf"(?<![\w-])(?i:{_alternation(lex.reported_cues)})(?![\w-])")
            if lex.reported_cues
            else None
        ),
    )


def extract_quotations(text: str, language: str | None) -> list[Quotation]:
    """All quotations in a version's plain text (paragraphs separated by "\\n\\n"), in text order.

    Languages without a lexicon fall back to English cue words (quote marks still work).
    """
    lang = language if language in available_languages() else "en"
    lex = load_lexicon(lang)
    pats = _patterns(lex)
    cues = [
        m.span() for m in pats.cue.finditer(text)
    ]  # one pass; sentences without one are skipped
    people = PeopleIndex(text, lex)
    people.add_speakers(text, _named_speakers(text, cues, pats))
    spans = sorted(_all_spans(text), key=lambda pair: pair[0].start)
    people.mark_quoted([(s.start, s.end) for s, _ in spans])
    direct = _direct_quotations(text, spans, lex, people, language or lang)
    if pats.reported_cue is not None:  # "Schiff’s assertion that …": no cue verb in that sentence
        cues = sorted(cues + [m.span() for m in pats.reported_cue.finditer(text)])
    reported = _reported_quotations(text, lex, people, direct, language or lang, cues)
    return sorted(direct + reported, key=lambda q: (q.start, q.end))


def _named_speakers(text: str, cues: list[tuple[int, int]], pats: Patterns) -> list[str]:
    """Names right at a cue ("said Durbeyfield", "Mrs. Lennox gasped"), looked for only at the cues."""
    names = []
    for start, end in cues:
        for found in (
            pats.name_after_cue.match(text, end),
            pats.name_before_cue.search(text, max(0, start - 40), start),
        ):
            if found:
                names.append(found.group("name"))
    return names


# --- direct quotations -----------------------------------------------------------------------


def _paragraph_bounds(text: str, pos: int) -> tuple[int, int]:
    start = text.rfind("\n\n", 0, pos)
    end = text.find("\n\n", pos)
    return (0 if start < 0 else start + 2), (len(text) if end < 0 else end)


def _direct_quotations(
    text: str,
    spans: list[tuple[Span, Span | None]],
    lex: Lexicon,
    people: PeopleIndex,
    language: str,
) -> list[Quotation]:
    out: list[Quotation] = []
    anchored: list[bool] = []
    last: Quotation | None = None
    for index, (span, narration) in enumerate(spans):
        prev_end = spans[index - 1][0].end if index else 0
        next_start = spans[index + 1][0].start if index + 1 < len(spans) else len(text)
        other = (
            next((q for q in reversed(out) if q.speaker_norm != last.speaker_norm), None)
            if last
            else None
        )
        found = _direct(
            text, span, narration, prev_end, next_start, lex, people, last, other, language
        )
        if found is not None:
            out.append(found[0])
            anchored.append(found[1])
            last = found[0]
    return _conversation(text, out, anchored, lex, people)


def _conversation(
    text: str, quotes: list[Quotation], anchored: list[bool], lex: Lexicon, people: PeopleIndex
) -> list[Quotation]:
    """The conversation sieves (dialogue.py) over the quotes a cue did not attribute."""
    if len(quotes) < 2 or all(anchored):
        return quotes
    items = []
    for index, (quote, anchor) in enumerate(zip(quotes, anchored, strict=True)):
        link = _link(text, quotes[index - 1], quote, people) if index else BREAK
        inner_start = (
            quote.start + 1 if text[quote.start : quote.start + 1] in QUOTES else quote.start
        )
        calls = addressees(quote.text, lex, people, inner_start)
        items.append(Item(quote.speaker_norm, anchor, link, calls))
    narrator = _narrator(quotes, items, lex)
    if narrator is not None:
        quotes = [
            replace(q, speaker_norm=narrator) if q.speaker in lex.pronouns_first and a else q
            for q, a in zip(quotes, anchored, strict=True)
        ]
        items = [
            replace(item, speaker=q.speaker_norm) if item.anchored else item
            for q, item in zip(quotes, items, strict=True)
        ]
    speakers = conversation(items)
    out = []
    for quote, item, speaker in zip(quotes, items, speakers, strict=True):
        if not item.anchored and speaker is None and quote.speaker_norm in item.addressees:
            # "“Peter, pass the lamp.”" is not Peter's: the last other person named in narration
            others = [
                p for p in people.narrated_before(quote.start) if p.name not in item.addressees
            ]
            speaker = others[-1].name if others else None
            quote = replace(quote, speaker=None, speaker_norm=speaker, cue=None)
        if not item.anchored and speaker is not None and speaker != quote.speaker_norm:
            quote = replace(quote, speaker=None, speaker_norm=speaker, cue=None)
        out.append(quote)
    return out


def _narrator(quotes: list[Quotation], items: list[Item], lex: Lexicon) -> str | None:
    """The name a first-person narrator goes by: the one the quotes right before and after an
    "I said" call most often ("“Watson, …”"), if more than one does, else None (the speaker stays
    "I")."""
    votes: Counter[str] = Counter()
    for index, quote in enumerate(quotes):
        if quote.speaker not in lex.pronouns_first or not items[index].anchored:
            continue
        for other in (index - 1, index + 1):
            if not 0 <= other < len(quotes):
                continue
            if quotes[other].speaker == quote.speaker and items[other].anchored:
                continue  # another "I said" (a continued one carries "I" as written, unanchored)
            if items[max(index, other)].link != BREAK:
                votes.update(set(items[other].addressees))
    best = votes.most_common(1)
    return best[0][0] if best and best[0][1] > 1 else None  # one call may be to someone else


def _link(text: str, prev: Quotation, quote: Quotation, people: PeopleIndex) -> str:
    """How a quote follows the one before it (dialogue.py: TURN, SAME, NAMED or BREAK)."""
    between = text[prev.end : quote.start]
    para_start = _paragraph_bounds(text, quote.start)[0]
    if prev.start >= para_start:
        if not between.strip():
            return TURN
        if len(between) < 400:
            named = _narration_person(text, prev.end, quote.start, people)
            return NAMED if named else SAME
    elif text[para_start : quote.start].strip() == "" and between.count("\n\n") == 1:
        return SAME
    return BREAK


def _all_spans(text: str) -> list[tuple[Span, Span | None]]:
    pairs: list[tuple[Span, Span | None]] = [(s, None) for s in quote_spans(text)]
    taken = [(s.start, s.end) for s, _ in pairs]
    offset = 0
    for paragraph in text.split("\n\n"):
        for speech, narration in dash_spans(paragraph, offset):
            if not any(a <= speech.start < b for a, b in taken):
                pairs.append((speech, narration))
        offset += len(paragraph) + 2
    return pairs


def _direct(
    text: str,
    span: Span,
    narration: Span | None,
    prev_end: int,
    next_start: int,
    lex: Lexicon,
    people: PeopleIndex,
    last: Quotation | None,
    other: Quotation | None,
    language: str,
) -> tuple[Quotation, bool] | None:
    """One direct quotation and whether a cue at it (not a later sieve) gave its speaker."""
    inner = text[span.inner_start : span.inner_end].strip()
    if not inner:
        return None
    para_start, para_end = _paragraph_bounds(text, span.start)
    lead_end, floor = _lead_in(text, span.start, para_start, prev_end, lex)
    colon = _colon_before(text, lead_end, floor)
    if _looks_like_title(inner, lex) and not colon or _is_term(text, span, para_start, inner, lex):
        return None
    if narration is not None:
        after = _after(text, narration.start, narration.end, lex, people, last, True)
    else:
        after = _after(text, span.end, min(next_start, para_end), lex, people, last)
    before = None if after else _before(text, lead_end, floor, lex, people, last)
    cued = after or before or colon or narration is not None
    if after is not None and after.speaker is None and lex.subject_speaker:
        after = None  # "„…“ schiesse, könne nur so bezeichnet werden": no one at that cue
    if not (cued or _speech_like(inner, lex) or _follows_quote(text, span, last, inner)):
        return None  # a short phrase in quote marks without a cue: a term, not a quotation
    named_after = (  # '“…,” said X, who was praised by …': the cue after the quote names X
        after is not None
        and after.speaker is not None
        and (after.cue or "").casefold() not in lex.cue_participles
    )
    passive = None if narration or named_after else _passive(text, span, para_start, para_end, lex)
    if passive is not None:  # "wird von Kritikern als „…“ bezeichnet": the agent, never the subject
        agent = _attribution(*passive, lex, people, last) if passive else None
        after, before = agent or Attribution(None, None, None), None
    subject = None
    if lex.subject_speaker and narration is None and after is None and passive is None:
        if lead_end != span.start:  # "Dieses Abkommen definierte die Grenze wie folgt:" / „…“
            subject = _subject(text, lead_end, floor, lex, people, last)
        else:
            subject = _subject(text, span.start, para_start, lex, people, last)
    if (
        subject
        and before
        and _inverted(text, span.start, before, people)
        and not _named_at_cue(subject, people)
    ):
        subject = None  # "Der Zeitung sagte Filep Karma: „…“": a dative opener, the name speaks
    if subject and before and before.speaker and (before.cue or "").casefold() in lex.object_cues:
        subject = None  # "Die Agentur zitiert Néstor Kirchner mit den Worten: „…“": he speaks
    attribution = after or subject or before
    if attribution is not None and _subjectless(attribution, lex):
        # "…“, und fügt hinzu: „…“" / "and added: “…”": the cue's subject spoke before
        inherited = _continuation(text, span, last, other, para_start, people)
        attribution = replace(inherited, cue=attribution.cue) if inherited else attribution
    anchored = attribution is not None or colon or narration is not None
    if lex.subject_speaker and attribution is None:
        attribution = (
            _pronoun_after(text, span, lex, people)
            or _reported_bridge(text, span, last, para_start, lex)
            or _reported_source(text, span, para_start, lex, people, last)
        )
        anchored = attribution is not None  # as sure as a cue: no later sieve overrides them
    if lex.subject_speaker and attribution is None:
        # "Einen Tag später spielte er den Ausbruch herunter. „…“": the sentence before names
        # the speaker, more surely than the quote before it
        attribution = _previous_subject(text, span, para_start, lex, people)
    attribution = attribution or _continuation(text, span, last, other, para_start, people)
    attribution = attribution or _last_person(text, span, para_start, people)
    attribution = attribution or Attribution(None, None, None)
    quote = Quotation(
        inner, span.start, span.end, "direct", attribution.speaker, attribution.speaker_norm,
        attribution.cue, language,
    )  # fmt: skip
    return quote, anchored


def _reported_bridge(
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
    sentences = [piece for piece in _SENTENCE_GAP.split(between)[1:] if piece.strip()]
    if not sentences:
        return None
    for sentence in sentences:
        if not {w.casefold() for w in _WORD.findall(sentence)} & lex.reported_verbs:
            return None
    return Attribution(last.speaker, last.speaker_norm, None)


def _reported_source(
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
    gaps = _SENTENCE_GAP.finditer(text, lo, span.start + 1)  # + 1: the quote mark
    starts = [lo] + [m.end() for m in gaps if m.end() <= span.start]
    sentences = list(zip(starts, [*starts[1:], span.start], strict=True))

    def subjunctive(a: int, b: int) -> bool:
        return bool({w.casefold() for w in _WORD.findall(text[a:b])} & lex.reported_verbs)

    if not sentences or not subjunctive(*sentences[-1]):
        return None
    for a, b in reversed(sentences[:-1]):
        if subjunctive(a, b) and not _patterns(lex).cue.search(text, a, b):
            continue
        if re.search(r"[“”„«»\"]", text[a:b]):
            return None  # a quotation's own sentence: left to the other rules
        cues = list(_patterns(lex).cue.finditer(text, a, b))
        if not cues:
            return None
        impersonal = cues[-1].group(0).casefold() in lex.impersonal_cues
        phrase = None if impersonal else clause_subject(text, a, b, lex)
        if phrase is not None and not _not_a_speaker(phrase.text, lex):
            return _attribution(phrase.text, phrase.start, phrase.verb, lex, people, last)
        window = text[a:b]
        cue = _patterns(lex).cue.search(window, cues[-1].start() - a)
        return _pick_speaker(window, a, cue, lex, people, last) if cue else None
    return None


def _subjectless(attribution: Attribution, lex: Lexicon) -> bool:
    """A cue found with no one at it, and not one that names no one by design ("heißt es")."""
    cue = (attribution.cue or "").casefold()
    return (
        bool(cue)
        and attribution.speaker is None
        and attribution.speaker_norm is None
        and cue not in lex.impersonal_cues
    )


def _named_at_cue(attribution: Attribution, people: PeopleIndex) -> bool:
    phrase = attribution.speaker or ""
    return people.is_person(phrase) and not people.is_organisation(phrase)


def _inverted(text: str, start: int, before: Attribution, people: PeopleIndex) -> bool:
    """A person's name right after the cue verb ("… sagte Filep Karma: „…“"): the verb's subject."""
    if not (before.cue and before.speaker and _named_at_cue(before, people)):
        return False
    window = text[max(0, start - BEFORE_WINDOW) : start]
    return re.search(rf"{re.escape(before.cue)}\s+{re.escape(before.speaker)}", window) is not None


def _subject(
    text: str, start: int, floor: int, lex: Lexicon, people: PeopleIndex, last: Quotation | None
) -> Attribution | None:
    """The subject of the sentence the quote sits in (clauses.py), when text precedes it there."""
    lo = max(floor, start - SUBJECT_WINDOW)
    before = text[lo:start].rstrip()
    if not before or before[-1] in TERMINAL:
        return None  # the quote opens its sentence
    sentence_start = lo + _last_sentence_start(text[lo:start])
    if sentence_start == lo and lo > floor or text[sentence_start:start].lstrip()[:1] in QUOTES:
        return None  # too far back to tell, or a quote opened the sentence ("„…“, sagte er, „…“")
    sentence_start = _after_colon(text, sentence_start, start, lex)
    owned = _possessor(text[sentence_start:start], sentence_start, lex, people, last)
    if owned is not None:
        return owned
    after_quote = _clause_after_quote(text, sentence_start, start, lex)
    if after_quote is not None:  # "X nannte ihn „…“, Y strich „…“ hervor": Y's own clause
        phrase = clause_subject(text, after_quote, start, lex)
        if phrase is not None and not _not_a_speaker(phrase.text, lex):
            return _attribution(phrase.text, phrase.start, phrase.verb, lex, people, last)
    # "Der 58-Jährige habe darin geschrieben, er müsse …": a cue after the subjunctive auxiliary
    words = {w.casefold() for w in _WORD.findall(text[sentence_start:start])}
    cued = bool(words & lex.cue_participles)
    phrase = clause_subject(text, sentence_start, start, lex, reported_ok=cued)
    if phrase is None or _not_a_speaker(phrase.text, lex):
        return None
    return _attribution(phrase.text, phrase.start, phrase.verb, lex, people, last)


def _passive(
    text: str, span: Span, para_start: int, para_end: int, lex: Lexicon
) -> tuple[str, int, str] | tuple[()] | None:
    """The quote's sentence in the passive with a speech participle ("Das Gesetz wird von
    Kritikern als „…“ bezeichnet", "wurde vom Rechnungshof als „…“ kritisiert"): (agent, where,
    participle), or () when no agent is named; None when the sentence is not such a passive."""
    if not lex.passive_auxiliaries:
        return None
    lo = max(para_start, span.start - SUBJECT_WINDOW)
    start = lo + _last_sentence_start(text[lo : span.start + 1])  # with its mark
    rest = text[span.end : min(para_end, span.end + AFTER_WINDOW)]
    end = span.end + (m.end() if (m := _SENTENCE_END.search(rest)) else len(rest))
    if _patterns(lex).cue.search(text, start, span.start):
        return None  # "Er sagte, wer … „…“ schiesse, könne nur so bezeichnet werden": his words
    outside = ((start, span.start), (span.end, end))  # the quote's own words do not count
    words = [w.casefold() for a, b in outside for w in _WORD.findall(text[a:b])]
    participle = next((w for w in reversed(words) if w in lex.cue_participles), None)
    if participle is None or not set(words) & lex.passive_auxiliaries:
        return None
    preps = _alternation(tuple(lex.agent_preps))
    for a, b in outside:
        for found in re.finditer(rf"(?<![\w-])(?i:{preps})\s+", text[a:b]):
            at = a + found.end()
            phrase = _noun_phrase_re(lex).match(text, at, b) or _agent_words(lex).match(text, at, b)
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


def _pronoun_after(text: str, span: Span, lex: Lexicon, people: PeopleIndex) -> Attribution | None:
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
    if not colons or _patterns(lex).cue.search(text, start, start + colons[-1].start()):
        return start
    return start + colons[-1].end()


def _possessor(
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


def _previous_subject(
    text: str, span: Span, para_start: int, lex: Lexicon, people: PeopleIndex
) -> Attribution | None:
    """An uncued quote opening a sentence: the subject of the sentence before it in the paragraph
    ("Die Partei will den Etat kürzen. „Wir müssen sparen.“")."""
    before = text[para_start : span.start].rstrip()
    if not before or before[-1] not in TERMINAL:
        return None
    sentence_start = para_start + _last_sentence_start(before[:-1])
    if text[sentence_start : span.start].lstrip()[:1] in QUOTES:
        return None
    phrase = clause_subject(text, sentence_start, para_start + len(before), lex)
    if phrase is None or _not_a_speaker(phrase.text, lex):
        return None
    return _attribution(phrase.text, phrase.start, None, lex, people, None)


def _looks_like_title(inner: str, lex: Lexicon) -> bool:
    """Every word capitalised but short linking words ("Championnat du Monde de Tir", "Kongress der
    EnBW"), no closing punctuation: a name of a work, event, product or term. Where capitalised
    common nouns are the rule (German, with a tagger), a phrase with linking words needs a name in
    it: „Geschäft des Jahrhunderts“ is a phrase someone said."""
    if inner.rstrip("\"'”“»«’ ")[-1:] in TERMINAL + ",":
        return False
    words = inner.split()
    capitals = [w for w in words if w[0].isupper() or not w[0].isalpha()]
    short = [w for w in words if w[0].islower() and len(w) <= 3]
    if len(capitals) + len(short) < len(words) or not words[0][0].isupper():
        return False
    if not short:
        return True
    if len(capitals) <= len(words) / 2:
        return False
    named = [w for w in capitals if w[0].isalpha()]
    return lex.tagger is None or any(best_tag(lex.tagger, w) != "NN" for w in named)


_POSSESSED = re.compile(r"\s+[a-z]")
# a source in brackets right after a quote: capitalised words only ("(Konrad-Adenauer-Stiftung)")
_CITED = re.compile(
    rf"[.!?…]?\s*\((?P<np>[{UPPER}][\w'’.&-]*(?:\s+[{UPPER}][\w'’.&-]*){{0,4}})\)\s*(?:[.;]|$)"
)
_POSSESSOR_COLON = re.compile(r"(?<![\w-])(\w+)\s+\w+\s*:\s*$")  # "His answer:", "Ihre Antwort:"
_WORD = re.compile(r"[^\W\d_][\w-]*")
_ADDRESS = re.compile(r"^(?:https?://|www\.)|^[\w-]+(?:\.[\w-]+)+(?:/\S*)?$", re.IGNORECASE)


def _is_term(text: str, span: Span, para_start: int, inner: str, lex: Lexicon) -> bool:
    """A web address in quote marks, or a quote named by the noun right before it (the lexicon's
    `term_heads`: "unter dem Motto „…“", "die ARD-Sendung „plusminus“"): a name, not speech."""
    if _ADDRESS.match(inner):
        return True
    if not lex.term_heads:
        return False
    before = text[max(para_start, span.start - 60) : span.start]
    before = re.split(r"[.!?;,–—]", before)[-1] if not before.rstrip().endswith(",") else ""
    words = list(_WORD.finditer(before))[-3:]
    head = next((w for w in words if w.group(0).casefold().endswith(lex.term_heads)), None)
    # "in einem Spendenaufruf zu seiner Kampagne schrieb er: „…“": a cue after the noun, speech
    return head is not None and not _patterns(lex).cue.search(before, head.end())


def _speech_like(inner: str, lex: Lexicon) -> bool:
    """Quoted words that read as speech even without a cue (measured on German Wikinews dev):
    long, or a punctuated sentence, or a phrase starting lower-case (a partial quote)."""
    words = inner.split()
    terminal = inner.rstrip("\"'”“»«’ ")[-1:] in TERMINAL + ","
    partial = inner[0].islower() and len(words) >= lex.partial_quote_words
    return len(words) >= 7 or (terminal and len(words) >= 3) or partial


def _last_person(text: str, span: Span, para_start: int, people: PeopleIndex) -> Attribution | None:
    """An uncued quote right after a sentence about someone ("Coach Peter Hall was blunt. “…”")."""
    earlier = [p for p in people.narrated_before(span.start) if p.start >= para_start]
    person = people.likeliest(earlier)
    return Attribution(None, person.name, None) if person else None


def _lead_in(
    text: str, start: int, para_start: int, prev_end: int, lex: Lexicon
) -> tuple[int, int]:
    """Where the words introducing a quote end, and how far back they may go: its own paragraph
    before it, or, for a quote opening its paragraph after one that ends in a colon and holds a
    cue ("Der Botschafter sagte auf Twitter:" / „…“), that paragraph."""
    own = (start, max(prev_end, para_start))
    if para_start < 2 or text[para_start:start].strip():
        return own
    before = text[:para_start].rstrip()
    if not before.endswith(":") or prev_end >= len(before):
        return own
    floor = max(prev_end, _paragraph_bounds(text, len(before) - 1)[0])
    announced = before[:-1].rstrip().casefold().endswith(lex.lead_ins) if lex.lead_ins else False
    if not (announced or _patterns(lex).cue.search(text, floor, len(before))):
        return own  # "More:", "Rioba kennt solche Konflikte:": no one said so there
    return len(before), floor


def _colon_before(text: str, start: int, floor: int) -> bool:
    before = text[floor:start].rstrip()
    return before.endswith(":")


def _follows_quote(text: str, span: Span, last: Quotation | None, inner: str) -> bool:
    """A short sentence in quote marks right after an attributed quote continues it
    ("…,” David Chen said. “Everything.”)."""
    if last is None or last.speaker_norm is None or inner.rstrip("\"'”“»«’ ")[-1:] not in TERMINAL:
        return False
    between = text[last.end : span.start]
    return len(between) < 120 and "\n\n" not in between and between.rstrip()[-1:] in TERMINAL


def _continuation(
    text: str,
    span: Span,
    last: Quotation | None,
    other: Quotation | None,
    para_start: int,
    people: PeopleIndex,
) -> Attribution | None:
    """A quote following an attributed one in the same paragraph, or opening the next paragraph,
    continues the same speaker ("…," he said. "More."). One that follows the previous quote with
    nothing between them is the next turn of a dialogue: the other party speaks (the speaker before
    the last one, else the last person named who is not the last speaker)."""
    if last is None or last.speaker_norm is None and last.speaker is None:
        return None
    between = text[last.end : span.start]
    same_paragraph = last.start >= para_start
    if same_paragraph and not between.strip():
        if other is not None and other.speaker_norm is not None:
            return Attribution(None, other.speaker_norm, None)
        earlier = [p for p in people.narrated_before(span.start) if p.name != last.speaker_norm]
        return Attribution(None, earlier[-1].name, None) if earlier else None
    opens_next = text[para_start : span.start].strip() == "" and between.count("\n\n") == 1
    if same_paragraph and len(between) < 400:
        named = _narration_person(text, last.end, span.start, people)
        if named is not None and named != last.speaker_norm:
            return Attribution(None, named, None)
    if (same_paragraph and len(between) < 400) or opens_next:
        return Attribution(last.speaker if last.speaker_norm else None, last.speaker_norm, None)
    return None


def _narration_person(text: str, start: int, end: int, people: PeopleIndex) -> str | None:
    """The first person named in the last narration sentence before a quote ("…," he said. Mary
    turned round. "…"): that person speaks next, not the previous speaker."""
    narration = text[start:end].rstrip()
    if narration[-1:] not in TERMINAL:
        return None  # no closed sentence between the quotes
    sentence_start = start + _last_sentence_start(narration[:-1])
    named = [p for p in people.before(end) if p.start >= sentence_start]
    return named[0].name if named else None


def _after(
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
    if cited is not None and not _not_a_speaker(cited.group("np"), lex):
        # "„…“ (Konrad-Adenauer-Stiftung)." / "“…” (Reuters).": the source in brackets
        return _attribution(cited.group("np"), start + cited.start("np"), None, lex, people, last)
    window = _cut_sentence(window)
    pats = _patterns(lex)
    cue = pats.cue.search(window)
    if cue is None and narration:
        cue = re.match(r"\s*[\w-]+", window)  # "— …, — вспоминает она": the verb opens it
    lead = window[: cue.start()] if cue else ""
    if cue is None or cue.start() > CUE_REACH or (not narration and not _lead_ok(lead, lex)):
        return None
    rest = window[cue.end() :].split()
    if rest and rest[0].casefold() in lex.complementisers:
        return None  # "The clergyman explained that …": reported speech of its own
    ended = text[:start].rstrip("\"'”“»«’ ").endswith(".")
    long_tail = len(lead.split()) > 3 or len(window) > 80 or cue.group(0).lower() in lex.according
    if ended and not narration and window.lstrip()[:1].isupper() and long_tail:
        return None  # the quote closed its sentence: only a short "Smith said." may follow
    return _pick_speaker(window, start, cue, lex, people, last)


def _lead_ok(lead: str, lex: Lexicon) -> bool:
    """Between a quote and its cue: punctuation, a dash, and at most a speaker phrase."""
    stripped = lead.strip(" ,.;:!?…—–-\n")
    if not stripped:
        return True
    if not re.match(r"^[\s,.;!?…—–-]*", lead) or lead.lstrip()[:1] in "(":
        return False
    return len(stripped.split()) <= 8 and "." not in _ABBREVIATED.sub("", stripped)[:-1]


def _cut_sentence(window: str) -> str:
    """The window up to the end of its first sentence (after the leading punctuation)."""
    match = _SENTENCE_END.search(window[2:])
    return window[: match.end() + 2] if match else window


def _before(
    text: str, start: int, floor: int, lex: Lexicon, people: PeopleIndex, last: Quotation | None
) -> Attribution | None:
    """'X said: "…"' / 'Steinbrück: „…“': the cue (or a colon) in the same sentence before."""
    lo = max(floor, start - BEFORE_WINDOW)
    window = text[lo:start]
    if window.rstrip()[-1:] in TERMINAL and window.strip():
        return None  # the sentence before closed: its cue was another quote's ("…," he asked.)
    sentence_start = _last_sentence_start(window)
    window, lo = window[sentence_start:], lo + sentence_start
    pats = _patterns(lex)
    cues = list(pats.cue.finditer(window))
    if cues:
        return _pick_speaker(window, lo, cues[-1], lex, people, last)
    owned = _possessor(window, lo, lex, people, last)
    if owned is not None:
        return owned
    colon = pats.colon_speaker.search(window)
    if (
        colon
        and not _not_a_speaker(colon.group("speaker"), lex)
        and not _after_preposition(window, colon.start("speaker"), lex)
    ):
        return _attribution(colon.group("speaker"), lo + colon.start(), None, lex, people, last)
    return None


def _last_sentence_start(window: str) -> int:
    ends = list(_SENTENCE_GAP.finditer(window))
    return ends[-1].end() if ends else 0


def _pick_speaker(
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
        found = _noun_phrase_re(lex).match(window, cue.end())
        skip = re.match(lex.np_cue_skip, window[cue.end() :]) if lex.np_cue_skip else None
        if found is None and skip is not None:  # "…“, so charakterisierte ihn der Funktionär X"
            found = _noun_phrase_re(lex).match(window, cue.end() + skip.end())
        if found is None:
            return None  # "laut geworden": an adjective, no cue
        if not _not_a_speaker(found.group("np"), lex):
            phrase = found.group("np")
            return _attribution(phrase, offset + found.start("np"), cue.group(0), lex, people, last)
    best: tuple[float, re.Match[str]] | None = None
    for match in _patterns(lex).speaker.finditer(window):
        phrase = match.group("speaker")
        if _not_a_speaker(phrase, lex):
            continue
        distance = min(abs(match.start() - cue.end()), abs(cue.start() - match.end()))
        if match.start() < cue.end() and match.end() > cue.start():
            continue  # the cue itself
        if phrase.casefold() in lex.possessives and _POSSESSED.match(window, match.end()):
            continue  # "said her mother": a description, picked below
        if _after_preposition(window, match.start(), lex):
            continue  # "wandte sich an die Gäste: „…“": an object, not the speaker
        if cue.group(0).casefold() in lex.addressee_cues and _addressed(window, cue, match):
            continue  # "X told VOA correspondent Carla Babb": she was told
        score = distance + _speaker_penalty(phrase, lex, people)
        if best is None or score < best[0]:
            best = (score, match)
    named = best is not None and people.is_person(best[1].group("speaker")) and best[0] < -20
    if best is None or (best[0] > 2 and not named):
        described = _adjacent_descriptor(window, cue, lex)
        if described is not None and not _after_preposition(window, described[1], lex):
            phrase, start = described
            return _attribution(phrase, offset + start, cue.group(0), lex, people, last)
    if best is None:
        return Attribution(None, None, cue.group(0))
    match = best[1]
    return _attribution(
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
    return _attribution(
        found.group("np"), offset + found.start("np"), cue.group(0), lex, people, last
    )


def _noun_phrase(lex: Lexicon) -> str:
    """A noun phrase: determiner, a lower-case adjective, a capitalised noun (or a name of several
    words), then `np_links` and more of them ("der Vorsitzende des Verbands")."""
    dets, links = _alternation(lex.determiners), _alternation(tuple(lex.np_links))
    rest = r"[\w'’-]*"
    capitalised = rf"[{UPPER}]{rest}(?:\s+[{UPPER}]{rest})*"
    noun = rf"(?:[^\W\d_{UPPER}]{rest}\s+)?{capitalised}"  # an adjective may come first
    return rf"(?:(?:{dets})\s+)?{noun}(?:\s+(?:{links})\s+(?:(?:{dets})\s+)?{noun})*"


@cache
def _noun_phrase_re(lex: Lexicon) -> re.Pattern[str]:
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


def _after_preposition(window: str, start: int, lex: Lexicon) -> bool:
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


def _not_a_speaker(phrase: str, lex: Lexicon) -> bool:
    """No one at all (`_no_one`), or one word naming an organisation or place ("Reuters" in "told
    Reuters" is who was told; a direct quote's speaker is a person or a described one)."""
    words = phrase.split()
    return _no_one(phrase, lex) or len(words) == 1 and words[0].rstrip(".,") in lex.non_person_words


def _no_one(phrase: str, lex: Lexicon) -> bool:
    """A heading, sentence openers only, or one adverbial opener ("Gleichzeitig")."""
    words = phrase.split()
    if len(words) > 2 and phrase.isupper():
        return True  # "ABOUT THE VIRUS OUTBREAK: …": a heading
    return all(w in lex.not_names and not is_pronoun(w, lex) for w in words) or (
        len(words) == 1 and is_opener(words[0], lex)
    )


def _attribution(
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


# --- reported speech ------------------------------------------------------------------------


def _sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence: split after terminal punctuation before an upper-case start."""
    out = []
    offset = 0
    for paragraph in text.split("\n\n"):
        cut = offset
        for match in re.finditer(
            rf"(?<![{UPPER}])[.!?…][\"”»“’]?\s+(?=[\"“«„—–-]?[{UPPER}0-9])", paragraph
        ):
            out.append((cut, offset + match.end()))
            cut = offset + match.end()
        out.append((cut, offset + len(paragraph)))
        offset += len(paragraph) + 2
    return [(a, b) for a, b in out if text[a:b].strip()]


def _reported_quotations(
    text: str,
    lex: Lexicon,
    people: PeopleIndex,
    direct: list[Quotation],
    language: str,
    cues: list[tuple[int, int]],
) -> list[Quotation]:
    out: list[Quotation] = []
    last: Quotation | None = None
    cue_starts = [start for start, _ in cues]
    for s_start, s_end in _sentences(text):
        first = bisect_left(cue_starts, s_start)
        if first == len(cue_starts) or cues[first][1] > s_end:
            continue  # every reported pattern needs a cue: skip the costly patterns
        sentence = text[s_start:s_end].rstrip()
        for pattern in _patterns(lex).reported:
            match = pattern.search(sentence)
            if match is None:
                continue
            q_start, q_end = s_start + match.start("quote"), s_start + match.end("quote")
            if _mostly_direct(q_start, q_end, direct) or q_end - q_start < 8:
                continue
            quote = _reported(text, match, s_start, q_start, q_end, lex, people, last, language)
            if quote.speaker is not None and _no_one(quote.speaker, lex):
                # "Gleichzeitig bestätigt …": an adverb, not who reports ("Reuters" may)
                quote = replace(quote, speaker=None, speaker_norm=None)
            out.append(quote)
            last = quote
            break
    return out


def _mostly_direct(start: int, end: int, direct: list[Quotation]) -> bool:
    covered = sum(max(0, min(end, q.end) - max(start, q.start)) for q in direct)
    return covered >= 0.5 * (end - start)


def _reported(
    text: str,
    match: re.Match[str],
    offset: int,
    q_start: int,
    q_end: int,
    lex: Lexicon,
    people: PeopleIndex,
    last: Quotation | None,
    language: str,
) -> Quotation:
    genitive = "speaker_gen" in match.groupdict() and match.group("speaker_gen") is not None
    group = "speaker_gen" if genitive else "speaker"
    if match.group(group) is None and match.groupdict().get("source"):
        group = "source"  # "according to a new report by E! News": a phrase, not a name
    phrase = match.group(group)
    cue = match.groupdict().get("cue")
    attribution = _attribution(phrase, offset + match.start(group), cue, lex, people, last)
    if cue and not genitive and match.start("cue") > match.start(group):
        # "Ministry spokesman Ayxan Hacızadə said that": the regex takes the leftmost phrase;
        # scoring picks the likeliest speaker between it and the cue
        window = match.string[match.start(group) : match.end("cue")]
        cue_match = re.search(re.escape(cue) + "$", window)
        assert cue_match is not None
        picked = _pick_speaker(window, offset + match.start(group), cue_match, lex, people, last)
        if picked is not None and picked.speaker is not None:
            attribution = picked
    if genitive:
        norm = normalise(attribution.speaker or phrase, lex, genitive=True)
        attribution = replace(attribution, speaker_norm=people.resolve(norm, q_start) or norm)
    return Quotation(
        text[q_start:q_end], q_start, q_end, "reported", attribution.speaker,
        attribution.speaker_norm, attribution.cue, language,
    )  # fmt: skip
