"""The judge: edits, every deletion how, confirmation, transient failures, outages, moves,
restorations and unlisting. Values are built directly; nothing here touches the network."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from memoryhole.changes import (
    ArticleState,
    EditSummary,
    Judgement,
    ListingPresence,
    OutletContext,
    Policy,
    compare_versions,
    judge,
    judge_unlisting,
)
from memoryhole.models import DELETION_HOWS, Document, Exchange, Fetch
from memoryhole.soft404 import Profile

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
HOME = "https://daily.example/"
SECTION = "https://daily.example/politics/"
URL = "https://daily.example/politics/2024/05/budget-passes"
NEW_URL = "https://daily.example/economy/2024/05/budget-passes-parliament"
CTX = OutletContext(HOME, frozenset({SECTION}))
FAST = Policy(confirm_min_gap=1)

BODY = "\n\n".join(
    [
        "Parliament passed the budget on Monday after a long night of debate in the chamber.",
        "The finance minister said “this budget protects families and pensioners” during the vote.",
        "Opposition deputies walked out before the final reading, calling the process rushed.",
        "The budget raises spending on schools and hospitals and cuts the deficit by a tenth.",
        "Analysts expect the central bank to respond at its next meeting in June this year.",
    ]
)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def doc(
    text: str = BODY, title: str = "Budget passes", page_type: str = "article", **kw
) -> Document:
    fields = dict(url=URL, canonical_url=URL, byline="A. Writer", published="2024-05-01T10:00:00+00:00",
                  updated=None, language="en")  # fmt: skip
    return Document(title=title, text=text, page_type=page_type, **{**fields, **kw})


def fetch(
    status: int | None = 200,
    final_url: str = URL,
    error: str | None = None,
    redirects: tuple[tuple[int, str, str], ...] = (),
    not_modified: bool = False,
    retry_after: float | None = None,
) -> Fetch:
    hops = tuple(
        Exchange(frm, "GET", (), code, "", "HTTP/1.1", (("Location", to),), b"", T0)
        for code, frm, to in redirects
    )
    final = (
        (Exchange(final_url, "GET", (), status, "", "HTTP/1.1", (), b"", T0),)
        if status is not None
        else ()
    )
    return Fetch(
        url=URL, started_at=T0, elapsed=0.1, final_url=final_url, status=status, exchanges=hops + final,
        error=error, not_modified=not_modified, retry_after=retry_after,
    )  # fmt: skip


def check(
    state: ArticleState,
    f: Fetch,
    d: Document | None,
    t: float,
    ctx: OutletContext = CTX,
    policy: Policy = FAST,
) -> Judgement:
    j = judge(state, f, d, ctx, at(t), fetch_id=f"f{t}", policy=policy)
    json.dumps(j.change.details)  # every judgement must be JSON-serialisable as is
    assert ArticleState.from_dict(json.loads(json.dumps(j.state.to_dict()))) == j.state
    return j


def live() -> ArticleState:
    j = check(ArticleState(URL), fetch(), doc(), 0)
    assert j.change.kind == "new" and j.state.status == "live"
    return j.state


# ---------------------------------------------------------------- compare_versions


def test_whitespace_and_invisible_characters_are_no_edit() -> None:
    noisy = BODY.replace(" the ", "  the\u00a0").replace("\n\n", "\n \n\n") + "\u200b"
    assert compare_versions(doc(), doc(noisy, title=" Budget  passes ")) is None
    rejoined = BODY.replace("\n\n", " ", 1)  # a paragraph break moved by the template
    assert compare_versions(doc(), doc(rejoined)) is None


def test_same_instant_in_another_zone_is_no_edit() -> None:
    assert compare_versions(doc(), doc(published="2024-05-01T13:00:00+03:00")) is None


def test_body_edit_reports_words_and_quotes() -> None:
    new_text = BODY.replace("protects families and pensioners", "protects families").replace(
        "a tenth", "a fifth"
    )
    edit = compare_versions(doc(), doc(new_text))
    assert edit is not None and edit.substantive
    assert edit.fields == ("body", "quotations")
    assert edit.words_removed == 4 and edit.words_added == 2
    (changed,) = edit.quotes["changed"]
    assert (changed["old"], changed["new"]) == (
        "this budget protects families and pensioners",
        "this budget protects families",
    )
    assert changed["speaker"] == "finance minister"  # who said it travels with the quotation
    assert {"op": "delete", "old": ["and", "pensioners"], "new": []} in changed["diff"]
    assert EditSummary.from_dict(json.loads(json.dumps(edit.to_dict()))) == edit
    assert "+2 -4 words" in edit.describe()


def test_title_and_byline_edits() -> None:
    edit = compare_versions(doc(), doc(title="Budget scraped", byline="Staff"))
    assert edit is not None and edit.fields == ("title", "byline")
    assert edit.scalars["title"] == {"old": "Budget passes", "new": "Budget scraped"}
    assert edit.diff == []


def test_updated_date_alone_is_not_substantive() -> None:
    edit = compare_versions(doc(), doc(updated="2024-05-02"))
    assert edit is not None and edit.fields == ("updated",) and not edit.substantive


# ---------------------------------------------------------------- edits through judge


def test_edit_then_unchanged() -> None:
    state = live()
    j = check(state, fetch(), doc(BODY + "\n\nUpdate: the president signed it."), 60)
    assert j.change.kind == "edited" and j.change.details["words_added"] == 5
    assert "{+Update:" not in j.change.summary and j.change.details["diff"][-1]["op"] == "insert"
    assert (
        check(j.state, fetch(), doc(BODY + "\n\nUpdate: the president signed it."), 120).change.kind
        == "unchanged"
    )


def test_metadata_only_change_is_unchanged_with_details() -> None:
    j = check(live(), fetch(), doc(updated="2024-05-02T09:00:00Z"), 60)
    assert j.change.kind == "unchanged" and j.change.details["metadata"]["fields"] == ["updated"]


def test_article_about_a_removal_is_an_edit_not_a_deletion() -> None:
    text = BODY + "\n\nEditors said: this material has been removed from the partner site."
    assert check(live(), fetch(), doc(text), 60).change.kind == "edited"


def test_teaser_is_neither_edit_nor_deletion() -> None:
    first_paragraph = BODY.split("\n\n")[0]
    j = check(live(), fetch(), doc(first_paragraph), 60)
    assert j.change.kind == "unchanged" and "teaser" in j.change.summary
    assert j.state.doc == doc()  # the baseline keeps the full text


# ---------------------------------------------------------------- deletions

NOT_FOUND_HTML = "<html><title>Not found - Daily</title><body><p>We looked everywhere for this page but it is not here, sorry about that.</p></body></html>"
PROFILE = Profile.learn(200, HOME + "zzz", NOT_FOUND_HTML)

DELETIONS = {
    "http-404": (fetch(404), None, CTX),
    "http-410": (fetch(410), None, CTX),
    "http-4xx": (fetch(451), None, CTX),
    "redirect-home": (fetch(200, HOME, redirects=((301, URL, HOME),)), doc("Latest news list", page_type="listing"), CTX),
    "redirect-section": (fetch(200, SECTION, redirects=((302, URL, SECTION),)), doc("Politics stories", page_type="listing"), CTX),
    "soft-404": (fetch(200), doc("We looked everywhere for this page but it is not here, sorry about that.", title="Not found - Daily"), replace(CTX, not_found=PROFILE)),
    "removed-notice": (fetch(200), doc("Материал удалён.", title="Budget passes"), CTX),
    "emptied": (fetch(200), doc("Share this article", title="Budget passes"), CTX),
}  # fmt: skip


@pytest.mark.parametrize("how", sorted(DELETIONS))
def test_each_deletion_how_needs_two_checks(how: str) -> None:
    f, d, ctx = DELETIONS[how]
    first = check(live(), f, d, 60, ctx)
    assert (
        first.change.kind == "suspect" and first.change.how == how and first.state.status == "live"
    )
    assert first.recheck_in == FAST.confirm_min_gap
    second = check(first.state, f, d, 62, ctx)
    assert second.change.kind == "deleted" and second.change.how == how and how in DELETION_HOWS
    assert second.state.status == "deleted" and second.change.details["fetch_ids"] == ["f60", "f62"]
    assert check(second.state, f, d, 64, ctx).change.kind == "unchanged"


@pytest.mark.parametrize(
    "d",
    [
        doc("Page not found. Try the search.", title="Daily"),
        doc("Səhifə tapılmadı", title="Daily"),
        doc("Politics: a list of stories", page_type="listing"),
    ],
)
def test_soft_404_without_a_profile(d: Document) -> None:
    j = check(check(live(), fetch(), d, 60).state, fetch(), d, 62)
    assert (j.change.kind, j.change.how) == ("deleted", "soft-404")


def test_tag_page_behind_a_redirect_counts_as_section() -> None:
    tag = "https://daily.example/tag/budget"
    f = fetch(200, tag, redirects=((301, URL, tag),))
    j = check(live(), f, doc("Stories tagged budget", page_type="listing", canonical_url=tag), 60)
    assert (j.change.kind, j.change.how) == ("suspect", "redirect-section")


def test_confirmation_waits_for_the_minimum_gap() -> None:
    policy = Policy(confirm_min_gap=600)
    j = check(live(), fetch(404), None, 0, policy=policy)
    assert j.recheck_in == 600
    j = check(j.state, fetch(404), None, 60, policy=policy)
    assert j.change.kind == "suspect" and j.change.details["count"] == 1 and j.recheck_in == 540
    j = check(j.state, fetch(404), None, 700, policy=policy)
    assert j.change.kind == "deleted" and j.change.details["fetch_ids"] == ["f0", "f60", "f700"]


def test_good_fetch_in_between_clears_the_suspicion() -> None:
    j = check(live(), fetch(404), None, 10)
    j = check(j.state, fetch(), doc(), 20)
    assert (
        j.change.kind == "unchanged"
        and j.change.details["cleared"] == "deleted"
        and j.state.pending is None
    )
    j = check(j.state, fetch(404), None, 30)
    assert j.change.kind == "suspect" and j.change.details["count"] == 1


def test_different_evidence_starts_counting_again() -> None:
    j = check(live(), fetch(404), None, 10)
    j = check(j.state, fetch(410), None, 20)
    assert j.change.kind == "suspect" and j.change.how == "http-410"
    assert check(j.state, fetch(410), None, 30).change.kind == "deleted"


TRANSIENT = [
    fetch(503, error="http-status", retry_after=120),
    fetch(500),
    fetch(502, error="http-status"),
    fetch(429, error="http-status"),
    fetch(408),
    fetch(None, error="timeout"),
    fetch(None, error="connection"),
    fetch(None, error="dns"),
    fetch(None, error="tls"),
    fetch(200, error="too-large"),
    fetch(None, error="robots-denied"),
    fetch(200, error="protocol"),
    fetch(200, error="not-html"),
    fetch(None, error="redirect-loop"),
]


@pytest.mark.parametrize("f", TRANSIENT, ids=lambda f: f"{f.status}-{f.error}")
def test_transient_failures_are_never_evidence(f: Fetch) -> None:
    state = live()
    for t in range(1, 8):
        j = check(state, f, None, t * 700)
        assert j.change.kind == "unchanged" and j.change.details["transient"] is True
        assert replace(j.state, failures=0) == state and j.state.failures == 1
    if f.retry_after:
        assert j.recheck_in == f.retry_after


def test_a_server_that_keeps_answering_429_is_asked_less_and_less_often() -> None:
    """Retry-After is a floor, not a schedule: 'Retry-After: 2' for an hour is not 1,800 requests."""
    state, waits = live(), []
    for t in range(1, 7):
        j = check(state, fetch(429, error="http-status", retry_after=2), None, t * 700)
        state = j.state
        waits.append(j.recheck_in)
    assert waits == [2, 30, 60, 120, 240, 480] and state.failures == 6
    assert ArticleState.from_dict(state.to_dict()) == state  # the count survives a restart
    j = check(state, fetch(), doc(), 9000)
    assert j.change.kind == "unchanged" and j.state.failures == 0  # answered: start over
    j = check(j.state, fetch(429, error="http-status", retry_after=2), None, 9100)
    assert j.recheck_in == 2


def test_a_pending_suspicion_waits_the_confirmation_gap_between_failed_tries() -> None:
    j = check(live(), fetch(404), None, 10)
    j = check(j.state, fetch(503, error="http-status"), None, 20)
    assert j.recheck_in == FAST.confirm_min_gap
    j = check(j.state, fetch(503, error="http-status", retry_after=5000), None, 30)
    assert j.recheck_in == 5000 and j.state.pending is not None


def test_transient_failure_neither_clears_nor_advances() -> None:
    j = check(live(), fetch(404), None, 10)
    j = check(j.state, fetch(503), None, 20)
    assert (
        j.change.kind == "unchanged" and j.state.pending is not None and j.state.pending.count == 1
    )
    assert check(j.state, fetch(404), None, 30).change.kind == "deleted"


def test_flapping_never_confirms() -> None:
    state = live()
    for t in range(0, 40, 2):
        j = check(state, fetch(404), None, t * 100)
        j = check(j.state, fetch(), doc(), t * 100 + 100)
        assert j.change.kind == "unchanged"
        state = j.state
    assert state.status == "live"


def test_not_modified_is_no_news() -> None:
    j = check(live(), fetch(404), None, 10)
    j = check(j.state, fetch(304, not_modified=True), None, 20)
    assert j.change.kind == "unchanged" and j.state.pending is not None


def test_outage_pauses_judgement() -> None:
    outage = replace(CTX, in_outage=True)
    state = live()
    for t in (10, 20, 30):
        j = check(state, fetch(404), None, t, outage)
        assert j.change.kind == "unchanged" and j.change.details["paused"] and j.state == state
    j = check(state, fetch(), doc(BODY + " Edited."), 40, outage)
    assert j.change.kind == "unchanged" and j.state == state
    after = check(state, fetch(404), None, 50)
    assert after.change.kind == "suspect" and after.change.details["count"] == 1


def test_first_sighting_can_be_gone_too() -> None:
    j = check(ArticleState(URL), fetch(404), None, 0)
    j = check(j.state, fetch(404), None, 5)
    assert j.change.kind == "deleted" and j.change.details["title"] == ""


# ---------------------------------------------------------------- moves and restorations


def test_permanent_redirect_to_the_same_story_is_a_move_at_once() -> None:
    f = fetch(200, NEW_URL, redirects=((301, URL, NEW_URL),))
    j = check(live(), f, doc(canonical_url=NEW_URL, url=NEW_URL), 60)
    assert (j.change.kind, j.change.new_url) == ("moved", NEW_URL)
    assert j.change.details["via"] == "redirect-permanent" and j.change.details["edit"] is None
    assert j.state.status == "moved"
    again = check(j.state, f, doc(canonical_url=NEW_URL, url=NEW_URL), 120)
    assert again.change.kind == "unchanged" and again.state.status == "moved"
    gone = check(again.state, fetch(404), None, 180)
    assert gone.change.kind == "unchanged" and gone.state.status == "moved"


def test_move_with_an_edit_carries_the_edit() -> None:
    f = fetch(200, NEW_URL, redirects=((308, URL, NEW_URL),))
    j = check(live(), f, doc(BODY.replace("Monday", "Tuesday"), canonical_url=NEW_URL), 60)
    assert j.change.kind == "moved" and j.change.details["edit"]["fields"] == ["body"]


def test_temporary_redirect_move_needs_confirmation() -> None:
    f = fetch(200, NEW_URL, redirects=((302, URL, NEW_URL),))
    j = check(live(), f, doc(canonical_url=NEW_URL), 60)
    assert j.change.kind == "suspect" and j.change.details["suspected"] == "moved"
    assert check(j.state, f, doc(canonical_url=NEW_URL), 62).change.kind == "moved"


def test_redirect_home_is_a_deletion_not_a_move() -> None:
    f = fetch(200, "http://www.daily.example", redirects=((301, URL, HOME),))
    j = check(live(), f, doc("Front page", page_type="listing"), 60)
    assert (j.change.kind, j.change.how) == ("suspect", "redirect-home")


def test_canonical_change_is_a_confirmed_move() -> None:
    moved_doc = doc(canonical_url=NEW_URL)
    j = check(live(), fetch(), moved_doc, 60)
    assert j.change.kind == "suspect" and j.change.new_url == NEW_URL
    j = check(j.state, fetch(), moved_doc, 62)
    assert (j.change.kind, j.change.new_url, j.change.details["via"]) == (
        "moved",
        NEW_URL,
        "canonical",
    )
    assert check(j.state, fetch(), moved_doc, 64).change.kind == "unchanged"


def test_short_link_resolving_on_first_sight_is_not_a_move() -> None:
    short = "https://daily.example/?p=123"
    state = ArticleState(short)
    f = replace(fetch(200, URL, redirects=((301, short, URL),)), url=short)
    j = check(state, f, doc(), 0)
    assert j.change.kind == "new" and j.state.served_url == URL
    assert check(j.state, f, doc(), 60).change.kind == "unchanged"


def deleted() -> ArticleState:
    j = check(check(live(), fetch(404), None, 10).state, fetch(404), None, 20)
    assert j.state.status == "deleted"
    return j.state


def test_restoration_is_confirmed_and_carries_the_edit() -> None:
    j = check(deleted(), fetch(), doc(BODY.replace("a tenth", "a fifth")), 30)
    assert j.change.kind == "suspect" and j.change.details["suspected"] == "restored"
    j = check(j.state, fetch(), doc(BODY.replace("a tenth", "a fifth")), 40)
    assert j.change.kind == "restored" and j.state.status == "live"
    assert j.change.details["was"] == "deleted" and j.change.details["how"] == "http-404"
    assert j.change.details["edit"]["words_added"] == 1


def test_stale_cache_flash_is_no_restoration() -> None:
    j = check(deleted(), fetch(), doc(), 30)
    j = check(j.state, fetch(404), None, 40)
    assert j.change.kind == "unchanged" and j.state.status == "deleted" and j.state.pending is None


# ---------------------------------------------------------------- random timelines

noise = st.sampled_from(
    [BODY, BODY.replace(" ", "  "), BODY + "\n\n", " " + BODY.replace("\n\n", "\n\n\n")]
)
transient_step = st.one_of(
    st.sampled_from(TRANSIENT).map(lambda f: (f, None)),
    st.just((fetch(304, not_modified=True), None)),
    noise.map(lambda text: (fetch(), doc(text))),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(transient_step, st.floats(1, 3600)), max_size=25), st.booleans())
def test_transient_timelines_never_alarm(steps, outage: bool) -> None:
    state, t = live(), 0.0
    for (f, d), gap in steps:
        t += gap
        j = judge(state, f, d, replace(CTX, in_outage=outage), at(t), fetch_id=t, policy=FAST)
        assert j.change.kind == "unchanged"
        state = j.state
    assert state.status == "live" and state.pending is None


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["404", "ok", "503"]), st.floats(0, 1200)), max_size=25))
def test_deletion_only_after_two_spread_404s_without_good_fetch_between(steps) -> None:
    policy = Policy(confirm_min_gap=600)
    state, t, history = live(), 0.0, []
    for what, gap in steps:
        t += gap
        f, d = {"404": (fetch(404), None), "ok": (fetch(), doc()), "503": (fetch(503), None)}[what]
        j = judge(state, f, d, CTX, at(t), fetch_id=len(history), policy=policy)
        history.append((what, t))
        if j.change.kind == "deleted":
            since_good = [h for h in reversed(history) if h[0] != "503"]
            since_good = since_good[
                : next((i for i, h in enumerate(since_good) if h[0] == "ok"), len(since_good))
            ]
            assert since_good[0][1] - since_good[-1][1] >= 600
        assert j.change.kind in ("unchanged", "suspect", "deleted", "restored")
        state = j.state


# ---------------------------------------------------------------- unlisting

PUB = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)


def feed(still: bool, oldest: datetime, newest: datetime, entries: int = 20) -> ListingPresence:
    return ListingPresence("https://daily.example/rss", still, entries, True, newest, oldest)


def test_unlisted_when_older_and_newer_entries_remain() -> None:
    presences = [feed(False, PUB - timedelta(days=1), PUB + timedelta(hours=5))]
    j = judge_unlisting(live(), presences, CTX, at(60), evidence_id="l1", policy=FAST)
    assert j.change.kind == "suspect" and j.state.pending_unlisting is not None
    j = judge_unlisting(j.state, presences, CTX, at(62), evidence_id="l2", policy=FAST)
    assert j.change.kind == "unlisted" and j.state.status == "unlisted"
    assert j.change.details["listings"] == ["https://daily.example/rss"]
    edited = check(j.state, fetch(), doc(BODY + " More."), 70)
    assert edited.change.kind == "edited" and edited.state.status == "unlisted"
    relisted = judge_unlisting(edited.state, [feed(True, PUB, PUB)], CTX, at(80), policy=FAST)
    assert relisted.change.kind == "restored" and relisted.state.status == "live"


def test_rolling_off_the_end_is_not_unlisting() -> None:
    rolled = [feed(False, PUB + timedelta(hours=1), PUB + timedelta(hours=9))]
    for t in (60, 62, 64):
        assert judge_unlisting(live(), rolled, CTX, at(t), policy=FAST).change.kind == "unchanged"
    news_sitemap = ListingPresence(
        "https://daily.example/news-sitemap.xml", False, 300, True, older_still_listed=False
    )
    assert (
        judge_unlisting(live(), [news_sitemap], CTX, at(60), policy=FAST).change.kind == "unchanged"
    )


def test_full_sitemap_or_position_evidence_suffices() -> None:
    full = ListingPresence("https://daily.example/sitemap.xml", False, 5000, windowed=False)
    listing = ListingPresence(SECTION, False, 30, True, older_still_listed=True)
    for presence in (full, listing):
        j = judge_unlisting(live(), [presence], CTX, at(60), policy=Policy(confirm_checks=1))
        assert j.change.kind == "unlisted"


def test_listing_page_needs_an_older_entry_below_and_a_newer_one() -> None:
    """Listing pages carry older_still_listed from their dates below the article's place; a pinned
    old story above it (which makes the date extent straddle) proves nothing on its own."""
    pinned_only = ListingPresence(
        SECTION, False, 20, True, PUB + timedelta(hours=9), PUB - timedelta(days=9), False
    )
    assert not pinned_only.straddles(PUB)
    below = replace(pinned_only, older_still_listed=True)
    assert below.straddles(PUB)
    nothing_newer = replace(below, newest_listed=PUB - timedelta(hours=1))
    assert not nothing_newer.straddles(PUB)
    assert replace(below, newest_listed=None).straddles(PUB)  # an undated feed: order alone


def test_unlisting_waits_for_listings_read_after_the_article_was_served() -> None:
    """A listing last read before the check that found the article served (it may have been deleted
    and restored meanwhile) cannot confirm the unlisting; once re-read without it, it can."""
    once = Policy(confirm_checks=1)

    def gone(polled: int) -> list[ListingPresence]:
        return [
            ListingPresence(
                "https://daily.example/sitemap.xml", False, 900, False, polled_at=at(polled)
            )
        ]

    j = judge_unlisting(live(), gone(60), CTX, at(60), policy=once, require_served=True)
    assert j.change.kind == "suspect"
    served = check(j.state, fetch(), doc(BODY), 70).state
    assert served.pending_unlisting is not None and served.pending_unlisting.served_at == at(70)
    restored_from_dict = ArticleState.from_dict(served.to_dict())
    assert restored_from_dict.pending_unlisting == served.pending_unlisting
    stale = judge_unlisting(served, gone(65), CTX, at(72), policy=once, require_served=True)
    assert stale.change.kind == "suspect"
    fresh = judge_unlisting(served, gone(71), CTX, at(72), policy=once, require_served=True)
    assert fresh.change.kind == "unlisted"


def test_no_unlisting_while_listed_anywhere_or_without_evidence() -> None:
    gone = feed(False, PUB - timedelta(days=1), PUB + timedelta(hours=5))
    assert (
        judge_unlisting(
            live(), [gone, replace(gone, listing_url=SECTION, still_listed=True)], CTX, at(60)
        ).change.kind
        == "unchanged"
    )
    assert (
        judge_unlisting(live(), [replace(gone, entries=0)], CTX, at(60)).change.kind == "unchanged"
    )
    assert judge_unlisting(deleted(), [gone], CTX, at(60)).change.kind == "unchanged"
    paused = judge_unlisting(
        live(), [gone], replace(CTX, in_outage=True), at(60), policy=Policy(confirm_checks=1)
    )
    assert paused.change.kind == "unchanged" and paused.change.details["paused"]


def test_unlisted_article_can_still_be_deleted() -> None:
    full = ListingPresence("https://daily.example/sitemap.xml", False, 5000, windowed=False)
    state = judge_unlisting(live(), [full], CTX, at(60), policy=Policy(confirm_checks=1)).state
    j = check(check(state, fetch(410), None, 70).state, fetch(410), None, 80)
    assert j.change.kind == "deleted" and j.state.status == "deleted"


def test_heavy_rewrite_with_new_canonical_is_an_edit_not_a_move() -> None:
    rewritten = doc(
        "An entirely different story about the weather and the harvest.", canonical_url=NEW_URL
    )
    assert check(live(), fetch(), rewritten, 60).change.kind == "edited"


def test_permanent_redirect_to_a_different_story_waits_for_confirmation() -> None:
    f = fetch(200, NEW_URL, redirects=((301, URL, NEW_URL),))
    other = doc(
        "A different article about the weather and the harvest this year.", canonical_url=NEW_URL
    )
    j = check(live(), f, other, 60)
    assert j.change.kind == "suspect" and j.change.details["suspected"] == "moved"
    j = check(j.state, f, other, 62)
    assert j.change.kind == "moved" and j.change.details["similarity"] < 0.7
