"""Quotation changes between two versions of an article, each with its speaker: which statements
were cut, altered (with the word diff) or added. Pure; the `edited` event carries the result.
"""

from __future__ import annotations

import re

from memoryhole.diffing import similarity, word_diff
from memoryhole.quotes.extract import Quotation, extract_quotations
from memoryhole.quotes.names import speaker_key

__all__ = ["quote_changes_with_speakers", "statement_key"]

# A removed and an added quotation at least this similar (difflib ratio over words) are one
# statement that was altered, not one cut and one new (the same threshold as diffing.quote_changes).
CHANGED_MIN_SIMILARITY = 0.5


def statement_key(text: str) -> str:
    """The words of a quotation, case and punctuation folded: the identity of a statement across
    versions (a changed comma or quote mark style is not a changed statement)."""
    return " ".join(re.findall(r"\w+", text.casefold()))


def _speaker(q: Quotation) -> str | None:
    return q.speaker_norm or q.speaker


def _words(q: Quotation) -> str:
    """The quoted words without the comma that hands over to the cue ("…peoples," he said)."""
    return q.text.strip().rstrip(",;:—–-").rstrip()


def _item(q: Quotation) -> dict:
    return {"text": _words(q), "speaker": _speaker(q), "kind": q.kind, "cue": q.cue}


def _word_ops(old: str, new: str) -> list[dict]:
    """Word-level ops ({"op", "old", "new"}) turning one quotation into the other."""
    ops = []
    for para in word_diff(old, new):
        ops.extend(para.get("parts", [para]))
    return ops


def _unique(quotes: list[Quotation]) -> dict[str, Quotation]:
    out: dict[str, Quotation] = {}
    for q in quotes:
        out.setdefault(statement_key(q.text), q)
    return out


def quote_changes_with_speakers(old_text: str, new_text: str, language: str | None) -> dict:
    """{"removed": [...], "changed": [...], "added": [...]} between two version texts.

    removed/added items: {"text", "speaker", "kind", "cue"}; changed items: {"old", "new",
    "speaker", "kind", "diff"} (diff: word-level ops {"op", "old", "new"} as in diffing), plus
    "speaker_before" when the words stayed and the attribution changed. The keys match
    diffing.quote_changes, so EditSummary.to_dict publishes them as quotes_removed/_changed/_added.
    """
    old = _unique(extract_quotations(old_text, language))
    new = _unique(extract_quotations(new_text, language))
    removed = [k for k in old if k not in new]
    added = [k for k in new if k not in old]
    changed = _pair(removed, added, old, new)
    paired_old = {o for o, _ in changed}
    paired_new = {n for _, n in changed}
    reattributed = [
        (k, k) for k in old if k in new and _who(old[k]) != _who(new[k]) and _who(old[k])
    ]
    return {
        "removed": [_item(old[k]) for k in removed if k not in paired_old],
        "changed": [_changed(old[o], new[n]) for o, n in changed + reattributed],
        "added": [_item(new[k]) for k in added if k not in paired_new],
    }


def _who(q: Quotation) -> str:
    name = _speaker(q)
    return speaker_key(name) if name else ""


def _pair(
    removed: list[str], added: list[str], old: dict[str, Quotation], new: dict[str, Quotation]
) -> list[tuple[str, str]]:
    """Greedy one-to-one pairing of cut and new quotations by similarity, in the old text's order."""
    scored = sorted(
        (
            (similarity(old[r].text, new[a].text), i, j)
            for i, r in enumerate(removed)
            for j, a in enumerate(added)
            if old[r].kind == new[a].kind
        ),
        reverse=True,
    )
    used_r: set[int] = set()
    used_a: set[int] = set()
    pairs = []
    for score, i, j in scored:
        if score < CHANGED_MIN_SIMILARITY:
            break
        if i not in used_r and j not in used_a:
            used_r.add(i)
            used_a.add(j)
            pairs.append((i, j))
    return [(removed[i], added[j]) for i, j in sorted(pairs)]


def _changed(old: Quotation, new: Quotation) -> dict:
    out = {
        "old": _words(old),
        "new": _words(new),
        "speaker": _speaker(new) or _speaker(old),
        "kind": new.kind,
        "diff": _word_ops(_words(old), _words(new)),
    }
    if _who(old) != _who(new) and _who(old):
        out["speaker_before"] = _speaker(old)
    return out
