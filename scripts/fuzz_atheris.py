"""Coverage-guided fuzzing (atheris/libFuzzer) of the parsers of untrusted bytes; optional, never run
by the tests (tests/test_fuzz.py is the hypothesis version that is).

    .venv/bin/pip install atheris
    .venv/bin/python scripts/fuzz_atheris.py feed -max_total_time=60
    .venv/bin/python scripts/fuzz_atheris.py warc corpus_dir/ -runs=100000

Targets: feed, sitemap, opml, robots, extract, links, url, decode, warc. A crash writes crash-<sha1>
in the working directory; add its bytes to tests/test_fuzz.py as an @example.
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import atheris
from protego import Protego
from warcio.exceptions import ArchiveLoadFailed

# Only our own code is instrumented: instrumenting trafilatura, lxml and numpy takes minutes.
with atheris.instrument_imports(include=["memoryhole"]):
    from memoryhole.archive import iter_records, verify
    from memoryhole.extract import extract, extract_links
    from memoryhole.fetcher import DecodeFailure, decode_content
    from memoryhole.sources.discover import discover
    from memoryhole.sources.feeds import parse_feed
    from memoryhole.sources.opml import OpmlError, parse_opml
    from memoryhole.sources.sitemaps import parse_sitemap
    from memoryhole.urls import canonicalize

BASE = "http://news.example/"
_TMP = Path(tempfile.mkdtemp(prefix="memoryhole-atheris-"))


def _text(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def _opml(data: bytes) -> None:
    with contextlib.suppress(OpmlError):  # the documented refusal
        parse_opml(data)


def _robots(data: bytes) -> None:
    text = _text(data)
    Protego.parse(text).can_fetch(BASE + "a", "memoryhole")
    discover(b"<html></html>", BASE, text)


def _decode(data: bytes) -> None:
    coding = ("gzip", "deflate", "br", "gzip, br")[data[0] % 4] if data else "gzip"
    with contextlib.suppress(DecodeFailure):  # the documented refusal
        decode_content(data[1:], coding, limit=1 << 20)


def _url(data: bytes) -> None:
    once = canonicalize(_text(data))
    assert canonicalize(once) == once, (once, canonicalize(once))


def _warc(data: bytes) -> None:
    path = _TMP / "fuzz.warc.gz"
    path.write_bytes(data)
    try:
        list(iter_records(path))
    except ArchiveLoadFailed:
        raise AssertionError("iter_records let ArchiveLoadFailed out") from None
    verify(_TMP)


TARGETS: dict[str, Callable[[bytes], object]] = {
    "feed": lambda d: parse_feed(d, BASE + "rss.xml"),
    "sitemap": lambda d: parse_sitemap(d, BASE + "sitemap.xml"),
    "opml": _opml,
    "robots": _robots,
    "extract": lambda d: extract(d, BASE + "2026/11/28/story.html"),
    "links": lambda d: extract_links(d, BASE),
    "url": _url,
    "decode": _decode,
    "warc": _warc,
}


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        sys.exit(f"usage: {sys.argv[0]} {{{','.join(TARGETS)}}} [libFuzzer options]")
    target = TARGETS[sys.argv[1]]
    atheris.Setup([sys.argv[0], *sys.argv[2:]], target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
