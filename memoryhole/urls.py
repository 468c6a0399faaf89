"""URL identity and shape: one canonical form per article URL, same-site tests, and a guess at
what kind of page a URL names (article, listing, static page, file) from its shape alone.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import courlan

__all__ = ["canonicalize", "same_site", "is_homepage", "url_kind", "looks_like_article_url", "host"]

# Query parameters that only say who sent the reader: dropping them never changes the page.
# An explicit list rather than courlan's tracker pattern, which also drops meaningful
# parameters such as "game", "gallery" or "keywords" (it matches prefixes).
_TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "gclsrc", "yclid", "msclkid", "dclid", "igshid", "mc_cid", "mc_eid",
        "ref", "ref_src", "ref_url", "referrer", "cmpid", "ocid", "smid", "smtyp", "share",
        "s_cid", "at_medium", "at_campaign", "at_custom1", "ito", "ns_mchannel", "ns_source",
        "ns_campaign", "ns_linkname", "ns_fee", "wt_mc", "wt.mc_id", "_ga", "_gl", "_hsenc",
        "_hsmi", "mkt_tok", "spm", "twclid", "ttclid", "li_fat_id", "wbraid", "gbraid",
    }
)  # fmt: skip
_TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_", "oly_", "vero_", "__")

_FILE_EXT = re.compile(
    r"\.(xml|rss|atom|rdf|json|txt|csv|css|js|mjs|map|png|jpe?g|gif|svg|webp|avif|ico|bmp|"
    r"pdf|zip|gz|tgz|mp3|mp4|m4a|webm|ogg|wav|mov|avi|woff2?|ttf|eot|otf|docx?|xlsx?|pptx?)$"
)
_FEED_SEGMENTS = frozenset({"feed", "feeds", "rss", "atom", "sitemap", "sitemaps", "wp-json"})
_STATIC_SEGMENTS = frozenset(
    {
        "about", "about-us", "aboutus", "contact", "contacts", "contact-us", "kontakt", "impressum",
        "imprint", "privacy", "privacy-policy", "datenschutz", "terms", "terms-of-use",
        "terms-of-service", "legal", "jobs", "careers", "advertise", "advertising", "login",
        "signin", "sign-in", "register", "signup", "subscribe", "subscription", "newsletter",
        "newsletters", "faq", "help", "cookies", "cookie-policy", "accessibility", "corrections",
        "ethics", "team", "staff", "masthead", "account", "cart", "shop", "donate", "agb",
    }
)  # fmt: skip
_LISTING_SEGMENTS = frozenset(
    {
        "tag", "tags", "topic", "topics", "author", "authors", "category", "categories",
        "section", "sections", "search", "archive", "archives", "page", "thema", "themen",
        "schlagwort", "autor", "autoren", "rubrik", "ressort", "kategorie", "seite", "people",
        "person", "profile", "profiles", "series", "label", "labels", "keyword", "keywords",
    }
)  # fmt: skip
_LISTING_QUERY = frozenset({"s", "q", "query", "search", "tag", "cat", "page", "paged"})
_ARTICLE_QUERY = frozenset(
    {"p", "id", "aid", "idx", "article_id", "articleid", "story_id", "storyid", "itemid", "newsid",
     "news_id", "docid", "articleno", "article", "story"}
)  # fmt: skip
_DATE_PATH = re.compile(r"/(?:19|20)\d{2}/(?:0?[1-9]|1[0-2])(?:/(?:0?[1-9]|[12]\d|3[01]))?(?=/|$)")
_COMPACT_DATE = re.compile(
    r"(?:^|/)(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?=/|$|-)"
)
_LONG_NUMBER = re.compile(r"(?:^|\D)\d{5,}(?:\D|$)")
_PAGE_EXT = re.compile(r"\.(s?html?|php|aspx?|jsp|cms)$")
_WORD_SPLIT = re.compile(r"[-_+.]+")


def canonicalize(url: str) -> str:
    """One form per URL: lower-case scheme and host, no default port, no fragment, no tracking
    parameters, sorted query, dot segments resolved. Never raises; text that is not an http(s)
    URL comes back stripped of surrounding whitespace."""
    try:
        once = _canonicalize_once(url)
        # A second pass settles the rare inputs courlan changes twice (e.g. re-quoted paths).
        return _canonicalize_once(once)
    except Exception:  # courlan and urllib raise a zoo of errors on hostile input
        return url.strip()


def _canonicalize_once(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return url
    without_query = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    normal = urlsplit(courlan.normalize_url(without_query, strict=True))
    path = _remove_dot_segments(normal.path) or "/"
    query = _clean_query(parts.query)
    netloc = normal.netloc.rstrip(".")
    return urlunsplit((normal.scheme, netloc, path, query, ""))


def _clean_query(query: str) -> str:
    pairs = parse_qsl(query, keep_blank_values=True)
    kept = sorted(
        (k, v)
        for k, v in pairs
        if k.lower() not in _TRACKING_PARAMS and not k.lower().startswith(_TRACKING_PREFIXES)
    )
    return urlencode(kept)


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4, which courlan only applies to leading segments."""
    if "." not in path:
        return path
    out: list[str] = []
    segments = path.split("/")
    for seg in segments:
        if seg == "..":
            if len(out) > 1:
                out.pop()
        elif seg != ".":
            out.append(seg)
    if segments[-1] in (".", ".."):
        out.append("")
    return "/".join(out)


def host(url: str) -> str:
    """The host name, lower-case, without a leading "www." ("" when there is none)."""
    try:
        name = urlsplit(url.strip()).hostname or ""
    except ValueError:
        return ""
    return name.removeprefix("www.").rstrip(".")


def _site(url: str) -> str:
    name = host(url)
    if not name:
        return ""
    try:
        domain = courlan.extract_domain(url.strip())
    except Exception:
        domain = None
    return domain or name


def same_site(a: str, b: str) -> bool:
    """Both URLs belong to one registrable domain (edition.cnn.com and www.cnn.com do)."""
    site = _site(a)
    return bool(site) and site == _site(b)


def is_homepage(url: str, homepage: str) -> bool:
    """The URL names the outlet's home page (trailing slash, index.html and tracking ignored)."""
    a, b = urlsplit(canonicalize(url)), urlsplit(canonicalize(homepage))
    if host(a.geturl()) != host(b.geturl()) or a.query:
        return False
    return _home_path(a.path) == _home_path(b.path)


def _home_path(path: str) -> str:
    path = re.sub(r"/(index|default|home)\.(s?html?|php|aspx?)$", "/", path)
    return path.rstrip("/")


def url_kind(url: str) -> str | None:
    """What a URL's shape suggests: "home", "article", "listing" (section, tag, author, search,
    pagination, date archive), "static" (about, contacts, legal), "file" (feed, sitemap, asset),
    or None when the shape says nothing."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    path = parts.path.lower()
    segments = [s for s in path.split("/") if s]
    query_keys = {k.lower() for k, _ in parse_qsl(parts.query)}
    if not segments:
        if query_keys & _ARTICLE_QUERY:
            return "article"
        return "listing" if query_keys & _LISTING_QUERY else "home"
    last = segments[-1]
    if _FILE_EXT.search(last) or _FEED_SEGMENTS & set(segments):
        return "file"
    stems = [_PAGE_EXT.sub("", s) for s in segments]
    if stems[-1] in ("index", "default", "home") and len(stems) == 1 and not query_keys:
        return "home"
    if _STATIC_SEGMENTS & set(stems):
        return "static"
    # /tag/x, /author/x, /page/2, /search: the keyword is the last segment or its parent;
    # further up (/people/real-life/some-story-123) it names a section holding articles.
    if _LISTING_SEGMENTS & set(stems[-2:]):
        return "listing"
    if query_keys & _ARTICLE_QUERY:
        return "article"  # news_view.html?idx=8576&page=1: the id names the article
    if query_keys & _LISTING_QUERY:
        return "listing"
    return _content_kind(path, stems)


def _content_kind(path: str, stems: list[str]) -> str | None:
    last = stems[-1]
    date = _DATE_PATH.search(path)
    if date:
        # /2024/05/12/ alone is a day's archive; anything after the date is the article.
        return "article" if path[date.end() :].strip("/") else "listing"
    if _COMPACT_DATE.search(path) or _LONG_NUMBER.search(path):
        return "article"
    words = [w for w in _WORD_SPLIT.split(last) if w]
    if len(words) >= 4 or (len(words) == 3 and len(stems) >= 2):
        return "article"
    if last.isdigit() and len(stems) >= 2:
        return "article"
    if _PAGE_EXT.search(path):
        return None  # /news/foo.html: a page, but of which kind the name does not say
    short = len(words) == 1 or (len(words) == 2 and len(last) <= 14)
    if len(stems) <= 2 and short and not any(c.isdigit() for c in "".join(stems)):
        return "listing"  # /politics, /world/europe, /us-news: a section
    return None


def looks_like_article_url(url: str) -> bool | None:
    """True for article-shaped URLs (date paths, long slugs, numeric ids), False for home,
    section, tag, author, search, pagination, static pages and files; None when unsure."""
    kind = url_kind(url)
    if kind is None:
        return None
    return kind == "article"
