"""Read and write OPML subscription lists, parsing untrusted XML with defusedxml."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from bot.fetch.clean import one_line
from bot.fetch.urls import canonical_url

# Folders deeper than this are no reader's subscription list.
MAX_DEPTH = 50
NAME_MAX_CHARS = 200
# What XML 1.0 forbids: C0 controls but tab, newline and CR; surrogates; U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class OpmlError(ValueError):
    """The document is not usable OPML (malformed, or refused as unsafe XML)."""


@dataclass
class OpmlSource:
    """One feed subscription from an OPML file."""

    title: str
    url: str
    language: str | None = None
    topics: list[str] = field(default_factory=list)


def clean_name(text: str) -> str:
    """A source's name as plain text on one line: no tags, entities or control characters."""
    return one_line(text)[:NAME_MAX_CHARS]


def _split_categories(value: str | None) -> list[str]:
    """OPML `category` is comma-separated, each possibly a /path/like/this."""
    topics: list[str] = []
    for item in (value or "").split(","):
        for part in item.strip().split("/"):
            part = part.strip()
            if part and part not in topics:
                topics.append(part)
    return topics


def parse_opml(content: bytes) -> list[OpmlSource]:
    """Return every outline with an xmlUrl, nested folders becoming topics; raise OpmlError.

    An xmlUrl that is not a usable http(s) URL (ftp:, javascript:, empty) is returned too,
    as written, for the caller to report as skipped. Names are plain text (`clean_name`).
    """
    try:
        root = SafeET.fromstring(content)
    except (DefusedXmlException, ET.ParseError) as exc:
        raise OpmlError(f"cannot read OPML: {exc}") from exc
    body = root.find("body")
    if root.tag != "opml" or body is None:
        raise OpmlError("not an OPML document")

    sources: list[OpmlSource] = []
    seen: set[str] = set()
    # A stack, not recursion: thousands of nested outlines are refused, not a RecursionError.
    stack: list[tuple[ET.Element, list[str], int]] = [
        (outline, [], 1) for outline in reversed(body.findall("outline"))
    ]
    while stack:
        outline, folders, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise OpmlError(f"outlines nested more than {MAX_DEPTH} deep")
        title = clean_name(outline.get("title") or outline.get("text") or "")
        raw_url = outline.get("xmlUrl", outline.get("xmlurl"))
        xml_url = (raw_url or "").strip()
        if raw_url is not None:
            try:
                key = canonical_url(xml_url)  # for spotting duplicates only
            except ValueError:
                key = f"unusable {xml_url}"  # still returned: the import reports it skipped
            if key not in seen:
                seen.add(key)
                url = xml_url  # fetched as written: some servers mind a trailing slash
                topics = list(folders)
                for topic in _split_categories(outline.get("category")):
                    if topic not in topics:
                        topics.append(topic)
                language = (outline.get("language") or "").strip() or None
                sources.append(OpmlSource(title or url, url, language, topics))
        inner = folders + [title] if title and raw_url is None else folders
        stack.extend((child, inner, depth + 1) for child in reversed(outline.findall("outline")))
    return sources


def _xml_text(text: str) -> str:
    """Drop the characters XML 1.0 cannot hold, which ElementTree would write anyway."""
    return _NOT_XML.sub("", text)


def build_opml(sources: list[OpmlSource], *, title: str = "Mojaz sources") -> bytes:
    """Serialise sources as OPML 2.0, grouped under no folders (topics go in `category`)."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = _xml_text(title)
    body = ET.SubElement(root, "body")
    for source in sources:
        name, url = _xml_text(source.title), _xml_text(source.url)
        attrs = {"type": "rss", "text": name, "title": name, "xmlUrl": url}
        if source.language:
            attrs["language"] = _xml_text(source.language)
        if source.topics:
            attrs["category"] = _xml_text(",".join(source.topics))
        ET.SubElement(body, "outline", attrs)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
