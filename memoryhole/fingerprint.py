"""A cheap, furniture-blind hash of an article page (title + main paragraphs, lxml only), so a
recheck of a noisy page can tell "nothing changed" without running trafilatura.
"""

from __future__ import annotations

import hashlib
import re

import lxml.html

from memoryhole.extract import parse_html_safely

__all__ = ["body_fingerprint", "tree_fingerprint", "is_furniture"]

#: Bumped whenever the algorithm changes, so stored fingerprints stop matching (a miss only
#: costs one full extraction).
VERSION = "fp1"

_SKIPPED_TAGS = frozenset(
    {"nav", "aside", "footer", "header", "form", "script", "style", "noscript", "template",
     "button", "select", "iframe", "svg"}
)  # fmt: skip
_FURNITURE_TOKENS = frozenset(
    {
        "ad", "ads", "advert", "adverts", "advertisement", "advertising", "adslot", "adunit",
        "banner", "clock", "counter", "counters", "views", "viewcount", "comments", "comment",
        "cookie", "cookies", "consent", "gdpr", "popular", "related", "trending", "recommended",
        "recommendations", "promo", "sponsored", "newsletter", "share", "sharing", "social",
        "breadcrumb", "breadcrumbs", "outbrain", "taboola", "paywall", "widget", "sidebar",
        "csrf", "nonce", "timestamp", "ticker",
    }
)  # fmt: skip
_FURNITURE_COMPOUNDS = ("mostread", "mostpopular", "mostviewed", "mostshared", "mostcommented",
                        "readmore", "readnext", "alsoread", "pageviews", "livetime")  # fmt: skip
_NEVER_FURNITURE = frozenset({"html", "body", "main", "article", "h1"})
_TOKEN_SPLIT = re.compile(r"[^a-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


def is_furniture(el: lxml.html.HtmlElement) -> bool:
    """Whether class/id name the element as page furniture (ads, counters, clocks, cookie
    banners, most-read and related lists, comments). Page-level wrappers never are."""
    if not isinstance(el.tag, str) or el.tag in _NEVER_FURNITURE:
        return False
    names = f"{el.get('class', '')} {el.get('id', '')}"
    if not names.strip():
        return False
    names = _CAMEL.sub("-", names).lower()
    if set(_TOKEN_SPLIT.split(names)) & _FURNITURE_TOKENS:
        return True
    squashed = _TOKEN_SPLIT.sub("", names)
    return any(c in squashed for c in _FURNITURE_COMPOUNDS)


def _clean(text: str) -> str:
    return " ".join(_INVISIBLE.sub("", text).split())


def _title(root: lxml.html.HtmlElement) -> str:
    h1 = next(root.iter("h1"), None)
    if h1 is not None and _clean(h1.text_content()):
        return _clean(h1.text_content())
    for meta in root.iter("meta"):
        if (meta.get("property") or meta.get("name") or "").lower() == "og:title":
            return _clean(meta.get("content") or "")
    title = next(root.iter("title"), None)
    return _clean(title.text_content()) if title is not None else ""


def _scope(root: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """The <article> or <main> holding the most paragraph text, else the whole page."""
    best, best_len = root, 0
    for el in root.iter("article", "main"):
        size = sum(len(p.text_content()) for p in el.iter("p"))
        if size > best_len:
            best, best_len = el, size
    return best


def _own_text(p: lxml.html.HtmlElement, verdicts: dict[lxml.html.HtmlElement, bool]) -> str:
    """Paragraph text without furniture inside it (<p><span class="comments-count">12</span>)."""
    inner = [el for el in p.iterdescendants() if verdicts.setdefault(el, is_furniture(el))]
    if not inner:
        return _clean(p.text_content())
    copy = lxml.html.fromstring(lxml.html.tostring(p, with_tail=False))
    for el in [el for el in copy.iterdescendants() if is_furniture(el)]:
        if el.getparent() is not None:
            el.drop_tree()
    return _clean(copy.text_content())


def _paragraphs(scope: lxml.html.HtmlElement) -> list[str]:
    """Text of the <p> elements in scope, minus those inside skipped tags or furniture.
    A furniture-named element holding most of the text is a mislabelled wrapper and kept."""
    found: list[tuple[str, list[lxml.html.HtmlElement]]] = []
    verdicts: dict[lxml.html.HtmlElement, bool] = {}  # paragraphs share ancestors
    for p in scope.iter("p"):
        blamed: list[lxml.html.HtmlElement] = []
        skipped = False
        for el in p.iterancestors():
            if el is scope:
                break
            if el.tag in _SKIPPED_TAGS:
                skipped = True
                break
            if el not in verdicts:
                verdicts[el] = is_furniture(el)
            if verdicts[el]:
                blamed.append(el)
        text = _own_text(p, verdicts)
        if text and not skipped and not is_furniture(p):
            found.append((text, blamed))
    total = sum(len(t) for t, _ in found) or 1
    share: dict[lxml.html.HtmlElement, int] = {}
    for text, blamed in found:
        for el in blamed:
            share[el] = share.get(el, 0) + len(text)
    return [t for t, blamed in found if all(share[el] > total / 2 for el in blamed)]


def body_fingerprint(html: bytes, charset: str | None = None) -> str:
    """ "fp1:" + sha256 of the title and main paragraphs. Equal for two loads of one article
    whose furniture (clock, counters, nonces, most-read lists, ads) changed; different when
    the title or any paragraph changed. Never raises."""
    return tree_fingerprint(parse_html_safely(html, charset))


def tree_fingerprint(root: lxml.html.HtmlElement | None) -> str:
    """`body_fingerprint` of a page already parsed with `parse_html` (the tree is not changed)."""
    if root is None:
        return f"{VERSION}:empty"
    paragraphs = _paragraphs(_scope(root))
    parts = [_title(root), *paragraphs]
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8", "replace")).hexdigest()
    if sum(len(p) for p in paragraphs) < MIN_TRUSTED_CHARS:
        return f"{VERSION}-weak:{digest}"
    return f"{VERSION}:{digest}"


#: Below this much paragraph text (a body in bare <div>s, say) a fingerprint cannot vouch that the
#: article is unchanged: `is_trusted` says no, and the page is extracted in full instead.
MIN_TRUSTED_CHARS = 300


def is_trusted(fingerprint: str | None) -> bool:
    return (
        fingerprint is not None
        and not fingerprint.startswith(f"{VERSION}-weak:")
        and not fingerprint.endswith(":empty")
    )
