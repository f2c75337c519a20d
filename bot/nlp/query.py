"""Parse what a user types into /search and build a safe FTS5 MATCH expression.

User input never reaches MATCH raw: every word becomes analyzed terms inside double quotes,
so FTS5 syntax (quotes, *, parentheses, NEAR, AND, OR, NOT, :, ^, +) is only ever text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from bot.nlp.analyzer import analyze_terms, query_alternatives, tokenize
from bot.nlp.normalize import casefold, strip_invisible

# Words beyond this many (terms, phrase words and exclusions together) are ignored.
MAX_WORDS = 16
# Longer input is cut before parsing; no real query needs more.
MAX_QUERY_CHARS = 1000

# A quoted phrase: "...", «...», “...” or „...“; an unclosed quote runs to the end.
_PHRASE = re.compile(r'(-?)(?:"([^"]*)"?|«([^»]*)»?|“([^”]*)”?|„([^“”]*)[“”]?)')
_MINUS = "-\u2212\u2013"
# Operators people type out of habit; FTS5 would not see them anyway, so drop them.
_OPERATORS = frozenset({"AND", "OR", "NOT", "NEAR"})


@dataclass
class ParsedQuery:
    """A /search query: plain words, quoted phrases and excluded words, as the user wrote them."""

    terms: list[str] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)


def parse_query(text: str) -> ParsedQuery:
    """Split user input into words, quoted phrases and -excluded words (at most MAX_WORDS)."""
    text = unicodedata.normalize("NFC", strip_invisible(text[:MAX_QUERY_CHARS]))
    parsed = ParsedQuery()
    budget = MAX_WORDS
    position = 0
    for match in _PHRASE.finditer(text):
        budget = _parse_plain(text[position : match.start()], parsed, budget)
        words = [w for w, _s, _e in tokenize(next(g for g in match.groups()[1:] if g is not None))]
        words = words[:budget]
        if words:
            budget -= len(words)
            target = parsed.excluded if match.group(1) else parsed.phrases
            target.append(" ".join(words))
        position = match.end()
    _parse_plain(text[position:], parsed, budget)
    return parsed


def _parse_plain(text: str, parsed: ParsedQuery, budget: int) -> int:
    """Add the unquoted words of `text` to `parsed`; return the words still allowed."""
    for chunk in text.split():
        negative = chunk[0] in _MINUS
        for word, _start, _end in tokenize(chunk):
            if budget <= 0:
                return 0
            if word in _OPERATORS:
                continue
            target = parsed.excluded if negative else parsed.terms
            if word not in target:
                target.append(word)
                budget -= 1
    return budget


def _quote(term: str) -> str:
    """Return `term` as an FTS5 string."""
    return '"' + term.replace('"', '""') + '"'


def _word_group(word: str) -> str | None:
    """Return ("alt1" OR "alt2") for one query word, or None if nothing of it is searchable."""
    alternatives = sorted(query_alternatives(word))
    if not alternatives:
        return None
    if len(alternatives) == 1:
        return _quote(alternatives[0])
    return "(" + " OR ".join(_quote(a) for a in alternatives) + ")"


def _phrase_group(phrase: str) -> str | None:
    """Return the phrase as FTS5 phrase strings, one per way an article may have been stemmed.

    A whole article is stemmed one way (English or Turkish), so words are not mixed across
    readings.
    """
    # Capitals typed without Turkish letters: I may stand for İ as well as for ı.
    readings = [(phrase, "en"), (phrase, "tr"), (casefold(phrase), "tr")]
    variants = sorted({" ".join(analyze_terms(text, lang)) for text, lang in readings} - {""})
    if not variants:
        return None
    if len(variants) == 1:
        return _quote(variants[0])
    return "(" + " OR ".join(_quote(v) for v in variants) + ")"


def _group(item: str) -> str | None:
    """Return the MATCH group for a word or a multi-word phrase."""
    return _phrase_group(item) if " " in item else _word_group(item)


def to_match(parsed: ParsedQuery) -> str | None:
    """Build an FTS5 MATCH expression, or None when nothing searchable is left."""
    positive = [g for g in map(_word_group, parsed.terms) if g]
    positive += [g for g in map(_group, parsed.phrases) if g]
    if not positive:
        return None
    expression = "(" + " AND ".join(positive) + ")"
    for group in filter(None, map(_group, parsed.excluded)):
        expression += " NOT " + group
    return expression


def highlight_terms(parsed: ParsedQuery) -> set[str]:
    """Return the index terms a matching article may contain, to mark in a snippet."""
    terms: set[str] = set()
    for word in parsed.terms:
        terms |= query_alternatives(word)
    for phrase in parsed.phrases:
        for word, _start, _end in tokenize(phrase):
            terms |= query_alternatives(word)
    return terms
