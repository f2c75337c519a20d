"""Read and write OPML subscription lists, parsing untrusted XML with defusedxml."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from bot.fetch.urls import canonical_url


class OpmlError(ValueError):
    """The document is not usable OPML (malformed, or refused as unsafe XML)."""


@dataclass
class OpmlSource:
    """One feed subscription from an OPML file."""

    title: str
    url: str
    language: str | None = None
    topics: list[str] = field(default_factory=list)


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
    """Return every outline with an xmlUrl, nested folders becoming topics; raise OpmlError."""
    try:
        root = SafeET.fromstring(content)
    except (DefusedXmlException, ET.ParseError) as exc:
        raise OpmlError(f"cannot read OPML: {exc}") from exc
    body = root.find("body")
    if root.tag != "opml" or body is None:
        raise OpmlError("not an OPML document")

    sources: list[OpmlSource] = []
    seen: set[str] = set()

    def walk(node: ET.Element, folders: list[str]) -> None:
        for outline in node.findall("outline"):
            title = (outline.get("title") or outline.get("text") or "").strip()
            xml_url = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
            if xml_url:
                try:
                    key = canonical_url(xml_url)  # for spotting duplicates only
                except ValueError:
                    key = ""
                if key and key not in seen:
                    seen.add(key)
                    url = xml_url  # fetched as written: some servers mind a trailing slash
                    topics = list(folders)
                    for topic in _split_categories(outline.get("category")):
                        if topic not in topics:
                            topics.append(topic)
                    language = (outline.get("language") or "").strip() or None
                    sources.append(OpmlSource(title or url, url, language, topics))
            walk(outline, folders + [title] if title and not xml_url else folders)

    walk(body, [])
    return sources


def build_opml(sources: list[OpmlSource], *, title: str = "Mojaz sources") -> bytes:
    """Serialise sources as OPML 2.0, grouped under no folders (topics go in `category`)."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    body = ET.SubElement(root, "body")
    for source in sources:
        attrs = {"type": "rss", "text": source.title, "title": source.title, "xmlUrl": source.url}
        if source.language:
            attrs["language"] = source.language
        if source.topics:
            attrs["category"] = ",".join(source.topics)
        ET.SubElement(body, "outline", attrs)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
