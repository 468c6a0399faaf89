"""Shared fixtures: databases (SQLite always; PostgreSQL when MEMORYHOLE_TEST_PG names a server)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_URL = os.environ.get("MEMORYHOLE_TEST_PG")
REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"


def _pg_database() -> Iterator[str]:
    """A new, empty PostgreSQL database for one test; dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(PG_URL)
    name = f"mh_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database URL: SQLite in tmp_path, then PostgreSQL (skipped when MEMORYHOLE_TEST_PG is unset)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'memoryhole.db'}"
        return
    if not PG_URL:
        pytest.skip(
            "PostgreSQL tests need MEMORYHOLE_TEST_PG (e.g. postgresql+psycopg://postgres@127.0.0.1/test)"
        )
    yield from _pg_database()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database only (skipped when MEMORYHOLE_TEST_PG is unset)."""
    if not PG_URL:
        pytest.skip(
            "PostgreSQL tests need MEMORYHOLE_TEST_PG (e.g. postgresql+psycopg://postgres@127.0.0.1/test)"
        )
    yield from _pg_database()
