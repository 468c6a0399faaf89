"""Quality gate for quotation extraction: F1 floors on annotated corpora (raise them, never lower).

Span and speaker matching rules are in memoryhole/quotes/evaluate.py and docs/quotes.md. The shared
corpora are read in place (German Wikinews is CC BY-NC-SA, the scrapinghub articles third-party news:
never copied into the repository; tests/gold/quotes-news/ holds offsets only).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from memoryhole.quotes.evaluate import (
    DEFAULT_CORPUS_ROOT,
    DEFAULT_GOLD,
    NEWS_SETS,
    SCRAPINGHUB,
    CorpusChanged,
    GoldQuote,
    Scores,
    aligned_speakers,
    detokenised,
    litbank_halves,
    load_jsonl,
    load_litbank,
    load_news_gold,
    load_wikinews,
    score_docs,
)
from memoryhole.quotes.extract import Quotation

# corpus -> (direct F1, direct+speaker F1, reported F1, reported+speaker F1); measured minus a margin
FLOORS = {
    "en": (0.95, 0.95, 0.95, 0.95),
    "ru": (0.95, 0.95, 0.95, 0.95),
    "az": (0.95, 0.95, 0.95, 0.95),
    "de-wikinews-test": (0.90, 0.74, 0.50, 0.40),
    "litbank-en": (0.91, 0.44, 0.0, 0.0),
    "litbank-en-a": (0.92, 0.48, 0.0, 0.0),  # the half rules are tuned on
    "litbank-en-b": (0.90, 0.39, 0.0, 0.0),  # held out
    # 25 whole English news articles each, annotated blind to the extractor (tests/gold/quotes-news/);
    # rules are tuned on "dev" since it was first scored, "test" is held out
    "en-news-dev": (0.90, 0.74, 0.63, 0.59),
    "en-news-test": (0.91, 0.72, 0.56, 0.46),
}
# LitBank's speakers are entity labels: quote+speaker F1 by entity (evaluate.aligned_speakers)
ENTITY_FLOORS = {"litbank-en": 0.55, "litbank-en-a": 0.58, "litbank-en-b": 0.52}


def _assert_floors(scores: Scores, floors: tuple[float, float, float, float]) -> None:
    measured = (
        scores.direct.f1,
        scores.direct_speaker.f1,
        scores.reported.f1,
        scores.reported_speaker.f1,
    )
    names = ("direct", "direct+speaker", "reported", "reported+speaker")
    for name, value, floor in zip(names, measured, floors, strict=True):
        assert value >= floor, f"{scores.name}: {name} F1 {value:.3f} fell below its floor {floor}"


@pytest.mark.parametrize("language", ["en", "ru", "az"])
def test_own_gold_sets(language: str) -> None:
    docs = load_jsonl(DEFAULT_GOLD / f"{language}.jsonl")
    assert len(docs) >= 30
    _assert_floors(score_docs(language, docs), FLOORS[language])


def _corpus(name: str) -> Path:
    path = DEFAULT_CORPUS_ROOT / name
    if not path.is_dir():
        pytest.skip(f"{path} not present (shared corpus; set MEMORYHOLE_CORPUS to its parent)")
    return path


def test_german_wikinews_test_split() -> None:
    docs = load_wikinews(_corpus("quotes-de-wikinews"), "test")
    assert len(docs) == 148
    scores = score_docs("de-wikinews-test", docs)
    _assert_floors(scores, FLOORS["de-wikinews-test"])
    # the rule-only baseline measured direct 0.85 / quote+speaker 0.39 on this split
    assert scores.direct_speaker.f1 > 0.39


@pytest.mark.parametrize(("name", "quotations"), [("en-news-dev", 342), ("en-news-test", 412)])
def test_english_news(name: str, quotations: int) -> None:
    """The development set (tuned on) and the held-out one, 25 whole articles each."""
    root = _corpus(SCRAPINGHUB)
    docs = load_news_gold(NEWS_SETS[name], root.parent)
    assert len(docs) == 25
    assert sum(len(d.quotations) for d in docs) == quotations
    _assert_floors(score_docs(name, docs), FLOORS[name])


@pytest.mark.parametrize("path", list(NEWS_SETS.values()), ids=list(NEWS_SETS))
def test_news_gold_holds_offsets_and_names_only(path: Path) -> None:
    """The articles are third-party text: a line holds no more than ids, offsets and speakers."""
    for line in path.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        assert set(item) == {"item_id", "sha256", "language", "quotations"}
        for quote in item["quotations"]:
            assert set(quote) == {"start", "end", "kind", "speaker"}
            assert 0 <= quote["start"] < quote["end"] and quote["kind"] in ("direct", "reported")


def _news_corpus(root: Path, body: str) -> Path:
    corpus = root / SCRAPINGHUB
    corpus.mkdir(parents=True)
    ground_truth = {"a" * 64: {"articleBody": body, "url": "https://example.org/a"}}
    (corpus / "ground-truth.json").write_text(json.dumps(ground_truth), encoding="utf-8")
    return root


def test_news_gold_reads_the_text_in_place_and_refuses_a_changed_one(tmp_path: Path) -> None:
    body = "“We will win,” Jane Doe said."
    line = {
        "item_id": "a" * 64,
        "sha256": hashlib.sha256(body.encode("utf-8")).hexdigest(),
        "language": "en",
        "quotations": [{"start": 0, "end": 14, "kind": "direct", "speaker": "Jane Doe"}],
    }
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps(line) + "\n", encoding="utf-8")
    (doc,) = load_news_gold(gold, _news_corpus(tmp_path / "same", body))
    assert doc.text == body and doc.text[0:14] == "“We will win,”"
    assert doc.quotations == (GoldQuote(0, 14, "direct", "Jane Doe"),)
    changed = _news_corpus(tmp_path / "changed", "“We shall win,” Jane Doe said.")
    with pytest.raises(CorpusChanged, match="sha256"):
        load_news_gold(gold, changed)
    line["item_id"] = "b" * 64
    gold.write_text(json.dumps(line) + "\n", encoding="utf-8")
    with pytest.raises(CorpusChanged, match="not in"):
        load_news_gold(gold, tmp_path / "same")


def test_litbank_english_fiction() -> None:
    docs = load_litbank(_corpus("quotes-litbank-en"))
    assert sum(len(d.quotations) for d in docs) == 1765
    scores = score_docs("litbank-en", docs)
    _assert_floors(scores, FLOORS["litbank-en"])
    assert scores.direct_entity is not None
    assert scores.direct_entity.f1 >= ENTITY_FLOORS["litbank-en"]


def test_litbank_halves_split_by_file_name_and_each_holds_its_floor() -> None:
    docs = load_litbank(_corpus("quotes-litbank-en"))
    half_a, half_b = litbank_halves(docs)
    assert sorted(d.id for d in half_a + half_b) == sorted(d.id for d in docs)
    assert not {d.id for d in half_a} & {d.id for d in half_b}
    assert abs(len(half_a) - len(half_b)) <= 1
    for name, half in (("litbank-en-a", half_a), ("litbank-en-b", half_b)):
        scores = score_docs(name, half)
        _assert_floors(scores, FLOORS[name])
        assert scores.direct_entity is not None and scores.direct_entity.f1 >= ENTITY_FLOORS[name]


def _said(speaker: str | None, norm: str | None = None) -> Quotation:
    return Quotation("…", 0, 1, "direct", speaker, norm or speaker, None, "en")


def test_entity_alignment_credits_a_right_name_under_a_descriptive_label_once() -> None:
    boy, man = GoldQuote(0, 1, "direct", "a small boy"), GoldQuote(0, 1, "direct", "young American")
    right = [
        (man, _said("he", "Winterbourne")),
        (man, _said("Winterbourne")),
        (boy, _said("Randolph")),
    ]
    assert aligned_speakers(right) == 3
    # one name for two characters: it stands for one of them only (the one it said more for)
    merged = [
        (man, _said("Winterbourne")),
        (man, _said("Winterbourne")),
        (boy, _said("Winterbourne")),
    ]
    assert aligned_speakers(merged) == 2
    # words in common win over counts: "Mrs Bennet" is the label's, though "Lydia" said more
    mrs = GoldQuote(0, 1, "direct", "Mrs Bennet")
    mixed = [(mrs, _said("Lydia")), (mrs, _said("Lydia")), (mrs, _said("Mrs. Bennet"))]
    assert aligned_speakers(mixed) == 1
    assert aligned_speakers([(GoldQuote(0, 1, "direct", None), _said(None))]) == 1


_TOKENS = st.sampled_from(
    ["word", "Mr.", "s", ",", ".", "!", "?", ";", "'", '"', "“", "”", "‘", "’", "'s", "n't", "’ll",
     "(", ")", "--", "—", "_", "boys", "club"]
)  # fmt: skip


@given(st.lists(st.lists(_TOKENS, min_size=1, max_size=12).map(" ".join), min_size=1, max_size=5))
@settings(max_examples=300, deadline=None)
def test_detokenised_only_removes_spaces_and_maps_every_offset(lines: list[str]) -> None:
    tokenised = "\n".join(lines)
    text, moved = detokenised(lines)
    assert len(moved) == len(tokenised) + 1
    assert text.replace(" ", "") == tokenised.replace(" ", "")
    assert moved == sorted(moved) and moved[-1] == len(text)
    for offset, char in enumerate(tokenised):
        if char != " ":
            assert text[moved[offset]] == char


def test_litbank_text_reads_as_printed_and_spans_keep_their_characters() -> None:
    root = _corpus("quotes-litbank-en")
    printed = {d.id: d for d in load_litbank(root)}
    for raw in load_litbank(root, tokenised=True)[:20]:
        doc = printed[raw.id]
        assert " ,” " not in doc.text and " ." not in doc.text
        for a, b in zip(raw.quotations, doc.quotations, strict=True):
            assert raw.text[a.start : a.end].replace(" ", "") == doc.text[b.start : b.end].replace(
                " ", ""
            )


def test_cli_prints_one_row_per_corpus(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from memoryhole.quotes.evaluate import main

    assert main(["--corpus-root", str(tmp_path), "--gold", str(DEFAULT_GOLD)]) == 0
    rows = [line.split()[0] for line in capsys.readouterr().out.splitlines()[2:]]
    assert rows == ["gold-az", "gold-en", "gold-ru"]
