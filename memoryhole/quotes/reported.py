"""Reported speech ("said that …", "according to X, …", "по словам X, …"): the lexicon's reported
patterns matched sentence by sentence, and the speaker picked among the phrases before the cue as
at a direct quote's."""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import replace

from memoryhole.quotes.lexicon import Lexicon
from memoryhole.quotes.names import PeopleIndex, normalise
from memoryhole.quotes.patterns import patterns
from memoryhole.quotes.quotation import Quotation
from memoryhole.quotes.sentences import sentence_spans
from memoryhole.quotes.speakers import attribute, no_one, pick_speaker


def reported_quotations(
    text: str,
    lex: Lexicon,
    people: PeopleIndex,
    direct: list[Quotation],
    language: str,
    cues: list[tuple[int, int]],
    reported_only: list[tuple[int, int]],
) -> list[Quotation]:
    """Reported speech sentence by sentence; `cues` are every cue's span in `text` (sentences
    without one are skipped), `reported_only` those of the lexicon's `reported_cues`."""
    out: list[Quotation] = []
    last: Quotation | None = None
    cue_starts = [start for start, _ in cues]
    pats = patterns(lex)
    for s_start, s_end in sentence_spans(text):
        first = bisect_left(cue_starts, s_start)
        if first == len(cue_starts) or cues[first][1] > s_end:
            continue  # every reported pattern needs a cue: skip the costly patterns
        sentence = text[s_start:s_end].rstrip()
        at = bisect_left(reported_only, (s_start, s_start))
        reported_cue = at < len(reported_only) and reported_only[at][0] < s_end
        tests = zip(pats.reported, pats.needs_reported_cue, pats.requires, strict=True)
        for pattern, needs, required in tests:
            if needs and not reported_cue:
                continue  # "admitting that", "his claim that": not in this sentence
            if required is not None and not required.search(sentence):
                continue
            match = pattern.search(sentence)
            if match is None:
                continue
            q_start, q_end = s_start + match.start("quote"), s_start + match.end("quote")
            if _mostly_direct(q_start, q_end, direct) or q_end - q_start < 8:
                continue
            if any(d.start < q_start < d.end for d in direct):
                continue  # a sentence split inside a quotation: its tail is no reported clause
            quote = _reported(text, match, s_start, q_start, q_end, lex, people, last, language)
            if quote.speaker is not None and no_one(quote.speaker, lex):
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
    attribution = attribute(phrase, offset + match.start(group), cue, lex, people, last)
    if cue and not genitive and match.start("cue") > match.start(group):
        # "Ministry spokesman Ayxan Hacızadə said that": the regex takes the leftmost phrase;
        # scoring picks the likeliest speaker between it and the cue
        window = match.string[match.start(group) : match.end("cue")]
        cue_match = re.search(re.escape(cue) + "$", window)
        assert cue_match is not None
        picked = pick_speaker(window, offset + match.start(group), cue_match, lex, people, last)
        if picked is not None and picked.speaker is not None:
            attribution = picked
    if genitive:
        norm = normalise(attribution.speaker or phrase, lex, genitive=True)
        attribution = replace(attribution, speaker_norm=people.resolve(norm, q_start) or norm)
    return Quotation(
        text[q_start:q_end], q_start, q_end, "reported", attribution.speaker,
        attribution.speaker_norm, attribution.cue, language,
    )  # fmt: skip
