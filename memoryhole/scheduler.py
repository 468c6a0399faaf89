"""When each article and listing is next due: a recheck interval that decays with the article's age.

Pure: every function takes `now` as an argument and never reads a clock or sleeps. Intervals get a small
deterministic jitter (by URL) so that articles found together do not stay in lock-step forever.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta

#: (age up to, recheck every) in seconds; after the last step, `final`.
DEFAULT_STEPS: tuple[tuple[float, float], ...] = (
    (6 * 3600, 10 * 60),  # first 6 hours: every 10 minutes
    (2 * 86400, 3600),  # to 2 days: hourly
    (30 * 86400, 86400),  # to a month: daily
)
DEFAULT_FINAL = 7 * 86400  # after a month: weekly


@dataclass(frozen=True)
class Schedule:
    steps: tuple[tuple[float, float], ...] = DEFAULT_STEPS
    final: float = DEFAULT_FINAL
    fixed: float | None = None  # one interval for every age (tests, `run --recheck 2s`)
    jitter: float = 0.1  # up to ±10% of the interval

    def interval(self, age_seconds: float) -> float:
        """Seconds until the next check of an article this old."""
        if self.fixed is not None:
            return self.fixed
        for upto, every in self.steps:
            if age_seconds < upto:
                return every
        return self.final

    def next_check(
        self, url: str, published: datetime | None, first_seen: datetime, now: datetime
    ) -> datetime:
        born = min(published, first_seen) if published is not None else first_seen
        base = self.interval(max(0.0, (now - born).total_seconds()))
        return now + timedelta(seconds=base * (1 + self._jitter(url)))

    def _jitter(self, url: str) -> float:
        if self.fixed is not None or not self.jitter:
            return 0.0
        unit = zlib.crc32(url.encode("utf-8", "replace")) / 0xFFFFFFFF  # 0..1, stable per URL
        return (unit * 2 - 1) * self.jitter


def after_failure(
    interval: float, failures: int, retry_after: float | None, now: datetime
) -> datetime:
    """Next attempt after a transient failure: back off exponentially, never past the normal interval,
    never sooner than the server's Retry-After."""
    wait = min(interval, 30.0 * (2 ** max(0, failures - 1)))
    if retry_after is not None:
        wait = max(wait, retry_after)
    return now + timedelta(seconds=max(wait, min(interval, 1.0)))


def source_next_poll(
    poll_seconds: float, failures: int, retry_after: float | None, now: datetime
) -> datetime:
    """Next poll of a feed/sitemap/listing: its outlet's interval, or a backoff after failures."""
    if failures:
        return after_failure(poll_seconds, failures, retry_after, now)
    return now + timedelta(seconds=poll_seconds)
