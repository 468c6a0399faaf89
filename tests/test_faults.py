"""Resource faults: a read-only data directory (or WARC directory) and a database locked by another
process each end the CLI with one clear error line, no traceback, and leave the record intact."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

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


def _cli(data: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(MEMORYHOLE), "--data", str(data), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


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
