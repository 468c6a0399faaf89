"""The web UI and JSON API against a real data directory: the simulated newsroom monitored by the real
CLI (once per session), then read through FastAPI's TestClient. Writes use fresh, empty data directories.

`site()` is shared with tests/test_browser.py and tests/test_web_schema.py (built once per process).
"""

from __future__ import annotations

import json
import threading
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from memoryhole.app import Paths, load_settings
from memoryhole.archive import Archive
from memoryhole.cli import State, main
from memoryhole.models import Exchange, Fetch, utcnow
from memoryhole.simulate import Newsroom, serve
from memoryhole.store import Store
from memoryhole.store.users import Users
from memoryhole.web import create_app
from memoryhole.web.commands import user_command
from memoryhole.web.diffhtml import highlight_snippet, quote_mask
from memoryhole.web.queries import SearchFilters, search

FAST = ["--recheck", "1s", "--poll", "1s", "--confirm-gap", "2s", "--allow-private"]
PASSWORD = "correct horse battery"


# ---- the shared site --------------------------------------------------------------------------------
class Beacon:
    """A 127.0.0.1 server that records every request: an archived script that runs would call it."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        self.page = b""
        beacon = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the base class's name
                beacon.hits.append(self.path)
                body = beacon.page if self.path == "/page" else b"ok"
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@dataclass
class Site:
    paths: Paths
    deleted: dict[str, str]  # url → how
    edited: str
    cut_quote: str  # a quotation the edit removed (text between the marks)
    unlisted: str
    deleted_text: str  # a phrase only in a deleted article
    script_fetch: int  # fetch id of an archived page whose script must never run
    script_page: bytes
    beacon: Beacon
    outlets: list[str] = field(default_factory=list)


_SITE: Site | None = None


def site(root: Path) -> Site:
    """Monitor the simulated newsroom through the real CLI, script deletions and an edit, monitor again."""
    global _SITE
    if _SITE is not None:
        return _SITE
    data = root / "data"
    data.mkdir(parents=True)
    (data / "memoryhole.toml").write_text('extract_workers = 1\nprobe_interval = "1h"\n')
    room = Newsroom.build(seed=5, outlets=2, articles_per_outlet=6)
    base = ["--data", str(data)]
    with serve(room) as sim:
        for name, url in sim.urls.items():
            assert main([*base, "add", url, "--name", name, "--allow-private"]) == 0
        assert main([*base, "run", "--for", "5s", *FAST]) == 0
        english = [room.url_of(a) for a in room.outlets["daily-planet"].visible()]
        edited = next(u for u in english if any("“" in p for p in room.find(u).paragraphs))
        quoted = next(p for p in room.find(edited).paragraphs if "“" in p)
        cut = quoted[quoted.index("“") + 1 : quoted.index("”")]
        room.edit(edited, drop_quote=True)
        # The newest and oldest stay listed, so the listings still straddle the unlisted article.
        rest = [u for u in english[1:-1] if u != edited]
        gone = {rest[-1]: "http-404", rest[-2]: "http-410"}
        deleted_text = room.find(rest[-1]).paragraphs[-1].split(".")[0]
        for url, how in gone.items():
            room.delete(url, how)
        unlisted = room.unlist(rest[0])
        assert main([*base, "run", "--for", "8s", *FAST]) == 0
        outlets = list(sim.urls)
    paths = Paths.resolve(data, None)
    beacon = Beacon()
    fid, page = _archive_script_page(paths, beacon.url)
    beacon.page = page
    _SITE = Site(paths, gone, edited, cut, unlisted, deleted_text, fid, page, beacon, outlets)
    return _SITE


def _archive_script_page(paths: Paths, beacon: str) -> tuple[int, bytes]:
    """Archive (as the monitor would) a page whose scripts try to escape; returns its fetch id."""
    page = f"""<!doctype html><html><head><title>Archived original</title></head><body>
<p id="p">Archived body text</p>
<script>
document.title = "PWNED";
document.getElementById("p").textContent = "SCRIPT RAN";
try {{ document.cookie = "pwned=1; path=/"; }} catch (e) {{}}
try {{ parent.document.title = "PWNED-PARENT"; }} catch (e) {{}}
new Image().src = "{beacon}/img";
fetch("{beacon}/fetch").catch(function () {{}});
</script>
<img src="{beacon}/static-img" alt="">
</body></html>""".encode()
    now, url = utcnow(), "http://127.0.0.1:9/hostile-page"
    exchange = Exchange(
        url=url,
        method="GET",
        request_headers=(("User-Agent", "test"),),
        status=200,
        reason="OK",
        http_version="HTTP/1.1",
        response_headers=(("Content-Type", "text/html; charset=utf-8"),),
        raw_body=page,
        started_at=now,
    )
    fetch = Fetch(url, now, 0.01, url, 200, page, "text/html", "utf-8", (exchange,))
    store = Store(paths.db_url)
    with Archive.open(paths.warc_dir) as archive:
        loc = archive.write_fetch(fetch)
    article_id = store.articles()[0]["id"]
    fid = store.record_fetch(fetch, loc, "article", article_id=article_id)
    store.close()
    return fid, page


@pytest.fixture(scope="session")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Site:
    return site(tmp_path_factory.mktemp("web-site"))


@pytest.fixture(scope="session")
def client(shared: Site) -> TestClient:
    return TestClient(create_app(shared.paths, load_settings(shared.paths)))


def _cli_jsonl(capsys: pytest.CaptureFixture[str], paths: Paths, *args: str) -> list[dict]:
    capsys.readouterr()
    assert main(["--data", str(paths.data), *args]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]


# ---- empty data directories for writes -------------------------------------------------------------------
@dataclass
class Fresh:
    paths: Paths
    client: TestClient
    users: Users


def _fresh(tmp_path: Path, *, allow_private: bool = False, public_read: bool = True) -> Fresh:
    paths = Paths.resolve(tmp_path / "data", None)
    app = create_app(
        paths, load_settings(paths, allow_private=allow_private), public_read=public_read
    )
    users = app.state.web.users
    users.add("alice", PASSWORD)
    return Fresh(paths, TestClient(app), users)


def _csrf(client: TestClient, path: str = "/login") -> str:
    page = client.get(path).text
    marker = 'name="csrf" value="'
    assert marker in page, page[:500]
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]


def _login(client: TestClient, name: str = "alice", password: str = PASSWORD) -> Any:
    token = _csrf(client)
    return client.post(
        "/login",
        data={"name": name, "password": password, "csrf": token, "next": "/outlets"},
        follow_redirects=False,
    )


# ---- pages ------------------------------------------------------------------------------------------------
def test_overview_shows_deletions_counts_and_chart(shared: Site, client: TestClient) -> None:
    page = client.get("/").text
    titles = [
        a["title"] for a in Store(shared.paths.db_url).articles() if a["url"] in shared.deleted
    ]
    assert titles and all(t in page for t in titles)
    assert 'class="badge deleted"' in page
    assert '<rect class="deleted"' in page and '<rect class="edited"' in page  # the chart
    assert "daily-planet" in page and "vestnik" in page


def test_deleted_and_unlisted_lists_say_how(shared: Site, client: TestClient) -> None:
    page = client.get("/deleted").text
    for how in shared.deleted.values():
        assert f'<span class="how">{how}</span>' in page
    unlisted = [a for a in Store(shared.paths.db_url).articles() if a["status"] == "unlisted"]
    assert client.get("/unlisted").text.count('class="badge unlisted"') == len(unlisted)
    assert "Nothing here." in client.get("/deleted?source=vestnik").text


def test_timeline_diff_highlights_the_removed_quotation(shared: Site, client: TestClient) -> None:
    art = Store(shared.paths.db_url).article(shared.edited)
    inline = client.get(f"/articles/{art['id']}").text
    first_words = " ".join(shared.cut_quote.split()[:3])
    assert 'class="quote-removed"' in inline
    removed = inline.split('<del class="quote-removed">', 1)[1].split("</del>", 1)[0]
    assert first_words in removed.replace("&#34;", '"')
    assert "Version 2" in inline and "Version 1" in inline
    assert '<span class="badge edited">edited</span>' in inline
    side = client.get(f"/articles/{art['id']}?a=1&b=2&view=side").text
    assert '<table class="side">' in side and 'class="quote-removed"' in side


def test_timeline_shows_deletion_evidence(shared: Site, client: TestClient) -> None:
    store = Store(shared.paths.db_url)
    for url, how in shared.deleted.items():
        page = client.get(f"/articles/{store.article(url)['id']}").text
        assert f"how: {how}" in page
        assert f"HTTP {how.split('-')[1]}" in page  # the status code that is the evidence


def test_search_finds_deleted_text_with_filters(shared: Site, client: TestClient) -> None:
    q = shared.deleted_text
    hits = client.get("/api/search", params={"q": q}).json()["items"]
    deleted_urls = set(shared.deleted)
    assert any(h["url"] in deleted_urls and h["status"] == "deleted" for h in hits)
    assert all("[" in h["snippet"] for h in hits)
    only_live = client.get("/api/search", params={"q": q, "status": "live"}).json()["items"]
    assert not {h["url"] for h in only_live} & deleted_urls
    other = client.get("/api/search", params={"q": q, "source": "vestnik"}).json()["items"]
    assert all(h["source"] == "vestnik" for h in other)
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert client.get("/api/search", params={"q": q, "since": tomorrow}).json()["items"] == []
    assert client.get("/api/search", params={"q": q, "language": "ru"}).json()["items"] == []
    page = client.get("/search", params={"q": q, "status": "deleted"}).text
    assert "<mark>" in page and 'class="badge deleted"' in page


def test_snapshot_is_sandboxed_and_sets_no_cookie(shared: Site) -> None:
    fresh_client = TestClient(create_app(shared.paths, load_settings(shared.paths)))
    resp = fresh_client.get(f"/snapshots/{shared.script_fetch}/raw")
    assert resp.status_code == 200
    assert resp.content == shared.script_page
    csp = resp.headers["content-security-policy"]
    assert (
        csp.startswith("sandbox;") and "allow-scripts" not in csp and "allow-same-origin" not in csp
    )
    assert "default-src 'none'" in csp
    assert resp.headers["x-frame-options"] == "SAMEORIGIN"
    assert "set-cookie" not in resp.headers
    page = fresh_client.get(f"/snapshots/{shared.script_fetch}").text
    assert f'<iframe class="snapshot" sandbox src="/snapshots/{shared.script_fetch}/raw"' in page
    assert "<script>" not in page  # the archived page is never inlined into ours


def test_atom_feeds(shared: Site, client: TestClient) -> None:
    ns = {"a": "http://www.w3.org/2005/Atom"}
    feed = ET.fromstring(client.get("/feeds/events.atom").content)
    kinds = {c.get("term") for c in feed.iterfind("a:entry/a:category", ns)}
    assert {"deleted", "edited"} <= kinds
    one = ET.fromstring(client.get("/feeds/outlets/vestnik.atom").content)
    links = [e.get("href") for e in one.iterfind("a:entry/a:link", ns)]
    assert links and all("/articles/" in h for h in links)
    assert "deleted" not in {c.get("term") for c in one.iterfind("a:entry/a:category", ns)}
    assert client.get("/feeds/outlets/nope.atom").status_code == 404


# ---- JSON API ----------------------------------------------------------------------------------------------
def test_api_changes_are_the_cli_records_paginated(
    shared: Site, client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    cli = {e["id"]: e for e in _cli_jsonl(capsys, shared.paths, "changes", "--json")}
    seen: list[dict] = []
    url: str | None = "/api/changes?limit=7"
    while url:
        body = client.get(url).json()
        assert len(body["items"]) <= 7
        seen += body["items"]
        url = body["next"]
    assert [e["id"] for e in seen] == sorted(cli, reverse=True)  # every event once, newest first
    assert all(e == cli[e["id"]] for e in seen)  # same fields, same values as `changes --json`
    deleted = client.get("/api/changes?kind=deleted").json()["items"]
    assert {e["url"]: e["how"] for e in deleted} == shared.deleted


def test_api_articles_and_one_article(
    shared: Site, client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    cli = {a["id"]: a for a in _cli_jsonl(capsys, shared.paths, "articles", "--json")}
    body = client.get("/api/articles", params={"limit": 200}).json()
    assert body["next"] is None
    assert {a["id"]: a for a in body["items"]} == cli
    assert {a["url"] for a in client.get("/api/articles?status=deleted").json()["items"]} == set(
        shared.deleted
    )
    art = Store(shared.paths.db_url).article(shared.edited)
    one = client.get(f"/api/articles/{art['id']}").json()
    history = _cli_jsonl(capsys, shared.paths, "history", shared.edited, "--json")
    assert one["versions"] == history
    assert [e["kind"] for e in one["events"]] == ["new", "edited"]
    assert client.get("/api/articles/999999").status_code == 404
    assert client.get("/api/articles/0").status_code == 422


def test_openapi_lists_the_api(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {
        "/api/changes",
        "/api/articles",
        "/api/articles/{article_id}",
        "/api/search",
        "/api/outlets",
    } <= set(paths)
    assert {"get", "post"} <= set(paths["/api/outlets"])
    assert "/" not in paths and "/login" not in paths  # pages are not API


# ---- writes, auth and safety ---------------------------------------------------------------------------
def test_outlet_add_needs_login_csrf_and_passes_the_ssrf_guard(tmp_path: Path) -> None:
    f = _fresh(tmp_path)
    home = "http://127.0.0.1:9/"
    anon = f.client.post(
        "/outlets", data={"homepage": home, "csrf": _csrf(f.client)}, follow_redirects=False
    )
    assert anon.status_code in (303, 401) and f.client.get("/api/outlets").json()["items"] == []
    assert _login(f.client).status_code == 303
    no_token = f.client.post("/outlets", data={"homepage": home})
    assert no_token.status_code == 403
    refused = f.client.post(
        "/outlets", data={"homepage": home, "csrf": _csrf(f.client, "/outlets")}
    )
    assert refused.status_code == 400 and "loopback" in refused.text
    meta = f.client.post(
        "/outlets",
        data={"homepage": "http://169.254.169.254/", "csrf": _csrf(f.client, "/outlets")},
    )
    assert "cloud metadata" in meta.text
    assert f.client.get("/api/outlets").json()["items"] == []


def test_outlet_management_with_allow_private(tmp_path: Path) -> None:
    f = _fresh(tmp_path, allow_private=True)
    assert _login(f.client).status_code == 303
    token = _csrf(f.client, "/outlets")
    resp = f.client.post(
        "/outlets",
        data={
            "homepage": "http://127.0.0.1:9/",
            "name": "local",
            "poll": "5m",
            "csrf": token,
            "feeds": "http://127.0.0.1:9/rss.xml",
        },
        follow_redirects=False,
    )
    assert resp.status_code == 303
    (rec,) = f.client.get("/api/outlets").json()["items"]
    assert (rec["name"], rec["poll_seconds"], rec["feeds"], rec["paused"]) == (
        "local",
        300.0,
        ["http://127.0.0.1:9/rss.xml"],
        False,
    )
    f.client.post("/outlets/local/settings", data={"action": "pause", "poll": "1h", "csrf": token})
    (rec,) = f.client.get("/api/outlets").json()["items"]
    assert (rec["paused"], rec["poll_seconds"]) == (True, 3600.0)
    dup = f.client.post(
        "/outlets", data={"homepage": "http://127.0.0.1:9/", "name": "local", "csrf": token}
    )
    assert dup.status_code == 400 and "already exists" in dup.text


def test_api_writes_need_a_token_and_tokens_are_revocable(tmp_path: Path) -> None:
    f = _fresh(tmp_path, allow_private=True)
    body = {"homepage": "http://127.0.0.1:9/", "name": "api-made", "poll_seconds": 60}
    assert f.client.post("/api/outlets", json=body).status_code == 401
    assert (
        f.client.post(
            "/api/outlets", json=body, headers={"Authorization": "Bearer nope"}
        ).status_code
        == 401
    )
    token = f.users.create_token(f.users.get("alice"), "test")
    auth = {"Authorization": f"Bearer {token}"}
    created = f.client.post("/api/outlets", json=body, headers=auth)
    assert created.status_code == 201 and created.json()["name"] == "api-made"
    patched = f.client.patch("/api/outlets/api-made", json={"paused": True}, headers=auth)
    assert patched.json()["paused"] is True
    assert (
        f.client.patch("/api/outlets/none", json={"paused": True}, headers=auth).status_code == 404
    )
    (tid,) = [t["id"] for t in f.users.tokens(f.users.get("alice").id)]
    f.users.revoke_token(f.users.get("alice").id, tid)
    assert (
        f.client.patch("/api/outlets/api-made", json={"paused": False}, headers=auth).status_code
        == 401
    )
    # a logged-in browser must send the CSRF header to write through the API
    assert _login(f.client).status_code == 303
    assert f.client.patch("/api/outlets/api-made", json={"paused": False}).status_code == 403
    ok = f.client.patch(
        "/api/outlets/api-made",
        json={"paused": False},
        headers={"X-CSRF-Token": _csrf(f.client, "/outlets")},
    )
    assert ok.status_code == 200 and ok.json()["paused"] is False


def test_login_rate_limit_logout_and_session_revocation(tmp_path: Path) -> None:
    f = _fresh(tmp_path)
    assert _login(f.client, password="wrong password").status_code == 401
    for _ in range(4):
        _login(f.client, password="wrong again")
    assert _login(f.client).status_code == 429  # blocked even with the right password
    g = _fresh(tmp_path / "second")
    assert _login(g.client).status_code == 303
    cookie = g.client.cookies.get("mh_session")
    assert cookie and g.client.get("/account").status_code == 200
    g.client.post("/logout", data={"csrf": _csrf(g.client, "/account")})
    other = TestClient(g.client.app, cookies={"mh_session": cookie})
    assert other.get("/account", follow_redirects=False).status_code == 303  # revoked server-side
    # revoking from the account page ends a session used elsewhere
    assert _login(g.client).status_code == 303
    stolen = TestClient(g.client.app, cookies={"mh_session": g.client.cookies.get("mh_session")})
    sid = g.users.sessions(g.users.get("alice").id)[0]["id"]
    g.client.post(f"/account/sessions/{sid}/revoke", data={"csrf": _csrf(g.client, "/account")})
    assert stolen.get("/account", follow_redirects=False).status_code == 303


def test_csrf_token_of_another_session_is_refused(tmp_path: Path) -> None:
    f = _fresh(tmp_path)
    mallory = TestClient(f.client.app)
    foreign = _csrf(mallory)
    assert _login(f.client).status_code == 303
    resp = f.client.post(
        "/account/users", data={"name": "eve", "password": "12345678x", "csrf": foreign}
    )
    assert resp.status_code == 403 and f.users.get("eve") is None
    resp = f.client.post(
        "/account/users",
        data={"name": "bob", "password": "12345678x", "csrf": _csrf(f.client, "/account")},
    )
    assert f.users.get("bob") is not None


def test_login_required_mode(tmp_path: Path) -> None:
    f = _fresh(tmp_path, public_read=False)
    for path in ("/", "/changes", "/search?q=x", "/articles/1"):
        resp = f.client.get(path, follow_redirects=False)
        assert resp.status_code == 303 and resp.headers["location"].startswith("/login")
    for path in ("/api/changes", "/feeds/events.atom"):
        assert f.client.get(path).status_code == 401
    assert f.client.get("/login").status_code == 200
    token = f.users.create_token(f.users.get("alice"), "reader")
    assert (
        f.client.get("/api/changes", headers={"Authorization": f"Bearer {token}"}).status_code
        == 200
    )
    assert _login(f.client).status_code == 303 and f.client.get("/").status_code == 200


def test_open_redirect_after_login_is_refused(tmp_path: Path) -> None:
    f = _fresh(tmp_path)
    resp = f.client.post(
        "/login",
        data={
            "name": "alice",
            "password": PASSWORD,
            "csrf": _csrf(f.client),
            "next": "//evil.example/",
        },
        follow_redirects=False,
    )
    assert resp.headers["location"] == "/"


def test_security_headers_everywhere(client: TestClient) -> None:
    for path in ("/", "/api/changes", "/login", "/nope"):
        h = client.get(path).headers
        assert "frame-ancestors 'none'" in h["content-security-policy"]
        assert "script-src 'self'" in h["content-security-policy"]
        assert h["x-frame-options"] == "DENY"
        assert h["x-content-type-options"] == "nosniff"
        assert h["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize(
    "path",
    [
        "/static/../app.py",
        "/static/%2e%2e/app.py",
        "/static/..%2fapp.py",
        "/static/%2e%2e%2fauth.py",
    ],
)
def test_no_path_traversal_in_static_files(client: TestClient, path: str) -> None:
    resp = client.get(path)
    assert resp.status_code == 404 and "def " not in resp.text


def test_server_errors_show_no_traceback(tmp_path: Path) -> None:
    f = _fresh(tmp_path)
    with Store(
        f.paths.db_url
    ).engine.begin() as conn:  # a broken database: the search index is gone
        conn.execute(text("DROP TABLE versions_fts"))
    client = TestClient(f.client.app, raise_server_exceptions=False)
    api = client.get("/api/search?q=anything")
    page = client.get("/search?q=anything")
    assert (api.status_code, page.status_code) == (500, 500)
    for body in (api.text, page.text):
        assert (
            "Traceback" not in body and "sqlite" not in body.lower() and "versions_fts" not in body
        )
    assert api.json() == {"detail": "internal error (logged on the server)"}


# ---- pieces -------------------------------------------------------------------------------------------------
def test_user_commands(tmp_path: Path) -> None:
    state = State(tmp_path, None)
    runner = CliRunner()
    out = runner.invoke(
        user_command, ["add", "carol", "--password-stdin"], input="longenough1\n", obj=state
    )
    assert out.exit_code == 0, out.output
    assert Users(state.store.engine).authenticate("carol", "longenough1") is not None
    short = runner.invoke(
        user_command, ["add", "dave", "--password-stdin"], input="short\n", obj=state
    )
    assert short.exit_code == 1 and "at least 8" in short.output
    token = runner.invoke(user_command, ["token", "carol"], obj=state).output.strip()
    assert Users(state.store.engine).token_user(token).name == "carol"


def test_migration_0003_downgrades_and_upgrades(tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config

    from memoryhole.store.db import MIGRATIONS

    store = Store(f"sqlite:///{tmp_path / 'm.db'}")
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))

    def tables() -> set[str]:
        with store.engine.connect() as conn:
            return {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master"))}

    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0002")
    assert not {"users", "web_sessions", "api_tokens", "ix_events_outlet_kind"} & tables()
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    assert {"users", "web_sessions", "api_tokens", "ix_events_outlet_kind"} <= tables()


@given(st.lists(st.text(min_size=1, max_size=8), max_size=12), st.text(max_size=30))
def test_quote_mask_marks_only_words_inside_quotes(ws: list[str], quote: str) -> None:
    ws = [w for w in (" ".join(ws)).split()]
    mask = quote_mask(ws, [quote])
    assert mask <= set(range(len(ws)))
    q = " ".join(quote.split())
    if mask:
        assert q and q in " ".join(ws)
    elif q and " ".join(ws).find(q) >= 0:
        raise AssertionError("a quote present in the paragraph marked no word")


@given(st.text(max_size=200))
def test_snippets_are_escaped(snippet: str) -> None:
    html = str(highlight_snippet(snippet, "\u2985", "\u2986"))
    assert "<" not in html.replace("<mark>", "").replace("</mark>", "")


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=40))
def test_search_accepts_any_words(tmp_path: Path, q: str) -> None:
    db = tmp_path / "s.db"
    store = _search_store(db)
    if q.strip():
        assert isinstance(search(store.engine, q, SearchFilters(), limit=5), list)


_STORES: dict[Path, Store] = {}


def _search_store(db: Path) -> Store:
    if db not in _STORES:
        _STORES[db] = Store(f"sqlite:///{db}")
    return _STORES[db]


def test_event_tally_stays_exact_as_events_arrive(tmp_path: Path) -> None:
    from collections import Counter

    from memoryhole.store import NewEvent
    from memoryhole.web.queries import EventTally

    store = Store(f"sqlite:///{tmp_path / 't.db'}")
    now = utcnow()
    oid = store.add_outlet("o", "http://o.example/", 60, now)
    tally, added = EventTally(), []

    def add(kind: str, ago: timedelta) -> None:
        store.append_event(NewEvent(kind, oid, None, now - ago))
        added.append((kind, now - ago))

    for i in range(5):
        add("deleted", timedelta(days=2, minutes=i))  # settled: counted once, kept
    add("edited", timedelta(minutes=1))  # recent: counted afresh on every read
    counts, _daily = tally.summary(store.engine, now)
    assert counts == {"o": {"deleted": 5, "edited": 1}}
    for i in range(3):
        add("deleted", timedelta(seconds=i))
    add("edited", timedelta(days=40))  # outside the chart's 30 days, but counted
    counts, daily = tally.summary(store.engine, now)
    assert counts == {"o": {"deleted": 8, "edited": 2}}
    first = (now - timedelta(days=29)).date()
    expected = Counter((k, at.date().isoformat()) for k, at in added if at.date() >= first)
    assert sorted(daily) == sorted(("o", k, d, n) for (k, d), n in expected.items())
