"""The outlet outage guard: starts, ends, one event per outage, no outage from one bad URL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from memoryhole.outages import OutageConfig, OutageTracker, Outcome

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
HOME = "https://daily.example/"
FEED = "https://daily.example/rss"


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def home(t: float, status: int | None = 200, error: str | None = None) -> Outcome:
    return Outcome(at(t), HOME, "homepage", status == 200 and error is None, error, status, None)


def article(
    t: float, n: int, status: int | None = 200, error: str | None = None, fp: str | None = None
) -> Outcome:
    ok = error is None and status == 200
    return Outcome(
        at(t), f"https://daily.example/a/{n}", "article", ok, error, status, fp or f"fp{n}"
    )


def feed(t: float, url: str, status: int | None) -> Outcome:
    return Outcome(at(t), url, "feed", status == 200, None, status, None)


def test_homepage_two_failures_start_and_health_ends() -> None:
    tracker = OutageTracker()
    assert tracker.observe(home(0, 503)) == [] and not tracker.in_outage
    [start] = tracker.observe(home(60, None, "timeout"))
    assert start.kind == "outage-start" and start.reason == "homepage failing" and tracker.in_outage
    assert tracker.observe(home(120, 503)) == []  # still the same outage: one event only
    assert tracker.observe(home(180, 200)) == []  # homepage back, but no article seen healthy yet
    assert tracker.observe(article(190, 1)) == [] and tracker.observe(article(200, 2)) == []
    [end] = tracker.observe(article(210, 3))
    assert end.kind == "outage-end" and not tracker.in_outage


def test_single_homepage_failure_is_not_an_outage() -> None:
    tracker = OutageTracker()
    for t, status in enumerate([503, 200, 503, 200, 429, 200]):
        assert tracker.observe(home(t * 60, status)) == []
    assert not tracker.in_outage


def test_one_dead_feed_among_several_is_not_an_outage() -> None:
    tracker = OutageTracker()
    for t in range(5):
        tracker.observe(feed(t * 60, FEED, 500))
        tracker.observe(feed(t * 60, FEED + "/politics", 200))
    assert not tracker.in_outage
    tracker.observe(feed(400, FEED + "/politics", 502))
    tracker.observe(feed(460, FEED + "/politics", 502))
    assert tracker.in_outage and tracker.reason == "feeds failing"


def test_article_failures_in_window_start_an_outage() -> None:
    tracker = OutageTracker()
    for n in range(6):
        tracker.observe(article(n * 10, n))
    transitions = [tr for n in range(6, 12) for tr in tracker.observe(article(n * 10, n, 503))]
    assert [tr.kind for tr in transitions] == ["outage-start"]
    assert tracker.reason == "article checks failing"


def test_one_article_failing_repeatedly_is_its_own_problem() -> None:
    tracker = OutageTracker()
    for t in range(8):
        tracker.observe(article(t * 30, 7, None, "connection"))
    assert not tracker.in_outage


def test_maintenance_page_across_urls_is_an_outage() -> None:
    tracker = OutageTracker()
    for n in range(4):
        tracker.observe(article(n, n, 200, fp="maintenance"))
    assert tracker.in_outage and tracker.reason == "one page served for many articles"


def test_old_failures_leave_the_window() -> None:
    tracker = OutageTracker(OutageConfig(window_seconds=600))
    for n in range(3):
        tracker.observe(article(n, n, 503))
    tracker.observe(article(2000, 9, 503))  # the earlier three are 30 minutes old
    assert not tracker.in_outage


def test_json_round_trip_keeps_behaviour() -> None:
    tracker = OutageTracker()
    tracker.observe(home(0, 503))
    tracker.observe(article(5, 1, 503))
    again = OutageTracker.from_dict(json.loads(json.dumps(tracker.to_dict())))
    assert again.to_dict() == tracker.to_dict()
    [start] = again.observe(home(60, 503))
    assert start.kind == "outage-start"


events = st.lists(
    st.tuples(
        st.sampled_from(["home", "article"]),
        st.integers(0, 5),
        st.sampled_from([200, 503, 429, 404]),
    ),
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(events)
def test_transitions_alternate_and_match_state(seq: list[tuple[str, int, int]]) -> None:
    tracker = OutageTracker()
    kinds = []
    for i, (kind, n, status) in enumerate(seq):
        outcome = home(i * 20, status) if kind == "home" else article(i * 20, n, status)
        out = tracker.observe(outcome)
        assert len(out) <= 1
        kinds += [tr.kind for tr in out]
        assert tracker.in_outage == (bool(kinds) and kinds[-1] == "outage-start")
    assert all(a != b for a, b in zip(kinds, kinds[1:], strict=False))
    assert not kinds or kinds[0] == "outage-start"


def test_two_articles_retried_every_few_seconds_are_no_outage() -> None:
    """A 429 with "Retry-After: 2" brings one article back every two seconds: its failures count
    once, so two such articles among healthy ones do not make the outlet look down."""
    tracker = OutageTracker()
    for n in range(3, 7):
        assert tracker.observe(article(n, n)) == []
    for i in range(12):
        assert tracker.observe(article(10 + 2 * i, 1, 429)) == []
        assert tracker.observe(article(11 + 2 * i, 2, 503)) == []
    assert not tracker.in_outage
    transitions = []
    for n in range(3, 7):  # the healthy ones now fail too
        transitions += tracker.observe(article(40 + n, n, 503))
    assert [t.kind for t in transitions] == ["outage-start"] and tracker.in_outage
