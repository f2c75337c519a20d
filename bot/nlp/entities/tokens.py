"""Split text into word tokens with character offsets, and strip Arabic clitics."""

from __future__ import annotations

import re
from typing import NamedTuple

from bot.nlp.normalize import fold

# A word: letters/digits with inner Arabic marks, joiners, and a trailing Turkish or English
# apostrophe suffix (Gazze'de, Trump's); anything else non-space is a one-character token.
# Written as runs of letters between marks, W+(MW*)*, rather than (W|M)*: the same matches,
# but the regex engine scans a run of letters without trying two branches per character.
_TOKEN = re.compile(
    r"[^\W_]+(?:[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640\u200c\u200d][^\W_]*)*"
    r"(?:['’][^\W\d_]+)?"
    r"|\S"
)
_APOSTROPHE = re.compile(r"['’][^\W\d_]+$")
_ARABIC = re.compile(r"[\u0600-\u06ff]")


class Token(NamedTuple):
    """One token of the original text: its span, its text and its matching form."""

    start: int
    end: int
    text: str
    key: str  # folded, with a Latin apostrophe suffix removed


def fold_token(word: str) -> str:
    """Return the cached folded form of one token, without an apostrophe suffix."""
    return (_FORMS.get(word) or _word_form(word))[1]


def tokenize(text: str) -> list[Token]:
    """Split `text` into tokens; tokens that fold to nothing (controls, marks) are dropped."""
    out = []
    for m in _TOKEN.finditer(text):
        word = m.group()
        kept, key = _FORMS.get(word) or _word_form(word)
        if key:
            start = m.start()
            # tuple.__new__ builds the same Token as Token(...) without the NamedTuple's
            # Python-level __new__: under half the cost, on about a thousand tokens an article.
            out.append(tuple.__new__(Token, (start, start + len(kept), kept, key)))
    return out


_FORMS: dict[str, tuple[str, str]] = {}


def _word_form(word: str) -> tuple[str, str]:
    """Return the text a token keeps of a matched word and its key (cached per word; the one
    cache of word keys, fold_token reads it too).

    A Latin word keeps the part before its apostrophe suffix: "Gazze'de" -> "Gazze".
    """
    found = _FORMS.get(word)
    if found is None:
        kept = word
        if "'" in word or "’" in word:
            cut = max(word.rfind("'"), word.rfind("’"))
            if cut > 0 and not _ARABIC.search(word):
                kept = word[:cut]
        if len(_FORMS) > 200_000:  # bound memory on long-running bots
            _FORMS.clear()
        key = fold(word)
        if "'" in key or "’" in key:
            key = _APOSTROPHE.sub("", key)
        found = _FORMS[word] = (kept, key)
    return found


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


_FORMS_OF: dict[str, frozenset[str]] = {}


def clitic_forms(stem: str) -> frozenset[str]:
    """Return every key whose `clitic_variants` may include `stem`: it with leading clitics.

    A superset (والحسن and بالحسن alike), for finding in one set lookup per token the few
    tokens that may be a name in some form; `clitic_variants` then decides. Cached.
    """
    found = _FORMS_OF.get(stem)
    if found is None:
        if len(_FORMS_OF) > 10_000:  # each holds about fifteen forms
            _FORMS_OF.clear()
        found = _FORMS_OF[stem] = frozenset(_clitic_forms(stem))
    return found


def _clitic_forms(stem: str) -> set[str]:
    forms = {stem}
    for first in "وفبلك":
        forms.add(first + stem)
    for first in "وف":
        for second in "بلك":
            forms.add(first + second + stem)
    if stem.startswith("ال"):  # للحسن -> الحسن, وللحسن -> الحسن
        for prefix in ("لل", "ولل", "فلل"):
            forms.add(prefix + stem[2:])
    return forms


def bare(key: str) -> str:
    """Return the most stripped clitic variant of a folded Arabic word (for features)."""
    return clitic_variants(key)[-1]
