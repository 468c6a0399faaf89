"""The outlet-level outage guard: from the stream of one outlet's check outcomes, decide when the
outlet as a whole is down (or serving one maintenance page everywhere), so that no article on it is
judged deleted meanwhile. Pure: fed values with their time, it reads no clock.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime

__all__ = ["OutageConfig", "OutageTracker", "Outcome", "Transition"]


@dataclass(frozen=True)
class Outcome:
    """One check of one URL of the outlet. ``ok`` is the fetch's own verdict; a failure here is an
    error class, a 5xx or 429. Pass ``body_fingerprint`` for every response (also 404s), so that
    one page served for many URLs (maintenance, bot wall, broken CMS) is noticed."""

    now: datetime
    url: str
    kind: str  # "article" | "homepage" | "feed"
    ok: bool
    error: str | None = None
    status: int | None = None
    body_fingerprint: str | None = None

    @property
    def failed(self) -> bool:
        if self.error is not None:
            return True
        return self.status is not None and (self.status >= 500 or self.status == 429)


@dataclass(frozen=True)
class Transition:
    kind: str  # "outage-start" | "outage-end"
    at: datetime
    reason: str

    def to_dict(self) -> dict:
        return {"kind": self.kind, "at": self.at.isoformat(), "reason": self.reason}


@dataclass(frozen=True)
class OutageConfig:
    front_consecutive: int = 2  # failed checks in a row of the homepage (or of every feed)
    window_checks: int = 20  # the last N article checks ...
    window_seconds: float = 600.0  # ... within this many seconds
    min_bad: int = 4  # at least this many articles whose latest check in the window was bad ...
    bad_share: float = 0.5  # ... making up at least this share of the articles checked in it
    healthy_to_end: int = 3  # healthy article checks in a row needed to end an outage


@dataclass
class _Check:
    at: datetime
    url: str
    failed: bool
    fingerprint: str | None


@dataclass
class OutageTracker:
    """Outage state of one outlet. Feed it every outcome with observe(); persist with to_dict().

    Start: the homepage failed on ``front_consecutive`` checks in a row, or every feed did (one
    dead feed among several is not an outage), or the recent article checks are unusually bad:
    of the articles checked in the window, at least ``min_bad`` and ``bad_share`` were last seen
    failing or showing one body fingerprint shared by different URLs. End: none of that holds any more and the last ``healthy_to_end`` article
    checks were healthy, so the pipeline must keep checking articles (judgement paused) meanwhile.
    """

    config: OutageConfig = field(default_factory=OutageConfig)
    front_failures: dict[str, int] = field(default_factory=dict)  # url -> failures in a row
    front_kinds: dict[str, str] = field(default_factory=dict)  # url -> "homepage" | "feed"
    window: list[_Check] = field(default_factory=list)
    healthy_streak: int = 0
    # The last healthy article checks of two different URLs: proof that the outlet still serves
    # articles, which a deletion must have before it is confirmed (see `served_elsewhere`).
    recent_healthy: list[tuple[str, datetime]] = field(default_factory=list)
    outage_since: datetime | None = None
    reason: str = ""

    @property
    def in_outage(self) -> bool:
        return self.outage_since is not None

    def observe(self, outcome: Outcome) -> list[Transition]:
        """Record one outcome; return the transitions it caused (at most one)."""
        if outcome.kind == "article":
            self._observe_article(outcome)
        else:
            self._observe_front(outcome)
        cause = self._cause()
        if not self.in_outage and cause:
            self.outage_since, self.reason = outcome.now, cause
            self.healthy_streak = 0  # only articles seen healthy after the start may end it
            return [Transition("outage-start", outcome.now, cause)]
        if self.in_outage and not cause and self.healthy_streak >= self.config.healthy_to_end:
            self.outage_since, self.reason = None, ""
            return [Transition("outage-end", outcome.now, "homepage, feeds and articles healthy")]
        return []

    def _observe_front(self, outcome: Outcome) -> None:
        self.front_kinds[outcome.url] = outcome.kind
        self.front_failures[outcome.url] = (
            self.front_failures.get(outcome.url, 0) + 1 if outcome.failed else 0
        )

    def _observe_article(self, outcome: Outcome) -> None:
        self.window.append(
            _Check(outcome.now, outcome.url, outcome.failed, outcome.body_fingerprint)
        )
        horizon = outcome.now.timestamp() - self.config.window_seconds
        self.window = [c for c in self.window if c.at.timestamp() >= horizon][
            -self.config.window_checks :
        ]
        shared = self._shared_fingerprint()
        healthy = not outcome.failed and (shared is None or outcome.body_fingerprint != shared)
        self.healthy_streak = self.healthy_streak + 1 if healthy else 0
        if healthy:
            others = [h for h in self.recent_healthy if h[0] != outcome.url]
            self.recent_healthy = [(outcome.url, outcome.now), *others[:1]]

    def served_elsewhere(self) -> tuple[tuple[str, datetime], ...]:
        """(url, when) of the last healthy checks of two different articles, newest first."""
        return tuple(self.recent_healthy)

    def _shared_fingerprint(self) -> str | None:
        """The fingerprint shown for the most distinct URLs in the window, if more than one."""
        urls_by_fp: dict[str, set[str]] = {}
        for c in self.window:
            if c.fingerprint is not None:
                urls_by_fp.setdefault(c.fingerprint, set()).add(c.url)
        counts = Counter({fp: len(urls) for fp, urls in urls_by_fp.items()})
        if not counts:
            return None
        fp, n = counts.most_common(1)[0]
        return fp if n >= 2 else None

    def _cause(self) -> str:
        n = self.config.front_consecutive
        homes = [u for u, k in self.front_kinds.items() if k == "homepage"]
        feeds = [u for u, k in self.front_kinds.items() if k == "feed"]
        if any(self.front_failures[u] >= n for u in homes):
            return "homepage failing"
        if feeds and all(self.front_failures[u] >= n for u in feeds):
            return "feeds failing"
        return self._window_cause()

    def _window_cause(self) -> str:
        shared = self._shared_fingerprint()
        # Each URL counts once, by its latest check: one broken article retried every few seconds
        # (a 429 with a short Retry-After) is that article's problem, not the outlet's.
        latest = list({c.url: c for c in self.window}.values())
        bad = [c for c in latest if c.failed or (shared is not None and c.fingerprint == shared)]
        many = len(bad) >= self.config.min_bad and len(bad) >= self.config.bad_share * len(latest)
        if many:
            same_page = sum(1 for c in bad if not c.failed)
            return (
                "one page served for many articles"
                if same_page > len(bad) // 2
                else "article checks failing"
            )
        return ""

    def to_dict(self) -> dict:
        return {
            "config": asdict(self.config),
            "front_failures": dict(self.front_failures),
            "front_kinds": dict(self.front_kinds),
            "window": [[c.at.isoformat(), c.url, c.failed, c.fingerprint] for c in self.window],
            "healthy_streak": self.healthy_streak,
            "recent_healthy": [[u, at.isoformat()] for u, at in self.recent_healthy],
            "outage_since": self.outage_since.isoformat() if self.outage_since else None,
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, data: dict) -> OutageTracker:
        since = data.get("outage_since")
        return cls(
            config=OutageConfig(**data.get("config", {})),
            front_failures=dict(data.get("front_failures", {})),
            front_kinds=dict(data.get("front_kinds", {})),
            window=[
                _Check(datetime.fromisoformat(a), u, f, fp)
                for a, u, f, fp in data.get("window", [])
            ],
            healthy_streak=data.get("healthy_streak", 0),
            recent_healthy=[
                (u, datetime.fromisoformat(at)) for u, at in data.get("recent_healthy", [])
            ],
            outage_since=datetime.fromisoformat(since) if since else None,
            reason=data.get("reason", ""),
        )
