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
# The legacy Arabic code pages, the commoner first (it wins a tie).
_ARABIC_CODECS = ("cp1256", "iso8859_6")
# Fewer Arabic words than this prove nothing about the code page.
MIN_ARABIC_WORDS = 3
_NON_ASCII_WORD = re.compile(r"\w*[^\x00-\x7f\W]\w*")


def _is_arabic(char: str) -> bool:
    """Tell whether a character is in one of the Arabic blocks."""
    return (
        "\u0600" <= char <= "\u06ff"
        or "\u0750" <= char <= "\u077f"
        or "\ufb50" <= char <= "\ufdff"
        or "\ufe70" <= char <= "\ufeff"
    )


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
    declared = [_codec(http_charset(content_type)), _codec(declared_xml_encoding(content))]
    found = _first_decoding(content, declared)
    if found is not None:
        return found
    # Nothing declared that fits: Arabic if the bytes read as Arabic, else a guess by language.
    found = guess_arabic(content) or _first_decoding(
        content, [_codec(_FALLBACK.get((language or "").split("-")[0].lower())), "cp1252"]
    )
    return found or (content.decode("utf-8", "replace"), "utf-8")


def _first_decoding(content: bytes, names: list[str | None]) -> tuple[str, str] | None:
    """The text and codec of the first of `names` that decodes `content` (UTF-8 was tried)."""
    for name in names:
        if name is None or name in ("utf_8", "ascii"):
            continue
        try:
            return content.decode(name), name
        except UnicodeDecodeError:
            continue
    return None


def _word_scripts(text: str) -> tuple[int, int]:
    """Count (Arabic words, other words) among the words with a letter outside ASCII.

    A word is Arabic when every letter in it is; a word that mixes Arabic and Latin
    letters is the mark of the wrong code page.
    """
    arabic = other = 0
    for word in _NON_ASCII_WORD.findall(text):
        letters = [c for c in word if c.isalpha()]
        if letters and all(_is_arabic(c) for c in letters):
            arabic += 1
        else:
            other += 1
    return arabic, other


def guess_arabic(content: bytes) -> tuple[str, str] | None:
    """Return (text, encoding) if the bytes read as Arabic in windows-1256 or ISO-8859-6.

    Each code page decodes the other's Arabic into words that mix Arabic and Latin
    letters (ISO-8859-6's ل م ن ه و ي are à â ç è é ê ë in windows-1256), and
    windows-1256's ق ف ك are holes in ISO-8859-6: the reading with Arabic words and
    almost no mixed ones wins.
    """
    best: tuple[int, str, str] | None = None
    for name in _ARABIC_CODECS:
        try:
            text = content.decode(name)
        except UnicodeDecodeError:
            continue
        arabic, other = _word_scripts(text)
        if arabic >= MIN_ARABIC_WORDS and other * 20 <= arabic:
            score = arabic - 20 * other
            if best is None or score > best[0]:
                best = (score, text, name)
    return (best[1], best[2]) if best else None


def as_utf8_xml(text: str) -> bytes:
    """Encode decoded XML as UTF-8, rewriting its declaration to say so."""
    return _XML_DECL_TEXT.sub(r"\g<1>utf-8\g<3>", text.lstrip("\ufeff"), count=1).encode("utf-8")
