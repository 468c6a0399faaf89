"""Alerts without the monitor: rules, messages, delivery through Apprise to real local receivers
(a JSON webhook on http.server, an SMTP server on aiosmtpd), retries, digests, outage suppression,
restarts, Atom feeds and the `alerts` commands. Events are written through the real Store; the
dispatcher is handed a clock so that hold times and back-off pass without sleeping.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import socket
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import feedparser
import pytest
from aiosmtpd.controller import Controller
from hypothesis import given
from hypothesis import strategies as st
from webhooks import LocalWebhook

from memoryhole.alerts.commands import alerts
from memoryhole.alerts.delivery import AlertSettings, Dispatcher, apprise_send
from memoryhole.alerts.feeds import FeedError, atom_feed, entry_id
from memoryhole.alerts.messages import Links, event_message
from memoryhole.alerts.rules import DEFAULT_KINDS, Rule, mentions, normalise, split_phrases
from memoryhole.cli import State
from memoryhole.models import Document, Fetch
from memoryhole.outages import OutageTracker, Outcome
from memoryhole.records import event_record
from memoryhole.store import CheckOutcome, NewEvent, Store
from memoryhole.store.alerts import AlertStore

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
LINKS = Links("http://127.0.0.1:8080")
FAST = AlertSettings(
    base_url="http://127.0.0.1:8080",
    poll=0.1,
    digest_count=4,
    digest_window=10.0,
    max_attempts=3,
    backoff=5.0,
    lease=30.0,
)


# ---- local receivers (also used by test_alerts_e2e.py) -------------------------------------------
class WebhookReceiver(LocalWebhook):
    """Keeps every POST body per path; answers 500 to the first `fail_first[path]` POSTs of a path."""

    def __init__(self) -> None:
        self.bodies: dict[str, list[dict]] = {}
        self.attempts: dict[str, int] = {}
        self.fail_first: dict[str, int] = {}
        super().__init__()

    def receive(self, path: str, key: str | None, body: bytes) -> int:
        n = self.attempts[path] = self.attempts.get(path, 0) + 1
        if n <= self.fail_first.get(path, 0):
            return 500
        self.bodies.setdefault(path, []).append(json.loads(body))
        return 200

    def got(self, path: str) -> list[dict]:
        with self.lock:
            return list(self.bodies.get(path, []))


class MailReceiver:
    """An SMTP server (aiosmtpd) on 127.0.0.1 keeping every message."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        receiver = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
                msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
                receiver.messages.append(msg)  # type: ignore[arg-type]
                return "250 OK"

        with socket.socket() as s:  # aiosmtpd's Controller needs a concrete port
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def url(self, to: str = "desk@example.org") -> str:
        # plain SMTP (mailto://, not mailtos://), no login: Apprise's email plugin, host:port given
        return f"mailto://127.0.0.1:{self.port}?from=memoryhole@example.org&to={to}"

    def texts(self) -> list[str]:
        return [m.get_body(preferencelist=("plain",)).get_content() for m in self.messages]

    def close(self) -> None:
        self.controller.stop()


@pytest.fixture
def hook() -> Iterator[WebhookReceiver]:
    r = WebhookReceiver()
    yield r
    r.close()


@pytest.fixture
def mail() -> Iterator[MailReceiver]:
    r = MailReceiver()
    yield r
    r.close()


# ---- a store with a few real events ----------------------------------------------------------------
class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class Newsdesk:
    """An outlet with articles whose versions and events are written through `Store.record_check`."""

    TEXT = (
        "Liu Jianchao arrived in the capital on Tuesday for talks on a new transit corridor.\n\n"
        "“Chinese companies should play their part,” said Liu Jianchao at the ministry.\n\n"
        "The corridor would link the port with the northern rail line by 2030."
    )

    def __init__(self, store: Store, name: str = "gazette") -> None:
        self.store, self.name = store, name
        self.home = f"http://127.0.0.1:1/{name}/"
        self.outlet_id = store.add_outlet(name, self.home, 60, T0)
        self.source_id = store.add_source(self.outlet_id, "feed", self.home + "feed", T0)
        self.urls: list[str] = []

    def article(self, title: str, text: str = TEXT) -> int:
        url = f"{self.home}{len(self.urls)}.html"
        self.urls.append(url)
        (aid,) = self.store.record_listing(self.outlet_id, self.source_id, [(url, url, T0)], T0)
        doc = Document(url, url, title, "A. Writer", "2026-10-30", None, "en", text, "article")
        fetch = Fetch(url=url, started_at=T0, elapsed=0.1, final_url=url, status=200)
        self.store.record_check(aid, self.outlet_id, fetch, None, lambda _f: CheckOutcome(doc, {}))
        return aid

    def event(self, kind: str, aid: int | None, at: datetime, **values: Any) -> int:
        return self.store.append_event(NewEvent(kind, self.outlet_id, aid, at, **values))

    def outage(self, at: datetime, down: bool) -> None:
        """Save the outlet's real outage-guard state, down (homepage failing twice) or not."""
        tracker = OutageTracker()
        if down:
            for i in range(2):
                tracker.observe(
                    Outcome(at + timedelta(seconds=i), self.home, "homepage", False, "connection")
                )
        self.store.update_outlet(self.outlet_id, outage=tracker.to_dict())


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = Store(db_url)
    yield s
    s.close()


def _rows(store: Store) -> list[dict]:
    return AlertStore(store).event_rows()


# ---- rules (pure) ----------------------------------------------------------------------------------
_words = st.text(st.characters(categories=("L", "N")), min_size=1, max_size=8)
_noise = st.text(st.sampled_from(" ,.!?()«»“”—-:;\u00a0\n"), max_size=3)


@given(st.lists(_words, min_size=1, max_size=4), st.lists(_words, max_size=5), _noise, _noise)
def test_a_phrase_is_found_whatever_the_case_and_punctuation(
    phrase: list[str], around: list[str], before: str, after: str
) -> None:
    # lower(), not upper(): "ı".upper() is "I", which no case-insensitive match can take back
    text = " ".join(around) + f" {before}" + " ".join(w.lower() for w in phrase) + f"{after} "
    (normalised,) = split_phrases([" ".join(phrase)]) or [""]
    if not normalised:  # a phrase of only characters that casefold to nothing
        return
    assert mentions([normalised], "", text)
    assert normalise(normalise(text)) == normalise(text)


@given(st.text(max_size=60))
def test_normalise_is_idempotent_and_keeps_only_words(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once
    assert "  " not in once and once == once.strip()


def test_a_phrase_matches_whole_words_in_order_only() -> None:
    assert mentions(("liu jianchao",), "", "Talks with LIU Jianchao, said")
    assert not mentions(("liu jianchao",), "", "Jianchao Liu said")
    assert not mentions(("port",), "", "the transport ministry")
    assert mentions(("ёлка",), "Ёлка в Москве", "")
    assert split_phrases(["Liu Jianchao, corridor", " , "]) == ("liu jianchao", "corridor")


def test_rules_choose_by_outlet_kind_edit_size_and_words() -> None:
    deleted = {"kind": "deleted", "source": "gazette", "title": "Corridor", "version_text": "x"}
    small_edit = {**deleted, "kind": "edited", "details": {"words_added": 2, "words_removed": 1}}
    cut_quote = {**small_edit, "details": {"words_added": 1, "quotes_removed": ["we will"]}}
    outage = {"kind": "outage", "source": "gazette", "title": None}
    assert Rule(1).wants(deleted) and Rule(1).wants(small_edit) and Rule(1).wants(outage)
    assert not Rule(1).wants({**deleted, "kind": "new"})
    assert DEFAULT_KINDS == ("deleted", "unlisted", "edited", "moved", "restored", "outage")
    assert not Rule(1, outlets=("other",)).wants(deleted)
    assert not Rule(1, kinds=("edited",)).wants(deleted)
    assert not Rule(1, min_words=5).wants(small_edit)
    assert Rule(1, min_words=5).wants(cut_quote)  # a cut quotation counts whatever its size
    assert Rule(1, match=("corridor",)).wants(deleted)  # in the title
    assert not Rule(1, match=("ministry",)).wants(deleted)
    assert Rule(1, match=("ministry",)).wants(outage)  # no article: keywords do not apply


# ---- messages ------------------------------------------------------------------------------------
def test_a_deletion_message_says_what_where_when_with_links(store: Store) -> None:
    desk = Newsdesk(store)
    aid = desk.article("Corridor talks")
    desk.event("deleted", aid, T0 + timedelta(hours=1), how="soft-404", summary="gone")
    (row,) = [r for r in _rows(store) if r["kind"] == "deleted"]
    assert row["version_fetch_id"] == store.versions(aid)[0]["fetch_id"]
    msg = event_message(row, LINKS)
    assert msg.title == "[gazette] deleted: soft-404: Corridor talks"
    for needed in (
        "Outlet: gazette",
        "What happened: deleted: soft-404",
        "First published: 2026-10-30",
        "Detected: 2026-11-01T10:00:00Z",
        "Lost text begins: Liu Jianchao arrived in the capital",
        f"Timeline: http://127.0.0.1:8080/articles/{aid}",
        f"Archived copy: http://127.0.0.1:8080/snapshots/{row['version_fetch_id']}",
    ):
        assert needed in msg.body, (needed, msg.body)
    record = event_record(row)
    assert {k: msg.payload[k] for k in record} == record  # the public field names and values
    assert msg.payload["message"] == msg.body and msg.payload["how"] == "soft-404"


def test_an_edit_message_shows_the_changed_words_and_the_cut_quote(store: Store) -> None:
    desk = Newsdesk(store)
    aid = desk.article("Corridor talks")
    details = {
        "words_added": 1,
        "words_removed": 9,
        "quotes_removed": ["Chinese companies should play their part"],
        "diff": [
            {"op": "equal", "old": ["a"], "new": ["a"]},
            {
                "op": "delete",
                "old": ["“Chinese", "companies", "should", "play", "their", "part,”", "said"],
                "new": [],
            },
            {
                "op": "replace",
                "old": ["2030"],
                "new": ["2031"],
                "parts": [{"op": "replace", "old": ["2030"], "new": ["2031"]}],
            },
        ],
    }
    desk.event("edited", aid, T0, details=details)
    msg = event_message(_rows(store)[-1], LINKS)
    assert "edited: +1 -9 words, 1 quotation cut" in msg.title
    assert "[-“Chinese companies should play their part,” said-] [-2030-] {+2031+}" in msg.body
    assert "Quotation removed: “Chinese companies should play their part”" in msg.body
    assert msg.payload["quotes_removed"] == ["Chinese companies should play their part"]


# ---- delivery ---------------------------------------------------------------------------------------
def _dispatcher(store: Store, clock: Clock, **kw: Any) -> Dispatcher:
    return Dispatcher(store, alert_settings=AlertSettings(**{**FAST.__dict__, **kw}), clock=clock)


def _step(d: Dispatcher) -> int:
    return asyncio.run(d.step())


def test_each_event_reaches_webhook_and_mail_once_after_its_hold(
    store: Store, hook: WebhookReceiver, mail: MailReceiver
) -> None:
    desk = Newsdesk(store)
    a, b = desk.article("Corridor talks"), desk.article("Port deal")
    AlertStore(store).add_rule([hook.url("/h"), mail.url()], T0, kinds=["deleted"])
    clock = Clock(T0 + timedelta(hours=1))
    desk.event("deleted", a, clock.now, how="http-404")
    desk.event("edited", b, clock.now)  # not a kind this rule wants
    d = _dispatcher(store, clock)
    assert _step(d) == 0 and hook.got("/h") == []  # held for the digest window
    clock.advance(11)
    assert _step(d) == 2
    (body,) = hook.got("/h")
    assert (body["kind"], body["how"], body["title"], body["source"]) == (
        "deleted",
        "http-404",
        "Corridor talks",
        "gazette",
    )
    assert body["version"] == 1 and body["url"] == desk.urls[0] and "message" in body
    assert "type" not in body and "attachments" not in body  # Apprise's envelope keys removed
    (text,) = mail.texts()
    assert "What happened: deleted: http-404" in text
    assert mail.messages[0]["Subject"] == "[gazette] deleted: http-404: Corridor talks"
    # a restart (a new dispatcher, even one that forgot its watermark) repeats nothing
    AlertStore(store).plan([], 0, clock.now)
    for _ in range(2):
        clock.advance(60)
        assert _step(_dispatcher(store, clock)) == 0
    assert len(hook.got("/h")) == 1 and len(mail.messages) == 1
    assert [x["state"] for x in AlertStore(store).deliveries()] == ["sent", "sent"]


def test_a_failing_destination_is_retried_with_backoff_then_succeeds(
    store: Store, hook: WebhookReceiver
) -> None:
    desk = Newsdesk(store)
    aid = desk.article("Corridor talks")
    hook.fail_first["/flaky"] = 2
    AlertStore(store).add_rule([hook.url("/flaky")], T0)
    clock = Clock(T0 + timedelta(hours=1))
    desk.event("deleted", aid, clock.now, how="http-410")
    d = _dispatcher(store, clock, digest_window=0.0)
    assert _step(d) == 0 and hook.attempts["/flaky"] == 1
    (row,) = AlertStore(store).deliveries()
    assert (row["state"], row["attempts"]) == ("pending", 1) and "500" in row["last_error"]
    assert row["next_attempt_at"] == clock.now + timedelta(seconds=5)
    clock.advance(4)
    assert _step(d) == 0 and hook.attempts["/flaky"] == 1  # not before its time
    clock.advance(1)
    assert _step(d) == 0 and hook.attempts["/flaky"] == 2  # second failure: 10 s next
    clock.advance(10)
    assert _step(d) == 1 and len(hook.got("/flaky")) == 1
    (row,) = AlertStore(store).deliveries()
    assert (row["state"], row["attempts"], row["last_error"]) == ("sent", 3, None)


def test_a_destination_failing_every_attempt_ends_failed(
    store: Store, hook: WebhookReceiver
) -> None:
    desk = Newsdesk(store)
    aid = desk.article("Corridor talks")
    hook.fail_first["/down"] = 99
    AlertStore(store).add_rule([hook.url("/down")], T0)
    clock = Clock(T0 + timedelta(hours=1))
    desk.event("deleted", aid, clock.now, how="http-410")
    d = _dispatcher(store, clock, digest_window=0.0)
    for _ in range(5):
        _step(d)
        clock.advance(3600)
    (row,) = AlertStore(store).deliveries()
    assert (row["state"], row["attempts"], hook.attempts["/down"]) == ("failed", 3, 3)


def test_a_burst_becomes_one_digest_and_a_lone_event_stays_single(
    store: Store, hook: WebhookReceiver
) -> None:
    desk, other = Newsdesk(store), Newsdesk(store, "herald")
    ids = [desk.article(f"Story {i}") for i in range(5)]
    lone = other.article("Lone story")
    AlertStore(store).add_rule([hook.url("/all")], T0)
    clock = Clock(T0 + timedelta(hours=1))
    for i, aid in enumerate(ids):
        desk.event("deleted", aid, clock.now + timedelta(seconds=2 * i), how="http-404")
    other.event("deleted", lone, clock.now, how="http-404")
    clock.advance(11)  # the first events are due; the burst's last ones are not yet
    assert _step(_dispatcher(store, clock)) == 2
    bodies = hook.got("/all")
    (digest,) = [b for b in bodies if b["kind"] == "digest"]
    (single,) = [b for b in bodies if b["kind"] == "deleted"]
    assert digest["source"] == "gazette" and digest["count"] == 5
    assert [e["id"] for e in digest["events"]] == sorted(e["id"] for e in digest["events"])
    assert {e["title"] for e in digest["events"]} == {f"Story {i}" for i in range(5)}
    assert "5 changes" in digest["message"] and single["title"] == "Lone story"
    clock.advance(60)
    assert _step(_dispatcher(store, clock)) == 0 and len(hook.got("/all")) == 2


def test_an_outage_is_one_message_and_holds_back_the_outlets_article_alerts(
    store: Store, hook: WebhookReceiver
) -> None:
    desk = Newsdesk(store)
    ids = [desk.article(f"Story {i}") for i in range(3)]
    AlertStore(store).add_rule([hook.url("/o")], T0)
    clock = Clock(T0 + timedelta(hours=1))
    desk.outage(clock.now, down=True)
    desk.event(
        "outage",
        None,
        clock.now,
        summary="gazette: outage began (homepage)",
        details={"kind": "outage-start", "reason": "homepage failed twice"},
    )
    for aid in ids:  # what a broken CMS looks like to the judge
        desk.event("deleted", aid, clock.now, how="soft-404")
    d = _dispatcher(store, clock)
    assert _step(d) == 1  # the outage goes at once
    clock.advance(11)
    assert _step(d) == 0
    (body,) = hook.got("/o")
    assert body["kind"] == "outage" and "homepage failed twice" in body["message"]
    states = sorted(x["state"] for x in AlertStore(store).deliveries())
    assert states == ["sent", "suppressed", "suppressed", "suppressed"]
    # after the outage, alerts flow again
    desk.outage(clock.now, down=False)
    desk.event("deleted", ids[0], clock.now, how="http-410")
    clock.advance(11)
    assert _step(d) == 1 and hook.got("/o")[-1]["how"] == "http-410"


def test_rules_see_only_events_after_they_were_made_and_keywords_filter(
    store: Store, hook: WebhookReceiver
) -> None:
    desk = Newsdesk(store)
    a = desk.article("Corridor talks")
    b = desk.article("Weather", text="Rain is expected over the weekend in the north.")
    clock = Clock(T0 + timedelta(hours=1))
    desk.event("deleted", a, clock.now - timedelta(minutes=5), how="http-404")  # before the rule
    AlertStore(store).add_rule([hook.url("/kw")], clock.now, match=split_phrases(["Liu Jianchao"]))
    desk.event("deleted", a, clock.now, how="http-410")
    desk.event("deleted", b, clock.now, how="http-410")
    clock.advance(11)
    assert _step(_dispatcher(store, clock)) == 1
    (body,) = hook.got("/kw")
    assert (body["title"], body["how"]) == ("Corridor talks", "http-410")


def test_a_cancelled_dispatcher_task_loses_and_repeats_nothing(
    store: Store, hook: WebhookReceiver
) -> None:
    desk = Newsdesk(store)
    ids = [desk.article(f"Story {i}") for i in range(3)]
    AlertStore(store).add_rule([hook.url("/k")], T0)
    settings = AlertSettings(**{**FAST.__dict__, "digest_window": 0.0, "poll": 0.05})

    async def run_until(n: int, then_event: int | None) -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(Dispatcher(store, alert_settings=settings).run(stop))
        while len(hook.got("/k")) < n:
            await asyncio.sleep(0.05)
        if then_event is not None:  # killed between two events: the next arrives while it is down
            task.cancel()
            desk.event("deleted", ids[then_event], datetime.now(UTC), how="http-404")
        else:
            stop.set()
        await asyncio.gather(task, return_exceptions=True)

    async def scenario() -> None:
        desk.event("deleted", ids[0], datetime.now(UTC), how="http-404")
        await asyncio.wait_for(run_until(1, then_event=1), 10)
        await asyncio.wait_for(run_until(2, then_event=2), 10)
        await asyncio.wait_for(run_until(3, then_event=None), 10)
        await asyncio.sleep(0.3)

    asyncio.run(scenario())
    assert sorted(b["title"] for b in hook.got("/k")) == ["Story 0", "Story 1", "Story 2"]


def test_a_locked_database_does_not_stall_the_monitors_event_loop(
    store: Store, hook: WebhookReceiver, db_url: str
) -> None:
    """Another process holds the SQLite database (BEGIN EXCLUSIVE): the dispatcher's passes wait for
    it in their thread, while the event loop the checks run on keeps its pace; the alert goes out
    once the lock is let go."""
    if not db_url.startswith("sqlite"):
        pytest.skip("a database-wide lock is SQLite's")
    desk = Newsdesk(store)
    article = desk.article("Corridor talks")
    AlertStore(store).add_rule([hook.url("/lock")], T0)
    desk.event("deleted", article, datetime.now(UTC), how="http-404")
    settings = AlertSettings(**{**FAST.__dict__, "digest_window": 0.0, "poll": 0.05})
    holder = sqlite3.connect(db_url.removeprefix("sqlite:///"), timeout=1)
    holder.execute("BEGIN EXCLUSIVE")
    gaps: list[float] = []

    async def scenario() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(Dispatcher(store, alert_settings=settings).run(stop))
        last = time.monotonic()
        for _ in range(40):  # two seconds of ticks while the lock is held
            await asyncio.sleep(0.05)
            gaps.append(time.monotonic() - last)
            last = time.monotonic()
        assert hook.got("/lock") == []  # nothing could be read or marked: nothing went
        holder.rollback()
        for _ in range(200):
            if hook.got("/lock"):
                break
            await asyncio.sleep(0.05)
        stop.set()
        await asyncio.wait_for(task, 10)

    try:
        asyncio.run(scenario())
    finally:
        holder.close()
    assert max(gaps) < 0.5, f"the event loop stalled {max(gaps):.2f} s behind the lock"
    (body,) = hook.got("/lock")
    assert body["title"] == "Corridor talks"


def test_apprise_reports_why_a_send_failed(hook: WebhookReceiver) -> None:
    from memoryhole.alerts.messages import trial_message

    hook.fail_first["/x"] = 1
    assert "500" in (apprise_send(hook.url("/x"), trial_message("t")) or "")
    assert apprise_send(hook.url("/x"), trial_message("t")) is None
    assert hook.got("/x")[0]["kind"] == "test"
    assert apprise_send("nonsense://", trial_message("t")) is not None


# ---- feeds ---------------------------------------------------------------------------------------
def test_atom_feeds_parse_and_match_the_events(store: Store) -> None:
    desk, other = Newsdesk(store), Newsdesk(store, "herald")
    a, b = desk.article("Corridor & talks <1>"), other.article("Port deal")
    desk.event("deleted", a, T0 + timedelta(hours=1), how="http-404")
    other.event("edited", b, T0 + timedelta(hours=2), details={"words_added": 3})
    rule = AlertStore(store).add_rule(["json://127.0.0.1:9/x"], T0, kinds=["deleted"])
    events = {e["id"]: e for e in _rows(store)}

    everything = feedparser.parse(atom_feed(store, links=LINKS))
    assert not everything.bozo, everything.bozo_exception
    assert [e.id for e in everything.entries] == [entry_id(i) for i in sorted(events, reverse=True)]
    assert [e.tags[0].term for e in everything.entries] == [
        events[i]["kind"] for i in sorted(events, reverse=True)
    ]
    deleted = feedparser.parse(atom_feed(store, rule_id=rule, links=LINKS)).entries
    assert [(e.title, e.link) for e in deleted] == [
        ("[gazette] deleted: http-404: Corridor & talks <1>", f"http://127.0.0.1:8080/articles/{a}")
    ]
    assert "Lost text begins" in deleted[0].content[0].value
    herald = feedparser.parse(atom_feed(store, outlet="herald", links=LINKS)).entries
    assert [(e.author, e.tags[0].term) for e in herald] == [("herald", "edited")]
    with pytest.raises(FeedError, match="no alert rule 99"):
        atom_feed(store, rule_id=99)
    with pytest.raises(FeedError, match="no outlet named"):
        atom_feed(store, outlet="nowhere")


# ---- the commands ------------------------------------------------------------------------------------
def _cmd(tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    capsys.readouterr()
    alerts.main(args=list(args), obj=State(tmp_path / "data", db_url), standalone_mode=False)
    return capsys.readouterr().out


def test_alerts_commands_add_list_test_feed_remove(
    tmp_path: Path, db_url: str, hook: WebhookReceiver, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = hook.url("/cmd").replace("json://", "json://user:s3cret@")
    out = _cmd(
        tmp_path,
        db_url,
        capsys,
        "add",
        secret,
        "--kind",
        "deleted",
        "--kind",
        "edited",
        "--source",
        "gazette",
        "--match",
        "Liu Jianchao, corridor",
        "--min-words",
        "10",
    )
    assert out.startswith("added alert rule 1:")
    (rec,) = [
        json.loads(line) for line in _cmd(tmp_path, db_url, capsys, "list", "--json").splitlines()
    ]
    assert rec["kinds"] == ["deleted", "edited"] and rec["sources"] == ["gazette"]
    assert rec["match"] == ["liu jianchao", "corridor"] and rec["min_words"] == 10
    assert (
        "s3cret" not in json.dumps(rec)
        and str(hook.server.server_address[1]) in rec["destinations"][0]
    )
    assert "sent to" in _cmd(tmp_path, db_url, capsys, "test", "1")
    assert hook.got("/cmd")[0]["kind"] == "test"
    feed = tmp_path / "rule.atom"
    _cmd(tmp_path, db_url, capsys, "feed", str(feed), "--rule", "1")
    assert feedparser.parse(feed.read_bytes()).feed.title.startswith("memoryhole: rule 1")
    assert "removed alert rule 1" in _cmd(tmp_path, db_url, capsys, "remove", "1")
    assert _cmd(tmp_path, db_url, capsys, "list", "--json") == ""
    with pytest.raises(Exception, match="no alert rule 1"):
        _cmd(tmp_path, db_url, capsys, "remove", "1")
    with pytest.raises(Exception, match="not an Apprise URL"):
        _cmd(tmp_path, db_url, capsys, "add", "nonsense://x")
