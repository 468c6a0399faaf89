"""Quotations with speakers from an article's plain text (pure: no I/O beyond the shipped lexicons).

`extract_quotations(text, language)` returns direct and reported quotations with offsets, speaker as
written, normalised speaker and cue; `speaker_key(name)` is the comparison key for people queries.
"""

from memoryhole.quotes.extract import Quotation, extract_quotations
from memoryhole.quotes.lexicon import available_languages
from memoryhole.quotes.names import speaker_key

__all__ = ["Quotation", "extract_quotations", "speaker_key", "available_languages"]
