"""Alert delivery beside the monitor: events → pending deliveries → Apprise, at least once, no storms.

Every step's state is in the database. Planning writes one pending row per (event, destination) and
moves the event-id watermark in one transaction. Sending claims rows (a lease), sends, then marks them
sent. Exactly once is impossible across a crash: a kill after the receiver took the message and
before the mark commits resends that one message when its lease ends after a restart
(at-least-once). The window is kept as small as it can be: the mark is written by the sending thread
itself, right after the HTTP exchange, without waiting for the event loop; it is retried (on a lock)
for as long as the lease holds. Every message carries an idempotency key a receiver can drop repeats
by: `delivery_key` ("<event id>-<destination id>") in the payload and, for HTTP webhooks
(json/xml/form), an `Idempotency-Key` header; a digest carries its own key for its set of events and
one per event in `events[].delivery_key`, since a digest resent after a crash may gather more events.

Resource faults (a locked database, a full disk) are the monitor's to report (runner.py): a pass that
meets one is logged at debug level only, and the next passes back off.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any, TypeVar

import apprise

from ..models import utcnow
from ..outages import OutageTracker
from ..store import Store
from ..store.alerts import AlertStore
from ..store.db import resource_fault
from .messages import Links, Message, digest_message, event_message
from .rules import Rule

T = TypeVar("T")

__all__ = [
    "AlertSettings",
    "Dispatcher",
    "Sender",
    "apprise_send",
    "delivery_key",
    "private_url",
    "send_now",
]

log = logging.getLogger("memoryhole.alerts")

#: send(url, message) → None when delivered, else one line saying why not
Sender = Callable[[str, Message], str | None]

PLAN_BATCH = 500  # events read per planning pass


@dataclass(frozen=True)
class AlertSettings:
    """Alert settings; `from_settings` reads `alert_*` / `base_url` fields of `Settings` when present."""

    base_url: str = (
        "http://127.0.0.1:8080"  # the web UI, for links to timelines and archived copies
    )
    poll: float = 2.0  # seconds between looks at the events table
    digest_count: int = 5  # this many events about one outlet ...
    digest_window: float = 30.0  # ... within this many seconds become one digest; also the hold
    max_attempts: int = 8  # then a delivery is failed for good
    backoff: float = 30.0  # first retry after this many seconds, doubling each time ...
    backoff_max: float = 3600.0  # ... up to this
    lease: float = 120.0  # a claimed delivery is left alone this long (a crashed sender's rows)
    lookback: int = 50  # event ids re-read below the watermark (PostgreSQL commits out of id order)

    @classmethod
    def from_settings(cls, settings: Any, **overrides: Any) -> AlertSettings:
        """From `settings` (its `alert_*` fields and `base_url`, where it has them), then `overrides`."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            name = "base_url" if f.name == "base_url" else f"alert_{f.name}"
            if getattr(settings, name, None) is not None:
                values[f.name] = getattr(settings, name)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


class Dispatcher:
    """Runs beside the monitor: `await Dispatcher(store, paths, settings).run(stop_event)`.

    `settings` is the monitor's `Settings` (its `base_url` / `alert_*` fields, when present, are
    read by `AlertSettings.from_settings`); `paths` is accepted so the call matches `build_context`.
    `send` and `clock` are seams for tests and other transports; one dispatcher per database.
    """

    def __init__(
        self,
        store: Store,
        paths: Any = None,
        settings: Any = None,
        *,
        alert_settings: AlertSettings | None = None,
        send: Sender | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.alerts = AlertStore(store)
        self.cfg = alert_settings or AlertSettings.from_settings(settings)
        self.links = Links(self.cfg.base_url)
        self.send = send or apprise_send
        self.clock = clock
        # one sending thread: Apprise blocks, and one at a time keeps LogCapture's output ours
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="memoryhole-alerts")

    async def run(self, stop: asyncio.Event) -> None:
        """Plan and send until `stop` is set; a failing pass is logged and tried again next time."""
        backoff = self.cfg.poll
        try:
            while not stop.is_set():
                wait = self.cfg.poll
                try:
                    await self.step()
                    backoff = self.cfg.poll
                except Exception as exc:  # a database hiccup or a bug must never stop the monitor
                    fault = resource_fault(exc)
                    if fault is None:
                        log.exception("alert dispatch pass failed")
                    else:  # the monitor says it once; pending rows wait in the database
                        log.debug("alert dispatch pass met a resource fault: %s", fault)
                        wait = backoff = min(backoff * 2, 60.0)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=wait)
        finally:
            self._pool.shutdown(wait=False)

    async def step(self) -> int:
        """One pass: plan new events, then send what is due. Returns messages sent."""
        now = self.clock()
        await self._db(self.plan, now)
        return await self.send_due(now)

    async def _db(self, call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """A database call in the sending thread, off the event loop: a database locked by another
        process holds a call up to the busy timeout, and the monitor's checks must not wait."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, partial(call, *args, **kwargs))

    # ---- planning ---------------------------------------------------------------------------------
    def plan(self, now: datetime) -> int:
        """Pending deliveries for every event after the watermark that a rule wants."""
        mark = self.alerts.watermark()
        # SQLite serialises writers, so ids become visible in order; PostgreSQL may commit a lower
        # id after a higher one, so the last ids below the watermark are read again (idempotent)
        lookback = 0 if self.alerts.store.dialect == "sqlite" else self.cfg.lookback
        after = None if mark is None else max(0, mark - lookback)
        events = self.alerts.event_rows(after_id=after, limit=PLAN_BATCH)
        if not events:
            return 0
        rules = [(Rule.from_row(r), r["created_at"]) for r in self.alerts.rules()]
        planned: list[tuple[dict, int, datetime]] = []
        for event in events:
            due = self._first_attempt(event)
            wanted = {
                d
                for rule, created in rules
                if event["detected_at"] >= created and rule.wants(event)
                for d in rule.destination_ids
            }
            planned += [(event, d, due) for d in sorted(wanted)]
        newest = max([e["id"] for e in events] + [mark or 0])
        return self.alerts.plan(planned, newest, now)

    def _first_attempt(self, event: dict) -> datetime:
        """Outages go at once; an article's alert waits one digest window for a burst to gather."""
        if event["kind"] == "outage":
            return event["detected_at"]
        return event["detected_at"] + timedelta(seconds=self.cfg.digest_window)

    # ---- sending ----------------------------------------------------------------------------------
    async def send_due(self, now: datetime) -> int:
        urls = await self._db(self.alerts.destination_urls)
        outages = await self._db(self.alerts.outlet_outages)
        done: set[int] = set()
        sent = 0
        for row in await self._db(self.alerts.due, now):
            if row["id"] in done:
                continue
            group, kind = await self._db(self._group, row, now)
            done.update(d["id"] for d in group)
            if kind != "outage" and _in_outage(outages.get(row["outlet_id"])):
                await self._db(self.alerts.mark_suppressed, [d["id"] for d in group], now, "outage")
                continue
            sent += await self._deliver(group, kind, urls[row["destination_id"]], now)
        return sent

    def _group(self, row: dict, now: datetime) -> tuple[list[dict], str]:
        """The deliveries that go out in one message with `row`: a digest when its outlet had a burst."""
        pending = self.alerts.pending_for(row["destination_id"], row["outlet_id"])
        me = next((p for p in pending if p["id"] == row["id"]), None)
        if me is None or me["kind"] == "outage":
            return [row], "outage" if me is not None else "event"
        window = timedelta(seconds=self.cfg.digest_window)
        burst = [
            p
            for p in pending
            if p["kind"] != "outage" and abs(p["detected_at"] - me["detected_at"]) <= window
        ]
        if len(burst) >= self.cfg.digest_count:
            return burst, "digest"
        return [row], "event"

    async def _deliver(self, group: list[dict], kind: str, url: str, now: datetime) -> int:
        ids = [d["id"] for d in group]
        if not await self._db(
            self.alerts.claim, ids, now, self.cfg.lease, only_due=kind != "digest"
        ):
            return 0
        event_ids = [d["event_id"] for d in group]
        events = await self._db(self.alerts.event_rows, ids=event_ids, limit=len(group))
        if kind == "digest":
            message = digest_message(events, self.links)
        else:
            message = event_message(events[0], self.links)
        key = delivery_key(group)
        payload = {**message.payload, "delivery_key": key}
        if kind == "digest":
            dest = group[0]["destination_id"]
            payload["events"] = [
                {**e, "delivery_key": f"{e['id']}-{dest}"} for e in payload.get("events", [])
            ]
        message = replace(message, payload=payload)
        return await self._send_in_thread(group, f"{kind}:{key}", url, message, now)

    def _send_and_settle(
        self, group: list[dict], label: str, url: str, message: Message, claimed: float
    ) -> int:
        """In the sending thread: send, then mark the outcome at once (no trip through the event
        loop, which may be busy: the at-least-once window is the HTTP answer plus one UPDATE)."""
        error = self.send(url, message)
        while True:
            try:
                return self._settle(group, label, url, error)
            except Exception as exc:
                fault = resource_fault(exc)
                # A lock: retry while the lease still keeps the rows ours, else they go again.
                if (
                    fault is None
                    or not fault.transient
                    or time.monotonic() > claimed + self.cfg.lease
                ):
                    raise
                time.sleep(0.2)

    def _settle(self, group: list[dict], label: str, url: str, error: str | None) -> int:
        """Mark a send's outcome at once: sent, or failed with the next attempt's time."""
        ids, when = [d["id"] for d in group], self.clock()
        if error is None:
            self.alerts.mark_sent(ids, when, label[:40])
            return 1
        attempts = max(d["attempts"] for d in group) + 1
        retry_at = None if attempts >= self.cfg.max_attempts else when + self._backoff(attempts)
        self.alerts.mark_failed(ids, when, error, retry_at)
        log.warning("alert to %s failed (attempt %d): %s", private_url(url), attempts, error)
        return 0

    async def _send_in_thread(
        self, group: list[dict], label: str, url: str, message: Message, now: datetime
    ) -> int:
        """Send and mark without blocking the monitor; a cancel arriving mid-send waits for the
        send and its mark to end, so that a clean stop never repeats a message."""
        future = asyncio.get_running_loop().run_in_executor(
            self._pool, self._send_and_settle, group, label, url, message, time.monotonic()
        )
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await future
            raise

    def _backoff(self, attempts: int) -> timedelta:
        return timedelta(seconds=min(self.cfg.backoff * 2 ** (attempts - 1), self.cfg.backoff_max))


def delivery_key(group: Sequence[dict]) -> str:
    """The idempotency key of one message: "<event id>-<destination id>" for one event; for a
    digest, that of its first event plus a hash of all its event ids, so that a digest resent with
    the same events has the same key and one that gathered more after a crash has another."""
    first = f"{group[0]['event_id']}-{group[0]['destination_id']}"
    if len(group) == 1:
        return first
    ids = ",".join(str(d["event_id"]) for d in sorted(group, key=lambda d: d["event_id"]))
    return f"{first}-{hashlib.sha1(ids.encode()).hexdigest()[:8]}"


def _in_outage(state: dict | None) -> bool:
    return bool(state) and OutageTracker.from_dict(state).in_outage  # type: ignore[arg-type]


def private_url(url: str) -> str:
    """The URL with its secrets hidden (Apprise's privacy form), for logs and listings."""
    plugin = apprise.Apprise.instantiate(url)
    return plugin.url(privacy=True) if plugin is not None else url.split("://", 1)[0] + "://…"


# ---- Apprise ---------------------------------------------------------------------------------------
_JSON_SCHEMAS = ("json", "jsons")
#: keys of Apprise's own JSON envelope; any of ours with the same name would be read as a rename
_ENVELOPE = ("version", "title", "message", "type", "attachments")


def apprise_send(url: str, message: Message) -> str | None:
    """Send one message to one Apprise URL; None when it was accepted, else why not."""
    parsed = apprise.plugins.url_to_dict(url)
    if parsed is None:
        return f"not an Apprise URL: {url.split('://', 1)[0]}://…"
    title, body = message.title, message.body
    if parsed.get("schema") in _JSON_SCHEMAS:
        parsed, title, body = _json_envelope(parsed, message)
    plugin = apprise.Apprise.instantiate(parsed)
    if plugin is None:
        return f"Apprise cannot use this URL: {url.split('://', 1)[0]}://…"
    if parsed.get("schema") in _JSON_SCHEMAS:
        # Apprise writes its envelope's "version" from this attribute: ours is the article version
        plugin.json_version = message.payload.get("version")  # type: ignore[attr-defined]
    key = message.payload.get("delivery_key")
    if key and isinstance(getattr(plugin, "headers", None), dict):  # json, xml, form webhooks
        plugin.headers = {**plugin.headers, "Idempotency-Key": str(key)}  # type: ignore[attr-defined]
    with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as logs:
        ok = plugin.notify(
            body=body, title=title, notify_type=apprise.NotifyType(message.notify_type)
        )
    if ok:
        return None
    lines = [line for line in logs.getvalue().splitlines() if line.strip()]
    return lines[-1] if lines else "Apprise reported a failure"


def _json_envelope(parsed: dict, message: Message) -> tuple[dict, str, str]:
    """Make Apprise's JSON body the payload: our fields as payload extras (Apprise's `:key=value`),
    `title` and `message` through its own envelope, its `type` and `attachments` dropped."""
    extras = {k: v for k, v in message.payload.items() if k not in _ENVELOPE}
    extras.update({"type": "", "attachments": ""})  # an empty extra removes an envelope key
    if "version" not in message.payload:
        extras["version"] = ""
    parsed = {**parsed, "payload": {**(parsed.get("payload") or {}), **extras}}
    return parsed, message.payload.get("title") or "", message.payload.get("message", message.body)


def send_now(
    urls: Sequence[str], message: Message, send: Sender | None = None
) -> dict[str, str | None]:
    """Send one message to each URL at once (the `alerts test` command): url → error or None."""
    send = send or apprise_send
    return {url: send(url, message) for url in urls}
