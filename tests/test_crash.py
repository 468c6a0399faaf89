"""Crash safety: `memoryhole run` SIGKILLed at random moments and restarted keeps an intact database,
readable WARC evidence for every version and event, skips a torn WARC tail, and ends where an
uninterrupted run against the same newsroom ends. scripts/soak.py does the same 30+ times."""

from __future__ import annotations

import importlib.util
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from types import ModuleType

import pytest

from memoryhole.archive import verify
from memoryhole.simulate import serve

KILLS = 5
# All of them are listed where the monitor looks. The soak uses 300 (about 100 listed); here fewer
# keep the test within a minute on a busy 2-core machine.
ARTICLES = 60


def _load_soak() -> ModuleType:
    # The harness lives in scripts/ so that the soak runs without pytest; load it by path.
    path = Path(__file__).resolve().parent.parent / "scripts" / "soak.py"
    spec = importlib.util.spec_from_file_location("memoryhole_soak", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


soak = _load_soak()


def test_build_room_avoids_the_news_window_edge() -> None:
    room = soak.build_room(1, 200)
    edge = room.now() - soak.NEWS_WINDOW
    assert min(abs(a.published - edge) for a in room.articles()) > timedelta(minutes=20)


@pytest.mark.timeout(150)
def test_killed_and_restarted_run_ends_like_an_uninterrupted_one(tmp_path: Path) -> None:
    # One newsroom serves both monitors (identical by construction); the uninterrupted run goes on
    # beside the killed ones, which spend much of their time waiting.
    with serve(soak.build_room(1, ARTICLES)) as sim, ThreadPoolExecutor(1) as pool:
        uninterrupted = pool.submit(soak.reference_run, tmp_path, sim.urls, 90)
        seen: list[object] = []
        report = soak.crash_run(
            tmp_path,
            sim.urls,
            KILLS,
            seed=1,
            tear_at=1,
            max_wait=2.0,
            timeout=60,
            progress=lambda k, after: seen.append(after),
        )
        reference = uninterrupted.result()
    assert report.kills + report.runs_finished == KILLS == len(seen) and report.kills >= 3
    assert report.orphaned_workers == 0  # extraction workers die with the monitor
    assert report.torn_tails_seen >= 1  # the tail torn on purpose stays reported, never fatal
    assert report.records_verified > 0
    assert len(reference) >= 40
    only_reference = {k: v for k, v in reference.items() if report.survivor.get(k) != v}
    only_crashed = {k: v for k, v in report.survivor.items() if reference.get(k) != v}
    assert not only_reference and not only_crashed, (only_reference, only_crashed)
    assert all(len(digests) == 1 for digests in reference.values())

    archive = verify(tmp_path / "crashed" / "warc")
    assert not archive.bad_records and archive.records > len(reference)
    ok = soak.cli(tmp_path / "crashed", "verify")
    assert ok.returncode == 0 and "database: ok" in ok.stdout, ok.stdout + ok.stderr


def test_a_sigterm_while_the_monitor_starts_is_a_clean_stop(tmp_path: Path) -> None:
    """A service manager's SIGTERM that lands while the store opens and the workers start (before
    the event loop handles signals) stops the run cleanly as soon as it begins; without the early
    handler it would end this very process."""
    import asyncio
    import os
    import signal
    import time

    from memoryhole.app import Paths, build_context, close_context, load_settings, open_store
    from memoryhole.runner import Runner, take_stop_signal_early

    paths = Paths.resolve(tmp_path, None)
    settings = load_settings(paths, extract_workers=1)
    take_stop_signal_early()
    try:
        os.kill(os.getpid(), signal.SIGTERM)
        store = open_store(paths)
        ctx = build_context(paths, settings, store)
        try:
            began = time.monotonic()
            asyncio.run(asyncio.wait_for(Runner(ctx, alerts=False).run(), 20))  # else it waits
            assert time.monotonic() - began < 10
        finally:
            asyncio.run(close_context(ctx))
            store.close()
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
