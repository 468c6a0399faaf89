"""Quotation extraction: direct quotes (quote marks, dash speech) and reported speech, each with its
speaker, cue verb and offsets into the text. Rule-based over the language lexicons in `lang/`.

Direct quotes are attributed in sieves (after Muzny et al. 2017): first the cue at the quote
(after it, before it, a colon, the sentence subject), then, in one sequential pass, continuation,
narration naming someone and the last person named; then the conversation sieves of `dialogue.py`
(turns, vocatives, alternation) over the quotes no cue attributed.

This module runs that pass; the rules live beside it: `cues.py` (the cue at a quote), `speakers.py`
(the speaker phrase at a cue), `sieves.py` (the sentence-level sieves), `terms.py` (quoted words
that are no speech), `reported.py` (reported speech), over `sentences.py` and `patterns.py`.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

from memoryhole.quotes.cues import BEFORE_WINDOW, cue_after, cue_before
from memoryhole.quotes.dialogue import BREAK, NAMED, SAME, TURN, Item, addressees, conversation
from memoryhole.quotes.lexicon import Lexicon, available_languages, load_lexicon
from memoryhole.quotes.marks import QUOTES, Span, dash_spans, quote_spans
from memoryhole.quotes.names import PeopleIndex
from memoryhole.quotes.patterns import Patterns, patterns
from memoryhole.quotes.quotation import Attribution, Quotation
from memoryhole.quotes.reported import reported_quotations
from memoryhole.quotes.sentences import TERMINAL
from memoryhole.quotes.sentences import last_sentence_start as _last_sentence_start
from memoryhole.quotes.sieves import (
    passive_agent,
    previous_subject,
    pronoun_after,
    reported_bridge,
    reported_source,
    sentence_subject,
)
from memoryhole.quotes.speakers import attribute
from memoryhole.quotes.terms import is_term, looks_like_title, speech_like

__all__ = ["Quotation", "extract_quotations"]  # Quotation is defined in quotation.py


def extract_quotations(text: str, language: str | None) -> list[Quotation]:
    """All quotations in a version's plain text (paragraphs separated by "\\n\\n"), in text order.

    Languages without a lexicon fall back to English cue words (quote marks still work).
    """
    lang = language if language in available_languages() else "en"
    lex = load_lexicon(lang)
    pats = patterns(lex)
    cues = [
        m.span() for m in pats.cue.finditer(text)
    ]  # one pass; sentences without one are skipped
    people = PeopleIndex(text, lex)
    people.add_speakers(text, _named_speakers(text, cues, pats))
    spans = sorted(_all_spans(text), key=lambda pair: pair[0].start)
    people.mark_quoted([(s.start, s.end) for s, _ in spans])
    direct = _direct_quotations(text, spans, lex, people, language or lang)
    # "Schiff’s assertion that …", "admitting that …": cues of reported speech only
    only = [m.span() for m in pats.reported_cue.finditer(text)] if pats.reported_cue else []
    reported = reported_quotations(
        text, lex, people, direct, language or lang, sorted(cues + only), only
    )
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
    if looks_like_title(inner, lex) and not colon or is_term(text, span, para_start, inner, lex):
        return None
    if narration is not None:
        after = cue_after(text, narration.start, narration.end, lex, people, last, True)
    else:
        after = cue_after(text, span.end, min(next_start, para_end), lex, people, last)
    before = None if after else cue_before(text, lead_end, floor, lex, people, last)
    cued = after or before or colon or narration is not None
    if after is not None and after.speaker is None and lex.subject_speaker:
        after = None  # "„…“ schiesse, könne nur so bezeichnet werden": no one at that cue
    if not (cued or speech_like(inner, lex) or _follows_quote(text, span, last, inner)):
        return None  # a short phrase in quote marks without a cue: a term, not a quotation
    named_after = (  # '“…,” said X, who was praised by …': the cue after the quote names X
        after is not None
        and after.speaker is not None
        and (after.cue or "").casefold() not in lex.cue_participles
    )
    passive = (
        None if narration or named_after else passive_agent(text, span, para_start, para_end, lex)
    )
    if passive is not None:  # "wird von Kritikern als „…“ bezeichnet": the agent, never the subject
        agent = attribute(*passive, lex, people, last) if passive else None
        after, before = agent or Attribution(None, None, None), None
    subject = None
    if lex.subject_speaker and narration is None and after is None and passive is None:
        if lead_end != span.start:  # "Dieses Abkommen definierte die Grenze wie folgt:" / „…“
            subject = sentence_subject(text, lead_end, floor, lex, people, last)
        else:
            subject = sentence_subject(text, span.start, para_start, lex, people, last)
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
            pronoun_after(text, span, lex, people)
            or reported_bridge(text, span, last, para_start, lex)
            or reported_source(text, span, para_start, lex, people, last)
        )
        anchored = attribution is not None  # as sure as a cue: no later sieve overrides them
    if lex.subject_speaker and attribution is None:
        # "Einen Tag später spielte er den Ausbruch herunter. „…“": the sentence before names
        # the speaker, more surely than the quote before it
        attribution = previous_subject(text, span, para_start, lex, people)
    attribution = attribution or _continuation(text, span, last, other, para_start, people)
    attribution = attribution or _last_person(text, span, para_start, people)
    attribution = attribution or Attribution(None, None, None)
    quote = Quotation(
        inner, span.start, span.end, "direct", attribution.speaker, attribution.speaker_norm,
        attribution.cue, language,
    )  # fmt: skip
    return quote, anchored


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
    if not (announced or patterns(lex).cue.search(text, floor, len(before))):
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
        named = _narration_person(text, last.end, span.start, people, last.speaker_norm)
        if named is not None and named != last.speaker_norm:
            return Attribution(None, named, None)
    if (same_paragraph and len(between) < 400) or opens_next:
        return Attribution(last.speaker if last.speaker_norm else None, last.speaker_norm, None)
    return None


def _narration_person(
    text: str, start: int, end: int, people: PeopleIndex, speaker: str | None = None
) -> str | None:
    """The first person named in the last narration sentence before a quote ("…," he said. Mary
    turned round. "…"): that person speaks next, not the previous speaker, unless that sentence is
    the quote before's own and names its `speaker` ('“…,” Oklahoma City coach Billy Donovan said.
    “…”')."""
    narration = text[start:end].rstrip()
    if narration[-1:] not in TERMINAL:
        return None  # no closed sentence between the quotes
    sentence_start = start + _last_sentence_start(narration[:-1])
    named = [p for p in people.before(end) if p.start >= sentence_start]
    attribution = not text[start:sentence_start].strip(" ,\n")  # the quote's own sentence
    if speaker is not None and attribution and any(p.name == speaker for p in named):
        return speaker
    return named[0].name if named else None
