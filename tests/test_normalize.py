"""fold and strip_invisible give exactly what the plain step-by-step definition gives."""

from __future__ import annotations

import re
import sys
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.nlp.normalize import _nfkc, casefold, collapse_spaces, fold, strip_invisible

# The straightforward definition that fold's fast paths must match character for character.
_REF_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_REF_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u00ad\u061c]")
_REF_LETTERS = str.maketrans(
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
        **{chr(0x0660 + i): str(i) for i in range(10)},
        **{chr(0x06F0 + i): str(i) for i in range(10)},
    }
)


def reference_fold(text: str) -> str:
    """fold as first written: NFKC, drop controls and marks, fold letters, Turkish i, casefold."""
    text = unicodedata.normalize("NFKC", text)
    text = _REF_INVISIBLE.sub("", text)
    text = _REF_MARKS.sub("", text)
    text = text.translate(_REF_LETTERS)
    text = text.replace("İ", "i").replace("I", "i").replace("ı", "i")
    return text.casefold()


# Characters where the fast paths branch: ASCII, Arabic letters and marks, folded letters and
# digits, Turkish i's, controls, compatibility characters (ligatures, no-break space, spacing
# diacritics that NFKC turns into a space and a mark), composing pairs, Hangul jamo.
TRICKY = (
    "aAzZIiİıßſ \nΣσςǅŉĲ"
    + "غزةإسرائيلوالفبكلأآٱىؤئـکی"
    + "\u064b\u064e\u0650\u0651\u0652\u0670\u0653\u0654"
    "\u0655\u06d6\u0610"
    + "٠١٢٣۴۵0123"
    + "\u200b\u200c\u200d\u200f\u202e\u2066\u2069\ufeff\u00ad\u061c"
    "\ufdfa\ufefb\ufb01\ufe70\ufc5e\u00a0\u00a8\u037a\u2026\u3000\u2002"
    "e\u0301\u0308\u0327\u0334o\u0328\u0304\u1100\u1161\u11a8\uac00\u0b47\u0b3e\u0915\u093c"
)
TEXTS = st.text(alphabet=TRICKY, max_size=80) | st.text(max_size=80)
# Long enough to take the replace path rather than the short-text translate path.
LONG_TEXTS = st.text(alphabet=TRICKY, min_size=32, max_size=200)


@settings(max_examples=400)
@given(TEXTS)
def test_fold_matches_reference(text: str) -> None:
    assert fold(text) == reference_fold(text)


@settings(max_examples=300)
@given(LONG_TEXTS)
def test_fold_of_long_text_matches_reference(text: str) -> None:
    assert fold(text) == reference_fold(text)


def test_fold_matches_reference_for_every_code_point() -> None:
    # One string per block of 256 code points: alone (no neighbour to compose with) and joined
    # with spaces, which reach the long-text path.
    for start in range(0, sys.maxunicode + 1, 256):
        chars = [chr(c) for c in range(start, start + 256) if not 0xD800 <= c < 0xE000]
        if not chars:
            continue
        joined = " ".join(chars)
        assert fold(joined) == reference_fold(joined), hex(start)
        if start < 0x3000 or start >= 0xFB00:
            for char in chars:
                assert fold(char) == reference_fold(char), hex(ord(char))


@settings(max_examples=400)
@given(TEXTS)
def test_nfkc_piece_by_piece_equals_whole_text(text: str) -> None:
    assert _nfkc(text) == unicodedata.normalize("NFKC", text)


@settings(max_examples=200)
@given(TEXTS)
def test_strip_invisible_matches_reference(text: str) -> None:
    assert strip_invisible(text) == _REF_INVISIBLE.sub("", text)


def test_fold_examples() -> None:
    assert fold("إسرائيل") == fold("اسرائيل") == "اسراييل"
    assert fold("غَزَّةُ") == "غزه"
    assert fold("İSTANBUL") == fold("Istanbul") == fold("ıstanbul") == "istanbul"
    assert fold("٢٠٢٤ ۱۲") == "2024 12"
    assert fold("a\u200bb\u00adc") == "abc"
    assert fold("\ufefb") == "لا"
    assert casefold("DİYARBAKIR") == "diyarbakir"


SPACED = st.text(alphabet=" \t\u00a0\u2003\n\r\x0bab\u200b", max_size=40) | st.text(max_size=40)


@settings(max_examples=400)
@given(SPACED)
def test_collapse_spaces_equals_regex(text: str) -> None:
    assert collapse_spaces(text) == re.sub(r"[ \t\u00a0]+", " ", text).strip()
