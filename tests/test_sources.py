"""Discovery sources: safe XML, feeds, sitemaps, listing pages, auto-discovery, OPML."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from memoryhole.sources.discover import discover
from memoryhole.sources.feeds import parse_feed
from memoryhole.sources.listings import parse_listing_page
from memoryhole.sources.opml import OpmlError, OpmlOutlet, parse_opml
from memoryhole.sources.sitemaps import children_to_follow, gunzip_bounded, parse_sitemap
from memoryhole.sources.xmlsafe import XmlRejected, check_xml, parse_xml

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<rss version="2.0"><channel><title>&lol9;</title>
<item><title>&lol9;</title><link>https://ex.com/a</link></item></channel></rss>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>t</title>
<item><title>&xxe;</title><link>https://ex.com/a</link></item></channel></rss>"""

XXE_SITEMAP = b"""<?xml version="1.0"?>
<!DOCTYPE urlset [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://ex.com/&xxe;</loc></url></urlset>"""


# --- xmlsafe ------------------------------------------------------------------------------------


def test_billion_laughs_rejected_without_expansion() -> None:
    result = parse_xml(BILLION_LAUGHS)
    assert isinstance(result, XmlRejected) and result.reason == "entity-expansion"
    assert not result  # a rejection is falsy, never mistaken for a tree


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_external_entity_rejected(encoding: str) -> None:
    body = XXE.decode().replace('<?xml version="1.0"?>', "").encode(encoding)
    rejected = check_xml(body)
    assert rejected is not None and rejected.reason == "external-entity"


def test_parse_xml_plain_and_broken() -> None:
    root = parse_xml(b"<a><b>x</b></a>")
    assert not isinstance(root, XmlRejected) and root.tag == "a"
    truncated = parse_xml(b"<a><b>x</b><b>y")
    assert not isinstance(truncated, XmlRejected) and len(truncated) >= 1
    assert isinstance(parse_xml(b""), XmlRejected)


def test_external_dtd_is_not_loaded() -> None:
    body = b'<!DOCTYPE a SYSTEM "file:///etc/passwd"><a>ok</a>'
    root = parse_xml(body)
    assert not isinstance(root, XmlRejected) and root.text == "ok"


# --- feeds --------------------------------------------------------------------------------------

RSS2 = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Example</title><link>https://ex.com/</link>
<item><title>First  story</title><link>/2024/05/01/first-story</link>
 <pubDate>Wed, 01 May 2024 10:00:00 +0200</pubDate></item>
<item><title>Guid only</title><guid isPermaLink="true">https://ex.com/guid-story</guid></item>
<item><title>No link at all</title></item>
<item><title>Third</title><link>https://ex.com/third</link></item>
</channel></rss>"""

RSS091 = b"""<?xml version="1.0" encoding="ISO-8859-1"?>
<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"
 "http://my.netscape.com/publish/formats/rss-0.91.dtd">
<rss version="0.91"><channel><title>Old</title><link>http://old.example/</link>
<item><title>Caf\xe9 news</title><link>http://old.example/cafe.html</link></item>
</channel></rss>"""

RSS1 = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://ex.com/"><title>RDF</title><link>https://ex.com/</link></channel>
<item rdf:about="https://ex.com/rdf-1"><title>R1</title><link>https://ex.com/rdf-1</link>
<dc:date>2024-05-01T12:00:00Z</dc:date></item></rdf:RDF>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://ex.com/blog/"><title>A</title>
<entry><title>Atom one</title><link rel="alternate" href="atom-one"/>
<published>2024-05-01T10:00:00-05:00</published><updated>2024-05-02T00:00:00Z</updated></entry>
</feed>"""

JSON_FEED = b"""{"version": "https://jsonfeed.org/version/1.1", "title": "J",
 "home_page_url": "https://ex.com/",
 "items": [{"id": "1", "url": "https://ex.com/j1", "title": "J one",
            "date_published": "2024-05-01T10:00:00+02:00"},
           {"id": "2", "external_url": "/j2"}, {"id": "3"}, "junk"]}"""


def test_rss2() -> None:
    listing = parse_feed(RSS2, "https://ex.com/feed")
    assert listing.kind == "feed" and listing.error is None
    urls = [e.url for e in listing.entries]
    assert urls == [
        "https://ex.com/2024/05/01/first-story",
        "https://ex.com/guid-story",
        "https://ex.com/third",
    ]
    first = listing.entries[0]
    assert first.title == "First story"
    assert first.published == datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    assert [e.position for e in listing.entries] == [0, 1, 2]


def test_rss091_with_doctype_and_latin1() -> None:
    listing = parse_feed(RSS091, "http://old.example/rss")
    assert listing.error is None
    assert listing.entries[0].url == "http://old.example/cafe.html"
    assert listing.entries[0].title == "Caf\u00e9 news"


def test_rss1_rdf() -> None:
    listing = parse_feed(RSS1, "https://ex.com/rdf")
    assert [e.url for e in listing.entries] == ["https://ex.com/rdf-1"]
    assert listing.entries[0].published == datetime(2024, 5, 1, 12, tzinfo=UTC)


def test_atom_relative_link_and_utc() -> None:
    listing = parse_feed(ATOM, "https://ex.com/atom.xml")
    entry = listing.entries[0]
    assert entry.url == "https://ex.com/blog/atom-one"
    assert entry.published == datetime(2024, 5, 1, 15, 0, tzinfo=UTC)


def test_json_feed() -> None:
    listing = parse_feed(JSON_FEED, "https://ex.com/feed.json")
    assert [e.url for e in listing.entries] == ["https://ex.com/j1", "https://ex.com/j2"]
    assert listing.entries[0].published == datetime(2024, 5, 1, 8, tzinfo=UTC)


def test_truncated_feed_keeps_entries_read() -> None:
    listing = parse_feed(RSS2[: RSS2.index(b"<item><title>Third")], "https://ex.com/feed")
    assert [e.url for e in listing.entries][:2] == [
        "https://ex.com/2024/05/01/first-story",
        "https://ex.com/guid-story",
    ]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (BILLION_LAUGHS, "entity-expansion"),
        (XXE, "external-entity"),
        (b"<html><body><p>not a feed</p></body></html>", "malformed"),
        (b"/etc/passwd", "malformed"),  # bytes naming a file must never be opened as a path
        (b"{not json", "malformed"),
        (b"", "malformed"),
    ],
)
def test_bad_feeds_give_error_values(body: bytes, error: str) -> None:
    listing = parse_feed(body, "https://ex.com/feed")
    assert listing.error == error and listing.entries == ()


def test_feed_never_expands_entities_into_titles() -> None:
    listing = parse_feed(XXE, "https://ex.com/feed")
    assert all("root:" not in (e.title or "") for e in listing.entries)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=2000))
def test_parse_feed_total_on_bytes(body: bytes) -> None:
    listing = parse_feed(body, "https://ex.com/feed")
    assert listing.kind == "feed"
    assert all(e.url.startswith(("http://", "https://")) for e in listing.entries)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "<rss>",
                "<channel>",
                "<item>",
                "<link>",
                "https://ex.com/a",
                "</link>",
                "</item>",
                "<title>",
                "&amp;",
                "&bogus;",
                "<![CDATA[x",
                "]]>",
                "<entry>",
                '<link href="/b"/>',
                "</channel>",
                "</rss>",
                "\x00",
                "é",
            ]
        ),
        max_size=30,
    )
)
def test_parse_feed_total_on_feed_fragments(parts: list[str]) -> None:
    listing = parse_feed("".join(parts).encode("utf-8"), "https://ex.com/feed")
    assert listing.error in (None, "malformed")


# --- sitemaps -----------------------------------------------------------------------------------

NEWS_SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
 xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"
 xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
<url><image:image><image:loc>https://cdn.ex.com/pic.jpg</image:loc></image:image>
 <loc>https://ex.com/a</loc><lastmod>2024-05-01</lastmod></url>
<url><loc>https://ex.com/b</loc><news:news><news:publication><news:name>Ex</news:name>
 <news:language>en</news:language></news:publication>
 <news:publication_date>2024-05-02T10:00:00+02:00</news:publication_date>
 <news:title>B  title</news:title></news:news></url>
<url><loc>/relative</loc></url>
</urlset>"""

INDEX = b"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://ex.com/sitemap.xml</loc></sitemap>
<sitemap><loc>https://ex.com/news.xml</loc></sitemap>
<sitemap><loc>https://ex.com/news.xml</loc></sitemap></sitemapindex>"""


def test_news_sitemap() -> None:
    listing = parse_sitemap(NEWS_SITEMAP, "https://ex.com/sitemap.xml")
    assert listing.kind == "sitemap" and listing.error is None
    assert [e.url for e in listing.entries] == [
        "https://ex.com/a",
        "https://ex.com/b",
        "https://ex.com/relative",
    ]
    a, b, _ = listing.entries
    assert a.published == datetime(2024, 5, 1, tzinfo=UTC) and a.title is None
    assert b.published == datetime(2024, 5, 2, 8, tzinfo=UTC) and b.title == "B title"


def test_gzip_sitemap() -> None:
    listing = parse_sitemap(gzip.compress(NEWS_SITEMAP), "https://ex.com/sitemap.xml.gz")
    assert len(listing.entries) == 3


def test_gzip_bomb_bounded() -> None:
    bomb = gzip.compress(b"\0" * (60 * 1024 * 1024), compresslevel=9)
    assert len(bomb) < 100_000
    assert parse_sitemap(bomb, "https://ex.com/s.xml.gz").error == "too-large"
    with pytest.raises(ValueError):
        gunzip_bounded(gzip.compress(b"x" * 2000), limit=1000)


def test_sitemap_index_and_loop_guard() -> None:
    listing = parse_sitemap(INDEX, "https://ex.com/sitemap.xml")
    assert listing.kind == "sitemap-index"
    assert listing.child_sitemaps == ("https://ex.com/sitemap.xml", "https://ex.com/news.xml")
    seen: set[str] = set()
    assert children_to_follow(listing, seen) == ["https://ex.com/news.xml"]  # not itself
    assert children_to_follow(listing, seen) == []  # a second visit adds nothing


def test_text_sitemap() -> None:
    body = b"https://ex.com/a\n\n  https://ex.com/b  \nnot a url\n"
    listing = parse_sitemap(body, "https://ex.com/sitemap.txt")
    assert [e.url for e in listing.entries] == ["https://ex.com/a", "https://ex.com/b"]


@pytest.mark.parametrize(
    ("body", "error"),
    [(BILLION_LAUGHS, "entity-expansion"), (XXE_SITEMAP, "external-entity"),
     (b"<html><p>x</p></html>", "malformed"), (b"\x1f\x8bnot gzip", "malformed"), (b"", "malformed")],
)  # fmt: skip
def test_bad_sitemaps(body: bytes, error: str) -> None:
    assert parse_sitemap(body, "https://ex.com/s.xml").error == error


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=2000))
def test_parse_sitemap_total(body: bytes) -> None:
    listing = parse_sitemap(body, "https://ex.com/s.xml")
    assert listing.kind in ("sitemap", "sitemap-index")
    assert all(e.url.startswith(("http://", "https://")) for e in listing.entries)


# --- listing pages and discovery ----------------------------------------------------------------

HOME = b"""<!doctype html><html lang="en"><head><title>Ex News</title>
<link rel="alternate" type="application/rss+xml" href="/rss/all.xml">
<link rel="alternate" type="application/atom+xml" href="https://ex.com/atom.xml">
<link rel="alternate" hreflang="de" href="https://ex.com/de/">
<link rel="stylesheet" href="/s.css"></head><body>
<header><nav><a href="/">Home</a> <a href="/politics">Politics</a> <a href="/world/europe">Europe</a>
<a href="/about">About us</a> <a href="https://twitter.com/ex">Twitter</a>
<a href="/2024/05/01/pinned-story-in-nav">Pinned</a></nav></header>
<main>
<article><h2><a href="/2024/05/01/big-story?utm_source=home">Big story</a></h2></article>
<article><h2><a href="/politics/minister-resigns-after-long-scandal">Minister resigns after long scandal</a></h2></article>
<article><h2><a href="/2024/05/01/big-story#comments">Big story comments</a></h2></article>
<a href="/misc/77">Some headline reading like a real headline</a>
<a href="/tag/brexit">Brexit</a> <a href="https://other.org/2024/05/01/elsewhere">Elsewhere</a>
</main>
<footer><a href="/2024/01/01/old-story-in-footer">Old story</a></footer></body></html>"""


def test_parse_listing_page() -> None:
    listing = parse_listing_page(HOME, "https://ex.com/", "https://ex.com/")
    assert listing.kind == "listing"
    assert [(e.url, e.title, e.position) for e in listing.entries] == [
        ("https://ex.com/2024/05/01/big-story", "Big story", 0),
        (
            "https://ex.com/politics/minister-resigns-after-long-scandal",
            "Minister resigns after long scandal",
            1,
        ),
        ("https://ex.com/misc/77", "Some headline reading like a real headline", 2),
    ]


SECTION_PAGE = b"""<html><body><header><a href="/">Ex</a><time datetime="2024-05-03T08:00Z">now</time></header>
<main><h2><time datetime="2024-05-02">2 May</time></h2>
<ul><li class="teaser"><a href="/2024/05/02/first-story"><img src="a.jpg"></a>
<h3><a href="/2024/05/02/first-story">First story of the day</a></h3>
<time datetime="2024-05-02T09:30:00+02:00">09:30</time></li>
<li><div class="card"><a href="/2024/05/01/second-story">Second story of the day</a>
<div class="meta"><span itemprop="datePublished" content="2024-05-01T18:00:00Z">yesterday</span></div></div></li>
<li><a href="/2024/04/30/undated-story">An undated story in the list</a></li>
<li><a href="/2024/04/29/bad-date">A story with a broken date</a><time datetime="last tuesday">?</time></li>
</ul></main></body></html>"""


def test_listing_page_teaser_dates() -> None:
    """Each entry takes the date of its own teaser block; a date over several links (a day heading)
    or the page clock belongs to none of them; an unreadable date is no date."""
    listing = parse_listing_page(SECTION_PAGE, "https://ex.com/world/", "https://ex.com/")
    got = {e.url.rsplit("/", 1)[1]: e.published for e in listing.entries}
    assert got == {
        "first-story": datetime(2024, 5, 2, 7, 30, tzinfo=UTC),
        "second-story": datetime(2024, 5, 1, 18, 0, tzinfo=UTC),
        "undated-story": None,
        "bad-date": None,
    }


def test_discover() -> None:
    robots = "User-agent: *\nDisallow: /private\nSitemap: https://ex.com/sitemap_index.xml\n"
    found = discover(HOME, "https://ex.com/", robots)
    assert found.feeds[:2] == ("https://ex.com/rss/all.xml", "https://ex.com/atom.xml")
    assert "https://ex.com/atom.xml" not in found.unverified  # declared, even if a common path
    assert {"https://ex.com/feed", "https://ex.com/rss.xml"} <= found.unverified
    assert found.sitemaps[0] == "https://ex.com/sitemap_index.xml"
    assert "https://ex.com/sitemap_index.xml" not in found.unverified
    assert "https://ex.com/news-sitemap.xml" in found.unverified
    assert found.listings == (
        "https://ex.com/",
        "https://ex.com/politics",
        "https://ex.com/world/europe",
    )


def test_discover_without_robots_or_html() -> None:
    found = discover(b"", "https://ex.com/", None)
    assert found.listings == ("https://ex.com/",)
    assert set(found.feeds) == found.unverified - set(found.sitemaps)


# --- OPML ---------------------------------------------------------------------------------------

OPML = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>Subscriptions</title></head><body>
<outline text="News"><outline text="Local">
  <outline text="Ex" title="Example News" type="rss" xmlUrl="https://ex.com/feed" htmlUrl="https://ex.com/"/>
</outline>
  <outline text="Ex world" type="rss" xmlUrl="https://ex.com/world/feed" htmlUrl="https://www.ex.com"/>
</outline>
<outline text="Other" xmlurl="https://other.org/rss.xml"/>
<outline text="Site without feed" htmlUrl="https://nofeed.net/"/>
<outline text="Junk" xmlUrl="javascript:alert(1)"/>
</body></opml>"""


def test_parse_opml() -> None:
    assert parse_opml(OPML) == [
        OpmlOutlet(
            "Example News", "https://ex.com/", ("https://ex.com/feed", "https://ex.com/world/feed")
        ),
        OpmlOutlet("Other", "https://other.org/", ("https://other.org/rss.xml",)),
        OpmlOutlet("Site without feed", "https://nofeed.net/", ()),
    ]


@pytest.mark.parametrize("body", [BILLION_LAUGHS, XXE, b"<rss/>", b""])
def test_opml_rejections_explain(body: bytes) -> None:
    with pytest.raises(OpmlError, match=r"OPML"):
        parse_opml(body)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=1000))
def test_parse_opml_total(body: bytes) -> None:
    try:
        outlets = parse_opml(body)
    except OpmlError:
        return
    assert all(o.homepage.startswith(("http://", "https://")) for o in outlets)
