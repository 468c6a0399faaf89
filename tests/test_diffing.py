"""Word diffs per paragraph, their counts and rendering; the minimal quotation finder."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from memoryhole.diffing import (
    find_quotations,
    quote_changes,
    render_text,
    similarity,
    word_diff,
    words_added,
    words_removed,
)

OLD = "The minister resigned on Monday.\n\nHe denied all charges.\n\nThe party met later."
NEW = "The minister resigned on Tuesday.\n\nThe party met later.\n\nA new minister was named."


def test_word_diff_keeps_paragraphs_and_words() -> None:
    diff = word_diff(OLD, NEW)
    assert [p["op"] for p in diff] == ["replace", "delete", "equal", "insert"]
    inner = diff[0]["parts"]
    assert {"op": "replace", "old": ["Monday."], "new": ["Tuesday."]} in inner
    assert diff[1]["old"] == ["He", "denied", "all", "charges."]
    assert words_added(diff) == 1 + 5
    assert words_removed(diff) == 1 + 4
    assert json.loads(json.dumps(diff)) == diff


def test_unrelated_paragraphs_are_not_word_diffed() -> None:
    diff = word_diff("Completely different words here.", "Nothing alike in this sentence at all.")
    assert [p["op"] for p in diff] == ["delete", "insert"]


def test_render_plain_and_colour() -> None:
    diff = word_diff(OLD, NEW)
    plain = render_text(diff, color=False)
    assert "[-Monday.-] {+Tuesday.+}" in plain
    assert "[-He denied all charges.-]" in plain
    assert plain.count("\n\n") == 3
    coloured = render_text(diff, color=True)
    assert "\x1b[31mMonday.\x1b[0m" in coloured and "\x1b[32mTuesday.\x1b[0m" in coloured


paragraph = st.lists(
    st.sampled_from(["alpha", "beta", "gamma", "delta", "x"]), min_size=1, max_size=8
)
texts = st.lists(paragraph, max_size=6).map(lambda ps: "\n\n".join(" ".join(p) for p in ps))


@given(texts, texts)
def test_diff_accounts_for_every_word(old: str, new: str) -> None:
    diff = word_diff(old, new)
    old_words = [w for p in diff for part in p.get("parts", [p]) for w in part["old"]]
    new_words = [w for p in diff for part in p.get("parts", [p]) for w in part["new"]]
    assert old_words == old.split() and new_words == new.split()
    assert words_added(diff) <= len(new.split()) and words_removed(diff) <= len(old.split())


@given(texts)
def test_identical_texts_have_no_changes(text: str) -> None:
    diff = word_diff(text, text)
    assert words_added(diff) == words_removed(diff) == 0
    assert similarity(text, text) == 1.0


def test_find_quotations_in_several_styles() -> None:
    text = (
        "He said “we will win this” and she said «мы не уйдём отсюда». "
        'Er sagte „wir bleiben hier“. They wrote "no comment at all". '
        "It’s ‘a quiet day’ today, don’t worry. A «Газпром» name."
    )
    quotes = find_quotations(text)
    assert [q.text for q in quotes] == [
        "we will win this",
        "мы не уйдём отсюда",
        "wir bleiben hier",
        "no comment at all",
        "a quiet day",
    ]
    assert [q.mark for q in quotes] == ["“", "«", "„", '"', "‘"]
    first = quotes[0]
    assert text[first.start : first.end] == "“we will win this”"


def test_quotation_does_not_cross_paragraphs() -> None:
    assert find_quotations("“an open quote\n\nand a later” close") == []


def test_quote_changes_removed_changed_added() -> None:
    old = "“We will not raise taxes this year,” he said. «Никаких комментариев мы не даём»."
    new = "“We will not raise most taxes this year,” he said. “A brand new statement here.”"
    changes = quote_changes(old, new)
    assert changes["changed"] == [
        {
            "old": "We will not raise taxes this year,",
            "new": "We will not raise most taxes this year,",
        }
    ]
    assert changes["removed"] == ["Никаких комментариев мы не даём"]
    assert changes["added"] == ["A brand new statement here."]


def test_quote_changes_empty_when_quotes_same() -> None:
    text = "She said “nothing has changed here”."
    assert quote_changes(text, text + " More words.") == {"removed": [], "changed": [], "added": []}
