"""The single-process monitor: an asyncio loop that runs whatever is due through `pipeline`.

It owns only the loop: what is due (from the store), how much runs at once, stopping cleanly on
SIGINT/SIGTERM or after `--for`, and `--once`. A stop never loses anything: a check that is cut short
was not recorded, so it is simply due again at the next start.

It also tells resource faults (`store.db.resource_fault`: disk full, read-only data directory,
database locked by another process, connection to PostgreSQL lost) from a failing check. On any of
them the checks in flight are cancelled (not recorded, so due again). A transient one (lock, lost
connection) pauses the checks with one warning line and probes the database with back-off until it
answers, then resumes. Any other stops the run: `run()` raises `ResourceFault`, which the CLI prints
as one error line (exit status 2). What was recorded before stays intact: a WARC record cut short is
a torn tail that the next start skips, and a database transaction cut short is rolled back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from . import pipeline
from .models import Fetch, utcnow
from .store.db import Fault, ResourceFault, probe_writable, resource_fault

log = logging.getLogger("memoryhole.runner")

_stop_asked = threading.Event()  # a SIGTERM that came before Runner.run could take it


def take_stop_signal_early() -> None:
    """From now until `Runner.run` handles it, a SIGTERM is remembered instead of ending the
    process: a service manager stopping the monitor while it opens its store and starts is a clean
    stop (exit status 0) as soon as the run begins. A second SIGTERM ends the process at once."""

    def remember(sig: int, _frame: object) -> None:
        if _stop_asked.is_set():
            signal.signal(sig, signal.SIG_DFL)
            os.kill(os.getpid(), sig)
        _stop_asked.set()

    with contextlib.suppress(ValueError):  # not the main thread (tests)
        signal.signal(signal.SIGTERM, remember)


BATCH = 200  # rows read from the store per look at what is due
FAILED_CHECK_DELAY = 300.0  # seconds before retrying a check that raised (a bug in one check)
FAULT_BACKOFF = (1.0, 60.0)  # first and longest wait between probes of a locked/lost database
FAULT_ADVICE = (  # the end of the one error line a stopping fault prints
    "the monitor stopped; everything recorded in {data} before this is intact: fix it and run "
    "again to resume"
)


@dataclass
class Progress:
    """Counters the terminal display and the closing summary read."""

    started: datetime = field(default_factory=utcnow)
    sources_polled: int = 0
    articles_checked: int = 0
    new_articles: int = 0
    events: dict[str, int] = field(default_factory=dict)
    errors: int = 0

    def count_event(self, kind: str) -> None:
        self.events[kind] = self.events.get(kind, 0) + 1


class Runner:
    def __init__(
        self,
        ctx: pipeline.Context,
        *,
        progress: Progress | None = None,
        alerts: bool = True,
        index_quotes: bool = True,
    ) -> None:
        self.ctx = ctx
        self.alerts = alerts
        self.index_quotes = index_quotes
        self.progress = progress or Progress()
        self._stop = asyncio.Event()
        self._inflight: dict[tuple[str, int], asyncio.Task[None]] = {}
        self._done_once: set[tuple[str, int]] = set()  # outlets discovered/probed in a --once pass
        self._pass_start: datetime | None = None  # --once: what was checked since then is done
        self._fatal: Fault | None = None  # a fault that stops the run (disk full, read-only)
        self._waiting: Fault | None = None  # a transient fault being waited out (lock, connection)
        self._data_dir = ctx.archive.directory.parent
        aux = ctx.fetcher.on_aux_fetch
        if aux is not None:  # robots.txt is archived from inside the fetcher: report faults here
            ctx.fetcher.on_aux_fetch = lambda f: self._guarded(aux, f)

    def stop(self) -> None:
        self._stop.set()

    async def run(self, *, duration: float | None = None, once: bool = False) -> Progress:
        """Run until stopped, until `duration` seconds pass, or (once) until everything due has run once."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(
                NotImplementedError, RuntimeError
            ):  # not the main thread (tests)
                loop.add_signal_handler(sig, self.stop)
        if _stop_asked.is_set():
            _stop_asked.clear()
            self.stop()  # asked before the loop could hear it: stop at once, cleanly
        deadline = loop.time() + duration if duration is not None else None
        sem = asyncio.Semaphore(self.ctx.settings.concurrency)
        self._pass_start = utcnow() if once else None
        alerts = self._start_alerts()
        indexer = asyncio.create_task(self._index_quotes()) if self.index_quotes else None
        try:
            while not self._stop.is_set():
                if deadline is not None and loop.time() >= deadline:
                    break
                if self._waiting is not None:
                    await self._wait_out(self._waiting, deadline)
                    continue
                try:
                    launched = await self._launch_due(utcnow(), sem, once)
                    if once and not launched and not self._inflight:
                        break
                    await self._pause(deadline, launched)
                except Exception as exc:  # the store failing as a resource, or a bug (raised)
                    if not self._fault(exc):
                        raise
        finally:
            await self._drain()
            if alerts is not None:
                self._alerts_stop.set()
                await asyncio.gather(alerts, return_exceptions=True)
            if indexer is not None:
                indexer.cancel()
                await asyncio.gather(indexer, return_exceptions=True)
            for sig in (signal.SIGINT, signal.SIGTERM):
                with contextlib.suppress(NotImplementedError, RuntimeError):
                    loop.remove_signal_handler(sig)
        if self._fatal is not None:
            raise ResourceFault(self._fatal, FAULT_ADVICE.format(data=self._data_dir))
        return self.progress

    # ---- resource faults --------------------------------------------------------------------------
    def _fault(self, exc: BaseException) -> bool:
        """If ``exc`` is a resource fault, act on it (wait or stop) and say True; else False."""
        fault = resource_fault(exc, self._data_dir)
        if fault is None:
            return False
        log.debug("resource fault: %s", fault, exc_info=exc)
        if not fault.transient:
            if self._fatal is None:
                self._fatal = fault
            self._stop.set()
        elif self._waiting is None and self._fatal is None:
            self._waiting = fault
            log.warning(
                "%s; checks paused, retrying with back-off until it answers (Ctrl-C stops)", fault
            )
        self._cancel_inflight()
        return True

    def _cancel_inflight(self) -> None:
        """Every other check would meet the same fault: cut them short now (none is recorded)."""
        me = asyncio.current_task()
        for task in self._inflight.values():
            if task is not me:
                task.cancel()

    def _guarded(self, fn: Callable[[Fetch], object], fetch: Fetch) -> None:
        try:
            fn(fetch)
        except Exception as exc:
            if not self._fault(exc):
                raise

    async def _wait_out(self, fault: Fault, deadline: float | None) -> None:
        """Probe the database with back-off until a write can start; then resume the checks."""
        loop = asyncio.get_running_loop()
        started, delay = time.monotonic(), FAULT_BACKOFF[0]
        while not self._stop.is_set():
            wait = delay if deadline is None else min(delay, max(0.0, deadline - loop.time()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=wait)
            if self._stop.is_set() or (deadline is not None and loop.time() >= deadline):
                return
            probe = asyncio.ensure_future(asyncio.to_thread(probe_writable, self.ctx.store.engine))
            stopping = asyncio.ensure_future(self._stop.wait())
            await asyncio.wait([probe, stopping], return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if not probe.done():
                return  # stopping; the probe thread ends by itself
            exc = probe.exception()
            if exc is None:
                break
            again = resource_fault(exc, self._data_dir)
            if again is None or not again.transient:
                self._waiting = None
                if not self._fault(exc):
                    raise exc
                return
            delay = min(delay * 2, FAULT_BACKOFF[1])
        else:
            return
        self._waiting = None
        log.warning("%s: over after %.0f s; checks resumed", fault.what, time.monotonic() - started)

    async def _index_quotes(self) -> None:
        """Quotations and story links for new versions, off the hot path (a thread, batches, every 3 s).

        Cancelling it between batches loses nothing: unindexed versions are found again next time."""
        from .quotes.index import index_new_versions

        while True:
            try:
                done = await asyncio.to_thread(index_new_versions, self.ctx.store, limit=200)
            except Exception as exc:  # never let indexing stop the monitor
                if not self._fault(exc):
                    log.exception("indexing quotations failed")
                done = 0
            await asyncio.sleep(0.2 if done else 3.0)

    def _start_alerts(self) -> asyncio.Task[None] | None:
        """Alert delivery runs beside the monitor, reading committed events (see alerts/delivery.py)."""
        if not self.alerts:
            return None
        from .alerts.delivery import Dispatcher

        self._alerts_stop = asyncio.Event()
        dispatcher = Dispatcher(self.ctx.store, None, self.ctx.settings)
        return asyncio.create_task(dispatcher.run(self._alerts_stop))

    async def _launch_due(self, now: datetime, sem: asyncio.Semaphore, once: bool) -> int:
        store, launched = self.ctx.store, 0
        room = max(0, self.ctx.settings.concurrency * 4 - len(self._inflight))
        if room == 0:
            return 0

        def busy(kind: str) -> list[int]:  # in flight, or (in a --once pass) already failed
            return sorted(i for k, i in (*self._inflight, *self._done_once) if k == kind)

        for outlet in store.due_probes(now):
            if outlet["last_discovered_at"] is None:
                launched += self._start(
                    ("discover", outlet["id"]), sem, pipeline.discover_outlet, outlet, once
                )
            else:
                launched += self._start(
                    ("probe", outlet["id"]), sem, pipeline.probe_outlet, outlet, once
                )
        since = self._pass_start
        for src in store.due_sources(now, min(room, BATCH), busy("source"), not_since=since):
            launched += self._start(("source", src["id"]), sem, self._source, src, once)
        for art in store.due_articles(now, min(room, BATCH), busy("article"), not_since=since):
            launched += self._start(("article", art["id"]), sem, self._article, art, once)
        return launched

    def _start(
        self,
        key: tuple[str, int],
        sem: asyncio.Semaphore,
        fn: Callable[..., Awaitable[object]],
        row: dict,
        once: bool,
    ) -> int:
        if key in self._inflight or (once and key in self._done_once):
            return 0

        async def job() -> None:
            ran = False  # to its end, or failed on its own (not cut short by a fault or a stop)
            async with sem:
                try:
                    if self._waiting is not None or self._fatal is not None:
                        return  # launched just before a fault: due again once it is over
                    await fn(self.ctx, row, utcnow())
                    ran = True
                except Exception as exc:  # a bug in one check must never stop the monitor
                    if self._fault(exc):
                        return  # not the check's fault: it is due again when the fault is over
                    ran = True
                    self.progress.errors += 1
                    if once:
                        self._done_once.add(key)
                    log.exception(
                        "check of %s %s failed", key[0], row.get("url") or row.get("homepage")
                    )
                    self._set_aside(key)
                finally:
                    self._inflight.pop(key, None)
                    if once and ran and key[0] in ("discover", "probe"):
                        self._done_once.add(key)

        self._inflight[key] = asyncio.create_task(job())
        return 1

    def _set_aside(self, key: tuple[str, int]) -> None:
        """After a failed check, wait a while before the next try (not a tight loop of failures)."""
        later = utcnow() + timedelta(seconds=FAILED_CHECK_DELAY)
        try:
            if key[0] == "article":
                self.ctx.store.update_article(key[1], next_check_at=later)
            elif key[0] == "source":
                self.ctx.store.update_source(key[1], next_poll_at=later)
            elif key[0] in ("probe", "discover"):
                self.ctx.store.update_outlet(key[1], next_probe_at=later)
        except Exception:  # the store itself is failing: the next look at what is due retries
            log.exception("could not postpone %s %s", *key)

    async def _source(self, ctx: pipeline.Context, src: dict, now: datetime) -> None:
        self.progress.new_articles += await pipeline.check_source(ctx, src, now)
        self.progress.sources_polled += 1

    async def _article(self, ctx: pipeline.Context, art: dict, now: datetime) -> None:
        await pipeline.check_article(ctx, art, now)
        self.progress.articles_checked += 1

    async def _pause(self, deadline: float | None, launched: int) -> None:
        """Sleep until something is due (at most 1 s, so new outlets and stops are noticed)."""
        loop = asyncio.get_running_loop()
        wait = 0.05 if launched else 1.0
        nxt = self.ctx.store.next_due()
        if nxt is not None:
            wait = min(wait, max(0.02, (nxt - utcnow()).total_seconds()))
        if deadline is not None:
            wait = min(wait, max(0.0, deadline - loop.time()))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), timeout=wait)

    async def _drain(self, grace: float = 5.0) -> None:
        """Let in-flight checks finish for a moment, then cancel the rest (they were not recorded)."""
        tasks = list(self._inflight.values())
        if not tasks:
            return
        _done, pending = await asyncio.wait(tasks, timeout=grace)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
