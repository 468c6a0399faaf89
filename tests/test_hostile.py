"""The monitor against a hostile outlet: every trap ends in a classified, recorded error within its
deadline, memory stays far below the bomb sizes, and a normal outlet in the same run is fully tracked."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import time
import tracemalloc
import zlib
from collections.abc import Iterator
from pathlib import Path

import brotli
import pytest

from memoryhole.archive import verify
from memoryhole.fetcher import Fetcher, FetchLimits
from memoryhole.simulate import Newsroom, serve
from memoryhole.simulate.hostile import (
    LISTING_TRAPS,
    TRAPS,
    GiB,
    HostileOutlet,
    _brotli_bomb,
    _gzip_bomb,
    serve_hostile,
)
from memoryhole.sources.feeds import parse_feed
from memoryhole.sources.sitemaps import parse_sitemap

MiB = 1 << 20
MEMORYHOLE = Path(sys.executable).with_name("memoryhole")
TOTAL_TIMEOUT = 6.0  # generous: the machine running the tests may be busy
# Deadline for one trap: the total timeout plus waiting for a host slot and robots.txt.
TRAP_DEADLINE = TOTAL_TIMEOUT + 3.0
SETTINGS = f"""
connect_timeout = 2
read_timeout = 2
total_timeout = {TOTAL_TIMEOUT}
max_bytes = {2 * MiB}
max_redirects = 5
per_host = 8
extract_workers = 2
"""


@pytest.fixture(scope="module")
def hostile() -> Iterator[HostileOutlet]:
    with serve_hostile() as outlet:
        yield outlet


def test_trap_urls_route_to_their_traps(hostile: HostileOutlet) -> None:
    assert hostile.trap_url("slowloris", 7).endswith("/news/2026/11/28/slowloris-7.html")
    assert {t.name for t in TRAPS} >= {"gzip-bomb", "brotli-bomb", "huge", "redirect-cycle"}


def test_bombs_inflate_a_thousandfold() -> None:
    header, piece, repeats, tail = _gzip_bomb(64 * MiB)
    inflater, total = zlib.decompressobj(16 + zlib.MAX_WBITS), 0
    for part in (header, *([piece] * repeats), tail):
        total += len(inflater.decompress(part))
    assert inflater.eof and total == 64 * MiB  # a valid gzip member, CRC and length included
    _, piece, repeats, _ = _gzip_bomb(GiB)
    assert len(piece) * repeats < 2 * MiB and repeats * 16 * MiB == GiB
    bomb = _brotli_bomb(GiB)
    assert len(bomb) < MiB
    assert len(brotli.Decompressor().process(bomb[:4096], output_buffer_limit=8 * MiB)) > MiB


def _limits() -> FetchLimits:
    return FetchLimits(
        connect_timeout=2, read_timeout=2, total_timeout=3, max_redirects=5, max_bytes=2 * MiB
    )


async def _fetch_all(outlet: HostileOutlet) -> dict[str, tuple[str | None, float, str]]:
    async with Fetcher(limits=_limits(), respect_robots=False, per_host=len(TRAPS)) as fetcher:

        async def one(name: str) -> tuple[str | None, float, str]:
            t0 = time.monotonic()
            fetch = await fetcher.fetch(outlet.trap_url(name))
            return fetch.error, time.monotonic() - t0, fetch.error_detail

        results = await asyncio.gather(*(one(t.name) for t in TRAPS))
    return dict(zip([t.name for t in TRAPS], results, strict=True))


def test_fetcher_classifies_every_trap_within_its_deadline(hostile: HostileOutlet) -> None:
    _gzip_bomb(hostile.bomb_bytes), _brotli_bomb(hostile.bomb_bytes)  # server-side, not measured
    tracemalloc.start()
    try:
        results = asyncio.run(_fetch_all(hostile))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    wrong = {t.name: results[t.name] for t in TRAPS if results[t.name][0] not in t.errors}
    assert not wrong, f"unexpected outcomes: {wrong}"
    slow = {n: r for n, r in results.items() if r[1] > 3.0 + 2.0}
    assert not slow, f"past the deadline: {slow}"
    # Every trap at once, each holding at most ~2 MiB raw plus ~2 MiB decoded: far below 1 GiB.
    assert peak < 128 * MiB, f"peak traced memory {peak / MiB:.0f} MiB"


@pytest.mark.parametrize(("path", "expected"), list(LISTING_TRAPS.items()))
def test_feed_and_sitemap_traps_are_rejected(
    hostile: HostileOutlet, path: str, expected: tuple[str, str | None]
) -> None:
    kind, error = expected

    async def get() -> bytes:
        async with Fetcher(limits=_limits(), respect_robots=False) as fetcher:
            fetch = await fetcher.fetch(hostile.url.rstrip("/") + path, expect="xml")
            assert fetch.ok, fetch.error_detail
            return fetch.body

    body = asyncio.run(get())
    parse = parse_feed if kind == "feed" else parse_sitemap
    listing = parse(body, hostile.url.rstrip("/") + path)
    assert listing.error == error
    assert b"root:" not in repr(listing).encode()  # /etc/passwd never leaks into a listing
    if path == "/sitemap-self.xml":
        assert listing.child_sitemaps == (hostile.url.rstrip("/") + path,)


# ---------------------------------------------------------------------------- the real monitor


def _cli(data: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(MEMORYHOLE), "--data", str(data), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _run_measured(data: Path, *args: str, timeout: float = 90) -> tuple[int, int, str]:
    """Run the CLI; (exit status, peak RSS in bytes of that process, stderr)."""
    proc = subprocess.Popen(
        [str(MEMORYHOLE), "--data", str(data), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return (
                proc.returncode,
                usage.ru_maxrss * 1024,
                proc.stderr.read() if proc.stderr else "",
            )
        time.sleep(0.1)
    proc.kill()
    proc.wait()
    pytest.fail(f"memoryhole {' '.join(args)} did not finish in {timeout}s")


def test_monitor_survives_a_hostile_outlet_beside_a_normal_one(
    hostile: HostileOutlet, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "memoryhole.toml").write_text(SETTINGS)
    room = Newsroom.build(seed=3, outlets=1, articles_per_outlet=15)
    base = hostile.url.rstrip("/")
    trap_sources = []
    for path, (kind, _) in LISTING_TRAPS.items():
        trap_sources += [f"--{kind}", base + path]
    with serve(room) as sim:
        added = _cli(
            data, "add", hostile.url, "--name", "hostile", "--allow-private", *trap_sources
        )
        assert added.returncode == 0, added.stderr
        normal = sim.url("daily-planet")
        assert _cli(data, "add", normal, "--name", "dp", "--allow-private").returncode == 0
        status, peak, stderr = _run_measured(
            data, "run", "--once", "--recheck", "1h", "--poll", "1h", "--allow-private"
        )
        visible = {room.url_of(a) for a in room.articles("daily-planet", True)}
    assert status == 0, stderr
    assert "Traceback" not in stderr, stderr[-3000:]
    # Four traps inflate or stream 1 GiB each; the whole monitor stays a fraction of that. (Its own
    # bound is fetches in flight × max_bytes × the few copies a body passes through, plus the code:
    # about 300-520 MiB seen here, depending on how many traps are read at the same moment.)
    assert peak < 768 * MiB, f"peak RSS {peak / MiB:.0f} MiB"

    db = sqlite3.connect(data / "memoryhole.db")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    _assert_traps_recorded(db, hostile)
    _assert_listing_traps_rejected(db, base)
    tracked = {
        url
        for url, versions in db.execute(
            "SELECT a.url, a.current_version FROM articles a JOIN outlets o ON o.id = a.outlet_id "
            "WHERE o.name = 'dp' AND a.status != 'not-article'"
        )
        if versions
    }
    assert visible and visible <= tracked, f"untracked: {sorted(visible - tracked)}"
    report = verify(data / "warc")
    assert report.ok and report.records > len(TRAPS), report


def _assert_traps_recorded(db: sqlite3.Connection, hostile: HostileOutlet) -> None:
    rows = {
        url: (error, elapsed, warc)
        for url, error, elapsed, warc in db.execute(
            "SELECT url, error, elapsed, warc_file FROM fetches WHERE purpose = 'article'"
        )
    }
    problems = {}
    for trap in TRAPS:
        url = hostile.trap_url(trap.name)
        if url not in rows:
            problems[trap.name] = "never fetched"
            continue
        error, elapsed, warc = rows[url]
        if error not in trap.errors or elapsed > TRAP_DEADLINE or not warc:
            problems[trap.name] = (error, round(elapsed, 2), warc)
    assert not problems, problems
    # Each check ran to its end (recorded, judged, rescheduled), not just its fetch.
    unfinished = [
        url
        for url, checks in db.execute("SELECT url, checks FROM articles")
        if checks < 1 and url in {hostile.trap_url(t.name) for t in TRAPS}
    ]
    assert not unfinished, unfinished
    plain = db.execute(
        "SELECT current_version FROM articles WHERE url = ?", (hostile.trap_url("plain"),)
    ).fetchone()
    assert plain == (1,)


def _assert_listing_traps_rejected(db: sqlite3.Connection, base: str) -> None:
    for path, (_kind, error) in LISTING_TRAPS.items():
        rows = db.execute("SELECT last_error FROM sources WHERE url = ?", (base + path,)).fetchall()
        assert rows == [(error,)], (path, rows)
    # The self-listing index was fetched a bounded number of times, not followed in a loop.
    (polls,) = db.execute(
        "SELECT count(*) FROM fetches WHERE url = ?", (base + "/sitemap-self.xml",)
    ).fetchone()
    assert 1 <= polls <= 3
