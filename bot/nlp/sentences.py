"""Split news text into sentences for Arabic, English and Turkish.

Rules, in order:
- a newline always ends a sentence (feeds and cleaned bodies put one paragraph per line);
- `.` `!` `?` `؟` `…` (and runs of them) end a sentence when followed by whitespace or the
  end of the paragraph, with any closing quotes or brackets kept on the sentence;
- the Arabic comma `،` and both semicolons, `;` and `؛`, never end a sentence: what follows
  `؛` explains or continues what precedes it ("...؛ بل ..."), and alone it is a fragment;
- no split after a known abbreviation (Dr., U.S., p.m., Jan., No., Prof., vb.), a single letter
  (initials such as "John F. Kennedy" or the Arabic "د."), or before a lower-case word in Latin
  script ("3 p.m. on Monday", "15. yüzyıl");
- no split inside a short quotation («...», “...”, "...") of at most `QUOTE_MAX` characters.
"""

from __future__ import annotations

import re

# A quotation longer than this is treated as running text: a long quoted statement may hold
# several sentences, and an unbalanced quote mark must not glue a whole paragraph together.
QUOTE_MAX = 300

_TERMINATOR = re.compile(r"[.!?؟…۔]+[\"'»”’)\]]*(?=\s|$)")

# Abbreviations that never end a sentence (lower-case, without the final dot).
_TITLES = {
    "en": {
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "st",
        "jr",
        "sr",
        "gen",
        "gov",
        "sen",
        "rep",
        "lt",
        "col",
        "capt",
        "sgt",
        "maj",
        "adm",
        "rev",
        "hon",
        "pres",
        "no",
        "nos",
        "vs",
        "v",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "e.g",
        "i.e",
        "approx",
        "est",
        "fig",
        "inc",
        "ltd",
        "corp",
        "co",
        "mt",
        "ft",
    },
    "tr": {
        "dr",
        "prof",
        "doç",
        "doc",
        "yrd",
        "av",
        "sn",
        "alb",
        "org",
        "gen",
        "vb",
        "vs",
        "bkz",
        "örn",
        "orn",
        "ltd",
        "şti",
        "sti",
        "a.ş",
        "mah",
        "cad",
        "sok",
        "no",
        "yy",
        "mö",
        "ms",
        "st",
        "op",
        "uzm",
        "hz",
        "tel",
    },
    # Arabic abbreviations are single letters (د. for doctor, أ. for professor): the
    # single-letter rule covers them.
    "ar": set(),
}
# Dotted abbreviations that can also end a sentence ("... in the U.S. The talks ..."):
# they end one only when the next word is a common sentence opener.
_AMBIGUOUS = {"u.s", "u.k", "u.n", "e.u", "a.m", "p.m", "etc", "d.c"}
_OPENERS = {
    "the",
    "a",
    "an",
    "he",
    "she",
    "it",
    "they",
    "we",
    "i",
    "this",
    "that",
    "these",
    "those",
    "but",
    "and",
    "in",
    "on",
    "at",
    "after",
    "before",
    "his",
    "her",
    "their",
    "its",
    "there",
    "meanwhile",
    "however",
    "officials",
    "police",
    "earlier",
    "later",
    "last",
}
_ALL_TITLES = set().union(*_TITLES.values())

_OPEN_CLOSE = {"«": "»", "“": "”", '"': '"'}
_OPENER = re.compile(f"[{''.join(_OPEN_CLOSE)}]")


def split_sentences(text: str, lang: str | None = None) -> list[str]:
    """Return the sentences of `text`, stripped, in order."""
    return [text[start:end] for start, end in sentence_spans(text, lang)]


def sentence_spans(text: str, lang: str | None = None) -> list[tuple[int, int]]:
    """Return (start, end) offsets of each stripped sentence of `text`."""
    spans: list[tuple[int, int]] = []
    offset = 0
    for line in text.split("\n"):
        spans.extend((offset + s, offset + e) for s, e in _line_spans(line, lang))
        offset += len(line) + 1
    return spans


def _line_spans(line: str, lang: str | None) -> list[tuple[int, int]]:
    """Split one paragraph into stripped sentence spans."""
    protected = _quoted_ranges(line)
    cuts = [0]
    for match in _TERMINATOR.finditer(line):
        end = match.end()
        if _inside(end, protected) or not _is_boundary(line, match, lang):
            continue
        cuts.append(end)
    cuts.append(len(line))
    spans: list[tuple[int, int]] = []
    for start, end in zip(cuts, cuts[1:], strict=False):
        while start < end and line[start].isspace():
            start += 1
        while end > start and line[end - 1].isspace():
            end -= 1
        if end <= start:
            continue
        if spans and not any(ch.isalnum() for ch in line[start:end]):
            # A stray closing quote or punctuation run belongs to the sentence before it.
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans


def _quoted_ranges(line: str) -> list[tuple[int, int]]:
    """Return the (open, close) positions of short balanced quotations in `line`."""
    ranges = []
    opener = _OPENER.search(line)
    while opener is not None:
        i = opener.start()
        j = line.find(_OPEN_CLOSE[line[i]], i + 1)
        if j == -1:
            opener = _OPENER.search(line, i + 1)
            continue
        if j - i <= QUOTE_MAX:
            ranges.append((i, j))
        opener = _OPENER.search(line, j + 1)
    return ranges


def _inside(pos: int, ranges: list[tuple[int, int]]) -> bool:
    """Tell whether a cut at `pos` falls strictly inside a quotation."""
    return any(start < pos <= end for start, end in ranges)


def _is_boundary(line: str, match: re.Match[str], lang: str | None) -> bool:
    """Decide whether the terminator `match` ends a sentence."""
    punct = match.group()
    rest = line[match.end() :].lstrip()
    if not rest:
        return True
    if punct[0] != "." or punct.startswith(".."):
        # ! ? ؟ and ellipses end a sentence unless a Latin lower-case word follows.
        return not _starts_lower(rest)
    word = _word_before(line, match.start())
    low = word.lower()
    if len(word) == 1 and word.isalpha():
        return False  # an initial: "John F. Kennedy", "د. محمد"
    titles = _TITLES.get(lang or "", _ALL_TITLES) if lang else _ALL_TITLES
    if low in titles:
        return False
    if low in _AMBIGUOUS:
        next_word = re.match(r"\w+", rest)
        if next_word is None:
            return False
        return next_word.group().lower() in _OPENERS and rest[0].isupper()
    return not _starts_lower(rest)


def _word_before(line: str, end: int) -> str:
    """Return the dotted word ending at `end` ("U.S" in "U.S.", "Dr" in "Dr.")."""
    start = end
    while start > 0 and (line[start - 1].isalnum() or line[start - 1] == "."):
        start -= 1
    return line[start:end].lstrip(".")


def _starts_lower(rest: str) -> bool:
    """Tell whether the text after a terminator opens with a lower-case cased letter."""
    for ch in rest[:3]:
        if ch.isalpha():
            return ch.islower()
        if ch.isdigit():
            return False
    return False
