"""Safe parsing of untrusted XML (feeds, sitemaps, OPML): entity declarations (billion laughs,
external entities such as file:///etc/passwd) are refused before any parser sees the bytes,
and lxml runs with entity resolution, DTD loading and network access off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import lxml.etree

__all__ = ["XmlRejected", "check_xml", "parse_xml", "local_name"]

# Feeds, sitemaps and OPML never need to declare entities; any declaration is refused, so
# neither expansion bombs nor external entities can reach a parser (feedparser included).
_ENTITY_DECL = re.compile(rb"<!\s*ENTITY", re.I)
_EXTERNAL = re.compile(rb"<!\s*ENTITY[^>]*\b(SYSTEM|PUBLIC)\b", re.I)
MAX_XML_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class XmlRejected:
    """Why a document was not parsed: "entity-expansion", "external-entity", "too-large" or
    "malformed"; ``detail`` is one human line."""

    reason: str
    detail: str

    def __bool__(self) -> bool:  # a rejection is never mistaken for a parsed tree
        return False


def _ascii_view(body: bytes) -> bytes:
    """The bytes with NULs removed, so UTF-16/32 documents cannot hide a declaration."""
    return body.replace(b"\x00", b"") if b"\x00" in body[:4096] else body


def check_xml(body: bytes) -> XmlRejected | None:
    """Refuse documents that declare entities or are too large; None when safe to parse."""
    if len(body) > MAX_XML_BYTES:
        return XmlRejected("too-large", f"XML body of {len(body)} bytes exceeds {MAX_XML_BYTES}")
    view = _ascii_view(body)
    if _EXTERNAL.search(view):
        return XmlRejected("external-entity", "document declares an external entity; refused")
    if _ENTITY_DECL.search(view):
        return XmlRejected("entity-expansion", "document declares entities; refused")
    return None


def _parser(recover: bool) -> lxml.etree.XMLParser:
    return lxml.etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        recover=recover,
        remove_comments=True,
        remove_pis=True,
    )


def parse_xml(body: bytes, *, recover: bool = True) -> lxml.etree._Element | XmlRejected:
    """Parse untrusted XML into an lxml element, or say why not (never raises).
    ``recover`` keeps what a truncated or slightly broken document still holds."""
    rejected = check_xml(body)
    if rejected is not None:
        return rejected
    try:
        root = lxml.etree.fromstring(body, parser=_parser(recover))
    except (lxml.etree.XMLSyntaxError, ValueError) as exc:
        return XmlRejected("malformed", str(exc).splitlines()[0] if str(exc) else "not XML")
    if root is None:
        return XmlRejected("malformed", "no root element")
    return root


def local_name(el: lxml.etree._Element) -> str:
    """The tag without its namespace, lower-case ("" for comments and the like)."""
    tag = el.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1].lower()
