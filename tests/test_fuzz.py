"""Fuzzing everything that parses untrusted bytes: feeds, sitemaps, robots.txt, HTML extraction, URLs,
the soft-404 and removed-notice classifiers, content decoding and WARC reading. The only acceptable
outcome is a value (or the documented exception); crashes found are kept as @example regressions."""

from __future__ import annotations

import contextlib
import functools
import gzip
import tempfile
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from protego import Protego
from warcio.exceptions import ArchiveLoadFailed

from memoryhole import soft404
from memoryhole.archive import Archive, iter_records, read_records, verify
from memoryhole.extract import extract, extract_links
from memoryhole.fetcher import (
    DecodeFailure,
    content_problem,
    decode_content,
    parse_retry_after,
    sniff_charset,
)
from memoryhole.fingerprint import body_fingerprint
from memoryhole.models import Document, Exchange, Fetch, Listing, WarcLocation
from memoryhole.sources.discover import discover
from memoryhole.sources.feeds import parse_feed
from memoryhole.sources.listings import parse_listing_page
from memoryhole.sources.opml import parse_opml
from memoryhole.sources.sitemaps import parse_sitemap
from memoryhole.sources.xmlsafe import parse_xml
from memoryhole.urls import canonicalize, looks_like_article_url, same_site, url_kind

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BASE = "http://news.example/"

RSS = (
    b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>'
    b"<link>http://news.example/</link><item><title>One</title>"
    b"<link>http://news.example/2026/11/28/one-story.html</link>"
    b"<pubDate>Sat, 28 Nov 2026 09:00:00 GMT</pubDate></item></channel></rss>"
)
ATOM = (
    b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>'
    b'<entry><title>One</title><link href="/news/123-one"/><updated>2026-11-28T09:00:00Z'
    b"</updated></entry></feed>"
)
SITEMAP = (
    b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
    b'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"><url>'
    b"<loc>http://news.example/2026/11/28/one.html</loc><news:news><news:publication_date>"
    b"2026-11-28T09:00:00Z</news:publication_date><news:title>One</news:title></news:news>"
    b"</url></urlset>"
)
INDEX = (
    b'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    b"<sitemap><loc>/sitemaps/news.xml</loc></sitemap></sitemapindex>"
)
HTML = (
    b"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Harbour plan</title>"
    b"<link rel='canonical' href='/2026/11/28/harbour.html'><link rel='alternate' "
    b"type='application/rss+xml' href='/rss.xml'></head><body><nav><a href='/world/'>World</a>"
    b"</nav><article><h1>Harbour plan</h1><time datetime='2026-11-28'>28 Nov</time><p>The "
    b"council met on Tuesday to discuss the harbour plan.</p><p>\xe2\x80\x9cIt is late,\xe2\x80"
    b"\x9d said Ann Lee.</p><a href='/2026/11/27/older-story-about-things.html'>Older story about"
    b" the things</a></article></body></html>"
)
ROBOTS = "User-agent: *\nDisallow: /private/\nCrawl-delay: 2\nSitemap: /sitemap.xml\n"


@st.composite
def mutated(draw: st.DrawFn, seed: bytes) -> bytes:
    """``seed`` with a few random edits: byte flips, insertions, deletions, truncation."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(0, 6))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "dup"]))
        pos = draw(st.integers(0, max(0, len(data) - 1)))
        if op == "flip" and data:
            data[pos] = draw(st.integers(0, 255))
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=16))
        elif op == "delete":
            del data[pos : pos + draw(st.integers(1, 32))]
        elif op == "truncate":
            del data[pos:]
        elif op == "dup":
            data[pos:pos] = data[pos : pos + draw(st.integers(1, 64))]
    return bytes(data)


def xmlish(seeds: list[bytes]) -> st.SearchStrategy[bytes]:
    tokens = st.sampled_from(
        [b"<", b">", b"</", b"<!ENTITY", b"<!DOCTYPE x [", b"]>", b"&", b";", b"&#", b"<![CDATA[",
         b"]]>", b"<?xml", b"?>", b'"', b"=", b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"<item>",
         b"<url><loc>", b"http://", b"</loc></url>", b"<link>", b"\xc3", b"<sitemap>"]
    )  # fmt: skip
    return st.one_of(
        st.binary(max_size=2000),
        st.lists(tokens | st.binary(max_size=8), max_size=60).map(b"".join),
        *(mutated(s) for s in seeds),
    )


def _assert_listing(listing: Listing, kinds: set[str]) -> None:
    assert isinstance(listing, Listing) and listing.kind in kinds
    for e in listing.entries:
        assert e.url.startswith(("http://", "https://"))
    if listing.error is not None:
        assert not listing.entries


# ---------------------------------------------------------------------------- feeds and sitemaps


@FAST
@given(
    xmlish([RSS, ATOM, b'{"version":"https://jsonfeed.org/version/1.1","items":[{"url":"/a"}]}'])
)
@example(b"{" + b"[" * 100_000)  # deep JSON must not overflow the stack
@example(b'<?xml version="1.0" encoding="utf-16"?><rss/>')
def test_parse_feed_never_raises(body: bytes) -> None:
    _assert_listing(parse_feed(body, BASE + "rss.xml"), {"feed"})


@FAST
@given(xmlish([SITEMAP, INDEX, b"http://news.example/a-long-story-here\n"]))
@example(b"\x1f\x8b" + b"\x00" * 20)  # a gzip magic with junk after it
@example(zlib.compress(SITEMAP)[:40])
def test_parse_sitemap_never_raises(body: bytes) -> None:
    _assert_listing(parse_sitemap(body, BASE + "sitemap.xml"), {"sitemap", "sitemap-index"})


@FAST
@given(xmlish([b"<opml><body><outline xmlUrl='http://a.example/rss'/></body></opml>"]))
def test_opml_and_xml_parsing_never_raise_unexpectedly(body: bytes) -> None:
    parse_xml(body)
    with contextlib.suppress(ValueError):  # the documented refusal (OpmlError)
        parse_opml(body)


# ---------------------------------------------------------------------------- robots.txt


robots_text = st.one_of(
    st.text(max_size=1500),
    st.lists(
        st.sampled_from(
            [
                "User-agent: *",
                "User-agent: memoryhole",
                "Disallow: /",
                "Allow: /a$",
                "Disallow: *",
                "Disallow: /*?",
                "Crawl-delay: x",
                "Sitemap: ",
                "Sitemap: http://[::1",
                "Request-rate: 1/0",
                "Disallow: %",
                "Allow: /%E2%82",
                "\x00",
                "#",
                "\ufeff",
            ]
        )  # fmt: skip
        | st.text(max_size=30),
        max_size=30,
    ).map("\n".join),
)


@FAST
@given(robots_text, st.text(max_size=60))
@example("Disallow: /%", "/%")
@example("SITEMAP:A://[", "")  # urljoin raised ValueError out of discover()
def test_robots_parsing_never_raises(text: str, path: str) -> None:
    parser = Protego.parse(text)
    assert parser.can_fetch(BASE + path.lstrip("/"), "memoryhole") in (True, False)
    list(parser.sitemaps)
    found = discover(HTML, BASE, text)
    assert all(s.startswith(("http://", "https://")) for s in found.sitemaps)


# ---------------------------------------------------------------------------- HTML


html_bytes = st.one_of(
    mutated(HTML),
    st.binary(max_size=3000),
    st.text(max_size=2000).map(lambda s: s.encode("utf-8", "surrogatepass")),
)
hrefs = st.one_of(
    st.sampled_from(["http://[", "//[::1", "http://]", "https://a:99999/", "\x00", "javascript:x"]),
    st.text(max_size=40),
)


@st.composite
def linked_html(draw: st.DrawFn) -> bytes:
    """A page whose canonical, og:url, <base>, feed link and anchors carry arbitrary hrefs."""
    h = [draw(hrefs).replace("'", "") for _ in range(5)]
    return (
        f"<html><head><link rel='canonical' href='{h[0]}'><meta property='og:url' content='{h[1]}'>"
        f"<base href='{h[2]}'><link rel='alternate' type='application/rss+xml' href='{h[3]}'>"
        f"</head><body><nav><a href='{h[4]}'>World</a></nav><article><p>Text.</p>"
        f"<a href='{h[4]}'>a story about four things</a></article></body></html>"
    ).encode("utf-8", "surrogatepass")


html_bytes = st.one_of(linked_html(), html_bytes)
charsets = st.sampled_from([None, "utf-8", "cp1251", "utf-16", "latin-1", "x-bogus", "utf-7", ""])


@SLOW
@given(html_bytes, charsets)
@example(b"<div>" * 20_000, None)
@example(b"\xff\xfe<\x00h\x00", "utf-8")
@example(
    b"<html><head><link rel=canonical href='http://['></head><body><p>x</p></body></html>", None
)
@example(HTML.replace(b"<title>", b"<title>\xed\xa0\x80"), "utf-8")
def test_extract_never_raises(body: bytes, charset: str | None) -> None:
    doc = extract(body, BASE + "2026/11/28/story.html", charset=charset)
    assert isinstance(doc, Document) and doc.page_type in ("article", "listing", "other")
    assert isinstance(doc.digest, str)


@FAST
@given(html_bytes, charsets)
@example(b"<html><head><base href='http://['></head><body><a href='/a'>x</a></body></html>", None)
@example(
    b"<ul><li><a href='/2026/11/28/a-story'>A story that reads like news</a>"
    b"<time datetime='9999-12-31T23:59:59-23:59'></time></li>"
    b"<li><a href='/2026/11/28/b-story'>B story that reads like news</a>"
    b"<time datetime='0001-01-01T00:00:00+23:59'></time></li></ul>",
    None,
)
def test_link_listing_charset_and_fingerprint_never_raise(body: bytes, charset: str | None) -> None:
    listing = parse_listing_page(body, BASE, BASE)
    assert listing.error is None or not listing.entries
    for entry in listing.entries:  # teaser dates, when read, are aware and in UTC
        assert entry.published is None or entry.published.utcoffset() == timedelta(0)
    for url, _anchor in extract_links(body, BASE):
        assert url.startswith(("http://", "https://"))
    sniffed = sniff_charset(f"text/html; charset={charset}" if charset else None, body)
    assert sniffed is None or isinstance(sniffed, str)
    problem = content_problem("html", "text/html", body)
    assert problem is None or isinstance(problem, str)
    assert isinstance(body_fingerprint(body, charset), str)


@FAST
@given(st.one_of(mutated(HTML), linked_html()), st.text(max_size=200))
@example(b"<link rel='alternate' type='application/rss+xml' href='http://['>", "")
def test_discover_never_raises(body: bytes, robots: str) -> None:
    found = discover(body, BASE, robots)
    assert all(u.startswith(("http://", "https://")) for u in (*found.feeds, *found.listings))


# ---------------------------------------------------------------------------- URLs


url_text = st.one_of(
    st.text(max_size=200),
    st.builds(
        lambda scheme, host, port, path, query: f"{scheme}://{host}{port}/{path}?{query}",
        st.sampled_from(["http", "https", "HTTP", "ftp", "javascript", ""]),
        st.text(max_size=30),
        st.sampled_from(["", ":80", ":0", ":99999", ":-1", ":x"]),
        st.text(max_size=60),
        st.text(max_size=60),
    ),
)


@FAST
@given(url_text)
@example("http://[::1")
@example("http://exa mple.com/%zz/../..//?utm_source=x&a=1#frag")
@example("http://xn--/")
def test_canonicalize_and_url_shape_never_raise(url: str) -> None:
    once = canonicalize(url)
    assert isinstance(once, str)
    assert canonicalize(once) == once  # one form per URL
    url_kind(url), looks_like_article_url(url), same_site(url, BASE)


# ---------------------------------------------------------------------------- classifiers


@FAST
@given(st.text(max_size=400), st.text(max_size=80))
@example("This material has been removed.", "")
@example("Материал удалён по требованию.", "")
def test_notice_classifiers_never_raise(text: str, title: str) -> None:
    assert soft404.removed_notice(text, title) in (True, False)
    assert soft404.not_found_phrases(text, title) in (True, False)


@FAST
@given(
    st.one_of(st.none(), st.integers(100, 599)),
    st.text(max_size=100),
    st.text(max_size=300),
    st.text(max_size=300),
)
def test_soft404_profile_never_raises(
    status: int | None, final_path: str, probe_text: str, page_text: str
) -> None:
    profile = soft404.Profile.learn(status, BASE + final_path, probe_text, probe_url=BASE + "x")
    restored = soft404.Profile.from_dict(profile.to_dict())
    score = restored.matches(page_text, BASE + final_path)
    assert 0.0 <= score <= 1.0


# ---------------------------------------------------------------------------- decoding


@FAST
@given(
    st.one_of(
        st.binary(max_size=2000),
        mutated(zlib.compress(HTML * 20)),
        mutated(zlib.compress(HTML * 20, wbits=31)),
    ),
    st.sampled_from(["gzip", "deflate", "br", "gzip, br", "identity", "x-bogus", "", "GZIP "]),
    st.booleans(),
)
def test_decode_content_raises_only_decode_failure(raw: bytes, coding: str, complete: bool) -> None:
    try:
        out = decode_content(raw, coding, limit=64 * 1024, complete=complete)
    except DecodeFailure as exc:
        assert exc.error in ("too-large", "protocol") and len(exc.partial) <= 64 * 1024
    else:
        assert len(out) <= 64 * 1024


@FAST
@given(st.text(max_size=60))
@example("Sat, 99 Nov 2026 99:00:00 GMT")
@example("99999999999999999999")
@example("\xb2")  # "²" passed str.isdigit() and crashed float(): a header byte could end a fetch
def test_retry_after_never_raises(value: str) -> None:
    got = parse_retry_after(value)
    assert got is None or got >= 0


# ---------------------------------------------------------------------------- WARC reading


@functools.cache
def _sample_warc() -> bytes:
    """A real WARC file from Archive: a two-hop fetch (redirect then gzip page) and a failure."""
    when = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)

    def hop(url: str, status: int, headers: list[tuple[str, str]], body: bytes) -> Exchange:
        return Exchange(url, "GET", (("User-Agent", "t"),), status, "OK", "HTTP/1.1",
                        tuple(headers), body, when)  # fmt: skip

    gz = zlib.compress(HTML, wbits=31)
    fetch = Fetch(
        url=BASE + "a",
        started_at=when,
        elapsed=0.1,
        final_url=BASE + "b",
        status=200,
        body=HTML,
        exchanges=(
            hop(BASE + "a", 301, [("Location", "/b")], b""),
            hop(BASE + "b", 200, [("Content-Encoding", "gzip")], gz),
        ),
    )
    failed = Fetch(BASE + "c", when, 1.0, BASE + "c", None, error="timeout", error_detail="slow")
    with tempfile.TemporaryDirectory() as tmp:
        with Archive(Path(tmp)) as archive:
            archive.write_fetch(fetch)
            archive.write_fetch(failed)
        (path,) = Path(tmp).glob("*.warc.gz")
        return path.read_bytes()


def test_sample_warc_reads_back() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.warc.gz"
        path.write_bytes(_sample_warc())
        types = [r.type for r in iter_records(path)]
    assert types == ["warcinfo", "request", "response", "request", "response", "metadata"]


@FAST
@given(st.data())
def test_warc_reading_survives_mutated_files(data: st.DataObject) -> None:
    original = _sample_warc()
    # Mutate either the raw (gzip) bytes or the WARC text inside one member, re-gzipped.
    if data.draw(st.booleans()):
        blob = data.draw(mutated(original))
    else:
        text = zlib.decompress(original, wbits=31)  # first member only: the warcinfo record
        member = zlib.compress(data.draw(mutated(text)), wbits=31)
        blob = member + original[data.draw(st.integers(0, len(original))) :]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.warc.gz"
        path.write_bytes(blob)
        records = list(iter_records(path))
        report = verify(Path(tmp))
        assert report.records >= len(records) - len(report.bad_records)
        offset = data.draw(st.integers(0, len(blob)))
        length = data.draw(st.integers(0, len(blob)))
        loc = WarcLocation("x.warc.gz", offset, length, None, None)
        # Not a record there: refused with warcio's or our own error, never anything else.
        with contextlib.suppress(ValueError, ArchiveLoadFailed):
            read_records(Path(tmp), loc)
    assert all(0 <= r.offset < len(blob) and r.length > 0 for r in records)


def test_torn_tail_keeps_earlier_records() -> None:
    original = _sample_warc()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.warc.gz"
        path.write_bytes(original + original[: len(original) // 3])
        records = list(iter_records(path))
        report = verify(Path(tmp))
    assert [r.type for r in records[:6]] == ["warcinfo", "request", "response", "request",
                                             "response", "metadata"]  # fmt: skip
    assert report.torn and report.torn[0].offset >= len(original)


def test_a_digest_named_with_a_nul_is_no_record_and_no_crash() -> None:
    """Found by test_warc_reading_survives_mutated_files: warcio hands the digest's name to
    hashlib.new, which raised TypeError for "\\x00sha1"."""
    record = (
        b"WARC/1.1\r\nWARC-Type: warcinfo\r\nWARC-Record-ID: <urn:uuid:1>\r\n"
        b"WARC-Date: 2026-01-01T00:00:00Z\r\nWARC-Block-Digest: \x00sha1:AAAA\r\n"
        b"Content-Type: application/warc-fields\r\nContent-Length: 4\r\n\r\nab\r\n\r\n\r\n"
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.warc.gz"
        path.write_bytes(gzip.compress(record) + _sample_warc())
        assert [r.type for r in iter_records(path)][:1] == ["warcinfo"]  # the sample's, after it
        assert verify(Path(tmp)).bad_records
