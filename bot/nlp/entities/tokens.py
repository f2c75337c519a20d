"""Split text into word tokens with character offsets, and strip Arabic clitics."""

from __future__ import annotations

import re
from typing import NamedTuple

from bot.nlp.normalize import fold

# A word: letters/digits with inner Arabic marks, joiners, and a trailing Turkish or English
# apostrophe suffix (Gazze'de, Trump's); anything else non-space is a one-character token.
_TOKEN = re.compile(
    r"[^\W_](?:[^\W_]|[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640\u200c\u200d])*"
    r"(?:['’][^\W\d_]+)?"
    r"|\S"
)
_APOSTROPHE = re.compile(r"['’][^\W\d_]+$")
_ARABIC = re.compile(r"[\u0600-\u06ff]")

_FOLD_CACHE: dict[str, str] = {}


class Token(NamedTuple):
    """One token of the original text: its span, its text and its matching form."""

    start: int
    end: int
    text: str
    key: str  # folded, with a Latin apostrophe suffix removed


def fold_token(word: str) -> str:
    """Return the cached folded form of one token, without an apostrophe suffix."""
    key = _FOLD_CACHE.get(word)
    if key is None:
        key = fold(word)
        if "'" in key or "’" in key:
            key = _APOSTROPHE.sub("", key)
        if len(_FOLD_CACHE) > 200_000:  # bound memory on long-running bots
            _FOLD_CACHE.clear()
        _FOLD_CACHE[word] = key
    return key


def tokenize(text: str) -> list[Token]:
    """Split `text` into tokens; tokens that fold to nothing (controls, marks) are dropped."""
    out = []
    for m in _TOKEN.finditer(text):
        word = m.group()
        key = fold_token(word)
        if not key:
            continue
        end = m.end()
        # Offsets of a Latin word stop before its apostrophe suffix: "Gazze'de" -> "Gazze".
        if "'" in word or "’" in word:
            cut = max(word.rfind("'"), word.rfind("’"))
            if cut > 0 and not _ARABIC.search(word):
                end = m.start() + cut
        out.append(Token(m.start(), end, text[m.start() : end], key))
    return out


def is_arabic(word: str) -> bool:
    """Return True when `word` contains Arabic letters."""
    return bool(_ARABIC.search(word))


_VARIANTS: dict[str, list[str]] = {}


def clitic_variants(key: str) -> list[str]:
    """Return folded `key` and its forms without leading و/ف, ب/ل/ك and لل, least stripped first.

    Only forms of three letters or more are kept so short words are not cut to nothing.
    The returned list is shared (cached): do not change it.
    """
    found = _VARIANTS.get(key)
    if found is None:
        if len(_VARIANTS) > 200_000:
            _VARIANTS.clear()
        found = _VARIANTS[key] = _clitic_variants(key)
    return found


def _clitic_variants(key: str) -> list[str]:
    out = [key]
    if len(key) < 4 or not is_arabic(key[0]):
        return out
    stems = [key]
    if key[0] in "وف":
        stems.append(key[1:])
    for stem in list(stems):
        if stem.startswith("لل") and len(stem) >= 4:
            stems.append("ال" + stem[2:])
        elif stem[:1] in "بلك" and len(stem) >= 4:
            stems.append(stem[1:])
    for stem in stems:
        if len(stem) >= 3 and stem not in out:
            out.append(stem)
    return out


def bare(key: str) -> str:
    """Return the most stripped clitic variant of a folded Arabic word (for features)."""
    return clitic_variants(key)[-1]
