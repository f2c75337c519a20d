"""Split Telegram HTML into messages that each parse and fit Telegram's length limit.

Cuts are chosen on the parsed text (what Telegram counts) and mapped back to the
source, so a cut never falls inside a tag or an entity. Elements open at a cut are
closed at the end of one chunk and reopened, with the same start tag, in the next.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from itertools import accumulate

from bot.render.telegram_html import Tag, parse, scan, utf16_len
from bot.render.text import esc

TELEGRAM_LIMIT = 4096

# Where to cut, best first. Each pattern's group 1 ends where the chunk ends; what
# follows (whitespace) is dropped. Sentence ends need whitespace after them so "3.14"
# and "U.S." inside words stay whole.
_LEVELS = [
    re.compile(r"()\n[^\S\n]*\n"),  # between items: a blank line
    re.compile(r"()\n"),  # between paragraphs
    re.compile(r"([.!?؟؛…]+[\"'”’»)\]]*)\s"),  # after a sentence
    re.compile(r"([،,;]+)\s"),  # after a clause
    re.compile(r"()\s"),  # between words
]
# A cut that leaves the chunk shorter than this share of the limit is used only if no
# level offers a fuller one: a tiny first message is worse than a cut one level down.
_MIN_FILL = 0.25
_JOINERS = "\u200c\u200d\ufe0e\ufe0f"


class _Source:
    """The parsed text of a message, where each character came from, and its open elements."""

    def __init__(self, html: str) -> None:
        result = scan(html)
        self.text = result.text
        self.raws = result.raws
        # tags_before[k]: the tags between character k-1 and character k (a Tag opens,
        # a string is an end tag).
        self.tags_before: list[list[Tag | str]] = [[] for _ in range(len(self.text) + 1)]
        # enclosing[k]: the open elements around character k, outermost first.
        self.enclosing: list[tuple[Tag, ...]] = []
        # A link without href points at its own text: once cut, each half would point
        # at half the address, so such links are rewritten with an explicit href.
        self.raw_open: dict[int, str] = {}
        opened_at: list[int] = []
        stack: tuple[Tag, ...] = ()
        events = iter(result.events)
        event = next(events, None)
        for k in range(len(self.text) + 1):
            while event is not None and event[1] == k:
                kind, _, _, tag = event
                if kind == "open":
                    stack = (*stack, tag)
                    opened_at.append(k)
                    self.tags_before[k].append(tag)
                else:
                    stack = stack[:-1]
                    begin = opened_at.pop()
                    if tag.name == "a" and not tag.argument:
                        href = esc(self.text[begin:k], quote=True)
                        self.raw_open[id(tag)] = f'<a href="{href}">'
                    self.tags_before[k].append(f"</{tag.name}>")
                event = next(events, None)
            self.enclosing.append(stack)
        self.units = [0, *accumulate(2 if ord(ch) > 0xFFFF else 1 for ch in self.text)]
        self.cuts = [
            [m.end(1) for m in level.finditer(self.text) if m.end(1) > 0] for level in _LEVELS
        ]

    def start_tag(self, tag: Tag) -> str:
        """Return the source of a start tag, with the href made explicit where needed."""
        return self.raw_open.get(id(tag), tag.raw)

    def chunk(self, start: int, end: int) -> str:
        """Return the HTML of text[start:end], with its elements closed and reopened."""
        parts = [self.start_tag(tag) for tag in self.enclosing[start]]
        parts.append(self.raws[start])
        for k in range(start + 1, end):
            for item in self.tags_before[k]:
                parts.append(item if isinstance(item, str) else self.start_tag(item))
            parts.append(self.raws[k])
        parts.extend(f"</{tag.name}>" for tag in reversed(self.enclosing[end - 1]))
        return "".join(parts)


def _binds_to_previous(text: str, k: int) -> bool:
    """Tell whether text[k] belongs with the character before it (a mark, joiner, skin tone)."""
    ch = text[k]
    return (
        unicodedata.combining(ch) != 0
        or ch in _JOINERS
        or text[k - 1] in _JOINERS
        or "\U0001f3fb" <= ch <= "\U0001f3ff"
    )


def _hard_cut(text: str, start: int, window_end: int) -> int:
    """Cut inside a word, but not between a letter and its marks, joiners or skin tone."""
    cut = window_end
    while cut > start + 1 and _binds_to_previous(text, cut):
        cut -= 1
    # A whole window of marks (no letter to keep them with): cut where it must.
    return window_end if _binds_to_previous(text, cut) else cut


def _choose_cut(src: _Source, start: int, window_end: int, limit: int) -> int:
    """Return where the chunk starting at `start` should end (exclusive)."""
    fallback = None
    for cuts in src.cuts:
        i = bisect_right(cuts, window_end) - 1
        if i < 0 or cuts[i] <= start:
            continue
        cut = cuts[i]
        if src.units[cut] - src.units[start] >= _MIN_FILL * limit:
            return cut
        fallback = fallback or cut
    return fallback or _hard_cut(src.text, start, window_end)


def split_message(html: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split valid Telegram HTML into chunks whose parsed text fits in `limit` UTF-16 units.

    Raises HtmlParseError if `html` does not parse.
    """
    if limit < 2:
        raise ValueError("limit must allow one character outside the BMP (2 units)")
    whole = parse(html.strip())
    if not whole.text.strip():
        return []
    if whole.utf16_length <= limit:
        return [html.strip()]
    src = _Source(html)
    text = src.text
    last = len(text.rstrip())
    chunks = []
    start = len(text) - len(text.lstrip())
    while start < last:
        # The furthest end whose text still fits.
        window_end = bisect_right(src.units, src.units[start] + limit) - 1
        window_end = max(window_end, start + 1)
        if window_end >= last:
            end = last
        else:
            end = _choose_cut(src, start, window_end, limit)
        next_start = end
        while end > start and text[end - 1].isspace():
            end -= 1
        chunks.append(src.chunk(start, end))
        while next_start < last and text[next_start].isspace():
            next_start += 1
        start = next_start
    return chunks


_TAG = re.compile(r"<[^>]*>")


def _has_text(item: str) -> bool:
    """Cheap test that an item is not markup alone (such an item is dropped)."""
    return bool(_TAG.sub("", item).strip())


def split_items(
    items: list[str], limit: int = TELEGRAM_LIMIT, separator: str = "\n\n"
) -> list[str]:
    """Pack whole items (valid HTML each) into few messages; split only an item too long."""
    items = [item.strip() for item in items if item.strip()]
    joined = separator.join(items)
    # Markup only ever shortens the text, so input already under the limit is one message
    # as it is: parsing each item to measure it is the slow part of rendering a digest.
    if utf16_len(joined) <= limit and all(_has_text(item) for item in items):
        return [joined] if joined else []
    sep_units = utf16_len(parse(separator).text)
    messages: list[str] = []
    current: list[str] = []
    current_units = 0
    for item in items:
        item = item.strip()
        text = parse(item).text
        if not text.strip():
            continue
        units = utf16_len(text)
        if units > limit:
            if current:
                messages.append(separator.join(current))
                current, current_units = [], 0
            messages.extend(split_message(item, limit))
            continue
        if current and current_units + sep_units + units > limit:
            messages.append(separator.join(current))
            current, current_units = [], 0
        current_units += units + (sep_units if current else 0)
        current.append(item)
    if current:
        messages.append(separator.join(current))
    return messages
