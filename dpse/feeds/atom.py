"""Atom 1.0 (RFC 4287) documents written with xml.etree, which escapes every text and attribute.

A feed is built from plain `Entry` values (see dpse.feeds.entries); nothing here reads the
database or a request.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

ATOM_NS = "http://www.w3.org/2005/Atom"
XML_NS = "http://www.w3.org/XML/1998/namespace"
CONTENT_TYPE = "application/atom+xml; charset=utf-8"
# Characters XML 1.0 forbids even escaped; a title pasted with one must not break the feed.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class Author:
    """A name as the pages show it ("Former member" for a deleted account) and its profile."""

    name: str
    uri: str = ""


@dataclass
class Entry:
    """One entry: ``content_html`` is stored, already sanitised HTML (never user Markdown)."""

    id: str
    title: str
    url: str
    updated: datetime
    published: datetime | None
    authors: list[Author]
    language: str
    summary: str = ""
    content_html: str = ""
    categories: list[str] = field(default_factory=list)


@dataclass
class Feed:
    """A feed's own fields; ``updated`` is the newest entry's (or ``fallback_updated``)."""

    id: str
    title: str
    subtitle: str
    self_url: str
    page_url: str
    site_url: str
    site_name: str
    language: str
    entries: list[Entry]
    fallback_updated: datetime

    @property
    def updated(self) -> datetime:
        return max((e.updated for e in self.entries), default=self.fallback_updated)


def rfc3339(moment: datetime) -> str:
    """'2026-12-05T09:30:00+00:00': Atom's date-time, always with its offset."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # stored times are UTC
    return moment.isoformat(timespec="seconds")


def xml_text(value: str) -> str:
    """The text without the characters XML cannot hold."""
    return NOT_XML.sub("", value)


def _text(parent: ET.Element, tag: str, value: str, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
    element.text = xml_text(value)
    return element


def _link(parent: ET.Element, href: str, rel: str = "alternate", type_: str = "") -> None:
    attrs = {"rel": rel, "href": href}
    if type_:
        attrs["type"] = type_
    ET.SubElement(parent, f"{{{ATOM_NS}}}link", attrs)


def _authors(parent: ET.Element, authors: Iterable[Author]) -> None:
    for author in authors:
        element = ET.SubElement(parent, f"{{{ATOM_NS}}}author")
        _text(element, "name", author.name)
        if author.uri:
            _text(element, "uri", author.uri)


def _entry(parent: ET.Element, entry: Entry) -> None:
    element = ET.SubElement(parent, f"{{{ATOM_NS}}}entry", {f"{{{XML_NS}}}lang": entry.language})
    _text(element, "id", entry.id)
    _text(element, "title", entry.title, type="text")
    _link(element, entry.url, type_="text/html")
    _text(element, "updated", rfc3339(entry.updated))
    if entry.published is not None:
        _text(element, "published", rfc3339(entry.published))
    _authors(element, entry.authors)
    for term in entry.categories:
        ET.SubElement(element, f"{{{ATOM_NS}}}category", {"term": term})
    if entry.summary:
        _text(element, "summary", entry.summary, type="text")
    if entry.content_html:
        # type="html": the sanitised HTML travels as escaped text (ElementTree escapes it).
        _text(element, "content", str(entry.content_html), type="html")


def render_feed(feed: Feed) -> bytes:
    """The feed as a UTF-8 Atom document."""
    ET.register_namespace("", ATOM_NS)
    root = ET.Element(
        f"{{{ATOM_NS}}}feed",
        # xml:base: links inside stored HTML are site paths; readers resolve them against it.
        {f"{{{XML_NS}}}lang": feed.language, f"{{{XML_NS}}}base": feed.site_url + "/"},
    )
    _text(root, "id", feed.id)
    _text(root, "title", feed.title, type="text")
    if feed.subtitle:
        _text(root, "subtitle", feed.subtitle, type="text")
    _link(root, feed.self_url, rel="self", type_="application/atom+xml")
    _link(root, feed.page_url, type_="text/html")
    _text(root, "updated", rfc3339(feed.updated))
    # Atom requires an author for entries without one; every entry here names its own, but
    # the feed-level author keeps the document valid whatever the entries hold.
    _authors(root, [Author(feed.site_name, feed.site_url)])
    _text(root, "generator", "DPSE")
    for entry in feed.entries:
        _entry(root, entry)
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return body
