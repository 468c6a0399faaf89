"""OPML subscription lists -> outlets (name, home page, feeds), through the safe XML parser;
nested category outlines are walked, outlines with one home page are merged.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from memoryhole.sources.xmlsafe import XmlRejected, local_name, parse_xml
from memoryhole.urls import host

__all__ = ["OpmlOutlet", "OpmlError", "parse_opml"]


@dataclass(frozen=True)
class OpmlOutlet:
    name: str
    homepage: str
    feeds: tuple[str, ...]


class OpmlError(ValueError):
    """The file is not a usable OPML document; the message says why and what to do."""


def parse_opml(body: bytes) -> list[OpmlOutlet]:
    """Outlets in an OPML file, in document order. Raises OpmlError (a ValueError) when the
    file is unsafe or not OPML."""
    root = parse_xml(body)
    if isinstance(root, XmlRejected):
        raise OpmlError(f"OPML file rejected ({root.reason}): {root.detail}; export it again "
                        "from your feed reader")  # fmt: skip
    if local_name(root) != "opml":
        raise OpmlError(f"not an OPML file (root element <{local_name(root)}>, expected <opml>)")
    outlets: dict[str, tuple[str, str, list[str]]] = {}
    for outline in root.iter():
        if local_name(outline) != "outline":
            continue
        _add(outlets, outline)
    return [
        OpmlOutlet(name, home, tuple(dict.fromkeys(feeds)))
        for name, home, feeds in outlets.values()
    ]


def _http(value: str | None) -> str | None:
    value = (value or "").strip()
    return value if value.startswith(("http://", "https://")) else None


def _attr(outline, name: str) -> str | None:  # noqa: ANN001 - lxml element
    """OPML attribute names are camelCase by the spec, but files in the wild vary the case."""
    for key, value in outline.attrib.items():
        if isinstance(key, str) and key.lower() == name.lower():
            return value
    return None


def _add(outlets: dict[str, tuple[str, str, list[str]]], outline) -> None:  # noqa: ANN001
    feed = _http(_attr(outline, "xmlUrl"))
    home = _http(_attr(outline, "htmlUrl"))
    if not feed and not home:
        return  # a category: its children are visited by the caller's walk
    if not home:
        parts = urlsplit(feed or "")
        home = f"{parts.scheme}://{parts.netloc}/"
    name = " ".join((_attr(outline, "title") or _attr(outline, "text") or host(home)).split())
    # One outlet per home page: www. and trailing slash do not make another one.
    key = host(home) + urlsplit(home).path.rstrip("/")
    if key not in outlets:
        outlets[key] = (name, home, [])
    if feed:
        outlets[key][2].append(feed)
