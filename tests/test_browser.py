"""The web UI in a real browser (Chromium via Playwright) against a real uvicorn server on 127.0.0.1,
over the data the real monitor recorded from the simulated newsroom (see tests/test_web.py: site()).

Needs Debian's chromium at /usr/bin/chromium (`apt-get install -y chromium`); skipped without it.
Screenshots of the main pages go to a temporary directory, printed at the end of the session.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("playwright")
from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402
from test_web import PASSWORD, Site, site  # noqa: E402

from memoryhole.app import load_settings  # noqa: E402
from memoryhole.store import Store  # noqa: E402
from memoryhole.store.users import Users  # noqa: E402
from memoryhole.web import start_in_thread  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian's chromium at /usr/bin/chromium (apt-get install -y chromium)",
)


@pytest.fixture(scope="session")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Site:
    return site(tmp_path_factory.mktemp("web-site"))


@pytest.fixture(scope="module")
def server(shared: Site) -> Iterator[str]:
    users = Users(Store(shared.paths.db_url).engine)
    if users.get("editor") is None:
        users.add("editor", PASSWORD)
    # allow_private: the outlet added in a test lives on 127.0.0.1, like the simulated newsroom
    url, stop = start_in_thread(shared.paths, load_settings(shared.paths, allow_private=True))
    yield url
    stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    where = tmp_path_factory.mktemp("screenshots")
    yield where
    print(f"\nscreenshots of the web UI: {where}")


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def _article_id(shared: Site, url: str) -> int:
    return Store(shared.paths.db_url).article(url)["id"]


def test_scripted_deletion_appears_on_the_overview(
    shared: Site, server: str, page: Page, shots: Path
) -> None:
    page.goto(server + "/")
    url = next(iter(shared.deleted))
    title = Store(shared.paths.db_url).article(url)["title"]
    row = page.locator("tr.event.kind-deleted", has_text=title)
    expect(row).to_have_count(1)
    expect(row.locator(".how")).to_have_text(shared.deleted[url])
    expect(page.locator("svg rect.deleted").first).to_be_visible()
    page.screenshot(path=str(shots / "overview.png"), full_page=True)
    page.goto(server + "/deleted")
    expect(page.locator("table.articles tbody tr")).to_have_count(len(shared.deleted))
    page.screenshot(path=str(shots / "deleted.png"), full_page=True)


def test_timeline_shows_the_edit_with_the_removed_quotation(
    shared: Site, server: str, page: Page, shots: Path
) -> None:
    page.goto(f"{server}/articles/{_article_id(shared, shared.edited)}")
    first_words = " ".join(shared.cut_quote.split()[:4])
    removed = page.locator(".inline-diff del.quote-removed")
    expect(removed.first).to_be_visible()
    expect(removed.first).to_contain_text(first_words)
    expect(page.locator(".quotes-box mark.quote-removed").first).to_contain_text(first_words)
    page.screenshot(path=str(shots / "timeline-inline.png"), full_page=True)
    page.get_by_label("side by side").check()
    page.get_by_role("button", name="Compare").click()
    expect(page.locator("table.side del.quote-removed").first).to_contain_text(first_words)
    page.screenshot(path=str(shots / "timeline-side-by-side.png"), full_page=True)


def test_search_finds_the_text_of_a_deleted_article(
    shared: Site, server: str, page: Page, shots: Path
) -> None:
    page.goto(server + "/search")
    page.get_by_label("search").fill(shared.deleted_text)
    page.get_by_role("button", name="Search").click()
    hit = page.locator("li.result", has=page.locator(".badge.deleted")).first
    expect(hit).to_be_visible()
    expect(hit.locator(".snippet mark").first).to_be_visible()
    page.screenshot(path=str(shots / "search.png"), full_page=True)


def test_logged_in_user_adds_an_outlet(server: str, page: Page, shots: Path) -> None:
    page.goto(server + "/login?next=/outlets")
    page.get_by_label("Name").fill("editor")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(server + "/outlets")
    page.get_by_label("Homepage URL").fill("http://127.0.0.1:9/")
    page.locator("form.add-outlet").get_by_label("Name").fill("browser-added")
    page.get_by_role("button", name="Add outlet").click()
    expect(page.locator("table.outlets tr", has_text="browser-added")).to_have_count(1)
    page.screenshot(path=str(shots / "outlets.png"), full_page=True)


def test_adding_an_outlet_without_login_is_refused(server: str, page: Page) -> None:
    page.goto(server + "/outlets")
    expect(page.locator("form.add-outlet")).to_have_count(0)
    api = page.request.post(
        server + "/api/outlets", data={"homepage": "http://127.0.0.1:9/x", "name": "sneaky"}
    )
    assert api.status == 401
    form = page.request.post(
        server + "/outlets",
        form={"homepage": "http://127.0.0.1:9/x", "name": "sneaky"},
        max_redirects=0,
    )
    assert form.status == 403  # no CSRF token, no session
    names = [o["name"] for o in page.request.get(server + "/api/outlets").json()["items"]]
    assert "sneaky" not in names


def test_archived_script_never_runs(
    shared: Site, server: str, browser: Browser, page: Page, shots: Path
) -> None:
    # Control, in its own browser context: served normally, the same page does run and call out.
    control = browser.new_context()
    plain = control.new_page()
    plain.goto(shared.beacon.url + "/page")
    expect(plain.locator("#p")).to_have_text("SCRIPT RAN")
    assert "PWNED" in plain.title() and any(c["name"] == "pwned" for c in control.cookies())
    _wait_for(lambda: "/fetch" in shared.beacon.hits)
    control.close()
    shared.beacon.hits.clear()

    page.goto(f"{server}/snapshots/{shared.script_fetch}")
    frame = page.frame_locator("iframe.snapshot")
    expect(frame.locator("#p")).to_have_text("Archived body text")  # the script did not rewrite it
    page.wait_for_timeout(800)  # time for any script, image or fetch to have happened
    assert page.title() == f"Snapshot {shared.script_fetch} · memoryhole"
    assert not [c for c in page.context.cookies() if c["name"] == "pwned"]
    assert shared.beacon.hits == []  # no script, image or fetch reached the network
    page.screenshot(path=str(shots / "snapshot.png"), full_page=True)

    page.goto(f"{server}/snapshots/{shared.script_fetch}/raw")  # opened directly: still sandboxed
    expect(page.locator("#p")).to_have_text("Archived body text")
    page.wait_for_timeout(300)
    assert page.title() == "Archived original" and shared.beacon.hits == []


def _wait_for(condition, timeout: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
