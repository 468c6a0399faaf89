"""Who is asking: session cookies, Bearer API tokens, CSRF tokens and login rate limiting.

Sessions live in the database (revocable); the cookie holds only a random token. CSRF tokens are
signed with itsdangerous over the session (or, before login, over a random pre-session cookie).
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from fastapi import HTTPException, Request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ..store.users import User, Users

SESSION_COOKIE = "mh_session"
ANON_COOKIE = "mh_anon"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_MAX_AGE = 12 * 3600


def load_secret(data_dir: Path) -> bytes:
    """The signing key, kept in ``<data>/web.secret`` (mode 0600) so restarts keep forms valid."""
    path = data_dir / "web.secret"
    try:
        return bytes.fromhex(path.read_text().strip())
    except (FileNotFoundError, ValueError):
        key = secrets.token_bytes(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(key.hex())
        return key


@dataclass(frozen=True)
class Identity:
    """The requester: a user (or None), how they proved it, and the key their CSRF tokens bind to."""

    user: User | None
    via: str  # "session" | "token" | "anonymous"
    session_id: int | None = None
    csrf_key: str | None = None


class LoginLimiter:
    """At most ``attempts`` failed logins per client address and per user name within ``window`` seconds."""

    def __init__(self, attempts: int = 5, window: float = 300.0) -> None:
        self.attempts, self.window = attempts, window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        q = self._failures.setdefault(key, deque())
        while q and q[0] <= now - self.window:
            q.popleft()
        return q

    def blocked(self, *keys: str) -> bool:
        now = time.monotonic()
        with self._lock:
            return any(len(self._recent(k, now)) >= self.attempts for k in keys)

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for k in keys:
                self._recent(k, now).append(now)
            if len(self._failures) > 10_000:  # forget idle keys so a flood cannot grow memory
                for k in [k for k, q in self._failures.items() if not q]:
                    del self._failures[k]

    def succeeded(self, name_key: str) -> None:
        with self._lock:
            self._failures.pop(name_key, None)


class Auth:
    """Reads identities from requests and issues/checks CSRF tokens."""

    def __init__(self, users: Users, secret: bytes) -> None:
        self.users = users
        self.limiter = LoginLimiter()
        self._csrf = URLSafeTimedSerializer(secret, salt="memoryhole-csrf")

    def identify(self, request: Request) -> Identity:
        cached = getattr(request.state, "identity", None)
        if cached is not None:
            return cached
        identity = self._identify(request)
        request.state.identity = identity
        return identity

    def _identify(self, request: Request) -> Identity:
        header = request.headers.get("authorization", "")
        if header.lower().startswith("bearer "):
            user = self.users.token_user(header[7:].strip())
            if user is None:
                raise HTTPException(401, "invalid or revoked API token")
            return Identity(user, "token")
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            found = self.users.session_user(token)
            if found is not None:
                user, sid = found
                return Identity(user, "session", sid, f"s{sid}")
        anon = request.cookies.get(ANON_COOKIE)
        return Identity(None, "anonymous", None, f"a{anon}" if anon else None)

    def csrf_token(self, identity: Identity) -> str:
        return self._csrf.dumps(identity.csrf_key) if identity.csrf_key else ""

    def check_csrf(self, identity: Identity, token: str | None) -> None:
        """Cookie-authenticated writes must carry a token signed over this very session."""
        if identity.via == "token":
            return  # a Bearer token is not sent by browsers on their own: no CSRF risk
        ok = False
        if token and identity.csrf_key is not None:
            try:
                ok = self._csrf.loads(token, max_age=CSRF_MAX_AGE) == identity.csrf_key
            except BadSignature:
                ok = False
        if not ok:
            raise HTTPException(403, "missing or stale form token: reload the page and try again")


def client_key(request: Request) -> str:
    return "ip:" + (request.client.host if request.client else "?")
