"""Alerts across SIGKILLs: `memoryhole run` (monitor and alert dispatcher in one process) is killed
at random moments while it delivers alerts to a real local JSON webhook, and restarted. In the end
every event a rule wants reached its destination — none lost — and a message arrived twice only when
a kill fell inside the at-least-once window (after the receiver took it, before the dispatcher
marked it sent), each repeat carrying the same idempotency key (docs/operations.md).

Half of the kills are aimed into that window on purpose: the receiver holds each answer for a
moment, and the test kills the run as soon as a message has arrived.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from test_crash import soak
from webhooks import LocalWebhook

from memoryhole.simulate import Newsroom, serve

MEMORYHOLE = soak.MEMORYHOLE
HOLD = 0.3  # seconds the receiver takes to answer: a kill in that time lands in the window
#: how long after a message arrived a kill may still find it unmarked: the answer, plus the UPDATE
#: that marks it (the monitor may hold SQLite's write lock for a moment), generously
WINDOW = HOLD + 3.0
ENV = {
    "MEMORYHOLE_ALERT_POLL": "0.2",
    "MEMORYHOLE_ALERT_LEASE": "1",  # a killed run's claimed deliveries go again 1 s later
    "MEMORYHOLE_ALERT_BACKOFF": "0.5",
    "MEMORYHOLE_ALERT_DIGEST_WINDOW": "0.3",
    "MEMORYHOLE_EXTRACT_WORKERS": "1",
}
RUN = ("run", "--allow-private", "--recheck", "1s", "--poll", "1s", "--confirm-gap", "1s")


@dataclass
class Receipt:
    at: float  # time.monotonic() when the body had been read
    path: str
    header_key: str | None
    body: dict[str, Any]

    def per_event(self) -> list[tuple[int, str]]:
        """(event id, per-event idempotency key) of every event the message carries."""
        if self.body.get("kind") == "digest":
            return [(e["id"], e["delivery_key"]) for e in self.body["events"]]
        return [(self.body["id"], self.body["delivery_key"])]


class Receiver(LocalWebhook):
    """Keeps every POST and holds each answer HOLD seconds."""

    hold = HOLD

    def __init__(self) -> None:
        self.receipts: list[Receipt] = []
        super().__init__()
        self.arrived = threading.Condition(self.lock)

    def receive(self, path: str, key: str | None, body: bytes) -> int:
        self.receipts.append(Receipt(time.monotonic(), path, key, json.loads(body)))
        self.arrived.notify_all()
        return 200

    def count(self) -> int:
        with self.lock:
            return len(self.receipts)

    def wait_for_more(self, than: int, timeout: float) -> Receipt | None:
        """The first receipt after the first ``than``, when one arrives within ``timeout``."""
        with self.lock:
            self.arrived.wait_for(lambda: len(self.receipts) > than, timeout)
            return self.receipts[than] if len(self.receipts) > than else None


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    hook = Receiver()
    yield hook
    hook.close()


def _start(data: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(MEMORYHOLE), "--data", str(data), *RUN],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
        env=os.environ | ENV,
    )


def _news(
    room: Newsroom, data: Path, stop: threading.Event, rng: random.Random, done: list[str]
) -> None:
    """Edits and deletions at a steady pace while the runs are killed and restarted, once every
    article has been recorded (a change before that is no event); each article changed once at
    most, ``done`` gets their URLs."""
    live = [room.url_of(a) for a in room.articles(visible_only=True)]
    while len(_events(data, "new")) < len(live):
        if stop.wait(0.2):
            return
    rng.shuffle(live)
    for url in live[:5]:
        if stop.wait(1.2):
            return
        if rng.random() < 0.5:
            room.edit(
                url, text=f"A new opening paragraph {rng.random()}.\n\nLater text, rewritten."
            )
        else:
            room.delete(url, rng.choice(["http-404", "http-410"]))
        done.append(url)


def _events(data: Path, *kinds: str) -> set[str]:
    """URLs of the articles with an event of one of these kinds."""
    if not (data / "memoryhole.db").exists():
        return set()
    db = sqlite3.connect(data / "memoryhole.db", timeout=10)
    try:
        rows = db.execute(
            "SELECT a.url FROM events e JOIN articles a ON a.id = e.article_id "
            f"WHERE e.kind IN ({', '.join('?' * len(kinds))})",
            kinds,
        ).fetchall()
    finally:
        db.close()
    return {url for (url,) in rows}


def _changed(data: Path) -> set[str]:
    return _events(data, "edited", "deleted")


def _delivery_states(data: Path) -> dict[str, int]:
    db = sqlite3.connect(data / "memoryhole.db", timeout=10)
    try:
        rows = db.execute("SELECT state, count(*) FROM alert_deliveries GROUP BY state").fetchall()
    finally:
        db.close()
    return dict(rows)


def _wanted(data: Path, first: str) -> set[tuple[str, int]]:
    """(path, event id) of every event a rule wants, from the events table (the rules restated)."""
    db = sqlite3.connect(data / "memoryhole.db", timeout=10)
    try:
        rows = db.execute(
            "SELECT e.id, e.kind, o.name FROM events e JOIN outlets o ON o.id = e.outlet_id"
        ).fetchall()
    finally:
        db.close()
    wanted = {("/new", i) for i, kind, outlet in rows if kind == "new" and outlet == first}
    return wanted | {("/changes", i) for i, kind, _ in rows if kind in ("edited", "deleted")}


@pytest.mark.timeout(120)
def test_alerts_survive_sigkill_none_lost_repeats_only_in_the_window(
    tmp_path: Path, receiver: Receiver
) -> None:
    rng = random.Random(6)
    room = Newsroom.build(seed=11, outlets=2, articles_per_outlet=6)
    data = tmp_path / "data"
    with serve(room) as sim:
        first = next(iter(sim.urls))
        soak.prepare(data, sim.urls)
        for args in (
            (receiver.url("/new"), "--kind", "new", "--source", first),
            (receiver.url("/changes"), "--kind", "edited", "--kind", "deleted"),
        ):
            added = soak.cli(data, "alerts", "add", *args)
            assert added.returncode == 0, added.stderr

        stop_news = threading.Event()
        changed: list[str] = []
        news = threading.Thread(
            target=_news, args=(room, data, stop_news, rng, changed), daemon=True
        )
        kills: list[float] = []
        aimed: list[tuple[float, Receipt]] = []  # kills aimed into the window, and at what
        news.start()
        try:
            everything = {room.url_of(a) for a in room.articles()}
            end = time.monotonic() + 20
            # on a slow machine the changes may be sent while a run sleeps: go on aiming, a while
            # longer, until two kills have landed right after a delivery
            extra = end + 25
            while time.monotonic() < end or (len(aimed) < 2 and time.monotonic() < extra):
                proc = _start(data)
                if not kills:  # the first run records every article, then dies mid-send
                    limit = time.monotonic() + 20
                    while _events(data, "new") < everything and time.monotonic() < limit:
                        time.sleep(0.2)
                    end = time.monotonic() + 15
                    extra = end + 25
                if not kills or len(aimed) < 2 or rng.random() < 0.5:
                    got = receiver.wait_for_more(receiver.count(), timeout=5)
                    if got is not None:
                        time.sleep(rng.uniform(0, HOLD / 3))
                        aimed.append((time.monotonic(), got))
                else:
                    time.sleep(rng.uniform(1.0, 4.0))
                if proc.poll() is not None:
                    pytest.fail(f"the run ended by itself: {proc.stderr.read().decode()[-2000:]}")
                kills.append(time.monotonic())
                soak.kill_run(proc)
        finally:
            stop_news.set()
            news.join()

        # One last run, not killed, until every change is detected and everything planned is
        # sent (or the time is up).
        proc = _start(data)
        started = time.monotonic()
        deadline = started + 30
        try:
            while time.monotonic() < deadline:
                time.sleep(0.5)
                if time.monotonic() - started < 3:
                    continue  # let it start: it stops cleanly on SIGTERM once it is up
                if len(changed) < 5 or not _changed(data) >= set(changed):
                    continue
                states = _delivery_states(data)
                received = {(r.path, i) for r in receiver.receipts for i, _ in r.per_event()}
                if set(states) == {"sent"} and received >= _wanted(data, first):
                    break
        finally:
            proc.send_signal(signal.SIGTERM)
            _out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err.decode()[-3000:]
        assert b"Traceback" not in err, err.decode()[-3000:]

    states = _delivery_states(data)
    assert len(kills) >= 5 and len(aimed) >= 2, (len(kills), len(aimed), states, receiver.count())
    assert set(states) == {"sent"}, states  # nothing pending, failed or suppressed
    wanted = _wanted(data, first)
    assert _changed(data) >= set(changed) and len(changed) == 5  # every edit and deletion seen

    # none lost, nothing unwanted
    by_event: dict[tuple[str, int], list[tuple[Receipt, str]]] = {}
    for r in receiver.receipts:
        assert r.header_key == r.body["delivery_key"], r  # the header is the payload's key
        for event_id, key in r.per_event():
            by_event.setdefault((r.path, event_id), []).append((r, key))
    assert set(by_event) == wanted

    # repeats: only after a kill inside the window, each with the same key
    destinations = {"/new": 1, "/changes": 2}
    repeated = {k: v for k, v in by_event.items() if len(v) > 1}
    for (path, event_id), copies in repeated.items():
        assert {key for _, key in copies} == {f"{event_id}-{destinations[path]}"}, copies
        for before, after in zip(copies, copies[1:], strict=False):
            assert any(
                before[0].at <= k <= before[0].at + WINDOW and k < after[0].at for k in kills
            ), (
                path,
                event_id,
                [c[0].at for c in copies],
                kills,
            )
    # and a message killed inside the window is sent again (by event: a retry may be a digest)
    for killed_at, got in aimed:
        for event_id, _key in got.per_event():
            again = [r for r, _ in by_event[(got.path, event_id)] if r.at > killed_at]
            assert again, (got.path, event_id)
    # identical repeats of one message carry one key and the same events
    by_key: dict[tuple[str, str], set[tuple[int, ...]]] = {}
    for r in receiver.receipts:
        by_key.setdefault((r.path, r.body["delivery_key"]), set()).add(
            tuple(sorted(i for i, _ in r.per_event()))
        )
    assert all(len(v) == 1 for v in by_key.values()), by_key
