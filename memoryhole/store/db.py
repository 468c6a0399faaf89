"""Opening a database: engine options per backend and bringing the schema up to date with Alembic.

Also what counts as a *resource fault* (`resource_fault`): the database or the data directory failing
as a resource (disk full, read-only, locked by another process, connection to PostgreSQL lost) rather
than one check going wrong. The monitor waits out the transient ones and stops on the others
(runner.py). SQLite reports its faults only as message text, so they are matched on the text.
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import CursorResult, Engine, create_engine, event, text
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError

MIGRATIONS = Path(__file__).parent / "migrations"
#: Seconds SQLite waits for another process's lock before "database is locked" (tests shorten it).
BUSY_TIMEOUT = float(os.environ.get("MEMORYHOLE_DB_BUSY_TIMEOUT", "30"))


class StoreError(Exception):
    """A database could not be opened or used; the message says what to do."""


@dataclass(frozen=True)
class Fault:
    """A resource fault: ``what`` says it in words, ``detail`` is the system's own message.
    ``transient`` faults (a lock, a lost connection) pass by themselves; the others need a person."""

    transient: bool
    what: str
    detail: str

    def __str__(self) -> str:
        return f"{self.what} ({self.detail})" if self.detail else self.what


class ResourceFault(StoreError):
    """The monitor stopped on a fault that needs a person (disk full, read-only data directory)."""

    def __init__(self, fault: Fault, advice: str) -> None:
        super().__init__(f"{fault}; {advice}")
        self.fault = fault


#: errno → what it means for the data directory (all of these need a person to fix them)
_OS_FAULTS = {
    errno.ENOSPC: "the disk holding the data directory is full",
    errno.EDQUOT: "the disk quota of the data directory is used up",
    errno.EFBIG: "a file in the data directory reached its size limit",
    errno.EROFS: "the data directory is on a read-only file system",
    errno.EACCES: "the data directory is not writable",
    errno.EPERM: "the data directory is not writable",
    errno.EIO: "the disk holding the data directory fails (I/O error)",
}
_PERMISSION = (errno.EACCES, errno.EPERM)
#: SQLite's messages (sqlite3 gives no error code before Python 3.11's sqlite_errorcode on all
#: platforms, and SQLAlchemy passes the text on) → (transient, what)
_SQLITE_FAULTS = (
    ("database is locked", True, "the database is locked by another process"),
    ("database table is locked", True, "the database is locked by another process"),
    ("database or disk is full", False, "the disk holding the database is full"),
    ("disk i/o error", False, "the database cannot be written (is the disk full or failing?)"),
    ("readonly database", False, "the database is read-only"),
    ("unable to open database file", False, "the database file cannot be opened"),
)


def resource_fault(exc: BaseException, data_dir: Path | None = None) -> Fault | None:
    """The resource fault ``exc`` is, or None when it is an ordinary error (a bug, bad input).

    Permission errors count only for files in ``data_dir`` (or on an open file, with no name)."""
    if isinstance(exc, OSError) and exc.errno in _OS_FAULTS:
        if exc.errno in _PERMISSION and not _inside(exc.filename, data_dir):
            return None
        where = f"{exc.filename}: " if exc.filename else ""
        return Fault(False, _OS_FAULTS[exc.errno], where + (exc.strerror or ""))
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    text = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    if type(orig).__module__.startswith("sqlite3") or type(orig).__name__ == "OperationalError":
        low = text.lower()
        for needle, transient, what in _SQLITE_FAULTS:
            if needle in low:
                return Fault(transient, what, text)
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return Fault(True, "the connection to the database was lost", text)
    if type(orig).__module__.startswith("psycopg"):
        state = getattr(orig, "sqlstate", None) or ""
        if state.startswith("53"):  # insufficient resources: disk full, out of memory, too many
            return Fault(False, "the database server is out of resources", text)
        if state.startswith(("08", "57P")) or (
            not state and type(orig).__name__ in ("OperationalError", "InterfaceError")
        ):  # connection exceptions, server shutting down, or no answer at all
            return Fault(True, "the connection to the database was lost", text)
    return None


def _inside(filename: object, data_dir: Path | None) -> bool:
    if not filename or data_dir is None:
        return True  # an open file's write, or no directory to compare with
    try:
        return Path(str(filename)).resolve().is_relative_to(data_dir.resolve())
    except (OSError, ValueError):
        return False


def probe_writable(engine: Engine, wait: float = 5.0) -> None:
    """Raise the database's error unless a write transaction can start now (waiting ``wait`` s).
    Nothing is written: SQLite takes and drops its write lock, PostgreSQL answers a query."""
    with engine.connect() as conn:
        if engine.dialect.name != "sqlite":
            conn.execute(text("SELECT 1"))
            return
        conn.exec_driver_sql(f"PRAGMA busy_timeout={int(wait * 1000)}")
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            conn.exec_driver_sql("ROLLBACK")
        finally:
            conn.exec_driver_sql(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT * 1000)}")


def sqlite_url(data_dir: Path) -> str:
    return f"sqlite:///{(data_dir / 'memoryhole.db').resolve()}"


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, a busy timeout and enforced foreign keys."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    try:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT})
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            engine = create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)
    except (ArgumentError, ModuleNotFoundError) as exc:
        raise StoreError(f"cannot use database URL {url!r}: {exc}") from None
    return engine


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    # NORMAL in WAL mode survives a process kill (the WAL is in the OS cache); only a power cut can
    # lose the last transactions, and the WARC files are written and flushed before each commit.
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT * 1000)}")
    cur.close()


def upgrade(engine: Engine) -> None:
    """Apply every pending migration (a no-op when the schema is current)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    try:
        with engine.begin() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
            head = ScriptDirectory.from_config(cfg).get_current_head()
            if current == head:
                return
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except OperationalError as exc:
        raise StoreError(
            f"cannot open the database at {engine.url!r}: {exc.orig} (is its directory writable, "
            "and is no other process holding a lock on it?)"
        ) from None


def integrity_ok(engine: Engine) -> bool:
    """SQLite's own integrity check (PostgreSQL guarantees this itself)."""
    if engine.dialect.name != "sqlite":
        return True
    with engine.connect() as conn:
        return conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"


def inserted_id(result: CursorResult) -> int:
    """The id of the row a single-row INSERT just added."""
    key = result.inserted_primary_key
    # None only when the statement has no key rows: a single-row INSERT always has one (and an
    # executemany raises before getting here).
    assert key is not None, "a single-row INSERT returned no primary key"
    return int(key[0])
