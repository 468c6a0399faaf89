"""Recognising "this page is gone" pages served with status 200: a learned per-outlet not-found
profile (Bar-Yossef et al., WWW 2004: fetch a random nonexistent URL, compare later pages with it)
and phrase lists for not-found and removed-material notices in the outlets' languages.
"""

from __future__ import annotations

import hashlib
import random
import re
import string
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

import lxml.html

from .models import Document

__all__ = [
    "NOT_FOUND_PHRASES",
    "REMOVED_PHRASES",
    "Profile",
    "not_found_phrases",
    "random_probe_path",
    "removed_notice",
]

#: Phrases of a "page not found" page, by ISO 639-1 language. Data, not code: add languages here.
NOT_FOUND_PHRASES: dict[str, tuple[str, ...]] = {
    "en": (
        "page not found", "404 not found", "error 404", "404 error", "page cannot be found",
        "page could not be found", "page you requested could not be found", "page does not exist",
        "page doesn't exist", "page you are looking for", "we couldn't find that page",
        "sorry, we couldn't find", "nothing was found at this location",
    ),
    "ru": (
        "страница не найдена", "страницы не существует", "страница не существует",
        "такой страницы нет", "запрашиваемая страница не найдена", "ошибка 404",
        "страница, которую вы ищете", "ничего не найдено",
    ),
    "az": ("səhifə tapılmadı", "səhifə mövcud deyil", "axtardığınız səhifə", "xəta 404", "belə səhifə yoxdur"),
    "hy": ("էջը չի գտնվել", "էջը չգտնվեց", "էջը գոյություն չունի", "նման էջ գոյություն չունի", "սխալ 404"),
    "ka": ("გვერდი ვერ მოიძებნა", "გვერდი არ მოიძებნა", "გვერდი არ არსებობს", "შეცდომა 404"),
    "tr": ("sayfa bulunamadı", "aradığınız sayfa", "sayfa mevcut değil", "böyle bir sayfa yok", "hata 404"),
    "uk": (
        "сторінку не знайдено", "сторінка не знайдена", "сторінки не існує", "сторінка не існує",
        "помилка 404", "такої сторінки немає",
    ),
}  # fmt: skip

#: Phrases an outlet puts where an article it took down used to be, by ISO 639-1 language.
REMOVED_PHRASES: dict[str, tuple[str, ...]] = {
    "en": (
        "this material has been removed", "this article has been removed", "this story has been removed",
        "this content has been removed", "this page has been removed", "this article has been deleted",
        "this article is no longer available", "this content is no longer available",
        "this story is no longer available", "has been removed at the request", "content unavailable",
        "this article has been withdrawn", "this article has been taken down",
    ),
    "ru": (
        "материал удален", "материал был удален", "статья удалена", "новость удалена",
        "публикация удалена", "запись удалена", "материал недоступен", "материал снят с публикации",
        "страница удалена",
    ),
    "az": ("material silinib", "material silindi", "xəbər silinib", "xəbər silindi", "məqalə silinib", "bu material silinib"),
    "hy": ("նյութը հեռացված է", "նյութը հեռացվել է", "հոդվածը հեռացված է", "նյութը ջնջված է", "նյութը ջնջվել է"),
    "ka": ("მასალა წაშლილია", "მასალა წაიშალა", "სტატია წაშლილია", "სტატია წაიშალა", "გვერდი წაშლილია"),
    "tr": (
        "içerik kaldırılmıştır", "içerik kaldırıldı", "haber kaldırılmıştır", "haber kaldırıldı",
        "yayından kaldırılmıştır", "yayından kaldırıldı", "sayfa kaldırılmıştır", "makale kaldırılmıştır",
    ),
    "uk": (
        "матеріал видалено", "матеріал було видалено", "статтю видалено", "новину видалено",
        "публікацію видалено", "матеріал недоступний", "сторінку видалено",
    ),
}  # fmt: skip

#: A notice is a short page: a longer body mentioning a phrase is an article about a removal.
MAX_NOTICE_WORDS = 60
#: A phrase in the title counts only when the body beside it is at most this long.
MAX_BODY_WITH_NOTICE_TITLE = 150
_MAX_TITLE_WORDS = 12

_SHINGLE = 3
_SKETCH = 128


def _fold(text: str) -> str:
    """Case- and form-insensitive text: Turkish/Azerbaijani ı and İ, Russian ё and curly
    apostrophes would otherwise make the same phrase miss."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = text.replace("\u0307", "").replace("ı", "i").replace("ё", "е").replace("’", "'")
    return " ".join(text.split())


def _compile(phrases: dict[str, tuple[str, ...]]) -> re.Pattern[str]:
    alternatives = sorted({_fold(p) for ps in phrases.values() for p in ps}, key=len, reverse=True)
    # Left boundary only: inflected endings (Azerbaijani "silinibdir") must still match.
    return re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, alternatives)) + ")")


_NOT_FOUND_RE = _compile(NOT_FOUND_PHRASES)
_REMOVED_RE = _compile(REMOVED_PHRASES)


def _is_notice(pattern: re.Pattern[str], text: str, title: str) -> bool:
    body_words = len(text.split())
    if body_words <= MAX_NOTICE_WORDS and pattern.search(_fold(text)):
        return True
    short_title = 0 < len(title.split()) <= _MAX_TITLE_WORDS
    return (
        short_title
        and body_words <= MAX_BODY_WITH_NOTICE_TITLE
        and bool(pattern.search(_fold(title)))
    )


def not_found_phrases(text: str, title: str = "") -> bool:
    """A short text (or a short title over a short body) says the page was not found."""
    return _is_notice(_NOT_FOUND_RE, text, title)


def removed_notice(text: str, title: str = "") -> bool:
    """A short text (or a short title over a short body) says the material was removed."""
    return _is_notice(_REMOVED_RE, text, title)


def _hash64(data: str) -> int:
    return int.from_bytes(hashlib.blake2b(data.encode("utf-8"), digest_size=8).digest(), "big")


def _sketch(text: str) -> tuple[int, ...]:
    """Bottom-k sketch of the word 3-shingles (Broder): a fixed-size resemblance signature."""
    ws = _fold(text).split()
    grams = (
        {" ".join(ws[i : i + _SHINGLE]) for i in range(max(1, len(ws) - _SHINGLE + 1))}
        if ws
        else set()
    )
    return tuple(sorted(_hash64(g) for g in grams)[:_SKETCH])


def _resemblance(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    """Estimated Jaccard resemblance of the shingle sets behind two bottom-k sketches."""
    if not a or not b:
        return 0.0
    union = sorted(set(a) | set(b))[:_SKETCH]
    both = set(a) & set(b)
    return sum(1 for h in union if h in both) / len(union)


def _title_and_text(page: Document | str) -> tuple[str, str]:
    if isinstance(page, Document):
        return page.title, page.text
    if "<" not in page:
        return "", page
    # Raw HTML: the extractor often returns nothing for a not-found page, so read it directly.
    root = lxml.html.fromstring(page)
    for bad in root.xpath("//script|//style|//noscript|//template"):
        bad.drop_tree()
    title = " ".join(" ".join(root.xpath("//title//text()")).split())
    body = root.find("body")
    text = (body if body is not None else root).text_content()
    return title, " ".join(text.split())


def _path(url: str) -> str:
    return urlsplit(url).path.rstrip("/") or "/"


@dataclass(frozen=True)
class Profile:
    """What one outlet serves for a URL that does not exist, learned from a random probe."""

    status: int | None
    final_url: str
    title: str
    length: int  # words of text
    sketch: tuple[int, ...]
    redirect_path: str | None = None  # where the probe was redirected, when it was
    threshold: float = 0.6

    @classmethod
    def learn(
        cls,
        status: int | None,
        final_url: str,
        html_text_or_doc: Document | str,
        probe_url: str | None = None,
    ) -> Profile:
        """Learn from the response to a probe of random_probe_path(); give probe_url to learn
        a redirect target too (many outlets send every unknown URL to one /404 page)."""
        title, text = _title_and_text(html_text_or_doc)
        redirected = probe_url is not None and _path(probe_url) != _path(final_url)
        return cls(
            status=status,
            final_url=final_url,
            title=" ".join(title.split()),
            length=len(text.split()),
            sketch=_sketch(text),
            redirect_path=_path(final_url) if redirected else None,
        )

    @property
    def soft(self) -> bool:
        """The outlet answers unknown URLs with 200 (a soft 404), not with an error status."""
        return self.status is not None and 200 <= self.status < 300

    def matches(self, page: Document | str, final_url: str | None = None) -> float:
        """Similarity 0..1 of a page to the learned not-found page; compare with self.threshold.
        Text resemblance weighs 0.7 and an equal title 0.3, so a shared title alone never matches."""
        if (
            self.redirect_path not in (None, "/")
            and final_url
            and _path(final_url) == self.redirect_path
        ):
            return 1.0
        title, text = _title_and_text(page)
        same_title = 1.0 if title and _fold(title) == _fold(self.title) else 0.0
        sketch = _sketch(text)
        if not sketch and not self.sketch:
            return same_title  # both pages empty of text: only the title can tell
        return 0.7 * _resemblance(sketch, self.sketch) + 0.3 * same_title

    def is_match(self, page: Document | str, final_url: str | None = None) -> bool:
        return self.matches(page, final_url) >= self.threshold

    def to_dict(self) -> dict:
        return {
            "status": self.status,
            "final_url": self.final_url,
            "title": self.title,
            "length": self.length,
            "sketch": list(self.sketch),
            "redirect_path": self.redirect_path,
            "threshold": self.threshold,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Profile:
        return cls(**{**data, "sketch": tuple(data["sketch"])})


_PROBE_ALPHABET = string.ascii_lowercase + string.digits


def random_probe_path(rng: random.Random, like: str | None = None) -> str:
    """A path that surely does not exist. Given an article path as `like`, keep its directories and
    extension and replace its last segment with random text of the same shape, because many sites
    route /news/<slug> differently from /<slug>."""
    token = "".join(rng.choice(_PROBE_ALPHABET) for _ in range(24))
    if not like:
        return f"/{token}-memoryhole-probe"
    path = urlsplit(like).path or "/"
    head, _, last = path.rstrip("/").rpartition("/")
    stem, dot, ext = last.partition(".")
    if stem.isdigit():
        token = "9" + "".join(rng.choice(string.digits) for _ in range(max(len(stem), 12)))
    suffix = "/" if path.endswith("/") and path != "/" else ""
    return f"{head}/{token}{dot}{ext}{suffix}"
