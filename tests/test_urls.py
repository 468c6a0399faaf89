"""URL identity and shape (memoryhole.urls)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.provisional import urls as url_strategy

from memoryhole.urls import canonicalize, is_homepage, looks_like_article_url, same_site, url_kind


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "HTTP://WWW.Example.COM:80/a?utm_source=x&b=2&a=1#frag",
            "http://www.example.com/a?a=1&b=2",
        ),
        ("https://x.com", "https://x.com/"),
        ("https://x.com:443/p/../q/./r", "https://x.com/q/r"),
        ("  https://X.com./p?id=5  ", "https://x.com/p?id=5"),
        (
            "https://x.com/a?fbclid=1&gclid=2&yclid=3&ref=tw&utm_medium=m&mc_cid=z",
            "https://x.com/a",
        ),
        # meaningful parameters survive (courlan's prefix matching would drop "game", "keywords")
        (
            "https://x.com/s?game=3&keywords=a+b&page=2",
            "https://x.com/s?game=3&keywords=a+b&page=2",
        ),
        ("https://x.com/caf\u00e9", "https://x.com/caf%C3%A9"),
        ("mailto:someone@example.com", "mailto:someone@example.com"),
        ("not a url", "not a url"),
    ],
)
def test_canonicalize_examples(raw: str, expected: str) -> None:
    assert canonicalize(raw) == expected


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), url_strategy()))
def test_canonicalize_idempotent_and_total(raw: str) -> None:
    once = canonicalize(raw)
    assert isinstance(once, str)
    assert canonicalize(once) == once


@settings(max_examples=200, deadline=None)
@given(url_strategy(), st.sampled_from(["utm_source=a", "fbclid=b", "gclid=c", "utm_campaign=d"]))
def test_tracking_parameters_never_change_identity(url: str, tracker: str) -> None:
    base = url.split("#")[0]
    joined = f"{base}{'&' if '?' in base else '?'}{tracker}"
    assert canonicalize(joined) == canonicalize(base)


def test_same_site() -> None:
    assert same_site("https://edition.cnn.com/x", "http://www.cnn.com/")
    assert same_site("http://127.0.0.1:8000/a", "http://127.0.0.1:8000/")
    assert not same_site("https://a.com/", "https://b.com/")
    assert not same_site("garbage", "garbage")


def test_is_homepage() -> None:
    assert is_homepage("https://www.x.com/index.html?utm_source=1", "https://x.com")
    assert is_homepage("https://x.com/en", "https://x.com/en/")
    assert not is_homepage("https://x.com/a", "https://x.com/")
    assert not is_homepage("https://x.com/?page=2", "https://x.com/")


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://x.com/", "home"),
        ("https://x.com/2024/05/12/some-story", "article"),
        ("https://x.com/2024/05/12/", "listing"),
        ("https://x.com/news/world-europe-68123456", "article"),
        ("https://x.com/politics/minister-resigns-after-scandal", "article"),
        ("https://x.com/people/real-life/horror-fund-62276.html", "article"),
        ("https://x.com/news_view.html?idx=8576&page=1", "article"),
        ("https://x.com/?p=123", "article"),
        ("https://x.com/politics", "listing"),
        ("https://x.com/world/europe", "listing"),
        ("https://x.com/tag/a-very-long-tag-name-here", "listing"),
        ("https://x.com/author/jane-doe", "listing"),
        ("https://x.com/category/politics/page/3", "listing"),
        ("https://x.com/search?q=x", "listing"),
        ("https://x.com/?s=x", "listing"),
        ("https://x.com/about", "static"),
        ("https://x.com/kontakt/impressum", "static"),
        ("https://x.com/feed/", "file"),
        ("https://x.com/sitemap.xml", "file"),
        ("https://x.com/static/app.js", "file"),
        ("https://x.com/a/b/c/d", None),
    ],
)
def test_url_kind(url: str, kind: str | None) -> None:
    assert url_kind(url) == kind


def test_looks_like_article_url() -> None:
    assert looks_like_article_url("https://x.com/2024/05/12/some-story") is True
    assert looks_like_article_url("https://x.com/tag/x") is False
    assert looks_like_article_url("https://x.com/") is False
    assert looks_like_article_url("https://x.com/a/b/c/d") is None


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_url_kind_total(raw: str) -> None:
    assert url_kind(raw) in (None, "home", "article", "listing", "static", "file")
    assert looks_like_article_url(raw) in (None, True, False)
    assert isinstance(same_site(raw, raw), bool)
    assert isinstance(is_homepage(raw, "https://x.com/"), bool)
