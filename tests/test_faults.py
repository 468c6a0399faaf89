"""Resource faults: a read-only data directory (or WARC directory) and a database locked by another
process each end the CLI with one clear error line, no traceback, and leave the record intact.

The same faults beginning *during* a real `memoryhole run` against the simulated newsroom: a full
disk (a real one: a small tmpfs filled up, when mounting is allowed; and a file-size limit set on the
running process, which fails its writes with EFBIG) and a WARC directory turned read-only stop the
run with one error line and exit status 2, leave everything recorded before intact (a record cut
short is a torn tail that the next start skips), and a restart after the fault is cleared resumes;
a database locked by another process for longer than the busy timeout pauses the run with one
warning line, after which it finishes with every article recorded.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_crash import soak

from memoryhole.simulate import Newsroom, serve

MEMORYHOLE = Path(sys.executable).with_name("memoryhole")
LOCKER = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("PRAGMA locking_mode=EXCLUSIVE")  # WAL readers are shut out too until we exit
db.execute("BEGIN EXCLUSIVE")
db.execute("CREATE TABLE IF NOT EXISTS lock_holder (x)")
print("locked", flush=True)
sys.stdin.read()  # hold the lock until the test closes our stdin
"""


_cli = soak.cli  # `memoryhole --data DATA ARGS...` as a subprocess, output captured


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """A data directory with a few articles already recorded, and the outlet still being served."""
    data = tmp_path_factory.mktemp("recorded") / "data"
    room = Newsroom.build(seed=5, outlets=1, articles_per_outlet=6)
    with serve(room) as sim:
        home = sim.url("daily-planet")
        assert _cli(data, "add", home, "--name", "dp", "--allow-private").returncode == 0
        ran = _cli(data, "run", "--once", "--recheck", "1h", "--allow-private")
        assert ran.returncode == 0, ran.stderr
        yield data, home


def _copy(recorded: tuple[Path, str], tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(recorded[0], data)
    return data


def _state(data: Path) -> dict[str, object]:
    """Everything already recorded: row counts and a hash of every WARC file."""
    db = sqlite3.connect(data / "memoryhole.db")
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        counts = {
            table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("outlets", "sources", "articles", "fetches", "versions", "events")
        }
    finally:
        db.close()
    warcs = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (data / "warc").iterdir()}
    return {"counts": counts, "warcs": warcs}


@contextlib.contextmanager
def _read_only(path: Path) -> Iterator[None]:
    """Make ``path`` and everything under it unwritable; root ignores modes, so it gets chattr +i."""
    if os.geteuid() != 0:
        modes = {p: p.stat().st_mode for p in [path, *path.rglob("*")]}
        for p, mode in modes.items():
            p.chmod(mode & ~0o222)
        try:
            yield
        finally:
            for p, mode in modes.items():
                p.chmod(mode)
        return
    if shutil.which("chattr") is None:
        pytest.skip("running as root without chattr: cannot make a directory read-only")
    made = subprocess.run(["chattr", "-R", "+i", str(path)], capture_output=True, check=False)
    if made.returncode != 0:
        pytest.skip(f"chattr +i unsupported here: {made.stderr.decode().strip()}")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-R", "-i", str(path)], check=True)


def _assert_one_clear_line(result: subprocess.CompletedProcess[str], *words: str) -> None:
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1 and lines[0].startswith("memoryhole: error: "), result.stderr
    assert all(w in lines[0] for w in words), lines[0]


def test_read_only_data_directory(recorded: tuple[Path, str], tmp_path: Path) -> None:
    data = _copy(recorded, tmp_path)
    before = _state(data)
    with _read_only(data):
        run = _cli(data, "run", "--once", "--allow-private")
        add = _cli(data, "add", "http://127.0.0.1:9/", "--name", "x", "--no-discover")
    _assert_one_clear_line(run, "writable")
    _assert_one_clear_line(add, "writable")
    assert _state(data) == before


def test_read_only_warc_directory(recorded: tuple[Path, str], tmp_path: Path) -> None:
    data = _copy(recorded, tmp_path)
    before = _state(data)
    with _read_only(data / "warc"):
        run = _cli(data, "run", "--once", "--allow-private", timeout=30)
    _assert_one_clear_line(run, "warc", "not writable")
    assert _state(data)["warcs"] == before["warcs"]
    assert _cli(data, "verify").returncode == 0


def test_database_locked_by_another_process(recorded: tuple[Path, str], tmp_path: Path) -> None:
    data = _copy(recorded, tmp_path)
    before = _state(data)
    locker = subprocess.Popen(
        [sys.executable, "-c", LOCKER, str(data / "memoryhole.db")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert locker.stdout is not None and locker.stdout.readline().strip() == "locked"
        # Both wait out SQLite's busy timeout (30 s by default, 3 s here), then give up.
        env = os.environ | {"MEMORYHOLE_DB_BUSY_TIMEOUT": "3"}
        procs = [
            subprocess.Popen(
                [str(MEMORYHOLE), "--data", str(data), *args],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
            )
            for args in (("run", "--once", "--allow-private"), ("articles",))
        ]
        results = []
        for proc in procs:
            out, err = proc.communicate(timeout=45)
            results.append(subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
    finally:
        assert locker.stdin is not None
        locker.stdin.close()
        locker.wait(timeout=10)
    for result in results:
        _assert_one_clear_line(result, "database is locked")
    after = _state(data)
    assert after["warcs"] == before["warcs"] and after["counts"] == before["counts"]


# ---------------------------------------------------------------------------- faults during a run

#: a run that keeps writing (every article rechecked every second, politely slow) and rotates its
#: WARC files often (so a read-only WARC directory is met at the next new file)
MIDRUN_ENV = {
    "MEMORYHOLE_HOST_DELAY": "0.05",
    "MEMORYHOLE_EXTRACT_WORKERS": "1",
    "MEMORYHOLE_WARC_MAX_BYTES": "30000",
}
Reference = tuple[dict[str, str], set[str]]  # the outlet's URLs, the articles a clean run records
LOCK_MIDRUN = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
db.execute("BEGIN EXCLUSIVE")  # the write lock (WAL readers go on reading), like a sqlite3 shell
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
db.execute("ROLLBACK")
"""


@pytest.fixture(scope="module")
def newsroom(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, str], set[str]]]:
    """The outlet's URLs, and the articles an undisturbed `run --once` records from them."""
    with serve(soak.build_room(3, 30)) as sim:
        data = tmp_path_factory.mktemp("reference") / "data"
        _prepared(data, sim.urls)
        soak.finish_run(data, timeout=90)
        yield sim.urls, _articles(data)


def _start_run(data: Path, *args: str, **env: str) -> subprocess.Popen[str]:
    # Python ignores SIGXFSZ, so a write past RLIMIT_FSIZE fails with EFBIG instead of killing it.
    return subprocess.Popen(
        [str(MEMORYHOLE), "--data", str(data), "run", "--allow-private", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ | MIDRUN_ENV | env,
    )


def _prepared(data: Path, urls: dict[str, str]) -> None:
    data.mkdir(parents=True, exist_ok=True)
    for name, home in urls.items():
        added = _cli(data, "add", home, "--name", name, "--allow-private", "--no-discover")
        assert added.returncode == 0, added.stderr


def _fetches(data: Path) -> set[int]:
    db = sqlite3.connect(data / "memoryhole.db", timeout=10)
    try:
        return {r[0] for r in db.execute("SELECT id FROM fetches")}
    finally:
        db.close()


def _busy(data: Path, proc: subprocess.Popen[str], fetches: int = 15) -> None:
    """Wait until the run has recorded ``fetches`` fetches (it is well into its work)."""
    deadline = time.monotonic() + 40
    while len(_fetches(data)) < fetches:
        assert proc.poll() is None, proc.communicate()[1]
        assert time.monotonic() < deadline, "the run recorded too little"
        time.sleep(0.1)


def _recorded_now(data: Path) -> tuple[set[int], dict[str, bytes]]:
    return _fetches(data), {p.name: p.read_bytes() for p in (data / "warc").iterdir()}


def _assert_intact(data: Path, before: tuple[set[int], dict[str, bytes]]) -> None:
    """Nothing recorded before the fault is damaged: rows still there, every fetch reads back from
    its WARC records, WARC files only grew at their ends, and no record is broken."""
    fetches, warcs = before
    soak.check_record(data)  # integrity_check, and every fetch's records read back
    assert fetches <= _fetches(data)
    for name, data_before in warcs.items():
        assert (data / "warc" / name).read_bytes()[: len(data_before)] == data_before, name
    report = soak.cli(data, "verify")
    assert report.returncode == 0 and "database: ok" in report.stdout, report.stdout + report.stderr
    assert "bad_records=()" in report.stdout, report.stdout


def _assert_stopped_with_one_line(proc: subprocess.Popen[str], *words: str) -> str:
    """Exit status 2 and one error line naming the fault (any of ``words``: which write meets it
    first, the WARC file's or the database's, is down to timing)."""
    _out, err = proc.communicate(timeout=60)
    errors = [line for line in err.splitlines() if line.startswith("memoryhole: error: ")]
    assert proc.returncode == 2, err
    assert "Traceback" not in err and "ERROR" not in err, err
    assert len(errors) == 1 and any(w in errors[0] for w in words), err
    assert "intact" in errors[0] and "run again" in errors[0], errors[0]
    return errors[0]


def _assert_resumes(data: Path, expected: set[str]) -> None:
    """A restart after the fault is cleared runs normally and ends with every article recorded."""
    ran = subprocess.run(
        [str(MEMORYHOLE), "--data", str(data), *soak.RUN_ARGS],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
        env=os.environ | MIDRUN_ENV,
    )
    assert ran.returncode == 0 and "Traceback" not in ran.stderr, ran.stderr
    _assert_all_articles(data, expected)


def _articles(data: Path) -> set[str]:
    """URLs of the articles with at least one version."""
    db = sqlite3.connect(data / "memoryhole.db")
    try:
        rows = db.execute(
            "SELECT a.url FROM articles a WHERE a.status != 'not-article' AND EXISTS "
            "(SELECT 1 FROM versions v WHERE v.article_id = a.id)"
        ).fetchall()
    finally:
        db.close()
    return {url for (url,) in rows}


def _assert_all_articles(data: Path, expected: set[str]) -> None:
    """Every article an undisturbed run records, and nothing else, has its versions here."""
    assert len(expected) >= 20
    assert _articles(data) == expected


@pytest.mark.timeout(120)
def test_file_size_limit_reached_mid_run(newsroom: Reference, tmp_path: Path) -> None:
    urls, expected = newsroom
    data = tmp_path / "data"
    _prepared(data, urls)
    proc = _start_run(data, "--recheck", "1s", "--poll", "1s", "--for", "60s")
    try:
        _busy(data, proc)
        before = _recorded_now(data)
        # From now on no file of the run may grow past the size of the newest WARC file (plus a
        # little): its next writes fail with EFBIG, as on a full disk, wherever they land.
        newest = max((data / "warc").iterdir(), key=lambda p: p.name)
        limit = newest.stat().st_size + 2000
        resource.prlimit(proc.pid, resource.RLIMIT_FSIZE, (limit, limit))
        _assert_stopped_with_one_line(proc, "size limit", "database cannot be written")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    _assert_intact(data, before)
    _assert_resumes(data, expected)


@contextlib.contextmanager
def _small_disk(path: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` at ``path`` (root only); skips the test where mounting is not allowed."""
    path.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small file system here: {mounted.stderr.decode().strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def _fill(path: Path) -> Path:
    """Fill the file system holding ``path`` to the last byte."""
    filler = path / "filler"
    chunk = b"\0" * 65536
    with filler.open("wb", buffering=0) as fh:
        with contextlib.suppress(OSError):
            while True:
                fh.write(chunk)
        with contextlib.suppress(OSError):
            while True:
                fh.write(b"\0")
    return filler


@pytest.mark.timeout(120)
def test_disk_full_mid_run(newsroom: Reference, tmp_path: Path) -> None:
    urls, expected = newsroom
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small file system needs root")
    with _small_disk(tmp_path / "disk", "24m") as disk:
        data = disk / "data"
        _prepared(data, urls)
        proc = _start_run(data, "--recheck", "1s", "--poll", "1s", "--for", "60s")
        try:
            _busy(data, proc)
            before = _recorded_now(data)
            filler = _fill(disk)
            _assert_stopped_with_one_line(proc, "full")  # both messages say it
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        filler.unlink()
        _assert_intact(data, before)
        _assert_resumes(data, expected)


@pytest.mark.timeout(120)
def test_warc_directory_turns_read_only_mid_run(newsroom: Reference, tmp_path: Path) -> None:
    urls, expected = newsroom
    data = tmp_path / "data"
    _prepared(data, urls)
    proc = _start_run(data, "--recheck", "1s", "--poll", "1s", "--for", "60s")
    try:
        _busy(data, proc)
        with _read_only(data / "warc"):
            before = _recorded_now(data)
            _assert_stopped_with_one_line(proc, "not writable")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    _assert_intact(data, before)
    _assert_resumes(data, expected)


@pytest.mark.timeout(120)
def test_database_locked_mid_run_is_waited_out(newsroom: Reference, tmp_path: Path) -> None:
    urls, expected = newsroom
    data = tmp_path / "data"
    _prepared(data, urls)
    proc = _start_run(
        data, "--once", "--recheck", "1h", "--poll", "1h", MEMORYHOLE_DB_BUSY_TIMEOUT="1"
    )
    hold = 5.0  # seconds, five times the busy timeout
    try:
        _busy(data, proc, fetches=8)
        locker = subprocess.run(
            [sys.executable, "-c", LOCK_MIDRUN, str(data / "memoryhole.db"), str(hold)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert locker.returncode == 0 and locker.stdout.strip() == "locked", locker.stderr
        _out, err = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "ERROR" not in err and "error:" not in err, err
    waiting = [line for line in err.splitlines() if "paused" in line]
    assert len(waiting) == 1 and "locked by another process" in waiting[0], err
    assert sum("resumed" in line for line in err.splitlines()) == 1, err
    soak.check_record(data)
    _assert_all_articles(data, expected)


@pytest.mark.timeout(150)
def test_postgres_connection_lost_mid_run_is_waited_out(
    newsroom: Reference, tmp_path: Path, pg_url: str
) -> None:
    """The server ends the run's connections (as a PostgreSQL restart or failover does) while it
    records: at most one warning line, the checks resume on new connections, and every article is
    recorded."""
    from sqlalchemy import create_engine, text

    urls, expected = newsroom
    data = tmp_path / "data"
    data.mkdir()
    for name, home in urls.items():
        added = _cli(
            data, "--db", pg_url, "add", home, "--name", name, "--allow-private", "--no-discover"
        )
        assert added.returncode == 0, added.stderr
    proc = subprocess.Popen(
        [str(MEMORYHOLE), "--data", str(data), "--db", pg_url, "run", "--allow-private", "--once"]
        + ["--recheck", "1h", "--poll", "1h"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ | MIDRUN_ENV,
    )
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    database = pg_url.rsplit("/", 1)[1]
    try:
        with admin.connect() as conn:
            deadline = time.monotonic() + 40
            while conn.execute(text("SELECT count(*) FROM fetches")).scalar_one() < 8:
                assert proc.poll() is None, proc.communicate()[1]
                assert time.monotonic() < deadline, "the run recorded too little"
                time.sleep(0.1)
            ended = 0
            for _ in range(3):  # three times within a second: one outage, not three
                ended += conn.execute(
                    text(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE datname = :db AND pid <> pg_backend_pid()"
                    ),
                    {"db": database},
                ).scalar_one()
                time.sleep(0.3)
            assert ended >= 1
        _out, err = proc.communicate(timeout=100)
        with admin.connect() as conn:
            recorded = {
                url
                for (url,) in conn.execute(
                    text(
                        "SELECT a.url FROM articles a WHERE a.status != 'not-article' AND EXISTS "
                        "(SELECT 1 FROM versions v WHERE v.article_id = a.id)"
                    )
                )
            }
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
        admin.dispose()
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "error:" not in err, err
    # A connection ended mid-query pauses the checks (one line, then one "resumed"); one ended while
    # idle in the pool is replaced unseen (pre-ping). Either way the run ends with everything.
    waiting = [line for line in err.splitlines() if "paused" in line]
    assert len(waiting) <= 1, err
    if waiting:
        assert "connection to the database was lost" in waiting[0], err
        assert sum("resumed" in line for line in err.splitlines()) == 1, err
    assert recorded == expected
