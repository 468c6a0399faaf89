"""A `diffing.word_diff` as HTML: inline and side by side, with removed quotations highlighted.

Every word passes through markupsafe.escape; only our own <del>/<ins>/<mark> tags are added.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

from ..diffing import paragraphs, quote_changes, word_diff, words

__all__ = ["DiffView", "diff_view", "highlight_snippet"]


@dataclass(frozen=True)
class DiffRow:
    inline: Markup
    left: Markup  # the old paragraph (deletions marked), empty when inserted
    right: Markup  # the new paragraph (insertions marked), empty when deleted
    op: str


@dataclass(frozen=True)
class DiffView:
    rows: list[DiffRow]
    title_rows: list[DiffRow]
    quotes: dict  # quote_changes(): removed, changed, added
    changed: bool


def quote_mask(para_words: list[str], quotes: list[str]) -> set[int]:
    """Indices of the words of a paragraph that lie inside any of ``quotes`` (removed quotations)."""
    starts, pos = [], 0
    for w in para_words:
        starts.append(pos)
        pos += len(w) + 1
    joined = " ".join(para_words)
    hit: set[int] = set()
    for q in quotes:
        q = " ".join(q.split())
        at = joined.find(q) if q else -1
        while at >= 0:
            end = at + len(q)
            hit.update(i for i, s in enumerate(starts) if s < end and s + len(para_words[i]) > at)
            at = joined.find(q, end)
    return hit


def _run(ws: list[str], first: int, mask: set[int], tag: str) -> Markup:
    """Words as one tag, split where they enter or leave a removed quotation."""
    out, i = [], 0
    while i < len(ws):
        quoted = (first + i) in mask
        j = i
        while j < len(ws) and ((first + j) in mask) == quoted:
            j += 1
        text = escape(" ".join(ws[i:j]))
        if tag == "span":
            out.append(
                Markup('<mark class="quote-removed">{}</mark>').format(text) if quoted else text
            )
        else:
            cls = Markup(' class="quote-removed"') if quoted else Markup("")
            out.append(Markup("<{0}{1}>{2}</{0}>").format(Markup(tag), cls, text))
        i = j
    return Markup(" ").join(out)


def _row(entry: dict, mask: set[int]) -> DiffRow:
    op = entry["op"]
    if op == "equal":
        plain = _run(entry["old"], 0, mask, "span")
        return DiffRow(plain, plain, _run(entry["new"], 0, set(), "span"), op)
    if op == "delete":
        gone = _run(entry["old"], 0, mask, "del")
        return DiffRow(gone, gone, Markup(""), op)
    if op == "insert":
        added = _run(entry["new"], 0, set(), "ins")
        return DiffRow(added, Markup(""), added, op)
    inline, left, right, at = [], [], [], 0
    for part in entry.get("parts", [entry]):
        old, new = part["old"], part["new"]
        if part["op"] == "equal":
            inline.append(_run(old, at, mask, "span"))
            left.append(_run(old, at, mask, "span"))
            right.append(_run(new, 0, set(), "span"))
        if part["op"] in ("delete", "replace") and old:
            gone = _run(old, at, mask, "del")
            inline.append(gone)
            left.append(gone)
        if part["op"] in ("insert", "replace") and new:
            added = _run(new, 0, set(), "ins")
            inline.append(added)
            right.append(added)
        at += len(old)
    join = Markup(" ").join
    return DiffRow(join(inline), join(left), join(right), op)


def _rows(old_text: str, new_text: str, removed: list[str]) -> list[DiffRow]:
    masks = [quote_mask(words(p), removed) for p in paragraphs(old_text)]
    rows, k = [], 0
    for entry in word_diff(old_text, new_text):
        mask: set[int] = set()
        if entry["op"] != "insert":  # every other entry consumes one old paragraph, in order
            mask = masks[k] if k < len(masks) else set()
            k += 1
        rows.append(_row(entry, mask))
    return rows


def diff_view(old: dict, new: dict) -> DiffView:
    """Two version rows (title, text) → the rows to show, and the quotations removed, changed, added."""
    quotes = quote_changes(old["text"], new["text"])
    lost = quotes["removed"] + [c["old"] for c in quotes["changed"]]
    rows = _rows(old["text"], new["text"], lost)
    titles = _rows(old["title"], new["title"], []) if old["title"] != new["title"] else []
    changed = bool(titles) or any(r.op != "equal" for r in rows)
    return DiffView(rows, titles, quotes, changed)


def highlight_snippet(snippet: str, start: str, end: str) -> Markup:
    """A search snippet with its match markers turned into <mark> (everything else escaped)."""
    out = escape(snippet)
    return Markup(str(out).replace(start, "<mark>").replace(end, "</mark>"))
