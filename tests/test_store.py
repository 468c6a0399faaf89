"""The store on SQLite and PostgreSQL: outlets, listings, versions, events, search."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from memoryhole.models import Document, Fetch
from memoryhole.store import CheckOutcome, NewEvent, Store, StoreError

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def _fetch(url: str, body: bytes = b"<html>x</html>", status: int = 200) -> Fetch:
    return Fetch(url=url, started_at=NOW, elapsed=0.1, final_url=url, status=status, body=body)


def _doc(url: str, text: str, title: str = "Corridor talks") -> Document:
    return Document(
        url=url,
        canonical_url=url,
        title=title,
        byline="A. Writer",
        published="2026-11-28",
        updated=None,
        language="en",
        text=text,
        page_type="article",
    )


@pytest.fixture
def store(db_url: str):
    s = Store(db_url)
    yield s
    s.close()


def test_opening_twice_is_a_no_op_migration(db_url: str) -> None:
    Store(db_url).close()
    s = Store(db_url)
    assert s.counts()["outlets"] == 0
    s.close()


def test_outlet_names_are_unique_with_a_clear_error(store: Store) -> None:
    store.add_outlet("daily", "http://127.0.0.1:1/", 60, NOW)
    with pytest.raises(StoreError, match="already exists"):
        store.add_outlet("daily", "http://127.0.0.1:2/", 60, NOW)


def test_listing_memberships_track_what_is_listed(store: Store) -> None:
    oid = store.add_outlet("daily", "http://127.0.0.1:1/", 60, NOW)
    sid = store.add_source(oid, "feed", "http://127.0.0.1:1/feed", NOW)
    assert store.add_source(oid, "feed", "http://127.0.0.1:1/feed", NOW) is None
    a, b = "http://127.0.0.1:1/a.html", "http://127.0.0.1:1/b.html"
    new = store.record_listing(oid, sid, [(a, a + "?utm_source=rss", NOW), (b, b, NOW)], NOW)
    assert len(new) == 2
    # the tracking URL is remembered as another URL of the same article
    assert store.article(a + "?utm_source=rss")["url"] == a
    later = NOW + timedelta(minutes=5)
    left: list[int] = []
    assert store.record_listing(oid, sid, [(a, a, NOW)], later, left) == []
    listed = {store.article(m)["id"]: m for m in (a, b)}
    flags = {url: store.memberships(aid)[0]["listed"] for aid, url in listed.items()}
    assert flags == {a: True, b: False}
    b_id = store.article(b)["id"]
    assert left == [b_id]  # what left the source in that poll
    store.record_listing(oid, sid, [(a, a, NOW)], later + timedelta(minutes=5), left := [])
    assert left == []  # ... and only in that poll
    assert [r["url"] for r in store.unlisting_candidates(oid)] == [b]
    # limited to given ids, or to articles last listed lately
    assert store.unlisting_candidates(oid, ids=[]) == []
    assert [r["id"] for r in store.unlisting_candidates(oid, ids=[b_id])] == [b_id]
    assert [r["url"] for r in store.unlisting_candidates(oid, left_since=NOW)] == [b]
    assert store.unlisting_candidates(oid, left_since=later) == []
    assert store.due_articles(later, 10)[0]["url"] in (a, b)


def test_versions_are_saved_only_when_content_differs(store: Store) -> None:
    oid = store.add_outlet("daily", "http://127.0.0.1:1/", 60, NOW)
    sid = store.add_source(oid, "feed", "http://127.0.0.1:1/feed", NOW)
    url = "http://127.0.0.1:1/a.html"
    (aid,) = store.record_listing(oid, sid, [(url, url, None)], NOW)
    d1 = _doc(url, "The minister said “our companies will build it”.")

    def check(doc: Document, events=()) -> int | None:
        outcome = CheckOutcome(doc, {"last_checked": NOW}, events)
        return store.record_check(aid, oid, _fetch(url), None, lambda _fetch_id: outcome)[1]

    n1 = check(d1, [NewEvent("new", oid, aid, NOW, summary="x", version_is_new=True)])
    n2 = check(d1)
    d2 = _doc(url, "The minister spoke.")
    n3 = check(d2, [NewEvent("edited", oid, aid, NOW, version_is_new=True)])
    assert (n1, n2, n3) == (1, None, 2)
    assert [v["number"] for v in store.versions(aid)] == [1, 2]
    ev = store.events(kind="edited")[0]
    assert (ev["version"], ev["previous_version"], ev["source"]) == (2, 1, "daily")
    assert len(ev["fetch_ids"]) == 1
    assert store.articles()[0]["versions"] == 2
    # search reaches old versions too (the removed quotation is in version 1 only)
    hits = store.search("companies")
    assert [h["version"] for h in hits] == [1]
    assert "companies" in hits[0]["snippet"]
    assert store.search('"; DROP TABLE versions; --') == []


def test_revisit_target_finds_first_full_record(store: Store) -> None:
    from memoryhole.models import WarcLocation

    f = _fetch("http://127.0.0.1:1/a.html")
    loc = WarcLocation("x.warc.gz", 0, 100, "sha1:ABC", "<urn:uuid:1>")
    store.record_fetch(f, loc, "article")
    store.record_fetch(
        f, WarcLocation("x.warc.gz", 100, 50, "sha1:ABC", "<urn:uuid:2>", revisit=True), "article"
    )
    assert store.revisit_target("sha1:ABC") == ("http://127.0.0.1:1/a.html", NOW, "<urn:uuid:1>")
    assert store.revisit_target("sha1:NOPE") is None


def test_naive_datetimes_are_refused(store: Store) -> None:
    with pytest.raises(Exception, match="naive"):
        store.add_outlet("x", "http://127.0.0.1:1/", 60, datetime(2026, 1, 1))


def test_bad_database_url_is_one_clear_error(tmp_path) -> None:
    with pytest.raises(StoreError):
        Store("nosuchdb://whatever")


def test_unlisting_is_told_from_rolling_off_by_position(store: Store) -> None:
    """Newest first: removing an entry from the middle leaves older ones below it; rolling off does not.
    An old story pinned above proves nothing."""
    oid = store.add_outlet("daily", "http://127.0.0.1:1/", 60, NOW)
    sid = store.add_source(oid, "listing", "http://127.0.0.1:1/", NOW)
    pinned, a, b, c = (f"http://127.0.0.1:1/{n}.html" for n in ("pinned", "a", "b", "c"))
    store.record_listing(oid, sid, [(u, u, None) for u in (pinned, a, b, c)], NOW)
    ids = {u: store.article(u)["id"] for u in (pinned, a, b, c)}
    # b disappears from the middle: c (older, below it) is still listed
    t1 = NOW + timedelta(minutes=5)
    store.record_listing(oid, sid, [(u, u, None) for u in (pinned, a, c)], t1)
    assert store.older_still_listed(sid, ids[b]) is True
    # c rolls off the end as a new story arrives on top: nothing older than c remains below it
    new = "http://127.0.0.1:1/new.html"
    t2 = NOW + timedelta(minutes=10)
    store.record_listing(oid, sid, [(u, u, None) for u in (pinned, new, a)], t2)
    assert store.older_still_listed(sid, ids[c]) is False


def test_migration_0007_folds_stored_russian_speaker_keys(tmp_path) -> None:
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    from memoryhole.quotes import speaker_key
    from memoryhole.store.db import MIGRATIONS

    store = Store(f"sqlite:///{tmp_path / 'm.db'}")
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0006")
    with store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")  # quotations alone, no versions
        conn.execute(
            text(
                "INSERT INTO quotations (id, version_id, article_id, kind, speaker, speaker_norm,"
                " speaker_key, start_offset, end_offset, text, statement) VALUES"
                " (1, 1, 1, 'reported', 'Сотрудники полиции', 'Сотрудники полиции',"
                "  'полиции сотрудники', 0, 5, 'слова', 'a'),"
                " (2, 1, 1, 'direct', 'Сергея Лаврова', 'Сергей Лавров', 'лавров сергеи', 0, 5,"
                "  'слова', 'b'),"
                " (3, 1, 1, 'direct', 'Mary Smith', 'Mary Smith', 'mary smith', 0, 5, 'w', 'c')"
            )
        )
        conn.commit()
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    with store.engine.connect() as conn:
        keys = dict(conn.execute(text("SELECT id, speaker_key FROM quotations")).all())
    assert keys == {1: "полиция сотрудник", 2: "лавров сергеи", 3: "mary smith"}
    assert keys[1] == speaker_key("сотрудников полиции")  # any case: one key, as new rows get
    store.close()
