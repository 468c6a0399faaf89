"""What the extractor returns: a `Quotation`, and the `Attribution` (speaker and cue) that each
attribution rule finds for one."""

from __future__ import annotations

from dataclasses import dataclass


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
    """Who spoke a quotation as one rule found it: the phrase as written, the resolved name, the
    cue."""

    speaker: str | None
    speaker_norm: str | None
    cue: str | None
