"""The simulated newsroom's state (no I/O): outlets, articles, a movable clock and the scripting API.

Tests and benchmarks script it (publish, edit, delete, move, unlist, fail ...) and read ``log``,
the ground truth of what was done; ``server.py`` serves it and ``routes.py`` renders answers from it.
"""

from __future__ import annotations

import itertools
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from memoryhole.simulate.texts import AUTHORS, liu_story, slugify, write_story

__all__ = [
    "Newsroom",
    "Outlet",
    "Article",
    "Style",
    "Failure",
    "STYLES",
    "DELETE_HOWS",
    "FAIL_MODES",
    "JUDGED_AS",
]

#: Every way ``Newsroom.delete`` can remove an article.
DELETE_HOWS = (
    "http-404",
    "http-410",
    "http-403",
    "http-451",
    "redirect-home",
    "redirect-section",
    "soft-404",
    "removed-notice",
    "emptied",
)
#: The ``how`` a correct judge reports for each ``delete`` how (models.DELETION_HOWS has no 403/451).
JUDGED_AS = {how: how for how in DELETE_HOWS} | {"http-403": "http-4xx", "http-451": "http-4xx"}

#: Failure modes of ``fail`` (whole outlet) and ``fail_url`` (one article; not "refuse").
FAIL_MODES = ("503", "500", "429", "reset", "refuse", "slow", "maintenance")


@dataclass(frozen=True)
class Style:
    """How one kind of outlet behaves on the wire (the three styles are in ``STYLES``)."""

    key: str
    display: str
    lang: str
    sections: tuple[tuple[str, str], ...]  # (slug, label); slug also picks the story vocabulary
    url_scheme: (
        str  # "dated": /<section>/<yyyy>/<mm>/<dd>/<slug>-<id>.html; "news": /news/<id>-<slug>
    )
    feed_kind: str  # "rss" | "atom"
    feed_path: str
    news_sitemap_path: str
    sitemap_index_path: str | None
    plain_sitemap_path: str | None
    validators: str  # "etag+lm" | "etag" | ""
    weak_etag: bool
    not_found: str  # "404-plain" | "404-page" | "soft-404"
    gzip: bool
    feed_tracking: str  # query string added to article links in the feed ("" = none)


STYLES = (
    Style(
        key="daily-planet",
        display="Daily Planet",
        lang="en",
        sections=(
            ("world", "World"),
            ("politics", "Politics"),
            ("business", "Business"),
            ("science", "Science"),
            ("sport", "Sport"),
        ),
        url_scheme="dated",
        feed_kind="rss",
        feed_path="/rss.xml",
        news_sitemap_path="/sitemap-news.xml",
        sitemap_index_path=None,
        plain_sitemap_path=None,
        validators="etag+lm",
        weak_etag=True,
        not_found="404-plain",
        gzip=True,
        feed_tracking="",
    ),
    Style(
        key="vestnik",
        display="Вестник",
        lang="ru",
        sections=(
            ("politika", "Политика"),
            ("ekonomika", "Экономика"),
            ("obshchestvo", "Общество"),
            ("mir", "В мире"),
            ("kultura", "Культура"),
        ),
        url_scheme="news",
        feed_kind="atom",
        feed_path="/feed.atom",
        news_sitemap_path="/sitemap_news.xml",
        sitemap_index_path=None,
        plain_sitemap_path=None,
        validators="",
        weak_etag=False,
        not_found="404-page",
        gzip=False,
        feed_tracking="",
    ),
    Style(
        key="capital-times",
        display="The Capital Times",
        lang="en",
        sections=(
            ("politics", "Politics"),
            ("business", "Business"),
            ("culture", "Culture"),
            ("world", "World"),
            ("sport", "Sport"),
        ),
        url_scheme="dated",
        feed_kind="rss",
        feed_path="/feeds/latest.rss",
        news_sitemap_path="/sitemaps/news.xml",
        sitemap_index_path="/sitemap_index.xml",
        plain_sitemap_path="/sitemaps/all.xml",
        validators="etag",
        weak_etag=False,
        not_found="soft-404",
        gzip=True,
        feed_tracking="utm_source=rss&utm_medium=feed&utm_campaign=latest",
    ),
)


@dataclass
class Failure:
    mode: str
    until: datetime | None  # newsroom clock; None = until recovered
    delay: float = 2.0  # seconds, for "slow"


@dataclass(eq=False)
class Article:
    """One article's current state. Read it, but change it only through ``Newsroom`` methods."""

    id: int
    outlet: str
    section: str
    title: str
    paragraphs: tuple[str, ...]
    byline: str
    published: datetime
    tags: tuple[str, ...]
    path: str
    updated: datetime | None = None
    status: str = "live"  # "live" | "deleted"
    how: str | None = None  # the delete how while deleted
    listed: bool = True
    old_paths: list[str] = field(default_factory=list)
    rev: int = 0  # bumped on every change (page caches and ETags key on it)
    changed: datetime | None = None  # last scripted change of any kind (Last-Modified follows it)
    fail: Failure | None = None
    views: itertools.count = field(default_factory=lambda: itertools.count(1000))
    cache: Any = None  # (rev, rendered static parts), owned by routes.py

    @property
    def visible(self) -> bool:
        """Shown in feeds, sitemaps and listing pages."""
        return self.status == "live" and self.listed

    @property
    def modified(self) -> datetime:
        return self.updated or self.published

    @property
    def last_change(self) -> datetime:
        return max(self.changed or self.published, self.modified)

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


@dataclass(eq=False)
class Outlet:
    name: str
    style: Style
    base: str  # "http://host:port/" once served
    articles: list[Article] = field(default_factory=list)
    paths: dict[str, Article] = field(default_factory=dict)  # current and moved-away paths
    rev: int = 0
    changed: datetime | None = None  # last change to what it lists (Last-Modified of listings)
    fail: Failure | None = None
    pinned: Article | None = (
        None  # shown first on the homepage and every section page ("editor's pick")
    )
    cache: dict[str, Any] = field(default_factory=dict)  # owned by routes.py, keyed on rev

    @property
    def lang(self) -> str:
        return self.style.lang

    @property
    def display(self) -> str:
        suffix = self.name.removeprefix(self.style.key)
        return self.style.display + (f" {suffix.lstrip('-')}" if suffix else "")

    def url(self, path: str) -> str:
        return self.base.rstrip("/") + path

    def visible(self) -> list[Article]:
        """Visible articles, newest first (cached until the outlet changes)."""
        hit = self.cache.get("visible")
        if hit is not None and hit[0] == self.rev:
            return hit[1]
        arts = sorted(
            (a for a in self.articles if a.visible), key=lambda a: (a.published, a.id), reverse=True
        )
        self.cache["visible"] = (self.rev, arts)
        return arts


class Newsroom:
    """Outlets and their articles, a clock, and thread-safe scripting methods that log what they do."""

    def __init__(self, seed: int = 0, noise: bool = True, start: datetime | None = None) -> None:
        self.seed = seed
        self.noise = noise
        self.outlets: dict[str, Outlet] = {}
        self.log: list[dict[str, Any]] = []
        self.lock = threading.RLock()
        self._rng = random.Random(seed)  # content: same seed and calls, same stories
        self.noise_rng = random.Random()  # page furniture: differs on every run
        self._ids = itertools.count(10001)
        self._offset = timedelta(0) if start is None else start - datetime.now(UTC)
        self._listeners: list[Callable[[], None]] = []

    # --- building ------------------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        seed: int = 0,
        outlets: int = 3,
        articles_per_outlet: int = 20,
        noise: bool = True,
        start: datetime | None = None,
    ) -> Newsroom:
        """Outlets cycling the three styles, each with seeded articles spread over ~30 days."""
        room = cls(seed=seed, noise=noise, start=start)
        for i in range(outlets):
            style = STYLES[i % len(STYLES)]
            name = style.key if i < len(STYLES) else f"{style.key}-{i // len(STYLES) + 1}"
            room.outlets[name] = Outlet(name=name, style=style, base=f"http://{name}.sim/")
            room._seed_outlet(room.outlets[name], articles_per_outlet, with_liu=i in (0, 1))
        return room

    def _seed_outlet(self, outlet: Outlet, count: int, with_liu: bool) -> None:
        now = self.now()
        # The newest is a few hours old so that the news sitemap (last 2 days) is never empty.
        ages = sorted(
            [self._rng.uniform(0.05, 0.3)] + [self._rng.uniform(0.1, 30) for _ in range(count - 1)]
        )
        for rank, age in enumerate(reversed(ages[:count])):
            when = now - timedelta(days=age)
            story = liu_story(outlet.lang) if with_liu and rank == count - 3 else None
            self._add(outlet, when, story=story)

    def _add(
        self, outlet: Outlet, when: datetime, story: Any = None, section: str | None = None
    ) -> Article:
        section = section or self._rng.choice(outlet.style.sections)[0]
        story = story or write_story(self._rng, outlet.lang, section, when)
        art_id = next(self._ids)
        art = Article(
            id=art_id,
            outlet=outlet.name,
            section=section,
            title=story.title,
            paragraphs=story.paragraphs,
            byline=self._rng.choice(AUTHORS[outlet.lang]),
            published=when.replace(microsecond=0),
            tags=story.tags,
            path=_article_path(outlet.style, section, when, slugify(story.title), art_id),
        )
        outlet.articles.append(art)
        outlet.paths[art.path] = art
        outlet.rev += 1
        outlet.changed = max(outlet.changed or art.published, art.published)
        return art

    # --- clock ---------------------------------------------------------------------------------

    def now(self) -> datetime:
        """Real UTC time plus the offset that ``start`` and ``advance`` set."""
        return datetime.now(UTC) + self._offset

    def advance(self, seconds: float) -> datetime:
        """Move the clock forward (listings that depend on age and timed failures follow it)."""
        with self.lock:
            self._offset += timedelta(seconds=seconds)
            for outlet in self.outlets.values():
                outlet.rev += 1
        self._notify()
        return self.now()

    # --- lookup --------------------------------------------------------------------------------

    def set_base(self, outlet: str, base: str) -> None:
        """Where the outlet is served (``server.py`` calls this); URLs in pages and results use it."""
        with self.lock:
            self.outlets[outlet].base = base.rstrip("/") + "/"
            self.outlets[outlet].rev += 1
            for art in self.outlets[outlet].articles:
                art.rev += 1

    def url_of(self, art: Article) -> str:
        return self.outlets[art.outlet].url(art.path)

    def find(self, url: str) -> Article:
        """The article at ``url`` (full URL or path; query ignored; old moved-away paths work)."""
        path = urlsplit(url).path or "/"
        for outlet in self.outlets.values():
            art = outlet.paths.get(path)
            if art is not None:
                return art
        raise KeyError(f"no simulated article at {url!r} (paths look like {self._example_path()})")

    def _example_path(self) -> str:
        for outlet in self.outlets.values():
            if outlet.articles:
                return outlet.articles[0].path
        return "(no articles yet)"

    def articles(self, outlet: str | None = None, visible_only: bool = False) -> list[Article]:
        """Articles (of one outlet, or all), in publishing order."""
        outlets = [self.outlets[outlet]] if outlet else list(self.outlets.values())
        arts = [a for o in outlets for a in o.articles]
        return [a for a in arts if a.visible] if visible_only else arts

    def failure(self, outlet: str, art: Article | None = None) -> Failure | None:
        """The failure in force for the outlet (or, failing that, the article), expired ones dropped."""
        now = self.now()
        out = self.outlets[outlet]
        if out.fail and out.fail.until and out.fail.until <= now:
            out.fail = None
        if art is not None and art.fail and art.fail.until and art.fail.until <= now:
            art.fail = None
        return out.fail or (art.fail if art is not None else None)

    def refusing(self, outlet: str) -> bool:
        with self.lock:
            fail = self.failure(outlet)
            return fail is not None and fail.mode == "refuse"

    # --- scripting -----------------------------------------------------------------------------

    def publish(
        self,
        outlet: str,
        title: str | None = None,
        text: str | None = None,
        lang: str | None = None,
        section: str | None = None,
    ) -> str:
        """Publish a new article now (generated title/text unless given); returns its URL."""
        with self.lock:
            out = self.outlets[outlet]
            if section is not None and section not in dict(out.style.sections):
                raise ValueError(
                    f"{outlet} has sections {[s for s, _ in out.style.sections]}, not {section!r}"
                )
            when = self.now()
            sec = section or self._rng.choice(out.style.sections)[0]
            story = write_story(self._rng, lang or out.lang, sec, when)
            if title is not None or text is not None:
                paras = (
                    tuple(p.strip() for p in text.split("\n\n") if p.strip())
                    if text
                    else story.paragraphs
                )
                story = type(story)(title=title or story.title, paragraphs=paras, tags=story.tags)
            art = self._add(out, when, story=story, section=sec)
            url = self._record("publish", art)
        self._notify()
        return url

    def roll(self, outlet: str, n: int) -> list[str]:
        """Publish ``n`` new articles (older ones roll off the feed); returns their URLs."""
        return [self.publish(outlet) for _ in range(n)]

    def edit(
        self,
        url: str,
        title: str | None = None,
        text: str | None = None,
        byline: str | None = None,
        drop_quote: bool = False,
        replace: tuple[str, str] | None = None,
    ) -> str:
        """Change an article in place (sets its updated time); returns its URL."""
        with self.lock:
            art = self.find(url)
            paras = list(art.paragraphs)
            if text is not None:
                paras = [p.strip() for p in text.split("\n\n") if p.strip()]
            if replace is not None:
                old, new = replace
                joined = "\n\n".join(paras)
                if old not in joined:
                    raise ValueError(f"{old!r} is not in the text of {url}")
                paras = [p for p in joined.replace(old, new).split("\n\n") if p]
            if drop_quote:
                quoted = [i for i, p in enumerate(paras) if "“" in p or "«" in p]
                if not quoted:
                    raise ValueError(f"{url} has no quotation to drop")
                del paras[quoted[0]]
            art.paragraphs = tuple(paras)
            art.title = title if title is not None else art.title
            art.byline = byline if byline is not None else art.byline
            art.updated = self.now().replace(microsecond=0)
            self._touch(art)
            result = self._record("edit", art)
        self._notify()
        return result

    def delete(self, url: str, how: str) -> str:
        """Remove an article in one of ``DELETE_HOWS`` ways (it also leaves every listing)."""
        if how not in DELETE_HOWS:
            raise ValueError(f"how must be one of {DELETE_HOWS}, not {how!r}")
        with self.lock:
            art = self.find(url)
            art.status, art.how = "deleted", how
            self._touch(art)
            result = self._record("delete", art, how=how)
        self._notify()
        return result

    def restore(self, url: str) -> str:
        """Undo ``delete`` or ``unlist``: served and listed again at its current URL."""
        with self.lock:
            art = self.find(url)
            art.status, art.how, art.listed = "live", None, True
            self._touch(art)
            result = self._record("restore", art)
        self._notify()
        return result

    def move(self, url: str) -> str:
        """Give the article a new URL (new section or slug); old URLs answer 301 to it."""
        with self.lock:
            art = self.find(url)
            out = self.outlets[art.outlet]
            old = self.url_of(art)
            new_path = self._moved_path(out, art)
            art.old_paths.append(art.path)
            art.path = new_path
            out.paths[new_path] = art
            self._touch(art)
            new_url = self.url_of(art)
            self._record("move", art, url=old, new_url=new_url)
        self._notify()
        return new_url

    def _moved_path(self, out: Outlet, art: Article) -> str:
        sections = [s for s, _ in out.style.sections]
        for n in itertools.count(1):
            section = sections[(sections.index(art.section) + n) % len(sections)]
            slug = slugify(art.title) + (f"-{n}" if out.style.url_scheme == "news" else "")
            path = _article_path(out.style, section, art.published, slug, art.id)
            if path not in out.paths:
                art.section = section
                return path
        raise AssertionError("unreachable")

    def pin(self, url: str | None, outlet: str | None = None) -> str | None:
        """Show the article first on its outlet's homepage and every section page, whatever its age
        (an editor's pick), or unpin the outlet's pick with ``pin(None, outlet)``."""
        with self.lock:
            if url is None:
                out = self.outlets[outlet or ""]
                out.pinned, result = None, None
            else:
                art = self.find(url)
                out = self.outlets[art.outlet]
                out.pinned = art
                result = self._record("pin", art)
            out.rev += 1
            out.changed = self.now().replace(microsecond=0)
        self._notify()
        return result

    def unlist(self, url: str) -> str:
        """Drop the article from every feed, sitemap and listing page; it is still served."""
        with self.lock:
            art = self.find(url)
            art.listed = False
            self._touch(art)
            result = self._record("unlist", art)
        self._notify()
        return result

    def fail(self, outlet: str, mode: str, seconds: float | None = None, delay: float = 2.0) -> str:
        """Make the whole outlet fail in ``mode`` (for ``seconds`` of newsroom clock, or until
        ``recover``); ``delay`` is the pause of "slow". Returns the outlet's base URL."""
        if mode not in FAIL_MODES:
            raise ValueError(f"mode must be one of {FAIL_MODES}, not {mode!r}")
        with self.lock:
            out = self.outlets[outlet]
            until = self.now() + timedelta(seconds=seconds) if seconds is not None else None
            out.fail = Failure(mode, until, delay)
            self._log("fail", out.base, outlet, how=mode)
        self._notify()
        return out.base

    def recover(self, outlet: str) -> str:
        """End the outlet's failure and every per-article failure in it."""
        with self.lock:
            out = self.outlets[outlet]
            out.fail = None
            for art in out.articles:
                art.fail = None
            self._log("recover", out.base, outlet)
        self._notify()
        return out.base

    def fail_url(
        self, url: str, mode: str, seconds: float | None = None, delay: float = 2.0
    ) -> str:
        """Make one article fail in ``mode`` (any of ``FAIL_MODES`` but "refuse")."""
        if mode not in FAIL_MODES or mode == "refuse":
            raise ValueError(f"mode must be one of {FAIL_MODES[:4] + FAIL_MODES[5:]}, not {mode!r}")
        with self.lock:
            art = self.find(url)
            until = self.now() + timedelta(seconds=seconds) if seconds is not None else None
            art.fail = Failure(mode, until, delay)
            result = self._record("fail_url", art, how=mode)
        self._notify()
        return result

    def recover_url(self, url: str) -> str:
        with self.lock:
            art = self.find(url)
            art.fail = None
            result = self._record("recover_url", art)
        self._notify()
        return result

    # --- bookkeeping ---------------------------------------------------------------------------

    def _touch(self, art: Article) -> None:
        art.rev += 1
        art.changed = self.now().replace(microsecond=0)
        self.outlets[art.outlet].rev += 1
        self.outlets[art.outlet].changed = art.changed

    def _record(self, action: str, art: Article, how: str | None = None, **extra: Any) -> str:
        url = extra.pop("url", None) or self.url_of(art)
        self._log(action, url, art.outlet, how=how, **extra)
        return extra.get("new_url", url)

    def _log(
        self, action: str, url: str, outlet: str, how: str | None = None, **extra: Any
    ) -> None:
        self.log.append(
            {"at": self.now(), "action": action, "url": url, "how": how, "outlet": outlet} | extra
        )

    def add_listener(self, fn: Callable[[], None]) -> None:
        """Call ``fn()`` after every scripted change (the server uses it to close/reopen sockets)."""
        self._listeners.append(fn)

    def remove_listener(self, fn: Callable[[], None]) -> None:
        self._listeners.remove(fn)

    def _notify(self) -> None:
        # Outside the lock: listeners take their own locks and then read state through ours.
        for fn in list(self._listeners):
            fn()


def _article_path(style: Style, section: str, when: datetime, slug: str, art_id: int) -> str:
    if style.url_scheme == "news":
        return f"/news/{art_id}-{slug}"
    return f"/{section}/{when:%Y/%m/%d}/{slug}-{art_id}.html"
