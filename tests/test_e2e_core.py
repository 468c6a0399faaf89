"""End to end through the real CLI against the simulated newsroom: discover, fetch, archive, extract, store."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from memoryhole.cli import main
from memoryhole.simulate import Newsroom, serve
from memoryhole.store import Store


def _jsonl(capsys: pytest.CaptureFixture[str], args: list[str]) -> list[dict]:
    capsys.readouterr()
    assert main(args) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]


@pytest.fixture
def newsroom():
    nr = Newsroom.build(seed=3, outlets=3, articles_per_outlet=8, noise=True)
    with serve(nr) as sim:
        yield nr, sim


def test_follow_by_homepage_archive_and_resume(
    newsroom, db_url: str, tmp_path: Path, capsys
) -> None:
    nr, sim = newsroom
    base = ["--data", str(tmp_path), "--db", db_url]
    for name, url in sim.urls.items():
        assert main([*base, "add", url, "--name", name, "--allow-private"]) == 0
    out = capsys.readouterr().out
    assert "feed" in out and "sitemap" in out  # discovered from <link rel=alternate> and robots.txt

    assert main([*base, "run", "--once", "--allow-private"]) == 0
    articles = {a["url"]: a for a in _jsonl(capsys, [*base, "articles", "--json"])}
    expected = {nr.url_of(a): a for a in nr.articles(visible_only=True)}
    # every published article is tracked (feeds and sitemaps list them all), none twice, nothing else
    assert set(articles) == set(expected)
    for url, art in expected.items():
        rec = articles[url]
        assert (rec["title"], rec["status"], rec["versions"]) == (art.title, "live", 1)
        assert set(rec) >= {
            "url",
            "source",
            "status",
            "title",
            "versions",
            "first_seen",
            "last_checked",
        }
        (version,) = _jsonl(capsys, [*base, "history", url, "--json"])
        assert art.paragraphs[0][:60] in version["text"]
        assert set(version) >= {"version", "fetched_at", "title", "text"}

    # Russian outlet's text came through intact
    assert any("Лю Цзяньчао" in a["title"] for a in articles.values())

    # a second pass over noisy pages (clocks, counters, nonces changed) makes no new version
    assert main([*base, "run", "--once", "--allow-private"]) == 0
    again = {a["url"]: a["versions"] for a in _jsonl(capsys, [*base, "articles", "--json"])}
    assert again == {u: 1 for u in expected}
    events = _jsonl(capsys, [*base, "changes", "--json"])
    assert {e["kind"] for e in events} == {"new"}
    assert len(events) == len(expected)

    # every WARC file passes `warcio check`, and every recorded response is in one
    warcs = sorted((tmp_path / "warc").glob("*.warc.gz"))
    assert warcs
    check = subprocess.run(
        [sys.executable, "-m", "warcio.cli", "check", *map(str, warcs)],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    from memoryhole.archive import read_records
    from memoryhole.models import WarcLocation

    store = Store(db_url)
    fetches = [f for f in store.fetches() if f["status"] is not None]
    assert fetches and all(f["warc_file"] for f in fetches)
    for f in fetches[:40]:
        loc = WarcLocation.of_fetch(f)
        kinds = [r.type for r in read_records(tmp_path / "warc", loc)]
        assert "request" in kinds and ("response" in kinds or "revisit" in kinds)
    assert any(f["revisit"] for f in store.fetches())  # unchanged feeds/sitemaps became revisits
    store.close()

    # export one article's records
    url = next(iter(expected))
    out_file = tmp_path / "one.warc.gz"
    assert main([*base, "export", "warc", str(out_file), "--url", url]) == 0
    from warcio.archiveiterator import ArchiveIterator

    with out_file.open("rb") as fh:
        uris = {
            r.rec_headers.get_header("WARC-Target-URI")
            for r in ArchiveIterator(fh)
            if r.rec_type == "response"
        }
    assert uris == {url}


def test_opml_import(newsroom, tmp_path: Path, capsys) -> None:
    _nr, sim = newsroom
    outlines = "".join(
        f'<outline text="{n}" type="rss" xmlUrl="{u}rss.xml" htmlUrl="{u}"/>'
        for n, u in list(sim.urls.items())[:1]
    )
    opml = tmp_path / "outlets.opml"
    opml.write_text(
        f'<?xml version="1.0"?><opml version="2.0"><body><outline text="news">{outlines}</outline></body></opml>'
    )
    base = ["--data", str(tmp_path)]
    assert main([*base, "import", str(opml)]) == 0
    outlets = _jsonl(capsys, [*base, "outlets", "--json"])
    assert [o["name"] for o in outlets] == ["daily-planet"]
    assert outlets[0]["feeds"] == [sim.url("daily-planet") + "rss.xml"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add", "not a url"], "not an http(s) homepage URL"),
        (["add", "ftp://example.com/"], "not an http(s) homepage URL"),
        (["run", "--for", "ten minutes"], "not a duration"),
        (["changes", "--since", "yesterday"], "not an ISO 8601 time"),
        (["history", "http://127.0.0.1:9/nothing"], "no article with URL"),
        (["import", "/nonexistent.opml"], "does not exist"),
        (["run"], "no outlets yet"),
        (["--db", "nosuch://x", "outlets"], "cannot use database URL"),
    ],
)
def test_bad_input_is_one_clear_line(args: list[str], message: str, tmp_path: Path, capsys) -> None:
    code = main(["--data", str(tmp_path), *args])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_malformed_opml_is_one_clear_line(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.opml"
    bad.write_text("<opml><body><outline")
    assert main(["--data", str(tmp_path), "import", str(bad)]) == 2
    assert "bad.opml" in capsys.readouterr().err
