"""Character-level text normalisation shared by search, entities and summaries.

`fold` is the one place that decides which characters are "the same" for
matching: Arabic letter variants, diacritics, digits, case, invisible controls.
Display text is never folded; only the copies used for matching are.
"""

from __future__ import annotations

import re
import unicodedata

# Harakat, tanween, shadda, sukun, superscript alef, Quranic marks, tatweel.
_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
# Zero-width and bidi control characters that users paste without seeing them.
INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u00ad\u061c]")

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


def strip_invisible(text: str) -> str:
    """Remove zero-width and bidi control characters."""
    return INVISIBLE.sub("", text)


def casefold(text: str, lang: str | None = None) -> str:
    """Lower-case text; Turkish dotted and dotless i are folded to plain i.

    Folding ı/İ/I all to i (whatever the language) keeps a query typed without
    Turkish letters matching Turkish text, and the reverse.
    """
    text = text.replace("İ", "i").replace("I", "i").replace("ı", "i")
    return text.casefold()


def fold(text: str, lang: str | None = None) -> str:
    """Return the matching form of `text`: NFKC, no marks or controls, folded letters and case."""
    text = unicodedata.normalize("NFKC", text)
    text = strip_invisible(text)
    text = _ARABIC_MARKS.sub("", text)
    text = text.translate(_LETTER_FOLDS)
    return casefold(text, lang)
