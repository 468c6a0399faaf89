"""Crash soak: SIGKILL `memoryhole run` at random moments against the simulated newsroom, restart it,
check the record after every kill, and compare the end state with an uninterrupted run.

    .venv/bin/python scripts/soak.py --kills 30 --articles 300

Alerts are checked too (unless --no-alerts): a rule sends every `new` event to a JSON webhook served
by this script, and at the end every event must have arrived at least once, and any event that
arrived again (a kill between send and mark) with the same idempotency key (docs/operations.md).

tests/test_crash.py imports this file and runs the same cycle with a few kills.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from memoryhole.archive import iter_records, read_records
from memoryhole.models import WarcLocation
from memoryhole.simulate import Newsroom, serve

MEMORYHOLE = Path(sys.executable).with_name("memoryhole")
START = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)  # fixed, so article URLs do not depend on today
NEWS_WINDOW = timedelta(days=2)  # the news sitemap's window (docs/simulator.md)
SETTINGS = "connect_timeout = 5\nread_timeout = 10\ntotal_timeout = 20\n"
RUN_ARGS = ("run", "--once", "--recheck", "1h", "--poll", "1h", "--allow-private")
#: alerts go out soon and a killed run's claimed ones go again 1 s later (docs/alerts.md)
ALERT_ENV = {
    "MEMORYHOLE_ALERT_POLL": "0.2",
    "MEMORYHOLE_ALERT_LEASE": "1",
    "MEMORYHOLE_ALERT_BACKOFF": "0.5",
    "MEMORYHOLE_ALERT_DIGEST_WINDOW": "0.2",
}

#: The end state compared between runs: article path → version digests in order.
Snapshot = dict[str, tuple[str, ...]]


class CrashCheckFailed(AssertionError):
    """The record after a kill is not what a crash-safe monitor leaves."""


@dataclass
class AfterKill:
    """What the checks after one kill saw."""

    records_verified: int
    torn_files: int
    rss_bytes: int  # of the run (and its workers) just before the kill


@dataclass
class SoakReport:
    kills: int = 0  # of a run that was still running
    runs_finished: int = 0  # runs that ended on their own before their kill (nothing left to do)
    records_verified: int = 0
    torn_tails_seen: int = 0
    orphaned_workers: int = 0  # extraction workers still alive after their parent was killed
    rss_samples: list[tuple[float, int]] = field(default_factory=list)  # (seconds, bytes)
    reference: Snapshot = field(default_factory=dict)
    survivor: Snapshot = field(default_factory=dict)
    alerts: AlertCheck | None = None

    @property
    def same_end_state(self) -> bool:
        return self.reference == self.survivor


@dataclass
class AlertCheck:
    """Alerts after the kills: event ids a rule wanted, and what the webhook received of them."""

    wanted: int = 0
    received: int = 0  # distinct events
    lost: int = 0
    repeats: int = 0  # receipts beyond the first of an event (a kill between send and mark)
    repeats_with_another_key: int = 0

    @property
    def ok(self) -> bool:
        return self.lost == 0 and self.repeats_with_another_key == 0


class Webhook:
    """A JSON webhook on 127.0.0.1 keeping (event id, idempotency key) of every event it receives."""

    def __init__(self) -> None:
        self.got: list[tuple[int, str]] = []
        self.lock = threading.Lock()
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                events = body["events"] if body.get("kind") == "digest" else [body]
                with hook.lock:
                    hook.got += [(e["id"], e["delivery_key"]) for e in events]
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def url(self) -> str:
        return f"json://127.0.0.1:{self.server.server_address[1]}/hook"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def deliver_rest(data: Path, timeout: float = 60) -> None:
    """Short runs until every event is planned and no delivery is pending (a `--once` run may end
    before its dispatcher has planned or sent the last events)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db = sqlite3.connect(data / "memoryhole.db")
        try:
            pending = db.execute(
                "SELECT count(*) FROM alert_deliveries WHERE state = 'pending'"
            ).fetchone()[0]
            unplanned = db.execute(
                "SELECT count(*) FROM events WHERE id > "
                "coalesce((SELECT event_id FROM alert_cursor WHERE name = 'dispatcher'), 0)"
            ).fetchone()[0]
        finally:
            db.close()
        if not pending and not unplanned:
            return
        subprocess.run(
            [str(MEMORYHOLE), "--data", str(data), "run", "--for", "3s", "--allow-private"],
            capture_output=True,
            timeout=60,
            check=False,
            env=os.environ | ALERT_ENV,
        )
    raise CrashCheckFailed("alert deliveries still pending after the kills")


def check_alerts(data: Path, hook: Webhook) -> AlertCheck:
    db = sqlite3.connect(data / "memoryhole.db")
    try:
        wanted = {i for (i,) in db.execute("SELECT id FROM events WHERE kind = 'new'")}
    finally:
        db.close()
    with hook.lock:
        got = list(hook.got)
    keys: dict[int, set[str]] = {}
    for event_id, key in got:
        keys.setdefault(event_id, set()).add(key)
    return AlertCheck(
        wanted=len(wanted),
        received=len(keys),
        lost=len(wanted - keys.keys()),
        repeats=len(got) - len(keys),
        repeats_with_another_key=sum(len(k) > 1 for k in keys.values()),
    )


# ---------------------------------------------------------------------------- the newsroom


def build_room(seed: int, articles: int, outlets: int = 1) -> Newsroom:
    """A one-outlet newsroom whose article list does not depend on when it is read: no article is
    within minutes of leaving the news sitemap's window (the rooms' clocks run on during the soak)."""
    for attempt in range(seed, seed + 50):
        room = Newsroom.build(
            seed=attempt, outlets=outlets, articles_per_outlet=articles, start=START
        )
        edge = room.now() - NEWS_WINDOW
        if all(abs(a.published - edge) > timedelta(minutes=20) for a in room.articles()):
            return room
    raise RuntimeError("no seed without an article at the news-sitemap edge")


# ---------------------------------------------------------------------------- the CLI


def cli(data: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(MEMORYHOLE), "--data", str(data), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def prepare(data: Path, homepages: dict[str, str]) -> None:
    data.mkdir(parents=True, exist_ok=True)
    (data / "memoryhole.toml").write_text(SETTINGS)
    for name, homepage in homepages.items():
        # Discovery is left to the first run, so kills can land in it too.
        added = cli(data, "add", homepage, "--name", name, "--allow-private", "--no-discover")
        if added.returncode != 0:
            raise RuntimeError(f"memoryhole add failed: {added.stderr}")


def start_run(data: Path) -> subprocess.Popen[bytes]:
    # Its own process group, so extraction workers it leaves behind can be found and ended.
    return subprocess.Popen(
        [str(MEMORYHOLE), "--data", str(data), *RUN_ARGS],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
        env=os.environ | ALERT_ENV,
    )


def _group_members(pgid: int) -> list[Path]:
    """/proc entries of the live (not zombie) processes in a process group."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # Fields after the parenthesised command: state, ppid, pgrp, ...
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(entry)
    return members


def rss_of_group(pgid: int) -> int:
    """Resident memory of every process in a process group (bytes), from /proc."""
    total = 0
    for entry in _group_members(pgid):
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) * 1024
    return total


def kill_run(proc: subprocess.Popen[bytes]) -> bool:
    """SIGKILL the monitor process alone (as the OOM killer would); then end what it left behind in
    its own group. True when extraction workers were still alive a second later."""
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    if proc.stderr:
        proc.stderr.close()
    deadline = time.monotonic() + 1.0
    while _group_members(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    orphans = bool(_group_members(proc.pid))
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    return orphans


def finish_run(data: Path, timeout: float) -> None:
    proc = subprocess.run(
        [str(MEMORYHOLE), "--data", str(data), *RUN_ARGS],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=os.environ | ALERT_ENV,
    )
    if proc.returncode != 0 or "Traceback" in proc.stderr:
        raise CrashCheckFailed(f"the run after the kills failed:\n{proc.stderr[-3000:]}")


# ---------------------------------------------------------------------------- checks


def _check_fetch(warc_dir: Path, row: sqlite3.Row) -> int:
    """The fetch's WARC records read back whole; how many records."""
    if not row["warc_file"]:
        raise CrashCheckFailed(f"fetch {row['id']} has no WARC records")
    records = read_records(warc_dir, WarcLocation.of_fetch(row))
    if not records:
        raise CrashCheckFailed(f"fetch {row['id']}: no records at {row['warc_file']}")
    if any(r.digest_ok is False for r in records):
        raise CrashCheckFailed(f"fetch {row['id']}: a record's digest does not match")
    if records[-1].record_id != row["warc_record_id"]:
        raise CrashCheckFailed(f"fetch {row['id']}: record id differs from the database's")
    return len(records)


def check_record(data: Path) -> tuple[int, int]:
    """After a kill: the database is intact and every fetch that a version or event rests on (and
    every other fetch) reads back from the WARC files. (records verified, files with a torn tail)."""
    db = sqlite3.connect(data / "memoryhole.db")
    db.row_factory = sqlite3.Row
    try:
        if db.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise CrashCheckFailed("PRAGMA integrity_check failed")
        fetches = {r["id"]: r for r in db.execute("SELECT * FROM fetches")}
        needed = {r[0] for r in db.execute("SELECT fetch_id FROM versions")}
        for (ids,) in db.execute("SELECT fetch_ids FROM events WHERE fetch_ids IS NOT NULL"):
            needed |= set(json.loads(ids))
        if needed - fetches.keys():
            raise CrashCheckFailed(
                f"versions or events name missing fetches {needed - fetches.keys()}"
            )
        records = sum(_check_fetch(data / "warc", row) for row in fetches.values())
    finally:
        db.close()
    torn = sum(1 for _ in torn_files(data / "warc"))
    return records, torn


def torn_files(warc_dir: Path) -> list[str]:
    from memoryhole.archive import verify

    return [t.filename for t in verify(warc_dir).torn]


def tear_newest_warc(warc_dir: Path) -> tuple[str, int]:
    """Append half of a copy of the newest file's last record: the tail a kill mid-write leaves.
    Returns (file name, records readable before the tear)."""
    newest = max(warc_dir.glob("*.warc.gz"), key=lambda p: p.name)
    records = list(iter_records(newest))
    last = records[-1]
    with newest.open("rb") as fh:
        fh.seek(last.offset)
        member = fh.read(last.length)
    with newest.open("ab") as fh:
        fh.write(member[: len(member) // 2])
    return newest.name, len(records)


def snapshot(data: Path) -> Snapshot:
    """Article path → its version digests in order (articles only; ports differ between rooms)."""
    db = sqlite3.connect(data / "memoryhole.db")
    try:
        rows = db.execute(
            "SELECT a.url, v.digest FROM articles a LEFT JOIN versions v ON v.article_id = a.id "
            "WHERE a.status != 'not-article' ORDER BY a.url, v.number"
        ).fetchall()
    finally:
        db.close()
    out: dict[str, tuple[str, ...]] = {}
    for url, digest in rows:
        path = urlsplit(url).path
        out[path] = out.get(path, ()) + ((digest,) if digest else ())
    return out


# ---------------------------------------------------------------------------- the cycle


def reference_run(workdir: Path, homepages: dict[str, str], timeout: float) -> Snapshot:
    """An uninterrupted `run --once` to the end: the state the killed runs must also reach."""
    data = workdir / "reference"
    prepare(data, homepages)
    finish_run(data, timeout)
    return snapshot(data)


def crash_run(
    workdir: Path,
    homepages: dict[str, str],
    kills: int,
    *,
    seed: int = 1,
    tear_at: int = 1,
    max_wait: float = 3.0,
    timeout: float = 120,
    progress: Callable[[int, AfterKill], None] | None = None,
    hook: Webhook | None = None,
) -> SoakReport:
    """Kill a run ``kills`` times at random moments, checking after each; then let it finish.
    With ``hook``, every `new` event is also sent there as an alert, and checked at the end."""
    report = SoakReport()
    rng = random.Random(seed)
    t0 = time.monotonic()
    data = workdir / "crashed"
    prepare(data, homepages)
    if hook is not None:
        added = cli(data, "alerts", "add", hook.url(), "--kind", "new")
        if added.returncode != 0:
            raise RuntimeError(f"memoryhole alerts add failed: {added.stderr}")
    for k in range(kills):
        proc = start_run(data)
        _wait_for_kill_moment(proc, data, rng, max_wait)
        rss = rss_of_group(proc.pid)
        alive = proc.poll() is None
        report.orphaned_workers += kill_run(proc)
        records, torn = check_record(data)
        if k == tear_at:
            _tear_and_check(data)
        report.kills += alive
        report.runs_finished += not alive
        report.records_verified += records
        report.torn_tails_seen = max(report.torn_tails_seen, torn)
        report.rss_samples.append((time.monotonic() - t0, rss))
        if progress:
            progress(k + 1, AfterKill(records, torn, rss))
    finish_run(data, timeout)
    check_record(data)
    report.survivor = snapshot(data)
    if hook is not None:
        deliver_rest(data)
        report.alerts = check_alerts(data, hook)
    return report


def _fetch_count(data: Path) -> int:
    db = sqlite3.connect(data / "memoryhole.db")
    try:
        return int(db.execute("SELECT count(*) FROM fetches").fetchone()[0])
    except sqlite3.OperationalError:  # locked for a moment by the run's own writes
        return -1
    finally:
        db.close()


def _wait_for_kill_moment(
    proc: subprocess.Popen[bytes], data: Path, rng: random.Random, max_wait: float
) -> None:
    """One kill in five lands during start-up; the others once the run has recorded a fetch, so
    most kills hit a busy monitor (fetching, extracting, writing) rather than Python's imports."""
    if rng.random() < 0.2:
        time.sleep(rng.uniform(0.0, 2.0))
        return
    before, deadline = _fetch_count(data), time.monotonic() + 20
    while _fetch_count(data) <= before and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    time.sleep(rng.uniform(0.0, max_wait))


def _tear_and_check(data: Path) -> None:
    """Tear the newest WARC file, restart once, and check the restart skipped the tear: the torn
    file is left as it was (nothing written after the junk) and its earlier records still read."""
    name, before = tear_newest_warc(data / "warc")
    if name not in torn_files(data / "warc"):
        raise CrashCheckFailed(f"verify does not report the torn tail of {name}")
    size = (data / "warc" / name).stat().st_size
    proc = start_run(data)
    _wait_for_kill_moment(proc, data, random.Random(0), 0.5)  # started, opened the archive, wrote
    kill_run(proc)
    if (data / "warc" / name).stat().st_size != size:
        raise CrashCheckFailed(f"{name}: records were written after its torn tail")
    after = list(iter_records(data / "warc" / name))
    if len(after) != before:
        raise CrashCheckFailed(f"{name}: {before} records before the tear, {len(after)} after")
    check_record(data)


# ---------------------------------------------------------------------------- command line


def _show(k: int, after: AfterKill) -> None:
    print(
        f"kill {k:3}: {after.records_verified:6} records verified, "
        f"{after.torn_files} torn file(s), RSS before kill {after.rss_bytes / 2**20:6.1f} MiB",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=30)
    parser.add_argument("--outlets", type=int, default=3, help="outlets in the newsroom")
    parser.add_argument("--articles", type=int, default=300, help="seeded articles per outlet")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--max-wait", type=float, default=4.0, help="most seconds busy before a kill"
    )
    parser.add_argument(
        "--dir", type=Path, default=None, help="work directory (default: a temp dir)"
    )
    parser.add_argument("--no-alerts", action="store_true", help="do not check alert delivery")
    args = parser.parse_args(argv)
    hook = None if args.no_alerts else Webhook()
    workdir = args.dir or Path(tempfile.mkdtemp(prefix="memoryhole-soak-"))
    print(f"work directory {workdir}", flush=True)
    room = build_room(args.seed, args.articles, args.outlets)
    with serve(room) as sim:  # one newsroom for both runs: identical by construction
        t0 = time.monotonic()
        reference = reference_run(workdir, sim.urls, timeout=900)
        took = time.monotonic() - t0
        print(f"uninterrupted run: {len(reference)} articles in {took:.0f}s", flush=True)
        report = crash_run(
            workdir,
            sim.urls,
            args.kills,
            seed=args.seed,
            max_wait=args.max_wait,
            timeout=900,
            progress=_show,
            hook=hook,
        )
    if hook is not None:
        hook.close()
    report.reference = reference
    versions = sum(len(v) for v in report.survivor.values())
    print(
        f"kills survived: {report.kills} (runs that finished before their kill: {report.runs_finished})"
    )
    print(f"records verified (summed over all checks): {report.records_verified}")
    print(f"torn WARC tails seen (at most at once): {report.torn_tails_seen}")
    print(f"orphaned extraction workers after kills: {report.orphaned_workers}")
    print(
        "memory over time (s, MiB): "
        + ", ".join(f"{t:.0f}:{b / 2**20:.0f}" for t, b in report.rss_samples)
    )
    print(
        f"end state: {len(report.survivor)} articles, {versions} versions; "
        f"same as uninterrupted run: {report.same_end_state}"
    )
    alerts_ok = True
    if report.alerts is not None:
        a = report.alerts
        alerts_ok = a.ok
        print(
            f"alerts: {a.wanted} events wanted, {a.received} received, {a.lost} lost, "
            f"{a.repeats} received again after a kill, {a.repeats_with_another_key} of them "
            "under another idempotency key"
        )
    if not report.same_end_state:
        only_ref = set(reference.items()) - set(report.survivor.items())
        only_crash = set(report.survivor.items()) - set(reference.items())
        print(f"only in uninterrupted run: {sorted(only_ref)[:10]}")
        print(f"only in killed run: {sorted(only_crash)[:10]}")
        return 1
    return 0 if alerts_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
