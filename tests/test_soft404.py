"""Not-found and removed-material notices in seven languages; the learned not-found profile."""

from __future__ import annotations

import asyncio
import json
import random
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from memoryhole.models import Document, Fetch
from memoryhole.pipeline import probe_outlet
from memoryhole.soft404 import (
    NOT_FOUND_PHRASES,
    REMOVED_PHRASES,
    Profile,
    not_found_phrases,
    random_probe_path,
    removed_notice,
)

NOT_FOUND = {
    "en": "Oops! Page not found. Go back to the home page.",
    "ru": "Ошибка. Страница не найдена. Вернуться на главную.",
    "az": "Səhifə tapılmadı. Ana səhifəyə qayıdın.",
    "hy": "Ներողություն, էջը չի գտնվել։",
    "ka": "სამწუხაროდ, გვერდი ვერ მოიძებნა.",
    "tr": "Üzgünüz, aradığınız sayfa bulunamadı.",
    "uk": "На жаль, сторінку не знайдено.",
}
REMOVED = {
    "en": "This material has been removed.",
    "ru": "Материал удалён по требованию.",
    "az": "Bu material silinibdir.",
    "hy": "Նյութը հեռացված է։",
    "ka": "მასალა წაშლილია.",
    "tr": "Bu içerik kaldırılmıştır.",
    "uk": "Цей матеріал видалено.",
}

LONG_ARTICLE = " ".join(["The ministry spoke to reporters about the budget."] * 20)


@pytest.mark.parametrize("lang", sorted(NOT_FOUND))
def test_not_found_phrase_each_language(lang: str) -> None:
    assert lang in NOT_FOUND_PHRASES
    assert not_found_phrases(NOT_FOUND[lang])
    assert not removed_notice(NOT_FOUND[lang])


@pytest.mark.parametrize("lang", sorted(REMOVED))
def test_removed_notice_each_language(lang: str) -> None:
    assert lang in REMOVED_PHRASES
    assert removed_notice(REMOVED[lang])
    assert not not_found_phrases(REMOVED[lang])


@pytest.mark.parametrize(
    "text", ["SAYFA BULUNAMADI", "SƏHİFƏ TAPILMADI", "МАТЕРИАЛ УДАЛЕН", "Страница Не Найдена"]
)
def test_phrases_ignore_case_and_letter_variants(text: str) -> None:
    assert not_found_phrases(text) or removed_notice(text)


def test_article_about_a_removal_is_not_a_notice() -> None:
    text = (
        "Roskomnadzor demanded it and the editors said: this material has been removed. "
        + LONG_ARTICLE
    )
    assert not removed_notice(text)
    title = "Материал удален по требованию: что произошло"
    assert not removed_notice(LONG_ARTICLE, title=title)
    assert not not_found_phrases(LONG_ARTICLE + " page not found", title="Page not found")


def test_short_title_over_short_body_counts() -> None:
    assert not_found_phrases(
        "Try the search box or the latest news.", title="Sayfa bulunamadı | Gazete"
    )
    assert removed_notice("", title="Материал удален")


def test_plain_prose_is_no_notice() -> None:
    assert not not_found_phrases("The mayor opened a bridge.")
    assert not removed_notice("The mayor opened a bridge.")


NOT_FOUND_HTML = """<html><head><title>Page not found | Daily</title><script>var x = 1;</script></head>
<body><h1>Sorry</h1><p>The page you requested at {path} could not be found on our site.
Please use the search form or browse our sections: politics, economy, culture, sport.</p></body></html>"""


def _doc(title: str, text: str, page_type: str = "article") -> Document:
    return Document(
        url="https://daily.example/x", canonical_url=None, title=title, byline="", published=None,
        updated=None, language="en", text=text, page_type=page_type,
    )  # fmt: skip


def test_profile_matches_other_not_found_pages_not_articles() -> None:
    profile = Profile.learn(200, "https://daily.example/abc", NOT_FOUND_HTML.format(path="/abc"))
    assert profile.soft and profile.title == "Page not found | Daily"
    assert "var x" not in json.dumps(profile.to_dict())
    other_miss = NOT_FOUND_HTML.format(path="/2024/05/some-deleted-story")
    assert profile.is_match(other_miss)
    assert profile.matches(other_miss) > 0.6
    article = _doc("Budget passes", LONG_ARTICLE)
    assert profile.matches(article) < 0.3
    # A shared title alone is not enough: sites with one title for every page exist.
    assert not profile.is_match(_doc("Page not found | Daily", LONG_ARTICLE))


def test_profile_learns_redirect_target() -> None:
    profile = Profile.learn(
        200,
        "https://daily.example/404/",
        "<html><title>x</title></html>",
        probe_url="https://daily.example/zzz",
    )
    assert profile.redirect_path == "/404"
    assert (
        profile.matches(_doc("anything", LONG_ARTICLE), final_url="https://daily.example/404")
        == 1.0
    )


def test_profile_from_document_and_json_round_trip() -> None:
    profile = Profile.learn(
        404, "https://daily.example/q", _doc("Not here", "Nothing to see on this page at all")
    )
    assert not profile.soft
    again = Profile.from_dict(json.loads(json.dumps(profile.to_dict())))
    assert again == profile
    assert again.matches(_doc("Not here", "Nothing to see on this page at all")) == pytest.approx(
        1.0
    )


def test_empty_pages_compare_by_title_only() -> None:
    profile = Profile.learn(200, "https://daily.example/q", _doc("Error", ""))
    assert profile.matches(_doc("Error", "")) == 1.0
    assert profile.matches(_doc("An article title", "")) == 0.0


def test_probe_learns_an_empty_not_found_page() -> None:
    # A bare 404 with no body is common; probe_outlet used to pass None to learn() and crash.
    fetch = Fetch(
        url="https://daily.example/zzz", started_at=datetime.now(UTC), elapsed=0.1,
        final_url="https://daily.example/zzz", status=404, body=b"",
    )  # fmt: skip
    updates: dict = {}

    async def fetch_url(url: str, *, expect: str) -> Fetch:
        return fetch

    store = SimpleNamespace(
        record_fetch=lambda *a, **kw: 1, update_outlet=lambda oid, **kw: updates.update(kw)
    )
    ctx = SimpleNamespace(
        fetcher=SimpleNamespace(fetch=fetch_url),
        store=store,
        save=lambda f: None,
        settings=SimpleNamespace(probe_interval=600.0),
        outlet_cache={},
    )
    outlet = {"id": 1, "homepage": "https://daily.example/"}
    asyncio.run(probe_outlet(ctx, outlet, datetime.now(UTC)))
    learned = Profile.from_dict(updates["not_found"])
    assert (learned.status, learned.title, learned.length) == (404, "", 0)


@given(
    st.integers(min_value=0, max_value=2**32),
    st.sampled_from([None, "/news/2024/some-story.html", "/a/12345", "/politics/story/", "/"]),
)
def test_random_probe_path_shape(seed: int, like: str | None) -> None:
    path = random_probe_path(random.Random(seed), like)
    assert path.startswith("/") and path != like
    assert random_probe_path(random.Random(seed), like) == path  # rng is the only source of chance
    if like == "/news/2024/some-story.html":
        assert path.startswith("/news/2024/") and path.endswith(".html")
    if like == "/a/12345":
        assert path.startswith("/a/") and path[3:].isdigit()
    if like == "/politics/story/":
        assert path.startswith("/politics/") and path.endswith("/")
