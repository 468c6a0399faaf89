"""End to end: the real monitor watches the simulated newsroom while the alert dispatcher runs beside
it, sending through Apprise to a local JSON webhook and a local SMTP server. Each confirmed deletion
arrives once per destination; a killed and restarted dispatcher loses and repeats nothing; a failing
webhook is retried until it takes the alert; a burst is one digest; an outage is one message.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path

import feedparser
import pytest
from test_alerts import MailReceiver, WebhookReceiver

from memoryhole.alerts.commands import alerts
from memoryhole.alerts.delivery import AlertSettings, Dispatcher
from memoryhole.alerts.feeds import atom_feed, entry_id
from memoryhole.alerts.messages import Links
from memoryhole.app import Paths, build_context, close_context, load_settings, open_store
from memoryhole.cli import State
from memoryhole.models import utcnow
from memoryhole.pipeline import discover_outlet
from memoryhole.runner import Runner
from memoryhole.simulate import Newsroom, serve

ALERTS = AlertSettings(
    base_url="http://127.0.0.1:8080",
    poll=0.2,
    digest_count=5,
    digest_window=6.0,  # each article alert waits 6 s for a burst to gather
    backoff=0.5,
    lease=10.0,
)


async def _until(check: Callable[[], bool], seconds: float) -> bool:
    for _ in range(int(seconds / 0.1)):
        if check():
            return True
        await asyncio.sleep(0.1)
    return check()


@pytest.fixture
def receivers() -> tuple[WebhookReceiver, MailReceiver]:
    hook, mail = WebhookReceiver(), MailReceiver()
    yield hook, mail
    hook.close()
    mail.close()


def test_alerts_beside_the_monitor(
    tmp_path: Path, receivers: tuple[WebhookReceiver, MailReceiver]
) -> None:
    hook, mail = receivers
    room = Newsroom.build(seed=7, outlets=3, articles_per_outlet=8)
    with serve(room) as sim:
        asyncio.run(_scenario(tmp_path, room, sim, hook, mail))


async def _scenario(tmp_path, room, sim, hook, mail) -> None:  # type: ignore[no-untyped-def]
    paths = Paths.resolve(tmp_path / "data", None)
    settings = load_settings(
        paths,
        allow_private=True,
        recheck=1.0,
        poll=1.0,
        confirm_gap=2.0,
        extract_workers=1,
        probe_interval=3600.0,
    )
    store = open_store(paths)
    ctx = build_context(paths, settings, store)

    def add_rule(*args: str) -> None:
        state = State(paths.data, None)
        alerts.main(args=["add", *args], obj=state, standalone_mode=False)

    add_rule(hook.url("/planet"), mail.url(), "--kind", "deleted", "--source", "daily-planet")
    add_rule(hook.url("/flaky"), "--kind", "deleted", "--source", "daily-planet")
    add_rule(hook.url("/vestnik"), "--source", "vestnik")
    add_rule(hook.url("/capital"), "--source", "capital-times")
    hook.fail_first["/flaky"] = 2

    stop_runner = asyncio.Event()

    async def monitor() -> None:
        runner = Runner(
            ctx, alerts=False
        )  # this test runs its own dispatcher (a short digest window)
        waiter = asyncio.create_task(stop_runner.wait())
        task = asyncio.create_task(runner.run(duration=300))
        await asyncio.wait([waiter, task], return_when=asyncio.FIRST_COMPLETED)
        runner.stop()
        await task

    def kinds(kind: str, outlet: str | None = None) -> list[dict]:
        return [e for e in store.events(kind=kind, outlet=outlet)]

    def start_dispatcher() -> tuple[asyncio.Event, asyncio.Task]:
        stop = asyncio.Event()
        return stop, asyncio.create_task(
            Dispatcher(store, paths, settings, alert_settings=ALERTS).run(stop)
        )

    try:
        for name, url in sim.urls.items():
            oid = store.add_outlet(name, url, settings.poll, utcnow())
            store.add_source(oid, "listing", url, utcnow())
            await discover_outlet(ctx, store.outlet(id=oid), utcnow())
        mon = asyncio.create_task(monitor())
        d_stop, d_task = start_dispatcher()
        everything = {room.url_of(a) for a in room.articles()}
        assert await _until(lambda: {e["url"] for e in kinds("new")} >= everything, 60)

        planet = [room.url_of(a) for a in room.outlets["daily-planet"].visible()]
        vestnik = [room.url_of(a) for a in room.outlets["vestnik"].visible()]
        deleted_planet = [room.delete(planet[1], "http-404"), room.delete(planet[2], "http-410")]
        # six at once on one outlet, each answering differently (one shared error page for many
        # URLs is, by design, an outage rather than a mass deletion)
        burst = [
            room.delete(url, how)
            for url, how in zip(
                vestnik[1:7],
                ["removed-notice", "emptied", "removed-notice", "emptied", "http-404", "http-410"],
                strict=True,
            )
        ]
        room.fail("capital-times", "maintenance")

        assert await _until(lambda: len(kinds("deleted")) == 8 and kinds("outage"), 60), [
            (e["kind"], e["url"]) for e in store.events() if e["kind"] != "new"
        ]
        assert await _until(
            lambda: (
                len(hook.got("/planet")) == 2
                and len(hook.got("/flaky")) == 2
                and hook.got("/vestnik")
                and hook.got("/capital")
                and len(mail.messages) == 2
            ),
            45,
        ), (hook.bodies, len(mail.messages))

        # kill the dispatcher between events; one more deletion happens while it is down
        d_task.cancel()
        await asyncio.gather(d_task, return_exceptions=True)
        room.recover("capital-times")
        deleted_planet.append(room.delete(planet[3], "removed-notice"))
        assert await _until(lambda: len(kinds("deleted", "daily-planet")) == 3, 45)
        d_stop, d_task = start_dispatcher()
        assert await _until(lambda: len(hook.got("/planet")) == 3 and len(mail.messages) == 3, 45)
        await asyncio.sleep(2 * ALERTS.poll + 1)  # time for a duplicate to show itself
    finally:
        d_stop.set()
        stop_runner.set()
        await asyncio.gather(d_task, return_exceptions=True)
        if "mon" in locals():
            await mon
        await close_context(ctx)

    # each deletion once per destination, with the fields of its event
    events = {e["url"]: e for e in kinds("deleted", "daily-planet")}
    for path in ("/planet", "/flaky"):
        got = hook.got(path)
        assert sorted(b["url"] for b in got) == sorted(deleted_planet), path
        for body in got:
            event = events[body["url"]]
            assert (body["id"], body["kind"], body["how"], body["source"]) == (
                event["id"],
                "deleted",
                event["how"],
                "daily-planet",
            )
            assert body["title"] == event["title"] and body["version"] == event["version"]
            assert "Lost text begins:" in body["message"]
            assert (
                body["links"]["timeline"] == f"http://127.0.0.1:8080/articles/{event['article_id']}"
            )
            assert body["links"]["archive"].startswith("http://127.0.0.1:8080/snapshots/")
    assert hook.attempts["/flaky"] == 3 + 2  # two 500s, then each alert once
    subjects = sorted(m["Subject"] for m in mail.messages)
    assert subjects == sorted(
        f"[daily-planet] deleted: {events[u]['how']}: {events[u]['title']}" for u in deleted_planet
    )
    # the burst: one digest naming all six
    (digest,) = hook.got("/vestnik")
    assert digest["kind"] == "digest" and digest["count"] == 6
    assert sorted(e["url"] for e in digest["events"]) == sorted(burst)
    # the outage: one message, nothing about single articles
    (outage,) = hook.got("/capital")
    assert outage["kind"] == "outage" and outage["source"] == "capital-times"

    # Atom feeds: every event, one outlet's, one rule's
    links = Links(ALERTS.base_url)
    newest = sorted(store.events(), key=lambda e: e["id"], reverse=True)
    parsed = feedparser.parse(atom_feed(store, links=links, limit=1000))
    assert not parsed.bozo
    assert [e.id for e in parsed.entries] == [entry_id(e["id"]) for e in newest]
    per_outlet = feedparser.parse(atom_feed(store, outlet="vestnik", links=links, limit=1000))
    assert {e.author for e in per_outlet.entries} == {"vestnik"}
    assert len(per_outlet.entries) == len([e for e in newest if e["source"] == "vestnik"])
    rule_feed = feedparser.parse(atom_feed(store, rule_id=1, links=links)).entries
    assert [e.id for e in rule_feed] == [
        entry_id(e["id"])
        for e in newest
        if e["kind"] == "deleted" and e["source"] == "daily-planet"
    ]
    out = tmp_path / "all.atom"
    alerts.main(
        ["feed", str(out), "--source", "daily-planet"],
        obj=State(paths.data, None),
        standalone_mode=False,
    )
    assert len(feedparser.parse(out.read_bytes()).entries) == len(
        [e for e in newest if e["source"] == "daily-planet"]
    )
    assert json.loads(json.dumps(digest))  # the digest is plain JSON end to end
