"""HTML, feed and sitemap text of the simulated outlets (pure rendering, no I/O).

Article pages are cached as static parts per article revision and the per-load furniture
(clock, nonce, most-read box, view counter, ad, CSRF token) is spliced in on each request, so a
server can answer hundreds of requests a second from one core.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape
from typing import TypeVar

from memoryhole.simulate.newsroom import Article, Outlet
from memoryhole.simulate.texts import slugify

T = TypeVar("T")

__all__ = [
    "Furniture",
    "article_page",
    "listing_page",
    "static_page",
    "not_found_page",
    "plain_404",
    "message_page",
    "proxy_error",
    "maintenance_page",
    "rss_feed",
    "atom_feed",
    "news_sitemap",
    "plain_sitemap",
    "sitemap_index",
    "robots_txt",
    "LABELS",
]

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "latest": "Latest news",
        "most_read": "Most read",
        "views": "{n:,} views",
        "by": "By ",
        "updated": "Updated",
        "search": "Search",
        "results": "Search results for “{q}”",
        "about": "About us",
        "about_text": "We are an independent newsroom covering the city, the region and the world since 1921.",
        "contacts": "Contacts",
        "contacts_text": "Newsdesk: newsdesk@example.invalid. Corrections: corrections@example.invalid.",
        "newsletter": "Get our morning briefing",
        "subscribe": "Subscribe",
        "ad": "Advertisement",
        "topics": "Topics",
        "authors": "Our journalists",
        "sections": "Sections",
        "home": "Go to the homepage",
        "nf_title": "Page not found",
        "nf_text": "Sorry, we couldn't find the page you were looking for",
        "removed": "This material has been removed.",
        "gone": "This article is no longer available.",
        "forbidden": "You do not have permission to view this page.",
        "legal": "This article is unavailable in your country for legal reasons.",
        "maintenance": "Down for maintenance",
        "maintenance_text": "We are making some improvements and will be back shortly. Thank you for your patience.",
        "rights": "All rights reserved.",
    },  # fmt: skip
    "ru": {
        "latest": "Главные новости",
        "most_read": "Самое читаемое",
        "views": "{n:,} просмотров",
        "by": "",
        "updated": "Обновлено",
        "search": "Поиск",
        "results": "Результаты поиска по запросу «{q}»",
        "about": "О редакции",
        "about_text": "Независимое издание о жизни города и области. Выходит с 1991 года.",
        "contacts": "Контакты",
        "contacts_text": "Редакция: redakciya@example.invalid. Исправления: ispravleniya@example.invalid.",
        "newsletter": "Утренняя рассылка",
        "subscribe": "Подписаться",
        "ad": "Реклама",
        "topics": "Темы",
        "authors": "Наши авторы",
        "sections": "Рубрики",
        "home": "На главную",
        "nf_title": "Страница не найдена",
        "nf_text": "К сожалению, запрошенная страница не существует",
        "removed": "Материал удалён по требованию.",
        "gone": "Материал больше недоступен.",
        "forbidden": "Доступ к странице запрещён.",
        "legal": "Материал недоступен в вашей стране по требованию закона.",
        "maintenance": "Технические работы",
        "maintenance_text": "Сайт временно недоступен: идут технические работы. Скоро вернёмся.",
        "rights": "Все права защищены.",
    },  # fmt: skip
}

ADS = {
    "en": (
        "Spring sale: 30% off garden furniture",
        "Refinance your home today",
        "Learn a language in 10 minutes a day",
    ),
    "ru": (
        "Распродажа садовой мебели: скидки до 30%",
        "Ипотека без первого взноса",
        "Английский за 10 минут в день",
    ),
}
MONTHS = {
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    "ru": (
        "января",
        "февраля",
        "марта",
        "апреля",
        "мая",
        "июня",
        "июля",
        "августа",
        "сентября",
        "октября",
        "ноября",
        "декабря",
    ),
}


def human_date(when: datetime, lang: str) -> str:
    return f"{when.day} {MONTHS[lang][when.month - 1]} {when.year}, {when:%H:%M}"


def shown_paragraphs(art: Article, lang: str) -> tuple[str, ...]:
    """What the page shows: the text, or the notice / nothing once deleted that way."""
    if art.status == "deleted" and art.how == "removed-notice":
        return (LABELS[lang]["removed"],)
    if art.status == "deleted" and art.how == "emptied":
        return ()
    return art.paragraphs


def teaser(art: Article, limit: int = 160, lang: str = "en") -> str:
    shown = shown_paragraphs(art, lang)
    first = shown[0] if shown else ""
    return first if len(first) <= limit else first[: limit - 1].rsplit(" ", 1)[0] + "…"


@dataclass
class Furniture:
    """The parts of a page that change on every load (fixed values when ``noise`` is off)."""

    now: datetime
    noise: bool
    rng: random.Random

    def _token(self, n: int) -> str:
        return f"{self.rng.getrandbits(n * 4):0{n}x}" if self.noise else "0" * n

    def script(self) -> str:
        ts = int(self.now.timestamp() * 1000) if self.noise else 0
        return (
            f'<script>window.__page={{nonce:"{self._token(16)}",adSlot:"slot-{self._token(6)}",'
            f"renderedAt:{ts}}};</script>\n"
        )

    def clock(self, lang: str) -> str:
        shown = (
            self.now if self.noise else self.now.replace(hour=0, minute=0, second=0, microsecond=0)
        )
        return f'<div class="clock"><time datetime="{shown:%Y-%m-%dT%H:%M}Z">{human_date(shown, lang)}</time></div>\n'

    def most_read(self, outlet: Outlet) -> str:
        pool = outlet.visible()[:30]
        picks = self.rng.sample(pool, min(5, len(pool))) if self.noise else pool[:5]
        items = "".join(
            f'<li><a href="{outlet.url(a.path)}">{escape(a.title)}</a></li>' for a in picks
        )
        return f'<aside class="most-read"><h2>{LABELS[outlet.lang]["most_read"]}</h2><ol>{items}</ol></aside>\n'

    def views(self, art: Article, lang: str) -> str:
        n = next(art.views) if self.noise else 1000
        return f'<div class="views">{LABELS[lang]["views"].format(n=n)}</div>\n'

    def ad(self, lang: str) -> str:
        labels = LABELS[lang]
        text = self.rng.choice(ADS[lang]) if self.noise else ADS[lang][0]
        return (
            f'<div class="ad" id="ad-{self._token(8)}"><span class="ad-label">{labels["ad"]}</span>'
            f'<a href="/ads/click?c={self._token(12)}" rel="sponsored">{escape(text)}</a></div>\n'
        )

    def form(self, lang: str) -> str:
        labels = LABELS[lang]
        return (
            f'<form class="newsletter" method="post" action="/subscribe"><label>{labels["newsletter"]}'
            f' <input type="email" name="email"></label><input type="hidden" name="csrf_token" '
            f'value="{self._token(32)}"><button>{labels["subscribe"]}</button></form>\n'
        )


# --- page skeleton -------------------------------------------------------------------------------


def _cached(outlet: Outlet, key: str, stamp: object, make: Callable[[], T]) -> T:
    """``make()``, reused until ``stamp`` changes (stamps are revisions, so edits invalidate)."""
    hit = outlet.cache.get(key)
    if hit is None or hit[0] != stamp:
        hit = (stamp, make())
        outlet.cache[key] = hit
    return hit[1]


def _feed_link(outlet: Outlet) -> str:
    kind = "application/atom+xml" if outlet.style.feed_kind == "atom" else "application/rss+xml"
    return f'<link rel="alternate" type="{kind}" title="{escape(outlet.display)}" href="{outlet.url(outlet.style.feed_path)}">'


def _head(outlet: Outlet, title: str, meta: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="{outlet.lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)} — {escape(outlet.display)}</title>\n"
        f'<link rel="stylesheet" href="/static/site.css">\n{_feed_link(outlet)}\n{meta}'
    )


def _bulk_head(outlet: Outlet) -> str:
    """What makes real news pages weigh 60-100 KB: inlined critical CSS and an app-state blob.

    Fixed per outlet, so it adds bytes and parsing work but no noise."""

    def make() -> str:
        rng = random.Random(outlet.name)
        rules = "".join(
            f".c-{i}-{rng.randrange(10**6):06d}{{margin:{rng.randrange(40)}px {rng.randrange(40)}px;"
            f"color:#{rng.randrange(16**6):06x};font:{rng.randrange(10, 30)}px/1.{rng.randrange(9)} sans-serif}}"
            for i in range(320)
        )
        state = json.dumps(
            {
                "menu": [
                    {
                        "id": i,
                        "label": f"Topic {rng.randrange(10**5)}",
                        "href": f"/topics/t{i}/",
                        "promo": rng.random() > 0.8,
                    }
                    for i in range(260)
                ],
                "config": {
                    "ads": {
                        f"slot{i}": {"sizes": [[300, 250], [728, 90]], "lazy": True}
                        for i in range(60)
                    }
                },
            }
        )
        return f"<style>{rules}</style>\n<script>window.__APP_CONFIG__={state};</script>\n"

    return _cached(outlet, "bulk-head", outlet.base, make)


def _bulk_footer(outlet: Outlet) -> str:
    def make() -> str:
        rng = random.Random(outlet.name + "footer")
        links = "".join(
            f'<li><a href="/topics/t{i}/">Topic {rng.randrange(10**5)}</a></li>' for i in range(180)
        )
        return f'<nav class="footer-topics" aria-label="topics"><ul>{links}</ul></nav>\n'

    return _cached(outlet, "bulk-footer", outlet.base, make)


def _masthead(outlet: Outlet) -> str:
    def make() -> str:
        items = "".join(
            f'<li><a href="/{slug}/">{escape(label)}</a></li>'
            for slug, label in outlet.style.sections
        )
        return (
            f'</head>\n<body>\n<header class="site-header">\n<a class="logo" href="{outlet.base}">'
            f'{escape(outlet.display)}</a>\n<nav class="main-nav"><ul>{items}</ul></nav>\n'
            f'<form class="search" action="/search"><input name="q"><button>{LABELS[outlet.lang]["search"]}</button></form>\n'
        )

    return _cached(outlet, "masthead", outlet.base, make)


def _footer(outlet: Outlet) -> str:
    def make() -> str:
        lab = LABELS[outlet.lang]
        return (
            f'<footer class="site-footer"><ul><li><a href="/about">{lab["about"]}</a></li>'
            f'<li><a href="/contacts">{lab["contacts"]}</a></li>'
            f'<li><a href="{outlet.url(outlet.style.feed_path)}">RSS</a></li></ul>'
            f"<p>© {escape(outlet.display)}. {lab['rights']}</p></footer>\n</body>\n</html>\n"
        )

    return _cached(outlet, "footer", outlet.base, make)


def _assemble(outlet: Outlet, head: str, main: str, furn: Furniture, views: str = "") -> str:
    return "".join(
        (
            head,
            _bulk_head(outlet),
            furn.script(),
            _masthead(outlet),
            furn.clock(outlet.lang),
            "</header>\n<main>\n",
            main,
            views,
            furn.most_read(outlet),
            furn.ad(outlet.lang),
            furn.form(outlet.lang),
            "</main>\n",
            _bulk_footer(outlet),
            _footer(outlet),
        )
    )


def _website_meta(outlet: Outlet, url: str, title: str) -> str:
    return (
        f'<meta property="og:type" content="website">\n<meta property="og:url" content="{escape(url)}">\n'
        f'<meta property="og:title" content="{escape(title)}">\n<meta property="og:site_name" content="{escape(outlet.display)}">\n'
    )


# --- article pages -------------------------------------------------------------------------------


def article_page(outlet: Outlet, art: Article, furn: Furniture) -> str:
    """The article page as it reads now (also the removed-notice and emptied variants)."""
    if art.cache is None or art.cache[0] != art.rev:
        art.cache = (art.rev, _article_head(outlet, art), _article_main(outlet, art))
    _, head, main = art.cache
    return _assemble(outlet, head, main, furn, furn.views(art, outlet.lang))


def _article_head(outlet: Outlet, art: Article) -> str:
    url = escape(outlet.url(art.path))
    meta = [
        f'<meta name="description" content="{escape(teaser(art, lang=outlet.lang))}">',
        f'<link rel="canonical" href="{url}">',
        '<meta property="og:type" content="article">',
        f'<meta property="og:url" content="{url}">',
        f'<meta property="og:title" content="{escape(art.title)}">',
        f'<meta property="og:site_name" content="{escape(outlet.display)}">',
        f'<meta property="article:published_time" content="{art.published.isoformat()}">',
        f'<meta property="article:section" content="{escape(dict(outlet.style.sections)[art.section])}">',
    ]
    if art.updated:
        meta.append(f'<meta property="article:modified_time" content="{art.updated.isoformat()}">')
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": art.title,
        "datePublished": art.published.isoformat(),
        "dateModified": art.modified.isoformat(),
        "author": {"@type": "Person", "name": art.byline},
        "mainEntityOfPage": outlet.url(art.path),
        "inLanguage": outlet.lang,
    }
    script = json.dumps(ld, ensure_ascii=False).replace("</", "<\\/")
    meta.append(f'<script type="application/ld+json">{script}</script>')
    return _head(outlet, art.title, "\n".join(meta) + "\n")


def _article_main(outlet: Outlet, art: Article) -> str:
    lab = LABELS[outlet.lang]
    if art.status == "deleted" and art.how == "removed-notice":
        body = f'<p class="notice">{lab["removed"]}</p>'
    else:
        body = "\n".join(
            f"<p>{escape(p, quote=False)}</p>" for p in shown_paragraphs(art, outlet.lang)
        )
    updated = ""
    if art.updated:
        updated = f' <time class="updated" datetime="{art.updated.isoformat()}">{lab["updated"]} {human_date(art.updated, outlet.lang)}</time>'
    tags = "".join(f'<li><a href="/tag/{slugify(t)}/">{escape(t)}</a></li>' for t in art.tags)
    return (
        f'<article class="story">\n<p class="kicker"><a href="/{art.section}/">{escape(dict(outlet.style.sections)[art.section])}</a></p>\n'
        f"<h1>{escape(art.title)}</h1>\n"
        f'<div class="meta"><span class="byline">{lab["by"]}<a rel="author" href="/author/{slugify(art.byline)}/">'
        f"{escape(art.byline)}</a></span> "
        f'<time class="published" datetime="{art.published.isoformat()}">{human_date(art.published, outlet.lang)}</time>{updated}</div>\n'
        f'<div class="story-body">\n{body}\n</div>\n<ul class="tags">{tags}</ul>\n</article>\n'
    )


# --- listing and static pages --------------------------------------------------------------------


def listing_page(
    outlet: Outlet,
    path: str,
    heading: str,
    arts: list[Article],
    furn: Furniture,
    extra: str = "",
    cache: bool = True,
) -> str:
    """A home, section, tag, author or search page listing ``arts`` (og:type website, no <article>)."""

    def make() -> tuple[str, str]:
        items = "".join(
            f'<li class="teaser"><a href="{outlet.url(a.path)}">{escape(a.title)}</a> '
            f'<time datetime="{a.published.isoformat()}">{human_date(a.published, outlet.lang)}</time>'
            f"<p>{escape(teaser(a), quote=False)}</p></li>\n"
            for a in arts
        )
        head = _head(outlet, heading, _website_meta(outlet, outlet.url(path), heading))
        return (
            head,
            f'<section class="listing">\n<h1>{escape(heading)}</h1>\n<ul class="article-list">\n{items}</ul>\n</section>\n{extra}',
        )

    head, main = _cached(outlet, "page:" + path, (outlet.rev, heading), make) if cache else make()
    return _assemble(outlet, head, main, furn)


def home_extra(outlet: Outlet) -> str:
    """Links from the homepage to sections, tag pages, author pages, /about, /contacts and search."""
    return _cached(outlet, "home-extra", outlet.rev, lambda: _home_extra(outlet))


def _home_extra(outlet: Outlet) -> str:
    lab = LABELS[outlet.lang]
    arts = outlet.visible()
    tags = sorted({t for a in arts[:30] for t in a.tags})
    authors = sorted({a.byline for a in arts})
    sections = "".join(
        f'<li><a href="/{s}/">{escape(label)}</a></li>' for s, label in outlet.style.sections
    )
    tag_links = "".join(f'<li><a href="/tag/{slugify(t)}/">{escape(t)}</a></li>' for t in tags)
    author_links = "".join(
        f'<li><a href="/author/{slugify(n)}/">{escape(n)}</a></li>' for n in authors
    )
    return (
        f'<section class="sections"><h2>{lab["sections"]}</h2><ul>{sections}</ul></section>\n'
        f'<section class="topics"><h2>{lab["topics"]}</h2><ul>{tag_links}</ul></section>\n'
        f'<section class="authors"><h2>{lab["authors"]}</h2><ul>{author_links}</ul></section>\n'
        f'<p class="more"><a href="/about">{lab["about"]}</a> · <a href="/contacts">{lab["contacts"]}</a> · '
        f'<a href="/search?q=">{lab["search"]}</a></p>\n'
    )


def static_page(outlet: Outlet, path: str, heading: str, text: str, furn: Furniture) -> str:
    """/about, /contacts and the like."""
    head = _head(outlet, heading, _website_meta(outlet, outlet.url(path), heading))
    main = (
        f'<section class="page">\n<h1>{escape(heading)}</h1>\n<p>{escape(text)}</p>\n</section>\n'
    )
    return _assemble(outlet, head, main, furn)


def not_found_page(outlet: Outlet, path: str, furn: Furniture) -> str:
    """The outlet's designed not-found page (it echoes the path, so it differs per URL)."""
    lab = LABELS[outlet.lang]
    head = _head(
        outlet,
        lab["nf_title"],
        '<meta name="robots" content="noindex">\n<meta property="og:type" content="website">\n',
    )
    main = (
        f'<section class="error-page">\n<h1>{lab["nf_title"]}</h1>\n<p>{lab["nf_text"]}: '
        f'<code>{escape(path)}</code></p>\n<p><a href="/">{lab["home"]}</a></p>\n</section>\n'
    )
    return _assemble(outlet, head, main, furn)


def message_page(outlet: Outlet, heading: str, text: str, furn: Furniture) -> str:
    """A chrome page carrying one message (410, 403, 451 answers)."""
    head = _head(
        outlet,
        heading,
        '<meta name="robots" content="noindex">\n<meta property="og:type" content="website">\n',
    )
    main = f'<section class="error-page">\n<h1>{escape(heading)}</h1>\n<p>{escape(text)}</p>\n</section>\n'
    return _assemble(outlet, head, main, furn)


def plain_404() -> str:
    return (
        '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n<title>404 Not Found</title>\n'
        "</head><body>\n<h1>Not Found</h1>\n<p>The requested URL was not found on this server.</p>\n</body></html>\n"
    )


def proxy_error(status: int, reason: str) -> str:
    """What a front proxy answers when the site behind it fails (500, 503, 429)."""
    return (
        f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
        f"<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    )


def maintenance_page(outlet: Outlet) -> str:
    """The same page for every URL while the outlet is "down for maintenance"."""
    lab = LABELS[outlet.lang]
    return (
        f'<!DOCTYPE html>\n<html lang="{outlet.lang}"><head><meta charset="utf-8">'
        f"<title>{lab['maintenance']} — {escape(outlet.display)}</title></head>\n"
        f'<body class="maintenance"><h1>{lab["maintenance"]}</h1><p>{lab["maintenance_text"]}</p></body></html>\n'
    )


# --- feeds, sitemaps, robots ---------------------------------------------------------------------


def _feed_url(outlet: Outlet, art: Article) -> str:
    url = outlet.url(art.path)
    return f"{url}?{outlet.style.feed_tracking}" if outlet.style.feed_tracking else url


def rss_feed(outlet: Outlet, arts: list[Article]) -> str:
    items = []
    for a in arts:
        link = escape(_feed_url(outlet, a))
        guid = (
            f'<guid isPermaLink="false">{outlet.name}-{a.id}</guid>'
            if outlet.style.feed_tracking
            else f'<guid isPermaLink="true">{link}</guid>'
        )
        items.append(
            f"<item><title>{escape(a.title)}</title><link>{link}</link>{guid}"
            f"<pubDate>{format_datetime(a.published, usegmt=True)}</pubDate><dc:creator>{escape(a.byline)}</dc:creator>"
            f"<category>{escape(dict(outlet.style.sections)[a.section])}</category>"
            f"<description>{escape(teaser(a))}</description></item>"
        )
    built = format_datetime(max((a.modified for a in arts), default=outlet_epoch()), usegmt=True)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">\n<channel>\n'
        f"<title>{escape(outlet.display)}</title><link>{outlet.base}</link>"
        f"<description>{escape(outlet.display)}: {LABELS[outlet.lang]['latest']}</description>"
        f"<language>{outlet.lang}</language><lastBuildDate>{built}</lastBuildDate>\n"
        f'<atom:link href="{outlet.url(outlet.style.feed_path)}" rel="self" type="application/rss+xml"/>\n'
        + "\n".join(items)
        + "\n</channel>\n</rss>\n"
    )


def atom_feed(outlet: Outlet, arts: list[Article]) -> str:
    entries = []
    for a in arts:
        entries.append(
            f'<entry><title>{escape(a.title)}</title><link rel="alternate" type="text/html" href="{escape(_feed_url(outlet, a))}"/>'
            f"<id>urn:{outlet.name}:article:{a.id}</id><published>{a.published.isoformat()}</published>"
            f"<updated>{a.modified.isoformat()}</updated><author><name>{escape(a.byline)}</name></author>"
            f'<category term="{escape(dict(outlet.style.sections)[a.section])}"/><summary>{escape(teaser(a))}</summary></entry>'
        )
    updated = max((a.modified for a in arts), default=outlet_epoch()).isoformat()
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{outlet.lang}">\n'
        f"<title>{escape(outlet.display)}</title><id>{outlet.base}</id><updated>{updated}</updated>\n"
        f'<link rel="self" type="application/atom+xml" href="{outlet.url(outlet.style.feed_path)}"/>'
        f'<link rel="alternate" type="text/html" href="{outlet.base}"/>\n'
        + "\n".join(entries)
        + "\n</feed>\n"
    )


def outlet_epoch() -> datetime:
    """The date feeds show when they are empty."""
    return datetime(2000, 1, 1, tzinfo=UTC)


def news_sitemap(outlet: Outlet, arts: list[Article]) -> str:
    urls = "".join(
        f"<url><loc>{escape(outlet.url(a.path))}</loc><news:news><news:publication>"
        f"<news:name>{escape(outlet.display)}</news:name><news:language>{outlet.lang}</news:language>"
        f"</news:publication><news:publication_date>{a.published.isoformat()}</news:publication_date>"
        f"<news:title>{escape(a.title)}</news:title></news:news></url>\n"
        for a in arts
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n{urls}</urlset>\n'
    )


def plain_sitemap(outlet: Outlet, arts: list[Article]) -> str:
    urls = "".join(
        f"<url><loc>{escape(outlet.url(a.path))}</loc><lastmod>{a.modified.isoformat()}</lastmod></url>\n"
        for a in arts
    )
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{urls}</urlset>\n'


def sitemap_index(outlet: Outlet, children: list[tuple[str, datetime]]) -> str:
    maps = "".join(
        f"<sitemap><loc>{escape(outlet.url(p))}</loc><lastmod>{m.isoformat()}</lastmod></sitemap>\n"
        for p, m in children
    )
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{maps}</sitemapindex>\n'


def robots_txt(outlet: Outlet) -> str:
    style = outlet.style
    sitemap = style.sitemap_index_path or style.news_sitemap_path
    return (
        "User-agent: *\nDisallow: /search\nDisallow: /subscribe\nDisallow: /ads/\nDisallow: /__sim__/\n\n"
        "User-agent: GPTBot\nDisallow: /\n\n"
        f"Sitemap: {outlet.url(sitemap)}\n"
    )
