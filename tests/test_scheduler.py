"""The decaying recheck schedule and backoff (pure functions of `now`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from memoryhole.scheduler import Schedule, after_failure

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def test_documented_defaults() -> None:
    s = Schedule()
    assert s.interval(3600) == 600  # first 6 hours: every 10 minutes
    assert s.interval(24 * 3600) == 3600  # to 2 days: hourly
    assert s.interval(10 * 86400) == 86400  # to a month: daily
    assert s.interval(60 * 86400) == 7 * 86400  # then weekly


@given(st.floats(min_value=0, max_value=1e9), st.floats(min_value=0, max_value=1e9))
def test_intervals_never_shrink_with_age(a: float, b: float) -> None:
    s = Schedule()
    lo, hi = sorted((a, b))
    assert s.interval(lo) <= s.interval(hi)


@given(st.text(max_size=50))
def test_jitter_stays_within_ten_percent(url: str) -> None:
    nxt = Schedule().next_check(url, None, NOW, NOW)
    assert timedelta(seconds=540) <= nxt - NOW <= timedelta(seconds=660)


def test_fixed_interval_for_fast_replays() -> None:
    s = Schedule(fixed=1.0)
    assert s.next_check("u", NOW - timedelta(days=400), NOW, NOW) == NOW + timedelta(seconds=1)


def test_backoff_honours_retry_after_and_caps_at_interval() -> None:
    assert after_failure(600, 1, None, NOW) == NOW + timedelta(seconds=30)
    assert after_failure(600, 10, None, NOW) == NOW + timedelta(seconds=600)
    assert after_failure(600, 1, 120, NOW) == NOW + timedelta(seconds=120)
