"""Detect an article's language: "ar", "en", "tr" or "unknown".

Arabic by the share of Arabic-script letters; Latin text by English and Turkish stopwords and
the letters only Turkish uses. Too little evidence gives "unknown" rather than a guess.
"""

from __future__ import annotations

import re

# Enough of an article to decide; keeps detection cheap on long texts.
_SAMPLE_CHARS = 3000
_MIN_LETTERS = 12
_MIN_SCRIPT_SHARE = 0.6
_MIN_EVIDENCE = 2.0
# The winner must beat the other language by this factor.
_MARGIN = 1.5

_ARABIC_LETTER = re.compile("[\u0620-\u064a\u0671-\u06d3\u06fa-\u06fc]")
_LATIN_LETTER = re.compile("[A-Za-z\u00c0-\u024f]")
_LATIN_WORD = re.compile("[A-Za-z\u00c0-\u024f]+")

_EN_STOPWORDS = frozenset(
    """
    the of and to in is was for that on with as by at from it are were be has have had this
    an not but which said will would their its they he she who been after after also more than
    about over into after when there said says or his her we you can could new out up one two
    """.split()
)
_TR_STOPWORDS = frozenset(
    """
    ve bir bu da de için ile olarak olan gibi daha çok ama en ancak sonra kadar ya değil her
    ise mi mı mu mü ki şu o ne var yok diye göre ilk ayrıca oldu olduğu etti eden ifade yeni
    """.split()
)
# Letters of the Turkish alphabet that English never uses; ç ö ü also occur in other languages.
_TR_STRONG = frozenset("ğĞşŞıİ")
_TR_WEAK = frozenset("çÇöÖüÜ")


def detect_language(text: str) -> str:
    """Return "ar", "en", "tr" or "unknown" for `text`."""
    sample = text[:_SAMPLE_CHARS]
    arabic = len(_ARABIC_LETTER.findall(sample))
    latin = len(_LATIN_LETTER.findall(sample))
    letters = arabic + latin
    if letters < _MIN_LETTERS:
        return "unknown"
    if arabic >= _MIN_SCRIPT_SHARE * letters:
        return "ar"
    if latin < _MIN_SCRIPT_SHARE * letters:
        return "unknown"
    return _latin_language(sample)


def _latin_language(sample: str) -> str:
    """Choose between English and Turkish by stopwords and Turkish letters."""
    english = turkish = 0.0
    for word in _LATIN_WORD.findall(sample):
        # Turkish-aware lower-casing so "İÇİN" is the stopword "için".
        lower = word.replace("I", "ı").replace("İ", "i").lower()
        plain = word.lower()
        if plain in _EN_STOPWORDS:
            english += 1
        if lower in _TR_STOPWORDS or plain in _TR_STOPWORDS:
            turkish += 1
        if any(c in _TR_STRONG for c in word):
            turkish += 1
        elif any(c in _TR_WEAK for c in word):
            turkish += 0.5
    if max(english, turkish) < _MIN_EVIDENCE:
        return "unknown"
    if english >= _MARGIN * turkish:
        return "en"
    if turkish >= _MARGIN * english:
        return "tr"
    return "unknown"
