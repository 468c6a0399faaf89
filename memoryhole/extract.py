"""HTML -> Document (pure): decoding, metadata, trafilatura text, normalisation that removes page
furniture, page-type classification, and link extraction for listing pages. Never raises.
"""

from __future__ import annotations

import codecs
import contextlib
import copy
import functools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urljoin

import charset_normalizer
import lxml.etree
import lxml.html
import trafilatura

from memoryhole.models import Document
from memoryhole.urls import canonicalize, same_site, url_kind

__all__ = [
    "extract",
    "extract_tree",
    "extract_links",
    "decode_html",
    "parse_html",
    "parse_html_safely",
    "normalise_text",
]

# --- decoding -----------------------------------------------------------------------------------

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9._:-]+)""", re.I)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Labels browsers treat as supersets (WHATWG encoding standard): decoding with the superset
# never loses characters the page really used.
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "iso-8859-1": "cp1252", "latin1": "cp1252",
              "ascii": "cp1252", "us-ascii": "cp1252", "tis-620": "cp874", "euc-kr": "cp949",
              "shift_jis": "cp932", "x-sjis": "cp932"}  # fmt: skip


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = _SUPERSETS.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def decode_html(data: bytes | str, charset: str | None = None) -> str:
    """Bytes -> text: the given charset, then BOM, then <meta charset>, then UTF-8, then
    charset-normalizer's guess; undecodable bytes become U+FFFD. Never raises."""
    if isinstance(data, str):
        return data
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(name, errors="replace")
    match = _META_CHARSET.search(data[:4096])
    declared = [_codec(charset), _codec(match.group(1).decode("ascii") if match else None)]
    for codec in declared:
        if codec:
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                continue
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(data[:200_000]).best()
    name = (best and _codec(best.encoding)) or next((n for n in declared if n), "utf-8")
    return data.decode(name, errors="replace")


# C0 controls are not allowed in XML text, and trafilatura builds XML: delete them. Done on the
# UTF-8 bytes (bytes.translate is several times faster than a regex over the str), which is
# safe because these bytes never occur inside a multi-byte UTF-8 sequence.
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])


def parse_html(html: bytes | str, charset: str | None = None) -> lxml.html.HtmlElement | None:
    """Parse a page into an lxml tree (None when there is nothing to parse)."""
    # lxml refuses str input that carries an XML encoding declaration; hand it UTF-8 bytes.
    data = decode_html(html, charset).encode("utf-8", "replace").translate(None, _CONTROL_BYTES)
    if not data.strip():
        return None
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
    try:
        root = lxml.html.document_fromstring(data, parser=parser)
    except (lxml.etree.ParserError, ValueError):
        return None
    return root if isinstance(root, lxml.html.HtmlElement) else None


# --- furniture lines ----------------------------------------------------------------------------------

# Whole lines that are page furniture when trafilatura leaks them into the text.
_FURNITURE_LINES = [
    re.compile(p, re.I)
    for p in (
        r"^\d{1,2}[:.]\d{2}(?:[:.]\d{2})?\s*(?:am|pm|uhr|h)?$",  # a clock
        r"^[\d.,\s]+[km]?\s*(?:views?|reads?|comments?|shares?|likes?|aufrufe|kommentare|visitas|vues|"
        r"lectures|просмотр\w*)$",  # counters
        r"^(?:(?:last\s+)?updated|published|posted|aktualisiert)?[:\s]*(?:\d+|an?|one)\s*"
        r"(?:sec(?:ond)?s?|min(?:ute)?s?|hours?|hrs?|h|days?|weeks?)\s+ago\.?$",
        r"^(?:(?:zuletzt\s+)?aktualisiert|stand)?[:\s]*vor\s+\d+\s+(?:sekunden|minuten|stunden|tagen?)$",
        r"^(?:most\s+(?:read|popular|viewed|shared|commented)|trending(?:\s+now)?|read\s+more|"
        r"related\s+(?:articles|stories|news|content)|recommended(?:\s+for\s+you)?|you\s+may\s+"
        r"also\s+like|advertisement|anzeige|werbung|meistgelesen|publicidad|publicité)\s*:?$",
    )
]
_COOKIE_WORDS = ("accept", "consent", "we use", "uses cookies", "einwilligung", "akzeptieren",
                 "zustimmen", "aceptar", "accepter")  # fmt: skip
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


def _is_furniture_line(line: str) -> bool:
    if any(p.match(line) for p in _FURNITURE_LINES):
        return True
    lower = line.lower()
    return "cookie" in lower and len(line) < 600 and any(w in lower for w in _COOKIE_WORDS)


def normalise_text(raw: str) -> str:
    """Collapse whitespace inside lines, drop furniture lines, join paragraphs with a blank
    line. Quote marks are kept as they are: quotations are evidence."""
    lines = (" ".join(_INVISIBLE.sub("", line).split()) for line in raw.splitlines())
    return "\n\n".join(line for line in lines if line and not _is_furniture_line(line))


def _clean(text: str | None) -> str:
    return " ".join(_INVISIBLE.sub("", text or "").split())


# --- metadata -----------------------------------------------------------------------------------


@dataclass
class _Meta:
    canonical: str | None = None
    og_type: str | None = None
    og_title: str = ""
    description: str = ""
    language: str | None = None
    published: str | None = None
    updated: str | None = None
    ld_types: tuple[str, ...] = ()


def _meta_content(root: lxml.html.HtmlElement, *names: str) -> str:
    for el in root.iter("meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or "").lower()
        if key in names and el.get("content", "").strip():
            return el.get("content", "").strip()
    return ""


def _json_ld(root: lxml.html.HtmlElement) -> Iterator[dict]:
    """Top-level JSON-LD objects (and @graph members); nested ones describe other things."""
    for script in root.iter("script"):
        if (script.get("type") or "").lower().strip() != "application/ld+json":
            continue
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        items = data if isinstance(data, list) else [data]
        for item in items:
            if isinstance(item, dict):
                graph = item.get("@graph")
                yield from (
                    (g for g in graph if isinstance(g, dict)) if isinstance(graph, list) else [item]
                )


def _ld_type_names(item: dict) -> list[str]:
    kind = item.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return [k.lower() for k in kinds if isinstance(k, str)]


def _page_meta(root: lxml.html.HtmlElement, url: str) -> _Meta:
    meta = _Meta()
    href = next((el.get("href") for el in root.iter("link") if _rel(el) == {"canonical"}), None)
    href = href or _meta_content(root, "og:url")
    if href:
        try:
            absolute = canonicalize(urljoin(url, href.strip()))
        except ValueError:  # "http://[" and the like: no usable canonical
            absolute = ""
        meta.canonical = absolute if absolute.startswith(("http://", "https://")) else None
    meta.og_type = _meta_content(root, "og:type").lower() or None
    meta.og_title = _clean(_meta_content(root, "og:title", "twitter:title"))
    meta.description = _clean(_meta_content(root, "description", "og:description"))
    meta.language = _declared_language(root)
    types: list[str] = []
    for item in _json_ld(root):
        names = _ld_type_names(item)
        types.extend(names)
        if any(n in _ARTICLE_TYPES for n in names):
            meta.published = meta.published or _ld_str(item, "datePublished")
            meta.updated = meta.updated or _ld_str(item, "dateModified")
    meta.ld_types = tuple(types)
    meta.published = meta.published or _meta_content(root, "article:published_time") or None
    meta.updated = (
        meta.updated or _meta_content(root, "article:modified_time", "og:updated_time") or None
    )
    return meta


def _rel(el: lxml.html.HtmlElement) -> set[str]:
    return set((el.get("rel") or "").lower().split())


def _ld_str(item: dict, key: str) -> str | None:
    value = item.get(key)
    return value.strip() or None if isinstance(value, str) else None


_LANG = re.compile(r"^([a-zA-Z]{2})(?:[-_][a-zA-Z0-9]{1,8})*$")


def _declared_language(root: lxml.html.HtmlElement) -> str | None:
    for value in (root.get("lang"), root.get("xml:lang"), _meta_content(root, "content-language"),
                  _meta_content(root, "og:locale"), _meta_content(root, "language")):  # fmt: skip
        match = _LANG.match((value or "").strip())
        if match:
            return match.group(1).lower()
    return None


@functools.cache
def _language_identifier():  # noqa: ANN202 - py3langid has no public type for it
    # Loaded on first use (about a second), once per process: safe in worker processes.
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def _language(declared: str | None, text: str) -> str | None:
    """The declared language unless the text is long and clearly in another one (templates
    often declare the site's default language on every page)."""
    if len(text) < 200:
        return declared
    detected, confidence = _language_identifier().classify(text[:2000])  # plenty, and 3x cheaper
    if declared is None or (confidence >= 0.99 and len(text) >= 500):
        return str(detected)
    return declared


# --- page type ----------------------------------------------------------------------------------

_ARTICLE_TYPES = frozenset(
    {
        "article", "newsarticle", "blogposting", "reportagenewsarticle", "analysisnewsarticle",
        "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "askpublicnewsarticle",
        "liveblogposting", "techarticle", "scholarlyarticle", "report", "satiricalarticle",
    }
)  # fmt: skip
_LISTING_TYPES = frozenset({"collectionpage", "itemlist", "searchresultspage", "profilepage"})
_OTHER_TYPES = frozenset({"aboutpage", "contactpage", "faqpage", "checkoutpage", "qapage"})


def _page_type(root: lxml.html.HtmlElement, url: str, meta: _Meta, text: str) -> str:
    """article / listing / other, from a tally of independent signals (no single one is
    trusted: some CMSs say og:type=article on every page)."""
    kind = url_kind(url)
    n_article_ld = sum(t in _ARTICLE_TYPES for t in meta.ld_types)
    # Link density is not used: mega-menus make it high on article pages too.
    linky = sum(1 for a in root.iter("a") if a.get("href")) >= 30 and len(text) < 1000
    n_articles = sum(1 for _ in root.iter("article"))
    score = 0
    score += 3 if 1 <= n_article_ld <= 2 else (-3 if n_article_ld >= 3 else 0)
    score += 2 if meta.og_type == "article" else 0
    score += (len(text) >= 600) + (len(text) >= 1500)
    score += {"article": 1, "home": -3, "listing": -2, "static": -3, "file": -3}.get(kind or "", 0)
    score -= 2 if linky else 0
    score -= 1 if n_articles >= 3 else 0  # teaser cards, but also "related" cards on articles
    score -= 3 if set(meta.ld_types) & (_LISTING_TYPES | _OTHER_TYPES) else 0
    if score >= 2:
        return "article"
    if kind == "static" or set(meta.ld_types) & _OTHER_TYPES:
        return "other"
    if (
        kind in ("home", "listing")
        or linky
        or n_articles >= 3
        or set(meta.ld_types) & _LISTING_TYPES
    ):
        return "listing"
    return "other"


# --- extraction ---------------------------------------------------------------------------------


def _first_text(root: lxml.html.HtmlElement, tag: str) -> str:
    el = next(root.iter(tag), None)
    return _clean(el.text_content()) if el is not None else ""


def _trafilatura(root: lxml.html.HtmlElement, url: str):  # noqa: ANN202 - trafilatura.Document
    """trafilatura favouring precision; when that finds next to nothing, its balanced mode.
    (Pruning furniture elements before trafilatura was measured: it lowered both recall and
    precision on trafilatura-eval, so only leaked furniture lines are dropped afterwards.)"""
    result = None
    for precision in (True, False):
        try:
            # trafilatura edits the tree it is given; each attempt gets its own copy.
            result = trafilatura.bare_extraction(
                copy.deepcopy(root),
                url=url,
                favor_precision=precision,
                include_comments=False,
                with_metadata=True,
            )
        except Exception:  # trafilatura has many failure modes on hostile HTML
            result = None
        if len(getattr(result, "text", None) or "") >= 200:
            break
    return result


def _pick_date(found: str | None, declared: str | None) -> str | None:
    """trafilatura's day (htmldate is robust); the declared datetime when it is that same day."""
    if declared and found and declared.startswith(found):
        return declared
    return found or declared


def extract(html: bytes | str, url: str, *, charset: str | None = None) -> Document:
    """HTML -> Document. Never raises: an unparseable page gives an empty "other" Document."""
    return extract_tree(parse_html_safely(html, charset), url)


def parse_html_safely(
    html: bytes | str, charset: str | None = None
) -> lxml.html.HtmlElement | None:
    """`parse_html`, with None for a page that makes it raise."""
    try:
        return parse_html(html, charset)
    except Exception:
        return None


def extract_tree(root: lxml.html.HtmlElement | None, url: str) -> Document:
    """`extract` on a page already parsed with `parse_html` (the tree is read, never changed)."""
    if root is None:
        return Document(url, None, "", "", None, None, None, "", "other")
    meta = _page_meta(root, url)
    result = _trafilatura(root, url)
    text = normalise_text(getattr(result, "text", None) or "")
    title = _clean(getattr(result, "title", None)) or meta.og_title or _first_text(root, "h1")
    if title and text.startswith(title + "\n\n"):
        text = text[len(title) + 2 :]  # the headline is the title field; not twice in diffs
    return Document(
        url=url,
        canonical_url=meta.canonical,
        title=title or _first_text(root, "title"),
        byline=_clean(getattr(result, "author", None)),
        published=_pick_date(getattr(result, "date", None), meta.published),
        updated=meta.updated,
        language=_language(meta.language, text),
        text=text,
        page_type=_page_type(root, url, meta, text),
        og_type=meta.og_type,
        description=meta.description or _clean(getattr(result, "description", None)),
    )


# --- links --------------------------------------------------------------------------------------

_TOKEN_SPLIT = re.compile(r"[^a-z0-9]+")
_NAV_TAGS = frozenset({"nav", "header"})
_OUTSIDE_CONTENT = frozenset({"nav", "header", "footer", "aside"})
_NAV_ROLES = frozenset({"navigation", "banner", "contentinfo", "menubar", "menu"})
_NAV_TOKENS = frozenset({"nav", "navbar", "navigation", "menu", "megamenu", "mainmenu", "topnav"})
_FOOTER_TOKENS = frozenset({"footer", "site-footer", "colophon"})


def _region_of(a: lxml.html.HtmlElement) -> tuple[bool, bool]:
    """(inside navigation, outside the content area) for a link."""
    in_nav = outside = False
    for el in a.iterancestors():
        tokens = set(_TOKEN_SPLIT.split(f"{el.get('class', '')} {el.get('id', '')}".lower()))
        role = (el.get("role") or "").lower()
        if el.tag in _NAV_TAGS or role in _NAV_ROLES or tokens & _NAV_TOKENS:
            in_nav = True
        if (
            el.tag in _OUTSIDE_CONTENT
            or role in _NAV_ROLES
            or tokens & (_NAV_TOKENS | _FOOTER_TOKENS)
        ):
            outside = True
    return in_nav, outside


def _anchor_text(a: lxml.html.HtmlElement) -> str:
    text = _clean(a.text_content())
    if text:
        return text
    img = next(a.iter("img"), None)
    alt = img.get("alt") if img is not None else None
    return _clean(a.get("title") or a.get("aria-label") or alt)


def extract_links(
    html: bytes | str | lxml.html.HtmlElement,
    base_url: str,
    *,
    same_site_only: bool = False,
    region: str = "all",
) -> list[tuple[str, str]]:
    """(absolute canonical URL, anchor text) for each distinct http(s) link, in page order.
    region: "all", "content" (not in nav/header/footer/aside) or "nav" (in nav/header)."""
    root = html if isinstance(html, lxml.html.HtmlElement) else parse_html(html)
    if root is None:
        return []
    base = next((b.get("href") for b in root.iter("base") if b.get("href")), None)
    if base:
        with contextlib.suppress(ValueError):  # an unparseable <base> is ignored, as browsers do
            base_url = urljoin(base_url, base.strip())
    seen: dict[str, str] = {}
    for a in root.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
            continue
        if region != "all":
            in_nav, outside = _region_of(a)
            if (region == "nav" and not in_nav) or (region == "content" and outside):
                continue
        try:
            url = canonicalize(urljoin(base_url, href))
        except ValueError:
            continue
        if not url.startswith(("http://", "https://")) or url in seen:
            continue
        if same_site_only and not same_site(url, base_url):
            continue
        seen[url] = _anchor_text(a)
    return list(seen.items())
