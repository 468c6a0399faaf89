"""Scores the quotation extractor on annotated corpora: our own gold sets (tests/gold/quotes/*.jsonl),
German Wikinews (uhh-lt, CC BY-NC-SA, read in place, never copied), LitBank (English fiction) and
English news from the scrapinghub article-extraction benchmark (our annotations, offsets only, in
tests/gold/quotes-news/; the article text is read in place from the shared corpus).

Span rule: both spans are trimmed of quote marks, dashes, spaces and edge punctuation; a prediction
matches a gold quotation of the same kind when their overlap is at least half the longer of the two
(one-to-one, greedy by overlap). Speaker rule: the gold speaker shares a content word with the
predicted speaker as written or its normalised form, compared by `speaker_key` (so case, accents and
Russian case endings do not matter); a gold quotation without speaker wants a prediction without one.

    python -m memoryhole.quotes.evaluate [--corpus-root DIR] [--gold DIR] [--split test|dev] [--limit N]
                                         [--litbank-tokens]

LitBank is scored whole and in two halves (`litbank_halves`: alternate files by name); rules are
tuned on half "a" only, half "b" is held out.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from memoryhole.quotes.extract import Quotation, extract_quotations
from memoryhole.quotes.lexicon import load_lexicon
from memoryhole.quotes.marks import QUOTE_CHARS
from memoryhole.quotes.names import first_name_gender, speaker_key

REPO = Path(__file__).resolve().parents[2]
DEFAULT_CORPUS_ROOT = Path(os.environ.get("MEMORYHOLE_CORPUS", REPO.parent / "shared" / "corpus"))
DEFAULT_GOLD = REPO / "tests" / "gold" / "quotes"
NEWS_GOLD_DIR = REPO / "tests" / "gold" / "quotes-news"
NEWS_GOLD = NEWS_GOLD_DIR / "en-scrapinghub-dev.jsonl"  # rules are tuned on it since it was scored
NEWS_GOLD_TEST = NEWS_GOLD_DIR / "en-scrapinghub-test.jsonl"  # held out: scored, never tuned on
NEWS_SETS = {"en-news-dev": NEWS_GOLD, "en-news-test": NEWS_GOLD_TEST}
SCRAPINGHUB = "scrapinghub-article-extraction-benchmark"
TRIM = "".join(QUOTE_CHARS) + " \n\t,.;:!?…—–-'"
STOP = {"the", "a", "an", "of", "der", "die", "das", "des", "den", "dem", "ein", "eine", "einer",
        "mr", "mrs", "ms", "dr", "und", "and", "von", "for", "to", "in", "на", "и"}  # fmt: skip


@dataclass(frozen=True)
class GoldQuote:
    start: int
    end: int
    kind: str  # "direct" | "reported"
    speaker: str | None


@dataclass(frozen=True)
class GoldDoc:
    id: str
    text: str
    language: str
    quotations: tuple[GoldQuote, ...]
    speaker_ids: bool = False  # speakers are entity labels ("young_American-29"), not words said


@dataclass
class Counts:
    tp: int = 0
    pred: int = 0
    gold: int = 0

    def add(self, tp: int, pred: int, gold: int) -> None:
        self.tp, self.pred, self.gold = self.tp + tp, self.pred + pred, self.gold + gold

    @property
    def precision(self) -> float:
        return self.tp / self.pred if self.pred else 0.0

    @property
    def recall(self) -> float:
        return self.tp / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Scores:
    name: str
    docs: int = 0
    seconds: float = 0.0
    direct: Counts = field(default_factory=Counts)
    direct_speaker: Counts = field(default_factory=Counts)
    reported: Counts = field(default_factory=Counts)
    reported_speaker: Counts = field(default_factory=Counts)
    direct_entity: Counts | None = None  # speaker by entity (`aligned_speakers`), id corpora only


# --- loaders ------------------------------------------------------------------------------------


def load_jsonl(path: Path) -> list[GoldDoc]:
    """Our gold format: one JSON object a line: {"id", "language", "text", "quotations": [{"start",
    "end", "kind", "speaker"}]}; offsets are Python string indices into "text"."""
    docs = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        item = json.loads(line)
        quotes = tuple(
            GoldQuote(q["start"], q["end"], q["kind"], q.get("speaker")) for q in item["quotations"]
        )
        docs.append(
            GoldDoc(item.get("id", f"{path.stem}-{number}"), item["text"], item["language"], quotes)
        )
    return docs


class CorpusChanged(ValueError):
    """A gold set's offsets were made on a text that is no longer the one in the corpus."""


def load_news_gold(path: Path, corpus_root: Path) -> list[GoldDoc]:
    """Gold annotations that hold no text (tests/gold/quotes-news/*.jsonl): one JSON object a line,
    {"item_id", "sha256", "language", "quotations": [{"start", "end", "kind", "speaker"}]}; the text
    is the item's "articleBody" in `corpus_root`/scrapinghub-article-extraction-benchmark/
    ground-truth.json (third-party news, never copied into the repository). A text whose sha256 is
    not the one the annotator saw raises `CorpusChanged`: its offsets would point elsewhere."""
    ground_truth = corpus_root / SCRAPINGHUB / "ground-truth.json"
    bodies = json.loads(ground_truth.read_text(encoding="utf-8"))
    docs = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        item = json.loads(line)
        item_id = item["item_id"]
        if item_id not in bodies:
            raise CorpusChanged(f"{path}:{number}: item {item_id} is not in {ground_truth}")
        text = bodies[item_id]["articleBody"]
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if digest != item["sha256"]:
            raise CorpusChanged(
                f"{path}:{number}: the articleBody of item {item_id} in {ground_truth} has sha256 "
                f"{digest}, the annotations were made on {item['sha256']}: re-annotate or restore"
            )
        quotes = tuple(
            GoldQuote(q["start"], q["end"], q["kind"], q.get("speaker")) for q in item["quotations"]
        )
        docs.append(GoldDoc(item_id, text, item["language"], quotes))
    return docs


WIKINEWS_KINDS = {"Direct": "direct", "Indirect": "reported"}


def load_wikinews(root: Path, split: str = "test") -> list[GoldDoc]:
    """German Wikinews: "Direct" -> direct, "Indirect" -> reported (other types are not scored)."""
    docs = []
    for path in sorted((root / "data" / split).glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        quotes = []
        for ann in data["annotations"]:
            kind = WIKINEWS_KINDS.get(ann["type"])
            spans = ann["quote"]["spans"]
            if kind is None or not spans:
                continue
            speaker = (ann.get("speaker") or {}).get("text") or None
            quotes.append(GoldQuote(spans[0]["charBegin"], spans[-1]["charEnd"], kind, speaker))
        docs.append(GoldDoc(path.stem, data["originalText"], "de", tuple(quotes)))
    return docs


def load_litbank(root: Path, *, tokenised: bool = False) -> list[GoldDoc]:
    """LitBank quotations: tokens joined by one space, sentences by "\\n"; speaker ids become names
    ("Mrs_Bennet-7" -> "Mrs Bennet"). Files without any quotation are skipped.

    LitBank's text is tokenised ("‘ I do n’t know , ’ he said ."); published text is not, and the
    extractor reads published text. Unless `tokenised`, the spaces a tokeniser added are taken out
    again (`detokenised`): only spaces are removed, so each gold span keeps its characters."""
    docs = []
    for ann_path in sorted((root / "tsv").glob("*.ann")):
        rows = [
            line.split("\t") for line in ann_path.read_text(encoding="utf-8").splitlines() if line
        ]
        if not rows:
            continue
        lines = ann_path.with_suffix(".txt").read_text(encoding="utf-8").split("\n")
        starts, offset = [], 0
        for line in lines:
            starts.append(offset)
            offset += len(line) + 1
        text = "\n".join(lines)
        moved = list(range(len(text) + 1))
        if not tokenised:
            text, moved = detokenised(lines)
        speakers = {
            r[1]: r[2].rsplit("-", 1)[0].replace("_", " ") for r in rows if r[0] == "ATTRIB"
        }
        quotes = []
        for r in rows:
            if r[0] != "QUOTE":
                continue
            s_line, s_tok, e_line, e_tok = map(int, r[2:6])
            start = starts[s_line] + _token_offset(lines[s_line], s_tok)
            end = (
                starts[e_line]
                + _token_offset(lines[e_line], e_tok)
                + len(lines[e_line].split(" ")[e_tok])
            )
            quotes.append(GoldQuote(moved[start], moved[end], "direct", speakers.get(r[1])))
        docs.append(GoldDoc(ann_path.stem, text, "en", tuple(quotes), speaker_ids=True))
    return docs


_NO_SPACE_BEFORE = re.compile(r"[,.;:!?)\]}%…”’]+|n['’]t|['’](?:s|ll|ve|m|d|re|t)", re.I)
_NO_SPACE_AFTER = {"(", "[", "{", "“", "‘", "$"}


def detokenised(lines: list[str]) -> tuple[str, list[int]]:
    """Sentence lines of space-separated tokens -> the text as printed, and where each offset of the
    tokenised text (tokens joined by one space, lines by "\\n") went. No space before punctuation,
    closing marks and clitics ("n't", "'s"), none after opening marks and brackets; straight quotes
    (" and a lone ') alternate between opening and closing through the document, except a lone '
    after a plural before a lower-case word (a possessive). Hand-written: Moses-style detokenisers
    (sacremoses) return no offsets, and the gold spans need them."""
    pieces: list[str] = []
    moved: list[int] = []
    size = 0
    is_open = {'"': False, "'": False}
    for number, line in enumerate(lines):
        tokens = line.split(" ")
        glue = False
        for index, token in enumerate(tokens):
            role = None
            if token in is_open:
                role = "close" if is_open[token] else "open"
                if role == "open" and token == "'" and _possessive(tokens, index):
                    role = "possessive"
            if index:
                moved.append(size)  # the tokeniser's space: where the next character lands
                if not (
                    glue or role in ("close", "possessive") or _NO_SPACE_BEFORE.fullmatch(token)
                ):
                    pieces.append(" ")
                    size += 1
            for char in token:
                moved.append(size)
                pieces.append(char)
                size += 1
            if role in ("open", "close"):
                is_open[token] = role == "open"
            glue = role == "open" or token in _NO_SPACE_AFTER
        if number < len(lines) - 1:
            moved.append(size)
            pieces.append("\n")
            size += 1
    moved.append(size)
    return "".join(pieces), moved


def _possessive(tokens: list[str], index: int) -> bool:
    before = tokens[index - 1] if index else ""
    after = tokens[index + 1] if index + 1 < len(tokens) else ""
    return before[-1:] in ("s", "S") and after[:1].islower()


def litbank_halves(docs: list[GoldDoc]) -> tuple[list[GoldDoc], list[GoldDoc]]:
    """LitBank has no dev split: its documents, sorted by file name, alternate between half "a"
    (1st, 3rd, …: the one rules are tuned on) and half "b" (2nd, 4th, …: held out)."""
    ordered = sorted(docs, key=lambda d: d.id)
    return ordered[0::2], ordered[1::2]


def _token_offset(line: str, token: int) -> int:
    return sum(len(t) + 1 for t in line.split(" ")[:token])


# --- scoring ------------------------------------------------------------------------------------


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in TRIM:
        start += 1
    while end > start and text[end - 1] in TRIM:
        end -= 1
    return start, end


def _pairs(
    text: str, gold: list[GoldQuote], pred: list[Quotation]
) -> list[tuple[GoldQuote, Quotation]]:
    """One-to-one matches, greedy by overlap, overlap >= half the longer trimmed span."""
    candidates = []
    for gi, g in enumerate(gold):
        gs, ge = _trimmed(text, g.start, g.end)
        for pi, p in enumerate(pred):
            ps, pe = _trimmed(text, p.start, p.end)
            overlap = min(ge, pe) - max(gs, ps)
            if overlap > 0 and overlap >= 0.5 * max(ge - gs, pe - ps):
                candidates.append((overlap, gi, pi))
    used_g, used_p, out = set(), set(), []
    for _, gi, pi in sorted(candidates, reverse=True):
        if gi not in used_g and pi not in used_p:
            used_g.add(gi)
            used_p.add(pi)
            out.append((gold[gi], pred[pi]))
    return out


def speaker_matches(gold: str | None, pred: Quotation) -> bool:
    if not gold:
        return pred.speaker is None and pred.speaker_norm is None
    want = set(speaker_key(gold).split()) - STOP
    have = set()
    for name in (pred.speaker, pred.speaker_norm):
        if name:
            have |= set(speaker_key(name).split()) - STOP
    return bool(want & have)


def aligned_speakers(pairs: list[tuple[GoldQuote, Quotation]]) -> int:
    """Matched quotations whose speaker is the right entity, when the gold speakers are entity
    labels rather than names. LitBank labels a character by one mention, often not its name
    ("young_American-29" is Winterbourne, "a_small_boy-44" Randolph), so word overlap cannot
    credit a right name. Each gold label is paired with at most one predicted speaker and each
    predicted speaker with at most one label, greedily by how many quotations they share (pairs
    whose words match first), as coreference scores do (CEAF); a quotation counts when its
    predicted speaker is the one paired with its gold label."""
    shared: dict[tuple[str, str], list[int]] = {}
    for gold, pred in pairs:
        name = pred.speaker_norm or pred.speaker
        if gold.speaker and name:
            votes = shared.setdefault((gold.speaker, speaker_key(name)), [0, 0])
            votes[0] += speaker_matches(gold.speaker, pred)
            votes[1] += 1
    paired: dict[str, str] = {}
    taken: set[str] = set()
    for (label, name), _votes in sorted(shared.items(), key=lambda kv: kv[1], reverse=True):
        if label not in paired and name not in taken:
            paired[label] = name
            taken.add(name)
    right = 0
    for gold, pred in pairs:
        name = pred.speaker_norm or pred.speaker
        if not gold.speaker:
            right += name is None
        elif name:
            right += paired.get(gold.speaker) == speaker_key(name)
    return right


def score_docs(name: str, docs: Iterable[GoldDoc]) -> Scores:
    scores = Scores(name)
    began = time.perf_counter()
    for doc in docs:
        predicted = extract_quotations(doc.text, doc.language)
        scores.docs += 1
        for kind, plain, with_speaker in (
            ("direct", scores.direct, scores.direct_speaker),
            ("reported", scores.reported, scores.reported_speaker),
        ):
            gold = [q for q in doc.quotations if q.kind == kind]
            pred = [q for q in predicted if q.kind == kind]
            pairs = _pairs(doc.text, gold, pred)
            plain.add(len(pairs), len(pred), len(gold))
            with_speaker.add(
                sum(speaker_matches(g.speaker, p) for g, p in pairs), len(pred), len(gold)
            )
            if doc.speaker_ids and kind == "direct":
                scores.direct_entity = scores.direct_entity or Counts()
                scores.direct_entity.add(aligned_speakers(pairs), len(pred), len(gold))
    scores.seconds = time.perf_counter() - began
    return scores


def corpora(
    corpus_root: Path, gold_dir: Path, split: str = "test", *, litbank_tokens: bool = False
) -> dict[str, list[GoldDoc]]:
    """Every corpus found: our gold sets always, the shared ones when present."""
    out = {f"gold-{p.stem}": load_jsonl(p) for p in sorted(gold_dir.glob("*.jsonl"))}
    wikinews = corpus_root / "quotes-de-wikinews"
    if wikinews.is_dir():
        out[f"de-wikinews-{split}"] = load_wikinews(wikinews, split)
    litbank = corpus_root / "quotes-litbank-en"
    if litbank.is_dir():
        docs = load_litbank(litbank, tokenised=litbank_tokens)
        half_a, half_b = litbank_halves(docs)
        out["litbank-en"] = docs
        out["litbank-en-a"] = half_a  # tuned on
        out["litbank-en-b"] = half_b  # held out
    if (corpus_root / SCRAPINGHUB).is_dir():
        for name, path in NEWS_SETS.items():
            if path.is_file():
                out[name] = load_news_gold(path, corpus_root)
    return out


def format_table(rows: list[Scores]) -> str:
    head = f"{'corpus':<20}{'docs':>5}{'gold':>6}{'direct P/R/F1':>20}{'+speaker F1':>13}{'+entity':>9}{'gold':>6}{'reported P/R/F1':>20}{'+speaker F1':>13}{'ms/doc':>8}"
    lines = [head, "-" * len(head)]
    for s in rows:
        d, r = s.direct, s.reported
        entity = f"{s.direct_entity.f1:.2f}" if s.direct_entity else "-"
        lines.append(
            f"{s.name:<20}{s.docs:>5}{d.gold:>6}"
            f"{f'{d.precision:.2f}/{d.recall:.2f}/{d.f1:.2f}':>20}{s.direct_speaker.f1:>13.2f}{entity:>9}"
            f"{r.gold:>6}{f'{r.precision:.2f}/{r.recall:.2f}/{r.f1:.2f}':>20}{s.reported_speaker.f1:>13.2f}"
            f"{1000 * s.seconds / max(s.docs, 1):>8.1f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m memoryhole.quotes.evaluate", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--corpus-root", type=Path, default=DEFAULT_CORPUS_ROOT)
    parser.add_argument(
        "--gold", type=Path, default=DEFAULT_GOLD, help="directory of *.jsonl gold sets"
    )
    parser.add_argument("--split", default="test", help="Wikinews split: test or dev")
    parser.add_argument(
        "--limit", type=int, default=None, help="score only the first N docs of each"
    )
    parser.add_argument(
        "--litbank-tokens",
        action="store_true",
        help="score LitBank on its tokenised text as shipped (default: as printed, see load_litbank)",
    )
    args = parser.parse_args(argv)
    for language in ("en", "ru", "az", "de"):
        load_lexicon(language)  # load outside the timed loop
    first_name_gender("Ann")  # and the first-name list
    rows = [
        score_docs(name, docs[: args.limit])
        for name, docs in corpora(
            args.corpus_root, args.gold, args.split, litbank_tokens=args.litbank_tokens
        ).items()
    ]
    print(format_table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
