"""End to end: the real monitor watching the simulated newsroom on 127.0.0.1 reports every kind of
change (English and Russian pages, every deletion `how`) and stays silent through the traps.

Timelines are short: articles are rechecked every second and a deletion is confirmed by two checks
two seconds apart, so each scenario takes seconds. Nothing of ours is mocked or patched.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from memoryhole.app import Paths, build_context, close_context, load_settings, open_store
from memoryhole.cli import main
from memoryhole.models import utcnow
from memoryhole.pipeline import Context, discover_outlet
from memoryhole.runner import Runner
from memoryhole.simulate import JUDGED_AS, Newsroom, SimServer, serve

FAST = ["--recheck", "1s", "--poll", "1s", "--confirm-gap", "2s", "--allow-private"]
# Written to <data>/memoryhole.toml: extraction inline (no process pool to start in every `run`),
# the not-found page learned once per run.
SETTINGS_TOML = 'extract_workers = 1\nprobe_interval = "1h"\n'


# ---- helpers --------------------------------------------------------------------------------------
def cli(capsys: pytest.CaptureFixture[str], data: Path, db: str, *args: str) -> str:
    """Run the CLI in-process; returns its stdout (and fails the test on a non-zero exit)."""
    capsys.readouterr()
    status = main(["--data", str(data), "--db", db, *args])
    out = capsys.readouterr()
    assert status == 0, f"memoryhole {' '.join(args)} → {status}: {out.err}"
    return out.out


def jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def visible(room: Newsroom, outlet: str) -> list[str]:
    """The outlet's visible article URLs, newest first."""
    return [room.url_of(a) for a in room.outlets[outlet].visible()]


# ---- 1. every kind and every `how`, through the CLI ------------------------------------------------
def test_every_kind_and_how_through_the_cli(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    room = Newsroom.build(seed=3, outlets=3, articles_per_outlet=15)
    data = tmp_path / "data"
    data.mkdir()
    (data / "memoryhole.toml").write_text(SETTINGS_TOML)
    with serve(room) as sim:
        for name, url in sim.urls.items():
            out = cli(capsys, data, db_url, "add", url, "--name", name, "--allow-private")
            assert "feed" in out and "sitemap" in out, out
        cli(capsys, data, db_url, "run", "--for", "6s", *FAST)
        seen = jsonl(cli(capsys, data, db_url, "articles", "--json"))
        assert {a["url"] for a in seen} == {room.url_of(a) for a in room.articles()}
        assert {a["status"] for a in seen} == {"live"}
        assert Counter(
            e["kind"] for e in jsonl(cli(capsys, data, db_url, "changes", "--json"))
        ) == {"new": len(seen)}

        truth = _script_catalogue(room)
        cli(capsys, data, db_url, "run", "--for", "9s", *FAST)
        for url in truth["restore"]:
            room.restore(url)
        cli(capsys, data, db_url, "run", "--for", "6s", *FAST)

        events = jsonl(cli(capsys, data, db_url, "changes", "--json"))
        _assert_catalogue(events, truth)
        _assert_reading_commands(capsys, data, db_url, room, truth, events)


def _script_catalogue(room: Newsroom) -> dict:
    """Every deletion how on an English and a Russian outlet (and the soft-404 outlet), an edit that
    cuts a quotation, a move, an unlisting and a deletion to be restored on each; two new articles."""
    truth: dict = {
        "deleted": {},
        "cut": {},
        "edited": [],
        "moved": {},
        "unlisted": [],
        "restore": [],
        "new": [],
    }
    for outlet, hows in (
        ("daily-planet", JUDGED_AS),
        ("vestnik", JUDGED_AS),
        ("capital-times", ("http-404", "soft-404", "removed-notice")),
    ):
        # The oldest articles stay in place so that every listing still straddles the unlisted one.
        urls = visible(room, outlet)[1:]
        for how in hows:
            truth["deleted"][room.delete(urls.pop(), how)] = JUDGED_AS[how]
        if outlet == "capital-times":
            continue
        edited = urls.pop()
        truth["cut"][edited] = next(p for p in room.find(edited).paragraphs if "“" in p or "«" in p)
        truth["edited"].append(room.edit(edited, drop_quote=True))
        old = urls.pop()
        truth["moved"][old] = room.move(old)
        truth["unlisted"].append(room.unlist(urls.pop(0)))
        restored = room.delete(urls.pop(), "http-410")
        truth["restore"].append(restored)
        truth["deleted"][restored] = "http-410"
        truth["new"].append(room.publish(outlet))
    return truth


def _assert_catalogue(events: list[dict], truth: dict) -> None:
    after = [e for e in events if not (e["kind"] == "new" and e["url"] not in truth["new"])]
    deleted = {e["url"]: e["how"] for e in after if e["kind"] == "deleted"}
    assert deleted == truth["deleted"]
    assert sorted(e["url"] for e in after if e["kind"] == "edited") == sorted(truth["edited"])
    assert {e["url"]: e["new_url"] for e in after if e["kind"] == "moved"} == truth["moved"]
    assert sorted(e["url"] for e in after if e["kind"] == "unlisted") == sorted(truth["unlisted"])
    assert sorted(e["url"] for e in after if e["kind"] == "restored") == sorted(truth["restore"])
    assert sorted(e["url"] for e in after if e["kind"] == "new") == sorted(truth["new"])
    assert not [e for e in after if e["kind"] == "outage"]
    for e in after:
        if e["kind"] == "edited":
            assert e.get("quotes_removed"), e  # the cut quotation is named in the event's JSON


def _assert_reading_commands(
    capsys: pytest.CaptureFixture[str],
    data: Path,
    db: str,
    room: Newsroom,
    truth: dict,
    events: list[dict],
) -> None:
    def run(*args: str) -> str:
        return cli(capsys, data, db, *args)

    status = {a["url"]: a for a in jsonl(run("articles", "--json"))}
    restored = set(truth["restore"])
    for url in truth["deleted"]:
        assert status[url]["status"] == ("live" if url in restored else "deleted"), url
    for url in truth["unlisted"]:
        assert status[url]["status"] == "unlisted"
    for old, new in truth["moved"].items():
        assert (status[old]["status"], status[old]["moved_to"]) == ("moved", new)
    for url in truth["edited"]:
        assert (status[url]["status"], status[url]["versions"]) == ("live", 2)

    # A deleted article: its last text stays in `history`, its original exchange in the WARC export.
    for url, how in truth["deleted"].items():
        if url in restored or how not in ("http-410", "http-404"):
            continue
        first_paragraph = room.find(url).paragraphs[0]
        versions = jsonl(run("history", url, "--json"))
        assert first_paragraph in versions[-1]["text"]
        warc = data / f"{url.rsplit('/', 1)[-1]}.warc.gz"
        run("export", "warc", str(warc), "--url", url)
        answers = _warc_responses(warc, url)
        assert answers[0][0] == 200 and first_paragraph.split(",")[0] in answers[0][1]
        assert int(how[-3:]) in [code for code, _ in answers[1:]]

    # An edit that cut a quotation: named in the event's JSON and shown removed by `diff`.
    for url, paragraph in truth["cut"].items():
        (edit,) = [e for e in events if e["kind"] == "edited" and e["url"] == url]
        (quote,) = edit["quotes_removed"]
        assert quote["text"] in paragraph and (quote["speaker"] or "") in paragraph
        removed = " ".join(re.findall(r"\[-(.*?)-\]", run("diff", url), flags=re.S))
        assert " ".join(quote["text"].split()) in " ".join(removed.split())


def _warc_responses(path: Path, url: str) -> list[tuple[int, str]]:
    """(HTTP status, decoded body) of every response (or revisit: a payload seen before) record for
    `url` in a WARC file, in order."""
    found = []
    with path.open("rb") as fh:
        for record in ArchiveIterator(fh):
            uri = record.rec_headers.get_header("WARC-Target-URI")
            if record.rec_type in ("response", "revisit") and uri == url:
                status = int(record.http_headers.get_statuscode())
                body = record.content_stream().read().decode("utf-8", "replace")
                found.append((status, body))
    return found


# ---- 2. the traps: nothing but one `outage` per outlet outage -------------------------------------
class Monitor:
    """The newsroom served in this process and the real monitor (`Runner`) watching it."""

    def __init__(self, room: Newsroom, sim: SimServer, data: Path) -> None:
        self.room, self.sim = room, sim
        self.paths = Paths.resolve(data, None)
        self.settings = load_settings(
            self.paths,
            allow_private=True,
            recheck=1.0,
            poll=1.0,
            confirm_gap=2.0,
            extract_workers=1,
            probe_interval=3600.0,
            total_timeout=1.5,  # a "slow" answer (3 s) is a timeout
        )
        self.store = open_store(self.paths)
        self.ctx: Context = build_context(self.paths, self.settings, self.store)

    async def follow_all(self) -> None:
        for name, url in self.sim.urls.items():
            oid = self.store.add_outlet(name, url, self.settings.poll, utcnow())
            self.store.add_source(oid, "listing", url, utcnow())
            await discover_outlet(self.ctx, self.store.outlet(id=oid), utcnow())

    async def see_everything(self, seconds: float) -> set[str]:
        """Follow every outlet and monitor until each article's URL has had an event (its `new`);
        the URLs of all the newsroom's articles."""
        await self.follow_all()
        everything = {self.room.url_of(a) for a in self.room.articles()}
        await self.run(seconds, until=lambda: {e["url"] for e in self.events()} >= everything)
        return everything

    async def run(self, seconds: float, until: Callable[[], bool] | None = None) -> None:
        """Monitor for `seconds`, or less once `until()` holds."""
        runner = Runner(self.ctx)

        async def stop_early() -> None:
            while until is not None:
                if until():
                    runner.stop()
                    return
                await asyncio.sleep(0.25)

        watcher = asyncio.create_task(stop_early())
        await runner.run(duration=seconds)
        watcher.cancel()

    def events(self) -> list[dict]:
        return self.store.events()

    def answers(self, url: str) -> list[tuple[int | None, str | None]]:
        """(status, error class) of every fetch of one article."""
        art = self.store.article(url)
        assert art is not None, url
        return [(f["status"], f["error"]) for f in self.store.fetches(article_id=art["id"])]


def test_traps_raise_no_false_alarm_and_one_outage_each(tmp_path: Path) -> None:
    asyncio.run(_traps(tmp_path))


async def _traps(tmp_path: Path) -> None:
    room = Newsroom.build(seed=11, outlets=4, articles_per_outlet=8)  # noise on: furniture changes
    with serve(room) as sim:
        mon = Monitor(room, sim, tmp_path)
        try:
            everything = await mon.see_everything(15)
            baseline = len(mon.events())
            assert Counter(e["kind"] for e in mon.events()) == {"new": len(everything)}

            en, ru = visible(room, "daily-planet"), visible(room, "vestnik")
            room.fail_url(en[1], "503")  # bursts spanning several checks
            room.fail_url(en[2], "500")
            room.fail_url(en[3], "slow", delay=3.0)  # slower than the 1.5 s deadline
            room.fail_url(ru[1], "429")  # with Retry-After: 2
            room.fail_url(ru[2], "reset")
            room.fail("capital-times", "maintenance")  # one page for every URL of the outlet
            room.fail("daily-planet-2", "refuse")  # the whole outlet refuses connections

            def seen(url: str, answer: int | str) -> int:
                return sum(answer in pair for pair in mon.answers(url))

            def failed_long_enough() -> bool:
                outlet_down = all(
                    seen(room.url_of(a), "connection") >= 3 for a in room.articles("daily-planet-2")
                )
                return (
                    outlet_down
                    and min(
                        seen(en[1], 503),
                        seen(en[2], 500),
                        seen(en[3], "timeout"),
                        seen(ru[1], 429),
                        seen(ru[2], "connection"),
                    )
                    >= 2
                )

            await mon.run(12, until=failed_long_enough)
            for url in (en[1], en[2], en[3], ru[1], ru[2]):
                room.recover_url(url)
            room.recover("capital-times")
            room.recover("daily-planet-2")

            # Roll-over: two days on, the news sitemaps empty; 20 new stories in one section push
            # an older article off its section page, the feed and the homepage. Not unlisting.
            room.advance(3 * 86400)
            rolled_off = ru[4]
            section = room.find(rolled_off).section
            rolled = [room.publish("vestnik", section=section) for _ in range(20)]
            await mon.run(10, until=lambda: {e["url"] for e in mon.events()} >= set(rolled))
            await mon.run(3)  # time enough for a false deletion or unlisting to be confirmed

            after = mon.events()[baseline:]
            assert sorted(e["url"] for e in after if e["kind"] == "new") == sorted(rolled)
            # Noise, failures, timeouts, a maintenance page, refused connections and roll-over:
            # no deletion, edit, unlisting, move or restoration; exactly one outage per outlet down.
            alarms = Counter((e["kind"], e["source"]) for e in after if e["kind"] != "new")
            assert alarms == {("outage", "capital-times"): 1, ("outage", "daily-planet-2"): 1}
            assert {a["status"] for a in mon.store.articles()} == {"live"}
            # The traps really happened, each over several checks.
            assert failed_long_enough()
            assert rolled_off not in visible(room, "vestnik")[:20]
        finally:
            await close_context(mon.ctx)


# ---- 3. unlisting from undated section pages, with an editor's pick pinned above ------------------
def test_unlisting_from_section_pages_with_a_pinned_pick(tmp_path: Path) -> None:
    asyncio.run(_section_unlisting(tmp_path))


async def _section_unlisting(tmp_path: Path) -> None:
    """An article older than the feed and the news sitemap is listed only on its section page. Taken
    out of the middle of that page, it is `unlisted`; an article pushed off the end of another section
    by new stories is not, although the outlet's oldest story stays pinned above both."""
    room = Newsroom.build(seed=5, outlets=1, articles_per_outlet=40)
    with serve(room) as sim:
        mon = Monitor(room, sim, tmp_path)
        try:
            everything = await mon.see_everything(20)
            assert {e["url"] for e in mon.events()} == everything

            def listed_by(url: str) -> set[str]:
                art = mon.store.article(url)
                assert art is not None, url
                return {m["kind"] for m in mon.store.memberships(art["id"]) if m["listed"]}

            arts = room.outlets["daily-planet"].visible()
            room.pin(room.url_of(arts[-1]))  # the oldest story, first on every section page
            by_section: dict[str, list[str]] = {}
            for a in arts[:-1]:
                by_section.setdefault(a.section, []).append(room.url_of(a))
            # a section-only article with older ones below it on its page, and another section
            # whose last article will roll off the end
            target = next(
                urls[-3]
                for urls in by_section.values()
                if len(urls) >= 4 and listed_by(urls[-3]) == {"listing"}
            )
            target_section = room.find(target).section
            other = next(s for s, urls in by_section.items() if s != target_section and urls)
            rolled_off = by_section[other][-1]
            room.unlist(target)
            fresh = [room.publish("daily-planet", section=other) for _ in range(20)]
            await mon.run(
                20,
                until=lambda: (
                    any(e["kind"] == "unlisted" for e in mon.events())
                    and {e["url"] for e in mon.events()} >= set(fresh)
                ),
            )
            await mon.run(4)  # time enough for a false unlisting of the rolled-off one
            unlisted = [e["url"] for e in mon.events() if e["kind"] == "unlisted"]
            assert unlisted == [target]
            assert listed_by(rolled_off) == set()  # it did leave every listing ...
            assert mon.store.article(rolled_off)["status"] == "live"  # ... by rolling off

            room.restore(target)
            await mon.run(10, until=lambda: any(e["kind"] == "restored" for e in mon.events()))
            assert [e["url"] for e in mon.events() if e["kind"] == "restored"] == [target]
            alarms = {e["kind"] for e in mon.events()} - {"new", "unlisted", "restored"}
            assert not alarms
        finally:
            await close_context(mon.ctx)


# ---- 4. a change first seen while an outage is still being ended ----------------------------------
def test_removal_seen_during_an_outage_is_judged_after_it(tmp_path: Path) -> None:
    asyncio.run(_removal_during_outage(tmp_path))


async def _removal_during_outage(tmp_path: Path) -> None:
    """An article replaced by a removal notice while its outlet refused connections is first seen
    again while the outage guard still holds judgement. That check must not make the notice the
    article's baseline (its validators would turn every later check into a 304 "unchanged")."""
    room = Newsroom.build(seed=9, outlets=1, articles_per_outlet=4)
    with serve(room) as sim:
        mon = Monitor(room, sim, tmp_path)
        try:
            await mon.see_everything(15)
            victim = visible(room, "daily-planet")[1]
            room.fail("daily-planet", "refuse")
            room.delete(victim, "removed-notice")
            await mon.run(15, until=lambda: any(e["kind"] == "outage" for e in mon.events()))
            room.recover("daily-planet")
            await mon.run(20, until=lambda: any(e["kind"] == "deleted" for e in mon.events()))
            kinds = [(e["kind"], e.get("how")) for e in mon.events() if e["kind"] != "new"]
            assert kinds == [("outage", None), ("deleted", "removed-notice")]
        finally:
            await close_context(mon.ctx)
