"""Character-level text normalisation shared by search, entities and summaries.

`fold` is the one place that decides which characters are "the same" for
matching: Arabic letter variants, diacritics, digits, case, invisible controls.
Display text is never folded; only the copies used for matching are.
"""

from __future__ import annotations

import re
import unicodedata

# Harakat, tanween, shadda, sukun, superscript alef, Quranic marks, tatweel.
_ARABIC_MARKS_CLASS = "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640"
_ARABIC_MARKS = re.compile(f"[{_ARABIC_MARKS_CLASS}]")
# Zero-width and bidi control characters that users paste without seeing them.
_INVISIBLE_CLASS = "\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u00ad\u061c"
INVISIBLE = re.compile(f"[{_INVISIBLE_CLASS}]")
# C0 controls but tab and newline, and DEL; CR, VT and FF are turned into newlines first.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_LINE_ENDS = re.compile(r"\r\n?|[\x0b\x0c]")
# Everything `fold` deletes, in one pass.
_DROPPED = re.compile(f"[{_INVISIBLE_CLASS}{_ARABIC_MARKS_CLASS}]")

_LETTER_FOLDS = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ي",
        "ة": "ه",
        "ؤ": "و",
        "ئ": "ي",
        "ک": "ك",
        "ی": "ي",
        # Arabic-Indic and Persian digits to ASCII.
        **{chr(0x0660 + i): str(i) for i in range(10)},
        **{chr(0x06F0 + i): str(i) for i in range(10)},
    }
)
# The letter folds plus the Turkish i's as (old, new) pairs. str.translate looks every character
# up in a dict (about 100 ns each outside ASCII); a `str.replace` per character that is present
# scans at memory speed. Sequential replaces equal one translate because no replacement is
# itself replaced later.
_REPLACEMENTS = (
    *((chr(code), new) for code, new in _LETTER_FOLDS.items()),
    ("İ", "i"),
    ("I", "i"),
    ("ı", "i"),
)
# The same as a table indexed by code point: translate is several times faster with a list than
# with a dict (a missing dict key raises inside translate). Every folded character is below
# U+0700; an index past the end raises IndexError, which translate reads as "keep".
_FOLD_TABLE = [dict(_REPLACEMENTS).get(chr(code), chr(code)) for code in range(0x700)]
# Below this length one translate beats ~30 membership tests.
_SHORT = 32


def _nfkc(text: str) -> str:
    """Return the NFKC form of `text`, normalising only the space-separated pieces that change."""
    if unicodedata.is_normalized("NFKC", text):  # a quick check, unlike a full normalisation
        return text
    # A space or newline neither composes nor reorders with its neighbours, so NFKC works piece
    # by piece; one ellipsis or ligature in an article then costs one word, not the whole text.
    if "\n" in text:
        return "\n".join(map(_nfkc, text.split("\n")))
    return " ".join(
        p if unicodedata.is_normalized("NFKC", p) else unicodedata.normalize("NFKC", p)
        for p in text.split(" ")
    )


def strip_invisible(text: str) -> str:
    """Remove zero-width and bidi control characters."""
    if text.isascii():  # constant time; every invisible character is outside ASCII
        return text
    return INVISIBLE.sub("", text)


def strip_controls(text: str) -> str:
    """Remove C0 control characters and DEL, keeping newlines and tabs; CR and friends end a line.

    NUL, BEL, ESC and the like are never text: they corrupt terminals, and XML (an OPML
    export) cannot hold them at all. ZWNJ and ZWJ are not controls in this sense.
    """
    if _CONTROL.search(text) is None:  # the usual case, one scan in C
        return text
    return _CONTROL.sub("", _LINE_ENDS.sub("\n", text))


def collapse_spaces(text: str) -> str:
    """Return `text` stripped, with each run of spaces, tabs and no-break spaces made one space.

    The same as `re.sub(r"[ \t\u00a0]+", " ", text).strip()`, without a regex substitution for
    every space of an article.
    """
    text = text.replace("\t", " ").replace("\u00a0", " ")
    if "  " in text:
        text = " ".join(filter(None, text.split(" ")))
    return text.strip()


def casefold(text: str, lang: str | None = None) -> str:
    """Lower-case text; Turkish dotted and dotless i are folded to plain i.

    Folding ı/İ/I all to i (whatever the language) keeps a query typed without
    Turkish letters matching Turkish text, and the reverse.
    """
    text = text.replace("İ", "i").replace("I", "i").replace("ı", "i")
    return text.casefold()


def fold(text: str, lang: str | None = None) -> str:
    """Return the matching form of `text`: NFKC, no marks or controls, folded letters and case."""
    if text.isascii():
        # NFKC keeps ASCII, nothing to drop or fold but case; casefold is lower() on ASCII.
        return text.lower()
    text = _nfkc(text)
    text = _DROPPED.sub("", text)
    if len(text) < _SHORT:
        return text.translate(_FOLD_TABLE).casefold()
    for old, new in _REPLACEMENTS:
        if old in text:
            text = text.replace(old, new)
    return text.casefold()
