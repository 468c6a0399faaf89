"""Conversation structure for quotes without a cue of their own: the later sieves of Muzny, Fang,
Chang & Jurafsky (2017, "A two-stage sieve approach for quote attribution", EACL), rules only.

`extract.py` runs the first sieves (a cue right at the quote: "…," said X / X said: "…" / the
subject of the quote's sentence) and hands every direct quote of a text to `conversation()` as an
`Item`: its speaker so far, whether a cue gave it (an anchor), how it is linked to the quote before
(`TURN`: nothing but spaces between them in one paragraph, so the other party speaks; `SAME`: the
narration between names no one, so the same speaker goes on; `NAMED`: the narration between names
someone, who speaks next; `BREAK`: another paragraph or far away) and the people it addresses
(vocatives: "“Kitty, for Heaven's sake!”" is not Kitty speaking, and Kitty answers it).

The sieves, each only where the ones before it gave no speaker:

1. turns: quotes linked by `SAME` are one turn; an anchor in it speaks the whole turn;
2. vocative: a turn right after (or before) one that addresses X is X's;
3. conversation: turns linked by `TURN` alternate, so a turn takes the speaker of the turn two
   (four, … up to `MAX_REACH` pairs) before or after it, the nearer first.

The paper's "paragraph-final mention" sieve (the person named in the narration between two
quotes) stays in extract.py's sequential pass, which already applied it: here it added nothing
(measured on LitBank half a), so `NAMED` only ends a conversation.

Hand-written: the paper's sieves are rules too, and the ones that need a parser or a character
list (their stage 2 runs over BookNLP coreference) are replaced by the people index of `names.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from memoryhole.quotes.lexicon import Lexicon
from memoryhole.quotes.names import UPPER, PeopleIndex, _alternation, strip_titles

TURN, SAME, NAMED, BREAK = "turn", "same", "named", "break"
SIEVES = ("turn", "vocative", "conversation")
MAX_REACH = 4  # a turn takes the speaker of a turn at most this many pairs of turns away
DISABLED: set[str] = set()  # sieve names switched off, for measuring each one's marginal effect


@dataclass(frozen=True)
class Item:
    speaker: str | None  # the resolved speaker so far
    anchored: bool  # a cue at the quote gave the speaker
    link: str  # how it follows the quote before: TURN, SAME, NAMED or BREAK
    addressees: tuple[str, ...]  # people the quote calls by name


def conversation(items: list[Item]) -> list[str | None]:
    """The speaker of each item after the conversation sieves (anchors keep theirs; None where no
    sieve fired, so the caller keeps its own fallback)."""
    turns: list[list[int]] = []
    for index, item in enumerate(items):
        if turns and item.link == SAME and "turn" not in DISABLED:
            turns[-1].append(index)
        else:
            turns.append([index])
    speakers: list[str | None] = []
    for turn in turns:
        anchors = [items[i].speaker for i in turn if items[i].anchored and items[i].speaker]
        speakers.append(anchors[0] if anchors else None)
    chains = [0] * len(turns)  # conversation id of each turn: TURN links keep it
    for t in range(1, len(turns)):
        chains[t] = chains[t - 1] + (items[turns[t][0]].link != TURN)
    decided = list(speakers)
    for t, turn in enumerate(turns):
        if decided[t] is not None:
            continue
        own = {a for i in turn for a in items[i].addressees}
        decided[t] = _pick(t, turns, items, speakers, chains, own)  # sieves 2-4 on the anchors only
    out: list[str | None] = []
    for t, turn in enumerate(turns):
        for i in turn:
            item = items[i]
            out.append(item.speaker if item.anchored and item.speaker else decided[t])
    return out


def _pick(
    t: int,
    turns: list[list[int]],
    items: list[Item],
    speakers: list[str | None],
    chains: list[int],
    own: set[str],
) -> str | None:
    def ok(name: str | None) -> bool:
        return name is not None and name not in own

    if "vocative" not in DISABLED:
        for other in (t - 1, t + 1):
            if 0 <= other < len(turns) and chains[other] == chains[t]:
                called = [a for i in turns[other] for a in items[i].addressees]
                if called and ok(called[-1]) and called[-1] != speakers[other]:
                    return called[-1]
    if "conversation" not in DISABLED:
        for step in range(2, 2 * MAX_REACH + 1, 2):
            for other in (t - step, t + step):
                if 0 <= other < len(turns) and chains[other] == chains[t] and ok(speakers[other]):
                    return speakers[other]
    return None


@cache
def _vocative_res(lex: Lexicon) -> tuple[re.Pattern[str], re.Pattern[str]]:
    titles = _alternation(lex.titles)
    name = rf"(?:(?:{titles})\s+)?[{UPPER}][\w'’-]+(?:\s+[{UPPER}][\w'’-]+)?"
    dear = r"(?P<dear>(?i:my\s+)?(?i:dear(?:est)?|poor|good)\s+)?"
    opening = re.compile(rf"^\W*{dear}(?P<name>{name})\s*[,!?]")
    inside = re.compile(rf",\s*{dear}(?P<name>{name})\s*(?:[,!?.;…]|$)")
    return opening, inside


def addressees(inner: str, lex: Lexicon, people: PeopleIndex, pos: int) -> tuple[str, ...]:
    """Names a quote calls out ("Kitty, …", "…, my dear Mr. Bennet!"), resolved to people."""
    if not lex.gender_male:
        return ()  # languages opt in with their gender words (German capitalises every noun)
    opening, inside = _vocative_res(lex)
    found = []
    for match in (opening.match(inner), *inside.finditer(inner)):
        if match is None:
            continue
        phrase = match.group("name")
        bare = strip_titles(phrase, lex)
        if bare.split()[0] in lex.not_names or bare.rstrip(".") in lex.titles:
            continue  # "…, Mrs. Long says": a title alone calls no one
        endeared = match.group("dear") is not None  # "my dear Watson": a name, known or not
        if (
            people.is_person(phrase)
            or people.known_surname(bare.split()[-1])
            or bare != phrase
            or endeared
        ):
            found.append(people.resolve(phrase, pos) or bare)
    return tuple(found)
