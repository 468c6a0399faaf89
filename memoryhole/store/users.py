"""Web users, login sessions and API tokens: their tables (on the shared metadata) and queries.

Passwords are hashed with argon2id. Session and API tokens are 256-bit random strings, so the
database keeps only their SHA-256 (a slow hash adds nothing to a secret that cannot be guessed).
Also adds the read indexes the web pages need on the core tables (created by migration 0003).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import (
    Boolean,
    Column,
    Engine,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from ..models import sha256_hex, utcnow
from . import schema as t
from .db import StoreError, inserted_id

__all__ = ["Users", "User", "users", "web_sessions", "api_tokens", "SESSION_LIFETIME"]

users = Table(
    "users",
    t.metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),
    Column("created_at", t.UTC, nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
)

web_sessions = Table(
    "web_sessions",
    t.metadata,
    Column("id", Integer, primary_key=True),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", t.UTC, nullable=False),
    Column("expires_at", t.UTC, nullable=False),
    Column("revoked_at", t.UTC),
    Column("user_agent", Text),
    Index("ix_web_sessions_user", "user_id"),
)

api_tokens = Table(
    "api_tokens",
    t.metadata,
    Column("id", Integer, primary_key=True),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("created_at", t.UTC, nullable=False),
    Column("last_used_at", t.UTC),
    Column("revoked_at", t.UTC),
    Index("ix_api_tokens_user", "user_id"),
)

# Read paths of the web UI: lists by status, outlet health over recent fetches, counts per outlet and kind.
Index("ix_articles_status_id", t.articles.c.status, t.articles.c.id)
Index("ix_fetches_outlet_started", t.fetches.c.outlet_id, t.fetches.c.started_at)
Index("ix_events_outlet_kind", t.events.c.outlet_id, t.events.c.kind, t.events.c.detected_at)
Index("ix_versions_fetch", t.versions.c.fetch_id)

SESSION_LIFETIME = timedelta(days=14)
_hasher = PasswordHasher()
# Verifying against this keeps a login for an unknown name as slow as one for a known name.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


@dataclass(frozen=True)
class User:
    id: int
    name: str


def _digest(token: str) -> str:
    return sha256_hex(token)


class Users:
    """Queries over users, sessions and tokens; one instance per engine (cheap, stateless)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # ---- users -------------------------------------------------------------------------------
    def add(self, name: str, password: str) -> User:
        name = name.strip()
        if not name or len(name) > 100:
            raise StoreError("a user name needs 1 to 100 characters")
        if len(password) < 8:
            raise StoreError("a password needs at least 8 characters")
        try:
            with self.engine.begin() as conn:
                uid = inserted_id(
                    conn.execute(
                        insert(users).values(
                            name=name,
                            password_hash=_hasher.hash(password),
                            created_at=utcnow(),
                            disabled=False,
                        )
                    )
                )
        except IntegrityError:
            raise StoreError(f"a user named {name!r} already exists") from None
        return User(uid, name)

    def get(self, name: str) -> User | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(users.c.id, users.c.name).where(users.c.name == name)).first()
        return User(row.id, row.name) if row else None

    def all(self) -> list[dict]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(users.c.id, users.c.name, users.c.created_at, users.c.disabled).order_by(
                    users.c.name
                )
            ).mappings()
            return [dict(r) for r in rows]

    def authenticate(self, name: str, password: str) -> User | None:
        """The user when the password is right and the account enabled; None otherwise."""
        with self.engine.connect() as conn:
            row = conn.execute(select(users).where(users.c.name == name)).mappings().first()
        stored = row["password_hash"] if row else _DUMMY_HASH
        try:
            _hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None or row["disabled"]:
            return None
        if _hasher.check_needs_rehash(stored):
            self._set_hash(row["id"], _hasher.hash(password))
        return User(row["id"], row["name"])

    def set_password(self, user_id: int, password: str) -> None:
        if len(password) < 8:
            raise StoreError("a password needs at least 8 characters")
        self._set_hash(user_id, _hasher.hash(password))
        self.revoke_sessions(user_id)

    def _set_hash(self, user_id: int, hashed: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(users).where(users.c.id == user_id).values(password_hash=hashed))

    # ---- sessions ----------------------------------------------------------------------------
    def start_session(self, user: User, user_agent: str = "") -> str:
        """A new session token (to put in a cookie); only its digest is stored."""
        token, now = secrets.token_urlsafe(32), utcnow()
        with self.engine.begin() as conn:
            conn.execute(
                insert(web_sessions).values(
                    token_sha256=_digest(token),
                    user_id=user.id,
                    created_at=now,
                    expires_at=now + SESSION_LIFETIME,
                    user_agent=user_agent[:300],
                )
            )
        return token

    def session_user(self, token: str) -> tuple[User, int] | None:
        """(user, session id) for a live session token; None when unknown, expired or revoked."""
        s = web_sessions
        with self.engine.connect() as conn:
            row = conn.execute(
                select(users.c.id, users.c.name, s.c.id.label("sid"))
                .join(users, users.c.id == s.c.user_id)
                .where(
                    s.c.token_sha256 == _digest(token),
                    s.c.revoked_at.is_(None),
                    s.c.expires_at > utcnow(),
                    users.c.disabled.is_(False),
                )
            ).first()
        return (User(row.id, row.name), row.sid) if row else None

    def sessions(self, user_id: int) -> list[dict]:
        s = web_sessions
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(s.c.id, s.c.created_at, s.c.expires_at, s.c.user_agent)
                .where(s.c.user_id == user_id, s.c.revoked_at.is_(None), s.c.expires_at > utcnow())
                .order_by(s.c.id.desc())
                .limit(100)
            ).mappings()
            return [dict(r) for r in rows]

    def revoke_session(self, user_id: int, session_id: int) -> bool:
        return self._revoke(web_sessions, user_id, session_id)

    def revoke_sessions(self, user_id: int) -> int:
        with self.engine.begin() as conn:
            return conn.execute(
                update(web_sessions)
                .where(web_sessions.c.user_id == user_id, web_sessions.c.revoked_at.is_(None))
                .values(revoked_at=utcnow())
            ).rowcount

    # ---- API tokens --------------------------------------------------------------------------
    def create_token(self, user: User, name: str) -> str:
        """A new API token (shown once); only its digest is stored."""
        token = "mh_" + secrets.token_urlsafe(32)
        with self.engine.begin() as conn:
            conn.execute(
                insert(api_tokens).values(
                    token_sha256=_digest(token),
                    user_id=user.id,
                    name=(name.strip() or "token")[:100],
                    created_at=utcnow(),
                )
            )
        return token

    def token_user(self, token: str) -> User | None:
        k = api_tokens
        with self.engine.begin() as conn:
            row = conn.execute(
                select(users.c.id, users.c.name, k.c.id.label("tid"))
                .join(users, users.c.id == k.c.user_id)
                .where(
                    k.c.token_sha256 == _digest(token),
                    k.c.revoked_at.is_(None),
                    users.c.disabled.is_(False),
                )
            ).first()
            if row is None:
                return None
            now = utcnow()
            # at most one write a minute per token: reads through the API stay reads
            conn.execute(
                update(k)
                .where(
                    k.c.id == row.tid,
                    or_(k.c.last_used_at.is_(None), k.c.last_used_at < now - timedelta(minutes=1)),
                )
                .values(last_used_at=now)
            )
        return User(row.id, row.name)

    def tokens(self, user_id: int) -> list[dict]:
        k = api_tokens
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(k.c.id, k.c.name, k.c.created_at, k.c.last_used_at)
                .where(k.c.user_id == user_id, k.c.revoked_at.is_(None))
                .order_by(k.c.id.desc())
                .limit(100)
            ).mappings()
            return [dict(r) for r in rows]

    def revoke_token(self, user_id: int, token_id: int) -> bool:
        return self._revoke(api_tokens, user_id, token_id)

    def _revoke(self, table: Table, user_id: int, row_id: int) -> bool:
        with self.engine.begin() as conn:
            return bool(
                conn.execute(
                    update(table)
                    .where(
                        table.c.id == row_id,
                        table.c.user_id == user_id,
                        table.c.revoked_at.is_(None),
                    )
                    .values(revoked_at=utcnow())
                ).rowcount
            )
