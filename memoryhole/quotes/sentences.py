"""Sentence boundaries in plain text: where a sentence ends (not after "Mr.", an ordinal or an
initial), the sentence holding a position or a quote, and the split into sentences that reported
speech is matched in."""

from __future__ import annotations

import re

from memoryhole.quotes.names import UPPER

TERMINAL = ".!?…"
WORD = re.compile(r"[^\W\d_][\w-]*")  # a word as the sentence rules count them: a letter first
# a period after these is an abbreviation, not a sentence end ("said Mr. Bennet")
_ABBREVIATIONS = ("Mr", "Mrs", "Ms", "Dr", "St", "Prof", "Gen", "Col", "Capt", "Lt", "Sen", "Rep",
                  "Gov", "Sgt", "Rev", "Hon", "Jr", "Sr")  # fmt: skip
# ... nor after a one- or two-digit number: a German ordinal ("am 3. Juni", "im 20. Jahrhundert"),
# nor after a single capital: an initial ("George W. Bush", "William R. Dougan")
_NOT_AFTER = (
    "".join(rf"(?<!\b{a})" for a in _ABBREVIATIONS) + r"(?<!\b\d)(?<!\b\d\d)" + rf"(?<!\b[{UPPER}])"
)
ABBREVIATED = re.compile(rf"\b(?:{'|'.join(_ABBREVIATIONS)})\.")
_SENTENCE_END = re.compile(rf"(?:{_NOT_AFTER}\.|[!?…])(?=\s+[{UPPER}“„«\"—–])")
# ... or no space at all after a word's period when a capitalised word follows ("übernommen.Ralph
# Senkel": paragraphs glued by the page's markup)
SENTENCE_GAP = re.compile(
    rf"(?:{_NOT_AFTER}\.|[!?…])[\"”»“]?(?:\s+|(?<=[a-zäöüß]\.)(?=[{UPPER}][a-zäöüß]))"
    rf"(?=[{UPPER}“„«\"—–])"
)


def start_of_sentence(text: str, pos: int, floor: int, reach: int) -> int:
    """Where the sentence running up to `pos` starts: after the last sentence end in the `reach`
    characters before `pos`, never before `floor` (a paragraph's start); at that bound when there
    is none. Only the window is read: a period at its very start is judged without what precedes."""
    lo = max(floor, pos - reach)
    return lo + last_sentence_start(text[lo:pos])


def end_of_sentence(text: str, pos: int, ceiling: int, reach: int) -> int:
    """Where the sentence running on from `pos` ends: after its first sentence end in the `reach`
    characters after `pos`, never after `ceiling` (a paragraph's end); at that bound when there is
    none."""
    rest = text[pos : min(ceiling, pos + reach)]
    return pos + (m.end() if (m := _SENTENCE_END.search(rest)) else len(rest))


def cut_sentence(window: str) -> str:
    """The window up to the end of its first sentence (after the leading punctuation)."""
    match = _SENTENCE_END.search(window[2:])
    return window[: match.end() + 2] if match else window


def last_sentence_start(window: str) -> int:
    ends = list(SENTENCE_GAP.finditer(window))
    return ends[-1].end() if ends else 0


def sentence_spans(text: str) -> list[tuple[int, int]]:
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
