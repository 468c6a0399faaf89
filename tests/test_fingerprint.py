"""Cheap furniture-blind fingerprint (memoryhole.fingerprint)."""

from __future__ import annotations

import gzip
import time
from pathlib import Path

import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from memoryhole.extract import extract
from memoryhole.fingerprint import body_fingerprint, is_furniture

CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"

PARAS = [
    "The council voted on Tuesday to close the harbour bridge to cars from next spring.",
    "\u201cWe cannot keep patching it,\u201d said the mayor after the vote.",
    "A replacement will take three years and cost about 40 million euros.",
]


def page(
    *,
    title: str = "Council closes bridge",
    paras: list[str] = PARAS,
    clock: str = "10:41:07",
    views: int = 1204,
    nonce: str = "a1b2c3",
    most_read: tuple[str, ...] = ("Cat rescued", "Storm warning"),
    ad: str = "Buy shoes now",
    comments: int = 12,
    wrapper_class: str = "article-body",
) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paras)
    reads = "".join(f"<li><p>{r}</p></li>" for r in most_read)
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>{title} - {clock}</title>
<meta name="csrf-token" content="{nonce}"><script nonce="{nonce}">var t="{clock}";</script></head>
<body class="page-{nonce}"><header><p class="clock">{clock}</p></header>
<form><input type="hidden" name="csrf" value="{nonce}"><p>Search the site</p></form>
<main><article><h1>{title}</h1>
<div class="stats"><p class="view-counter">{views} views</p><p><span class="comments-count">{comments}</span> comments</p></div>
<div class="{wrapper_class}">{body}</div>
<div id="ad-slot-1" class="ad"><p>{ad}</p></div>
<section class="mostRead"><p>Most read</p><ol>{reads}</ol></section>
<div class="related-articles"><p>Related: {most_read[0]}</p></div>
</article></main>
<aside><p>Newsletter signup at {clock}</p></aside>
<div id="cookie-consent"><p>We use cookies ({nonce})</p></div>
<footer><p>Rendered at {clock}</p></footer></body></html>""".encode()


BASE = body_fingerprint(page())


@pytest.mark.parametrize(
    "variant",
    [
        {"clock": "23:59:59"},
        {"views": 99999},
        {"nonce": "zz9"},
        {"most_read": ("Something else", "Entirely", "New")},
        {"ad": "Cheap flights"},
        {"comments": 40},
        {
            "clock": "00:00:01",
            "views": 3,
            "nonce": "q",
            "most_read": ("x",),
            "ad": "y",
            "comments": 0,
        },
    ],
)
def test_stable_under_furniture_changes(variant: dict) -> None:
    assert body_fingerprint(page(**variant)) == BASE


@pytest.mark.parametrize(
    "variant",
    [
        {"title": "Council keeps bridge open"},
        {"paras": [PARAS[0], PARAS[1].replace("patching", "repairing"), PARAS[2]]},
        {"paras": PARAS[:2]},
        {"paras": [*PARAS, "Correction: an earlier version misnamed the mayor."]},
        {"paras": [PARAS[1], PARAS[0], PARAS[2]]},
    ],
)
def test_changes_on_title_or_paragraph_edits(variant: dict) -> None:
    assert body_fingerprint(page(**variant)) != BASE


def test_mislabelled_wrapper_still_counts() -> None:
    """A furniture-sounding class on the element holding the article must not hide it."""
    labelled = page(wrapper_class="article-body share-enabled")
    edited = page(wrapper_class="article-body share-enabled", paras=PARAS[:2])
    assert body_fingerprint(labelled) != body_fingerprint(edited)


def test_is_furniture() -> None:
    def el(html: str) -> lxml.html.HtmlElement:
        return lxml.html.fragment_fromstring(html)

    assert is_furniture(el('<div class="most-read"></div>'))
    assert is_furniture(el('<div id="mostPopular"></div>'))
    assert is_furniture(el('<span class="ad"></span>'))
    assert not is_furniture(el('<div class="header-lead thread shadow"></div>'))  # no "ad" token
    assert not is_furniture(el('<article class="comments-open"></article>'))
    assert not is_furniture(el("<div></div>"))


def test_charset_argument_and_decoding() -> None:
    utf8 = page(title="Caf\u00e9 ferm\u00e9")
    cp1252 = utf8.decode().replace('charset="utf-8"', "").encode("cp1252")
    assert body_fingerprint(cp1252, "windows-1252") == body_fingerprint(utf8)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=3000))
def test_never_raises(data: bytes) -> None:
    assert body_fingerprint(data).startswith("fp1")


def test_thin_pages_are_not_trusted() -> None:
    """A body in bare <div>s leaves the fingerprint only the title: it must not vouch for the article."""
    from memoryhole.fingerprint import is_trusted

    thin = b"<html><h1>Title</h1><div>" + b"Body text in a div. " * 50 + b"</div></html>"
    assert not is_trusted(body_fingerprint(thin))
    full = (
        b"<html><h1>Title</h1><article>"
        + b"<p>"
        + b"A real paragraph of the story. " * 20
        + b"</p></article></html>"
    )
    assert is_trusted(body_fingerprint(full))


def test_cost_against_extract_on_corpus() -> None:
    """Prints the fingerprint/extract time ratio on real pages (no timing asserts: the machine
    is shared). Also checks a page's fingerprint is stable across two parses."""
    pages_dir = CORPUS / "scrapinghub-article-extraction-benchmark" / "html"
    if not pages_dir.is_dir():
        pytest.skip(f"corpus not found at {pages_dir}")
    pages = [gzip.decompress(p.read_bytes()) for p in sorted(pages_dir.glob("*.gz"))[:20]]
    body_fingerprint(pages[0])  # warm-up: first-call costs are not the per-page cost
    extract(pages[0], "https://example.com/2019/01/01/some-article")
    start = time.perf_counter()
    prints = [body_fingerprint(p) for p in pages]
    fp_time = time.perf_counter() - start
    start = time.perf_counter()
    for p in pages:
        extract(p, "https://example.com/2019/01/01/some-article")
    ex_time = time.perf_counter() - start
    kib = sum(map(len, pages)) / 1024
    print(f"fingerprint {fp_time / kib * 100 * 1000:.2f} ms per 100 KiB; "
          f"extract {ex_time / kib * 100 * 1000:.1f} ms per 100 KiB; ratio {ex_time / fp_time:.1f}x")  # fmt: skip
    assert prints == [body_fingerprint(p) for p in pages]
    assert len(set(prints)) == len(prints)
