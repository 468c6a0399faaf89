"""The simulated newsroom, fetched over real sockets on 127.0.0.1 with httpx."""

from __future__ import annotations

import gzip
import http.client
import random
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from memoryhole.simulate import DELETE_HOWS, FAIL_MODES, Newsroom, SimServer, control, serve
from memoryhole.simulate.server import CONTROL_ACTIONS
from memoryhole.simulate.texts import slugify, write_story


@pytest.fixture
def room() -> Newsroom:
    return Newsroom.build(seed=7)


@pytest.fixture
def sim(room: Newsroom) -> Iterator[SimServer]:
    with serve(room) as server:
        yield server


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    # trust_env=False: no proxy from the environment may see simulator traffic.
    with httpx.Client(trust_env=False, timeout=5) as c:
        yield c


def paragraphs(html: str) -> list[str]:
    body = re.search(r'<div class="story-body">(.*?)</div>', html, re.S)
    assert body is not None, "no story body in the page"
    return re.findall(r"<p[^>]*>(.*?)</p>", body[1], re.S)


def feed_url(client: httpx.Client, base: str) -> str:
    home = client.get(base).text
    link = re.search(
        r'<link rel="alternate" type="application/(?:rss|atom)\+xml"[^>]*href="([^"]+)"', home
    )
    assert link is not None
    return link[1]


def feed_links(client: httpx.Client, base: str) -> list[str]:
    parsed = feedparser.parse(client.get(feed_url(client, base)).content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return [e.link for e in parsed.entries]


def sitemap_locs(client: httpx.Client, url: str) -> list[str]:
    return re.findall(r"<loc>([^<]+)</loc>", client.get(url).text)


# --- discovery: feeds, robots, sitemaps ----------------------------------------------------------


def test_feeds_parse_and_list_articles_that_resolve(
    room: Newsroom, sim: SimServer, client: httpx.Client
) -> None:
    for name, base in sim.urls.items():
        links = feed_links(client, base)
        assert len(links) == 20, name
        for link in links[:8]:
            page = client.get(link)
            assert page.status_code == 200, link
            canonical = re.search(r'<link rel="canonical" href="([^"]+)"', page.text)
            assert canonical is not None and canonical[1] == link.split("?")[0]
            assert 'property="og:type" content="article"' in page.text
    # one outlet adds tracking parameters, so canonicalisation matters
    assert all("utm_source=rss" in link for link in feed_links(client, sim.url("capital-times")))
    assert not any("utm_" in link for link in feed_links(client, sim.url("daily-planet")))


def test_robots_names_the_sitemap_and_the_index_names_both_sitemaps(
    sim: SimServer, client: httpx.Client
) -> None:
    for base in sim.urls.values():
        robots = client.get(base + "robots.txt")
        sitemap = re.search(r"^Sitemap: (\S+)$", robots.text, re.M)
        assert sitemap is not None and sitemap[1].startswith(base)
        assert client.get(sitemap[1]).status_code == 200
    index = client.get(sim.url("capital-times") + "sitemap_index.xml").text
    children = re.findall(r"<loc>([^<]+)</loc>", index)
    assert [urlsplit(c).path for c in children] == ["/sitemaps/news.xml", "/sitemaps/all.xml"]


def test_news_sitemap_has_only_the_last_two_days(
    room: Newsroom, sim: SimServer, client: httpx.Client
) -> None:
    fresh = room.publish("capital-times")
    news_url = sim.url("capital-times") + "sitemaps/news.xml"
    news = client.get(news_url).text
    dates = [
        datetime.fromisoformat(d) for d in re.findall(r"<news:publication_date>([^<]+)<", news)
    ]
    assert fresh in news
    assert dates and all(room.now() - d <= timedelta(days=2) for d in dates)
    everything = sitemap_locs(client, sim.url("capital-times") + "sitemaps/all.xml")
    assert len(everything) == 21 > len(dates)
    room.advance(3 * 86400)
    assert fresh not in client.get(news_url).text
    assert fresh in client.get(sim.url("capital-times") + "sitemaps/all.xml").text


def test_roll_pushes_older_items_off_the_feed(
    room: Newsroom, sim: SimServer, client: httpx.Client
) -> None:
    base = sim.url("daily-planet")
    before = feed_links(client, base)
    new = room.roll("daily-planet", 3)
    after = feed_links(client, base)
    assert after[:3] == new[::-1] and after[3:] == before[:17]
    assert before[-1] not in after and client.get(before[-1]).status_code == 200


# --- pages ---------------------------------------------------------------------------------------


def test_noise_changes_bytes_but_not_the_article(
    room: Newsroom, sim: SimServer, client: httpx.Client
) -> None:
    url = room.url_of(room.articles("daily-planet")[-1])
    first, second = client.get(url).text, client.get(url).text
    assert first != second
    assert paragraphs(first) == paragraphs(second) and len(paragraphs(first)) >= 4
    for marker in (
        'name="csrf_token"',
        'class="most-read"',
        'class="clock"',
        "nonce:",
        'class="views"',
        'class="ad"',
    ):
        assert marker in first


def test_without_noise_pages_are_byte_identical(client: httpx.Client) -> None:
    quiet = Newsroom.build(seed=7, outlets=1, noise=False)
    with serve(quiet):
        url = quiet.url_of(quiet.articles()[-1])
        assert client.get(url).content == client.get(url).content


def test_article_page_structure(room: Newsroom, sim: SimServer, client: httpx.Client) -> None:
    for name in ("daily-planet", "vestnik", "capital-times"):
        art = room.articles(name)[-1]
        html = client.get(room.url_of(art)).text
        for pattern in (
            "<article",
            "<h1>",
            'class="byline"',
            '<time class="published" datetime=',
            'name="description"',
        ):
            assert pattern in html, (name, pattern)
        assert re.search(r"(“[^”]+,” \w[\w ]* [A-Z]\w+ [A-Z]\w+)|(«[^»]+», — \w+ \w+ \w+)", html), (
            name
        )


def test_non_article_pages_are_websites_without_article(
    room: Newsroom, sim: SimServer, client: httpx.Client
) -> None:
    base = sim.url("daily-planet")
    home = client.get(base).text
    tag = re.search(r'href="(/tag/[^"]+)"', home)
    author = re.search(r'href="(/author/[^"]+)"', home)
    assert tag and author and 'href="/about"' in home and 'href="/search?q=' in home
    for path in (
        "",
        "world/",
        tag[1].lstrip("/"),
        author[1].lstrip("/"),
        "about",
        "contacts",
        "search?q=the",
    ):
        page = client.get(base + path)
        assert page.status_code == 200, path
        assert 'og:type" content="website"' in page.text and "<article" not in page.text, path
    assert len(re.findall(r'class="teaser"', home)) == 15


def test_russian_outlet_and_the_handcrafted_story(
    room: Newsroom, sim: SimServer, client: httpx.Client
) -> None:
    vestnik = client.get(sim.url("vestnik")).text
    assert '<html lang="ru">' in vestnik and "Политика" in vestnik
    paths = [urlsplit(link).path for link in feed_links(client, sim.url("vestnik"))]
    assert all(re.fullmatch(r"/news/\d+-[a-z0-9-]+", p) for p in paths)
    liu_ru = next(a for a in room.articles("vestnik") if "Лю Цзяньчао" in a.title)
    page = client.get(room.url_of(liu_ru)).text
    assert "«Коридор — это не линия на карте" in page and "— заявил Лю Цзяньчао" in page
    liu_en = next(a for a in room.articles("daily-planet") if "Liu Jianchao" in a.text)
    assert "Chinese companies" in client.get(room.url_of(liu_en)).text


def test_unknown_urls_get_each_outlets_not_found(sim: SimServer, client: httpx.Client) -> None:
    planet = client.get(sim.url("daily-planet") + "zzq-8f3a2b.html")
    assert planet.status_code == 404 and "Not Found" in planet.text
    vestnik = client.get(sim.url("vestnik") + "zzq-8f3a2b.html")
    assert vestnik.status_code == 404 and "Страница не найдена" in vestnik.text
    capital = client.get(sim.url("capital-times") + "zzq-8f3a2b.html")
    assert (
        capital.status_code == 200
        and "Page not found" in capital.text
        and "<article" not in capital.text
    )


# --- HTTP behaviour ------------------------------------------------------------------------------


def test_conditional_get(room: Newsroom, sim: SimServer, client: httpx.Client) -> None:
    art = room.articles("daily-planet")[-1]
    first = client.get(room.url_of(art))
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert client.get(room.url_of(art), headers={"If-None-Match": etag}).status_code == 304
    assert client.get(room.url_of(art), headers={"If-Modified-Since": modified}).status_code == 304
    feed = client.get(sim.url("daily-planet") + "rss.xml")
    assert client.get(feed.url, headers={"If-None-Match": feed.headers["etag"]}).status_code == 304
    room.edit(room.url_of(art), title="A corrected headline")
    assert client.get(room.url_of(art), headers={"If-None-Match": etag}).status_code == 200
    capital = client.get(room.url_of(room.articles("capital-times")[-1]))
    assert "last-modified" not in capital.headers
    assert (
        client.get(capital.url, headers={"If-None-Match": capital.headers["etag"]}).status_code
        == 304
    )
    vestnik = client.get(room.url_of(room.articles("vestnik")[-1]))
    assert "etag" not in vestnik.headers and "last-modified" not in vestnik.headers


def test_gzip_when_asked(room: Newsroom, sim: SimServer, client: httpx.Client) -> None:
    url = room.url_of(room.articles("daily-planet")[-1])
    with client.stream("GET", url, headers={"Accept-Encoding": "gzip"}) as resp:
        raw = b"".join(resp.iter_raw())
    assert resp.headers["content-encoding"] == "gzip"
    assert b"<article" in gzip.decompress(raw)
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and "<article" in plain.text


# --- scripting -----------------------------------------------------------------------------------

EXPECTED = {
    "http-404": (404, None, "Not Found"),
    "http-410": (410, None, "no longer available"),
    "http-403": (403, None, "permission"),
    "http-451": (451, None, "legal reasons"),
    "redirect-home": (301, "/", None),
    "redirect-section": (301, "/{section}/", None),
    "soft-404": (200, None, "Not Found"),
    "removed-notice": (200, None, "This material has been removed."),
    "emptied": (200, None, '<div class="story-body">\n\n</div>'),
}


@pytest.mark.parametrize("how", DELETE_HOWS)
def test_each_delete_how(room: Newsroom, sim: SimServer, client: httpx.Client, how: str) -> None:
    art = room.articles("daily-planet")[-1]
    url = room.url_of(art)
    first_paragraph = art.paragraphs[0][:40]
    assert room.delete(url, how) == url
    resp = client.get(url)
    status, location, marker = EXPECTED[how]
    assert resp.status_code == status
    if location is not None:
        assert resp.headers["location"] == sim.url("daily-planet").rstrip("/") + location.format(
            section=art.section
        )
    if marker is not None:
        assert marker in resp.text
    assert first_paragraph not in resp.text
    assert url not in feed_links(client, sim.url("daily-planet"))
    assert url not in client.get(sim.url("daily-planet")).text.split("most-read")[0]
    assert room.log[-1] == {
        "at": room.log[-1]["at"],
        "action": "delete",
        "url": url,
        "how": how,
        "outlet": "daily-planet",
    }
    room.restore(url)
    assert client.get(url).status_code == 200 and url in feed_links(client, sim.url("daily-planet"))


def test_removed_notice_in_russian(room: Newsroom, sim: SimServer, client: httpx.Client) -> None:
    url = room.url_of(room.articles("vestnik")[-1])
    room.delete(url, "removed-notice")
    assert "Материал удалён по требованию" in client.get(url).text


def test_edit_changes_the_text(room: Newsroom, sim: SimServer, client: httpx.Client) -> None:
    art = room.articles("daily-planet")[-1]
    url = room.url_of(art)
    before = paragraphs(client.get(url).text)
    word = art.paragraphs[0].split()[1]
    room.edit(url, replace=(word, "ZEBRA"), drop_quote=True, byline="Nora Quill")
    html = client.get(url).text
    after = paragraphs(html)
    assert len(after) == len(before) - 1 and "ZEBRA" in after[0] and "“" not in after[1]
    assert "Nora Quill" in html and 'class="updated"' in html
    with pytest.raises(ValueError):
        room.edit(url, replace=("no such words anywhere", "x"))


def test_move_answers_301_and_the_new_page_is_canonical(
    room: Newsroom, sim: SimServer, client: httpx.Client
) -> None:
    for name in ("daily-planet", "vestnik"):
        old = room.url_of(room.articles(name)[-1])
        new = room.move(old)
        assert new != old
        moved = client.get(old)
        assert moved.status_code == 301 and moved.headers["location"] == new
        page = client.get(new).text
        assert f'<link rel="canonical" href="{new}">' in page
        assert new in feed_links(client, sim.url(name)) and old not in feed_links(
            client, sim.url(name)
        )
        assert room.log[-1]["new_url"] == new and room.log[-1]["url"] == old


def test_unlist_keeps_serving_but_leaves_listings(
    room: Newsroom, sim: SimServer, client: httpx.Client
) -> None:
    base = sim.url("capital-times")
    url = room.url_of(room.articles("capital-times")[-1])
    room.unlist(url)
    assert client.get(url).status_code == 200
    assert not any(link.startswith(url) for link in feed_links(client, base))
    assert url not in sitemap_locs(client, base + "sitemaps/all.xml")
    assert url not in sitemap_locs(client, base + "sitemaps/news.xml")
    assert url not in client.get(base).text.split("most-read")[0]


@pytest.mark.parametrize(("mode", "status"), [("503", 503), ("500", 500), ("429", 429)])
def test_fail_with_status(
    room: Newsroom, sim: SimServer, client: httpx.Client, mode: str, status: int
) -> None:
    base = sim.url("vestnik")
    room.fail("vestnik", mode)
    resp = client.get(base)
    assert resp.status_code == status
    assert (resp.headers.get("retry-after") == "2") == (mode == "429")
    assert client.get(sim.url("daily-planet")).status_code == 200
    room.recover("vestnik")
    assert client.get(base).status_code == 200


def test_maintenance_answers_every_url_with_the_same_page(
    room: Newsroom, sim: SimServer, client: httpx.Client
) -> None:
    base = sim.url("daily-planet")
    room.fail("daily-planet", "maintenance")
    pages = [
        client.get(base + p)
        for p in ("", "robots.txt", "zzq.html", room.articles("daily-planet")[0].path[1:])
    ]
    assert {p.status_code for p in pages} == {200}
    assert len({p.content for p in pages}) == 1 and "maintenance" in pages[0].text


def test_reset_closes_without_answer(room: Newsroom, sim: SimServer, client: httpx.Client) -> None:
    room.fail("capital-times", "reset")
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError, httpx.ConnectError)):
        client.get(sim.url("capital-times"))
    room.recover("capital-times")
    assert client.get(sim.url("capital-times")).status_code == 200


def test_refuse_closes_the_socket_and_reopens_on_the_same_port(
    room: Newsroom, sim: SimServer, client: httpx.Client
) -> None:
    base = sim.url("daily-planet")
    assert client.get(base).status_code == 200
    room.fail("daily-planet", "refuse")
    with httpx.Client(trust_env=False, timeout=2) as fresh, pytest.raises(httpx.ConnectError):
        fresh.get(base)
    room.recover("daily-planet")
    assert sim.url("daily-planet") == base
    assert client.get(base).status_code == 200


def test_slow_delays_and_timed_failures_expire(
    room: Newsroom, sim: SimServer, client: httpx.Client
) -> None:
    base = sim.url("vestnik")
    room.fail("vestnik", "slow", delay=0.4)
    started = time.monotonic()
    assert client.get(base).status_code == 200
    assert time.monotonic() - started >= 0.4
    with pytest.raises(httpx.ReadTimeout):
        client.get(base, timeout=0.1)
    room.fail("vestnik", "503", seconds=60)
    assert client.get(base).status_code == 503
    room.advance(61)
    assert client.get(base).status_code == 200


def test_fail_url_affects_only_that_article(
    room: Newsroom, sim: SimServer, client: httpx.Client
) -> None:
    one, other = (room.url_of(a) for a in room.articles("daily-planet")[-2:])
    room.fail_url(one, "500")
    assert client.get(one).status_code == 500 and client.get(other).status_code == 200
    room.recover_url(one)
    assert client.get(one).status_code == 200
    with pytest.raises(ValueError):
        room.fail_url(one, "refuse")


def test_control_endpoint_scripts_the_newsroom(
    room: Newsroom, sim: SimServer, client: httpx.Client
) -> None:
    base = sim.url("vestnik")
    url = control(
        base,
        "publish",
        outlet="capital-times",
        title="Remote headline",
        text="One.\n\nTwo “quoted,” said Ann Lee.",
    )
    assert "Remote headline" in client.get(url).text
    control(base, "delete", url=url, how="http-410")
    assert client.get(url).status_code == 410
    assert control(base, "log")[-1]["how"] == "http-410"
    room.fail("vestnik", "maintenance")  # the control endpoint still answers during an outage
    assert control(base, "recover", outlet="vestnik") == base
    with pytest.raises(RuntimeError, match="how must be one of"):
        control(base, "delete", url=url, how="vanished")


def test_python_m_serves_until_terminated(client: httpx.Client) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "memoryhole.simulate",
            "--outlets",
            "4",
            "--articles",
            "5",
            "--no-noise",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        lines = [proc.stdout.readline().split() for _ in range(5)]  # type: ignore[union-attr]
        assert [line[0] for line in lines] == [
            "daily-planet",
            "vestnik",
            "capital-times",
            "daily-planet-2",
            "ready",
        ]
        assert client.get(lines[3][1]).status_code == 200
    finally:
        proc.terminate()
    assert proc.wait(timeout=10) == 0


# --- the model without a server ------------------------------------------------------------------


def test_build_is_seeded_and_dated_within_30_days() -> None:
    a, b, c = Newsroom.build(seed=3), Newsroom.build(seed=3), Newsroom.build(seed=4)
    titles = [x.title for x in a.articles()]
    assert titles == [x.title for x in b.articles()] != [x.title for x in c.articles()]
    ages = [a.now() - x.published for x in a.articles()]
    assert all(timedelta(0) <= age <= timedelta(days=31) for age in ages)
    assert len({x.path for x in a.articles()}) == 60


def test_clock_starts_at_start_and_advances() -> None:
    start = Newsroom.build(seed=0, outlets=1).now() - timedelta(days=365)
    room = Newsroom.build(seed=0, outlets=1, start=start)
    assert abs(room.now() - start) < timedelta(seconds=5)
    assert all(x.published < start for x in room.articles())
    assert room.advance(3600) - start >= timedelta(hours=1)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32), lang=st.sampled_from(["en", "ru"]))
def test_every_story_has_paragraphs_and_a_quotation(seed: int, lang: str) -> None:
    section = "world" if lang == "en" else "mir"
    room = Newsroom.build(seed=0, outlets=1, articles_per_outlet=1)
    story = write_story(random.Random(seed), lang, section, room.now())
    assert 4 <= len(story.paragraphs) <= 8 and story.title
    quote = re.compile(r"“[^”]+,” \w" if lang == "en" else r"«[^»]+», — \w+ \w+")
    assert any(quote.search(p) for p in story.paragraphs)
    assert all("{" not in p for p in story.paragraphs)


@given(st.text(max_size=80))
def test_slugify_gives_url_safe_slugs(title: str) -> None:
    slug = slugify(title)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug)
    assert len(slug.split("-")) <= 8


def test_throughput_figure(room: Newsroom, sim: SimServer) -> None:
    """Prints article pages/s over keep-alive connections (a figure, not a gate).

    http.client rather than httpx: httpx costs more per request than the server does.
    """
    paths = [a.path for a in room.articles("daily-planet")]
    port = urlsplit(sim.url("daily-planet")).port
    counts: list[int] = []

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        done = 0
        for i in range(200):
            conn.request("GET", paths[i % len(paths)])
            resp = conn.getresponse()
            done += resp.status == 200 and b"<article" in resp.read()
        conn.close()
        counts.append(done)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    assert sum(counts) == 800
    print(
        f"\nsimulator throughput: {800 / elapsed:.0f} article pages/s (4 keep-alive clients, same process)"
    )


def test_every_control_action_and_delete_how_is_documented() -> None:
    doc = (Path(__file__).parent.parent / "docs" / "simulator.md").read_text()
    for name in [*CONTROL_ACTIONS, *DELETE_HOWS, *FAIL_MODES]:
        assert f"`{name}`" in doc, name
