"""Finds quotation-mark spans (“” „“ «» »« "" ‚‘ ‘’ '' ‹›, nested) and dash-introduced speech in plain text.

Hand-written because the marks are ambiguous (“ opens in English and closes in German, ’ and ' are
also apostrophes) and a small stack machine resolves that better than any regex. A ’ or ' between
two letters or digits ("don’t", "O'Brien") is an apostrophe and never opens or closes a quote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# opener -> closers that end it
PAIRS: dict[str, str] = {
    "“": '”“"',  # English “…”; some typesetters use “…“; mixed marks: “…"
    "„": "“”",  # German/Russian „…“ (also „…”)
    "«": "»",
    "»": "«",  # German »…«
    '"': '"”',  # mixed marks: "…” (an editor's curly closer after a typed opener)
    "‚": "‘’",
    "‘": "’",
    "'": "'",  # typewriter single quotes ('Edith!' she cried.)
    "‹": "›",
    "›": "‹",
}
QUOTE_CHARS = frozenset("“”„«»\"‚‘’'‹›")
QUOTES = "".join(QUOTE_CHARS)  # the same, for `in` tests of one character
SINGLES = "'‘‚"  # single opening marks, which may also be apostrophes
DASHES = "—–"
_EVENTS = re.compile("[" + re.escape("".join(sorted(QUOTE_CHARS))) + "]|\n\n")


@dataclass(frozen=True)
class Span:
    start: int  # offset of the opening mark (or of the speech after a dash)
    end: int  # offset just after the closing mark (or the end of the speech)
    inner_start: int
    inner_end: int
    closed: bool = True  # False for an unclosed quote that runs to the end of its paragraph


def _is_word(ch: str) -> bool:
    return ch.isalnum()


def _can_open(text: str, i: int) -> bool:
    """An opening mark follows a space/start/bracket and precedes a non-space."""
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    if after.isspace() and text[i] in "‘‚'":
        return False
    # ‘ and ’ between letters are apostrophes; a straight quote after a letter is a closer
    return not (_is_word(before) and text[i] in "‘\"'")


def _looks_opening(text: str, i: int) -> bool:
    """For a mark that could close or open: space before and a word after means it opens (nesting)."""
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    return (before.isspace() or before in "([") and _is_word(after)


_ELISION = re.compile(r"['’]\d\d(?:s\b|\b)")  # '90s, ’68
_GENITIVE = re.compile(r"['’]s\b")
_PLURAL_POSSESSIVE = re.compile(r"(?<=\ws)['’] [a-z]")  # the boys' club


def _is_apostrophe(text: str, i: int) -> bool:
    """’ or ' between two letters or digits ("don’t", "O'Brien", "1990's"), in a genitive after
    any mark ("the U.K.'s") or before a decade ("the '90s")."""
    if text[i] not in "’'" or i == 0 or i == len(text) - 1:
        return False
    if not text[i - 1].isspace() and _GENITIVE.match(text, i):
        return True  # "the U.K.'s"
    return _is_word(text[i - 1]) and _is_word(text[i + 1]) or bool(_ELISION.match(text, i))


def _possessive(text: str, i: int) -> bool:
    """A closer after a plural before a lower-case word is a possessive ("'Is it the Smiths'
    house?'") when the next such mark in its paragraph closes too; before one that opens, it closes
    ("has 'raised the stakes' because 'now …'")."""
    if not _PLURAL_POSSESSIVE.match(text, i):
        return False
    end = text.find("\n\n", i)
    nxt = text.find(text[i], i + 1, len(text) if end < 0 else end)
    return nxt > 0 and not text[nxt - 1].isspace()


def quote_spans(text: str) -> list[Span]:
    """Top-level quotation spans in order. Nested quotes stay inside their outer span.

    Paragraphs ("\\n\\n") close everything still open; an unclosed quote that began its paragraph
    runs to the paragraph's end (the convention for quotes continued in the next paragraph).
    """
    spans: list[Span] = []
    stack: list[tuple[str, int]] = []
    inside_single: list[Span] = []  # closed inside single quotes only, which may be apostrophes
    for match in _EVENTS.finditer(text):  # only marks and paragraph breaks matter
        i, ch = match.start(), match.group(0)
        if ch == "\n\n":
            _close_paragraph(text, stack, spans, i, inside_single)
            stack.clear()
            continue
        if _is_apostrophe(text, i):
            continue
        _drop_stray_singles(stack, ch)
        closes = (
            bool(stack)
            and ch in PAIRS[stack[-1][0]]
            and not _spaced_straight(text, i)
            and not _possessive(text, i)
        )
        # a quote never opens inside one of its own marks (those alternate: “… ‘…’ …”); in one,
        # a ' that cannot close is an elision ('Lor, all on 'em dead … do.')
        opens = ch in PAIRS and _can_open(text, i) and not (stack and stack[-1][0] == ch == "'")
        if closes and not (opens and _looks_opening(text, i)):
            opener, start = stack.pop()
            if not stack:
                spans.append(Span(start, i + 1, start + 1, i, True))
                inside_single.clear()
            elif all(mark in SINGLES for mark, _ in stack):
                while inside_single and inside_single[-1].start > start:
                    inside_single.pop()  # nested in this one
                inside_single.append(Span(start, i + 1, start + 1, i, True))
        elif opens:
            stack.append((ch, i))
    _close_paragraph(text, stack, spans, len(text), inside_single)
    return spans


def _spaced_straight(text: str, i: int) -> bool:
    """A ' after a space closes nothing: it opens, or elides ("all on 'em")."""
    return text[i] == "'" and (i == 0 or text[i - 1].isspace())


def _drop_stray_singles(stack: list[tuple[str, int]], ch: str) -> None:
    """A closer of an outer quote ends single quotes left open inside it: those were elisions
    (“I han't half a mind to 'em”), not quotes."""
    for depth in range(len(stack) - 1, 0, -1):
        if stack[depth][0] not in SINGLES:
            return
        if ch in PAIRS[stack[depth - 1][0]] and ch not in PAIRS[stack[depth][0]]:
            del stack[depth:]
            return


def _close_paragraph(
    text: str, stack: list[tuple[str, int]], spans: list[Span], end: int, inside: list[Span]
) -> None:
    """Ends a paragraph's open quotes. Quotes closed inside single quotes that never closed count
    on their own (the single marks were apostrophes: "the U.K.'s “…”")."""
    if stack and stack[0][0] in SINGLES:
        spans.extend(inside)  # and a single mark never runs to the end of its paragraph
    inside.clear()
    if not stack or stack[0][0] in SINGLES:
        return
    opener, start = stack[0]
    para_start = text.rfind("\n\n", 0, start)
    para_start = 0 if para_start < 0 else para_start + 2
    # news style continues a quote into the next paragraph, which opens with the same mark
    continued = text[end : end + 3].lstrip("\n").startswith(opener)
    if not text[para_start:start].strip() or continued:
        stripped_end = len(text[:end].rstrip())
        spans.append(Span(start, stripped_end, start + 1, stripped_end, False))


def dash_spans(paragraph: str, offset: int = 0) -> list[tuple[Span, Span | None]]:
    """Speech in a paragraph that opens with a dash ("— Текст, — сказал он. — Ещё."), each with the
    narration span that follows it (the author's words, where the speaker is), or None.
    """
    stripped = paragraph.lstrip()
    if not stripped or stripped[0] not in DASHES + "-":
        return []  # ("--" also starts with "-": typewriter dialogue dashes are accepted)
    pos = len(paragraph) - len(stripped)
    out: list[tuple[Span, Span | None]] = []
    while pos < len(paragraph):
        pos = _skip_dash(paragraph, pos)
        speech_end, narration_start = _speech_end(paragraph, pos)
        speech = _trimmed(paragraph, pos, speech_end, offset)
        narration = None
        if narration_start is not None:
            narration_end = _narration_end(paragraph, narration_start)
            narration = _trimmed(paragraph, narration_start, narration_end, offset)
            pos = narration_end
        else:
            pos = len(paragraph)
        if speech is not None:
            out.append((speech, narration))
    return out


def _skip_dash(p: str, i: int) -> int:
    while i < len(p) and (p[i] in DASHES + "-" or p[i].isspace()):
        i += 1
    return i


def _is_dash_at(p: str, i: int) -> bool:
    """A dash set off by spaces (not a hyphen inside a word)."""
    return (
        i < len(p)
        and (p[i] in DASHES or p.startswith("--", i) or p[i] == "-")
        and (i == 0 or p[i - 1].isspace())
        and (i + 1 >= len(p) or p[i + 1].isspace() or p[i + 1] == "-")
    )


def _speech_end(p: str, i: int) -> tuple[int, int | None]:
    """Speech runs until punctuation + spaced dash + a lower-case word (the author's words)."""
    j = i
    while j < len(p):
        if p[j] in ",.!?…" and j + 2 < len(p) and p[j + 1].isspace() and _is_dash_at(p, j + 2):
            k = _skip_dash(p, j + 2)
            if k < len(p) and p[k].islower():
                return j + 1, k
        j += 1
    return len(p), None


def _narration_end(p: str, i: int) -> int:
    """Narration runs until a sentence end (or colon) followed by a spaced dash and an upper-case word."""
    j = i
    while j < len(p):
        if p[j] in ".:!?" and j + 2 < len(p) and p[j + 1].isspace() and _is_dash_at(p, j + 2):
            return j + 1
        j += 1
    return len(p)


def _trimmed(p: str, start: int, end: int, offset: int) -> Span | None:
    text = p[start:end]
    left = len(text) - len(text.lstrip())
    body = text.strip().rstrip(",")
    if not body.strip():
        return None
    s, e = offset + start + left, offset + start + left + len(body)
    return Span(s, e, s, e, True)
