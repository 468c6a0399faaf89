"""Whether words in quote marks are speech: a title, a term the noun before it names, or a web
address is not; long words, a punctuated sentence or a partial quote read as speech even without a
cue."""

from __future__ import annotations

import re

from memoryhole.quotes.lexicon import Lexicon
from memoryhole.quotes.marks import Span
from memoryhole.quotes.patterns import patterns
from memoryhole.quotes.sentences import TERMINAL, WORD
from memoryhole.quotes.wordclass import best_tag


def looks_like_title(inner: str, lex: Lexicon) -> bool:
    """Every word capitalised but short linking words ("Championnat du Monde de Tir", "Kongress der
    EnBW"), no closing punctuation: a name of a work, event, product or term. Where capitalised
    common nouns are the rule (German, with a tagger), a phrase with linking words needs a name in
    it: „Geschäft des Jahrhunderts“ is a phrase someone said. Where common words are lower-case
    (English), a comma inside the marks ends a title too (“Listen To The Music,”, American style)."""
    end = inner.rstrip("\"'”“»«’ ")[-1:]
    if end == "," and lex.lowercase_common:
        inner = inner.rstrip("\"'”“»«’ ,")
        words = inner.split()
        if len(words) < 3 or "I" in words or not re.fullmatch(r"[\w\s'’-]+", inner):
            return False  # “Yes, Sir,”, “I am Mary Lennox,”: speech
    elif end in TERMINAL + ",":
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


_ADDRESS = re.compile(r"^(?:https?://|www\.)|^[\w-]+(?:\.[\w-]+)+(?:/\S*)?$", re.IGNORECASE)


def is_term(text: str, span: Span, para_start: int, inner: str, lex: Lexicon) -> bool:
    """A web address in quote marks, or a quote named by the noun right before it (the lexicon's
    `term_heads`: "unter dem Motto „…“", "die ARD-Sendung „plusminus“"): a name, not speech."""
    if _ADDRESS.match(inner):
        return True
    if not lex.term_heads:
        return False
    before = text[max(para_start, span.start - 60) : span.start]
    before = re.split(r"[.!?;,–—]", before)[-1] if not before.rstrip().endswith(",") else ""
    words = list(WORD.finditer(before))[-3:]
    head = next((w for w in words if w.group(0).casefold().endswith(lex.term_heads)), None)
    # "in einem Spendenaufruf zu seiner Kampagne schrieb er: „…“": a cue after the noun, speech
    return head is not None and not patterns(lex).cue.search(before, head.end())


def speech_like(inner: str, lex: Lexicon) -> bool:
    """Quoted words that read as speech even without a cue (measured on German Wikinews dev):
    long, or a punctuated sentence, or a phrase starting lower-case (a partial quote)."""
    words = inner.split()
    terminal = inner.rstrip("\"'”“»«’ ")[-1:] in TERMINAL + ","
    partial = inner[0].islower() and len(words) >= lex.partial_quote_words
    return len(words) >= 7 or (terminal and len(words) >= 3) or partial
