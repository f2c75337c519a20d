"""Decode feed bytes: BOM, then valid UTF-8, then the HTTP charset, the XML declaration, a guess."""

from __future__ import annotations

import codecs
import re

_XML_DECL = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._:-]+)[\"']", re.I)
_XML_DECL_TEXT = re.compile(r"^(\s*<\?xml[^>]*?encoding\s*=\s*[\"'])([A-Za-z0-9._:-]+)([\"'])")
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", re.I)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Legacy single-byte code pages to try when nothing is declared, by language.
_FALLBACK = {"ar": "windows-1256", "tr": "windows-1254", "fa": "windows-1256"}


def _codec(name: str | None) -> str | None:
    """Return Python's name for a charset label, or None when it is unknown."""
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().lower()).name
    except LookupError:
        return None


def http_charset(content_type: str | None) -> str | None:
    """Return the charset parameter of a Content-Type header, if any."""
    match = _CHARSET.search(content_type or "")
    return match.group(1) if match else None


def declared_xml_encoding(content: bytes) -> str | None:
    """Return the encoding named in the XML declaration, if any."""
    match = _XML_DECL.match(content[:1024])
    return match.group(1).decode("ascii") if match else None


def decode_document(
    content: bytes, content_type: str | None = None, language: str | None = None
) -> tuple[str, str]:
    """Return (text, encoding used).

    Bytes that decode as UTF-8 and contain non-ASCII are UTF-8 whatever the
    labels say: legacy Arabic or Turkish text is practically never valid UTF-8,
    while servers that mislabel UTF-8 as ISO-8859-1 are common.
    """
    for bom, name in _BOMS:
        if content.startswith(bom):
            return content.decode(name, "replace"), name
    try:
        return content.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    candidates = [
        _codec(http_charset(content_type)),
        _codec(declared_xml_encoding(content)),
        _codec(_FALLBACK.get((language or "").split("-")[0].lower())),
        "cp1252",
    ]
    for name in candidates:
        if name is None or name in ("utf_8", "ascii"):
            continue
        try:
            return content.decode(name), name
        except UnicodeDecodeError:
            continue
    return content.decode("utf-8", "replace"), "utf-8"


def as_utf8_xml(text: str) -> bytes:
    """Encode decoded XML as UTF-8, rewriting its declaration to say so."""
    return _XML_DECL_TEXT.sub(r"\g<1>utf-8\g<3>", text.lstrip("\ufeff"), count=1).encode("utf-8")
