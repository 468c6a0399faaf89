"""Opening a database: engine options per backend and bringing the schema up to date with Alembic."""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import ArgumentError, OperationalError

MIGRATIONS = Path(__file__).parent / "migrations"
#: Seconds SQLite waits for another process's lock before "database is locked" (tests shorten it).
BUSY_TIMEOUT = float(os.environ.get("MEMORYHOLE_DB_BUSY_TIMEOUT", "30"))


class StoreError(Exception):
    """A database could not be opened or used; the message says what to do."""


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


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
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
