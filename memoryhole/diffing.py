"""Word-level diffs between two article texts, kept per paragraph, and the quotations they touch.

Pure functions over plain strings; the diff is a JSON-serialisable list so the store, the API and
alerts can carry it as is. difflib is enough here: article texts are a few thousand words at most.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

__all__ = [
    "Quotation",
    "find_quotations",
    "paragraphs",
    "quote_changes",
    "render_text",
    "similarity",
    "word_diff",
    "words",
    "words_added",
    "words_removed",
]

# Below this word-level similarity two paragraphs in a replaced block are shown as one deleted
# and one inserted paragraph: a word diff between unrelated paragraphs is unreadable noise.
_PAIR_MIN_SIMILARITY = 0.3
_QUOTE_MATCH = 0.5

_RED, _GREEN, _RESET = "\x1b[31m", "\x1b[32m", "\x1b[0m"


def words(text: str) -> list[str]:
    return text.split()


def paragraphs(text: str) -> list[str]:
    """Non-empty paragraphs (split on blank lines) with their whitespace collapsed."""
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]


def similarity(a: str, b: str) -> float:
    """Share of words the two texts have in common, in order (difflib ratio over words), 0..1."""
    wa, wb = words(a), words(b)
    if wa == wb:  # the common case on a recheck, and far cheaper than matching
        return 1.0
    matcher = SequenceMatcher(None, wa, wb, autojunk=False)
    if matcher.real_quick_ratio() == 0.0:
        return 0.0
    return matcher.ratio()


def _op(op: str, old: list[str], new: list[str]) -> dict:
    return {"op": op, "old": old, "new": new}


def _word_parts(old: list[str], new: list[str]) -> list[dict]:
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    return [_op(tag, old[i1:i2], new[j1:j2]) for tag, i1, i2, j1, j2 in matcher.get_opcodes()]


def _replace_block(old_paras: list[list[str]], new_paras: list[list[str]]) -> list[dict]:
    """Pair the paragraphs of a replaced block in order; unpaired or unrelated ones stand alone."""
    out: list[dict] = []
    for k in range(max(len(old_paras), len(new_paras))):
        old = old_paras[k] if k < len(old_paras) else None
        new = new_paras[k] if k < len(new_paras) else None
        if old is not None and new is not None:
            ratio = SequenceMatcher(None, old, new, autojunk=False).ratio()
            if ratio >= _PAIR_MIN_SIMILARITY:
                out.append({**_op("replace", old, new), "parts": _word_parts(old, new)})
                continue
        if old is not None:
            out.append(_op("delete", old, []))
        if new is not None:
            out.append(_op("insert", [], new))
    return out


def word_diff(old_text: str, new_text: str) -> list[dict]:
    """One entry per paragraph: {"op": "equal"|"insert"|"delete"|"replace", "old": [words],
    "new": [words]}; a "replace" entry also has "parts", the word-level ops inside the paragraph
    (each {"op", "old", "new"} with op "equal"|"insert"|"delete"|"replace")."""
    old_paras = [words(p) for p in paragraphs(old_text)]
    new_paras = [words(p) for p in paragraphs(new_text)]
    matcher = SequenceMatcher(
        None, [" ".join(p) for p in old_paras], [" ".join(p) for p in new_paras], autojunk=False
    )
    out: list[dict] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out.extend(_op("equal", p, p) for p in old_paras[i1:i2])
        elif tag == "delete":
            out.extend(_op("delete", p, []) for p in old_paras[i1:i2])
        elif tag == "insert":
            out.extend(_op("insert", [], p) for p in new_paras[j1:j2])
        else:
            out.extend(_replace_block(old_paras[i1:i2], new_paras[j1:j2]))
    return out


def _leaf_ops(diff: list[dict]) -> list[dict]:
    """The word-level ops: a replaced paragraph's parts, every other paragraph as itself."""
    return [part for para in diff for part in para.get("parts", [para])]


def words_added(diff: list[dict]) -> int:
    return sum(len(op["new"]) for op in _leaf_ops(diff) if op["op"] in ("insert", "replace"))


def words_removed(diff: list[dict]) -> int:
    return sum(len(op["old"]) for op in _leaf_ops(diff) if op["op"] in ("delete", "replace"))


def _removed(ws: list[str], color: bool) -> str:
    text = " ".join(ws)
    return f"{_RED}{text}{_RESET}" if color else f"[-{text}-]"


def _added(ws: list[str], color: bool) -> str:
    text = " ".join(ws)
    return f"{_GREEN}{text}{_RESET}" if color else f"{{+{text}+}}"


def _render_op(op: dict, color: bool) -> str:
    pieces = []
    if op["op"] == "equal":
        pieces.append(" ".join(op["old"]))
    if op["op"] in ("delete", "replace") and op["old"]:
        pieces.append(_removed(op["old"], color))
    if op["op"] in ("insert", "replace") and op["new"]:
        pieces.append(_added(op["new"], color))
    return " ".join(pieces)


def render_text(diff: list[dict], color: bool = False) -> str:
    """The diff as text: paragraphs separated by blank lines, removals as [-…-] and additions as
    {+…+} (git's word-diff style), or red and green ANSI colours when color is true."""
    rendered = []
    for para in diff:
        parts = para.get("parts", [para])
        rendered.append(" ".join(s for s in (_render_op(p, color) for p in parts) if s))
    return "\n\n".join(rendered)


@dataclass(frozen=True)
class Quotation:
    """A quoted passage: text without the marks; start/end span the marks in the source text."""

    text: str
    start: int
    end: int
    mark: str  # the opening mark: “ « „ " ‘


# One alternation scanned left to right, so „…“ is taken whole before its closing “ could be read
# as an English opening mark. No match crosses a paragraph. A single ’ between letters is an
# apostrophe (don’t), hence the look-arounds on the ‘…’ form.
_QUOTE_RE = re.compile(
    r"„(?P<low>[^„“”\n]+?)[“”]"
    r"|“(?P<curly>[^“”\n]+?)”"
    r"|«(?P<guillemet>[^«»\n]+?)»"
    r'|"(?P<straight>[^"\n]+?)"'
    r"|(?<!\w)‘(?P<single>[^‘\n]+?)’(?!\w)"
)


def find_quotations(text: str, min_words: int = 2) -> list[Quotation]:
    """Quoted passages of at least min_words words (one-word quotes are mostly names and terms)."""
    found = []
    for m in _QUOTE_RE.finditer(text):
        inner = next(g for g in m.groups() if g is not None)
        inner = " ".join(inner.split())
        if len(inner.split()) >= min_words:
            found.append(Quotation(inner, m.start(), m.end(), m.group(0)[0]))
    return found


def quote_changes(old_text: str, new_text: str) -> dict:
    """{"removed": [...], "changed": [{"old", "new"}], "added": [...]}: a removed quote whose best
    match among the added ones is at least 0.5 similar counts as changed (each added quote once)."""
    old_q = list(dict.fromkeys(q.text for q in find_quotations(old_text)))
    new_q = list(dict.fromkeys(q.text for q in find_quotations(new_text)))
    old_set, new_set = set(old_q), set(new_q)
    removed = [q for q in old_q if q not in new_set]
    added = [q for q in new_q if q not in old_set]
    pairs = sorted(
        ((similarity(r, a), i, j) for i, r in enumerate(removed) for j, a in enumerate(added)),
        reverse=True,
    )
    used_r: set[int] = set()
    used_a: set[int] = set()
    changed = []
    for score, i, j in pairs:
        if score < _QUOTE_MATCH:
            break
        if i not in used_r and j not in used_a:
            used_r.add(i)
            used_a.add(j)
            changed.append((i, {"old": removed[i], "new": added[j]}))
    return {
        "removed": [q for i, q in enumerate(removed) if i not in used_r],
        "changed": [c for _, c in sorted(changed, key=lambda t: t[0])],
        "added": [q for j, q in enumerate(added) if j not in used_a],
    }
