"""The regexes built once per lexicon: its cue words, a speaker phrase, and the reported-speech
templates with their placeholders filled in."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from memoryhole.quotes.lexicon import Lexicon
from memoryhole.quotes.names import UPPER, _alternation, speaker_pattern


@dataclass(frozen=True)
class Patterns:
    cue: re.Pattern[str]
    speaker: re.Pattern[str]
    colon_speaker: re.Pattern[str]
    reported: tuple[re.Pattern[str], ...]
    name_after_cue: re.Pattern[str]  # "said Durbeyfield"
    name_before_cue: re.Pattern[str]  # "Mrs. Lennox gasped"
    reported_cue: re.Pattern[str] | None  # "his claim that": cues reported speech only
    needs_reported_cue: tuple[bool, ...]  # per reported pattern: it has {REPORTED_CUE}
    requires: tuple[re.Pattern[str] | None, ...]  # per reported pattern: a cheap test first


@cache
def patterns(lex: Lexicon) -> Patterns:
    cues = _alternation(lex.cue_verbs + lex.according)
    cue = rf"(?<![\w-])(?i:{cues})(?![\w-])"
    if lex.not_cues:  # "wie folgt", "so genannt": a cue word in a phrase that is none
        cue = rf"(?<![\w-])(?!(?i:{_alternation(lex.not_cues)})(?![\w-])){cue}"
    speaker = speaker_pattern(lex)
    titles = _alternation(lex.titles)
    named = rf"(?:(?:{titles})\s+)?[{UPPER}][\w'’-]+"
    # "said the trip was routine, as he deflected …": the narration's own clause ends the report
    clause_tail = rf"(?:,\s+(?i:{_alternation(lex.clause_ends)})\b.*?)?" if lex.clause_ends else ""
    templates = {
        "{SPEAKER}": speaker,
        "{SPEAKER_GEN}": speaker.replace("(?P<speaker>", "(?P<speaker_gen>", 1),
        "{CUE}": rf"(?P<cue>{cue})",
        "{CLAUSE}": rf"(?P<quote>\S.*?){clause_tail}\s*[.!?…]*\s*$",
        "{CLAUSE_END}": rf"{clause_tail}\s*[.!?…]*\s*$",
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
        needs_reported_cue=tuple("{REPORTED_CUE}" in template for template in lex.reported),
        requires=tuple(
            re.compile(rf"(?i:{required})") if required else None
            for required in (lex.reported_requires or (None,) * len(lex.reported))
        ),
    )
