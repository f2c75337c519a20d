"""Small pure helpers for text shown in Telegram: escaping, direction, cleaning, truncating."""

from __future__ import annotations

import html
import re
import unicodedata

LRI = "\u2066"  # left-to-right isolate
RLI = "\u2067"  # right-to-left isolate
FSI = "\u2068"  # first-strong isolate
PDI = "\u2069"  # pop directional isolate
RLM = "\u200f"  # right-to-left mark: makes a line start right-to-left
ELLIPSIS = "…"

# Bidi embeddings, overrides, isolates and marks, zero-width spaces, BOM, C0/C1 controls.
# ZWNJ (U+200C) and ZWJ (U+200D) are kept on purpose: Persian/Arabic spelling and emoji
# sequences (👨‍👩‍👧) need them, and they cannot reorder the line around them.
_UNSAFE = re.compile(
    "[\u200b\u200e\u200f\u061c\u202a-\u202e\u2060-\u2069\ufeff\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
)
_RTL_CLASSES = frozenset({"R", "AL"})


def esc(value: object, *, quote: bool = False) -> str:
    """Escape a dynamic value for Telegram HTML; None becomes "".

    Telegram needs only & < > escaped in text; pass quote=True for attribute values
    (href="..."), which also escapes the quotes.
    """
    if value is None:
        return ""
    return html.escape(str(value), quote=quote)


def link(url: str, label: str) -> str:
    """Return an <a> element with the URL and label escaped."""
    return f'<a href="{esc(url, quote=True)}">{esc(label)}</a>'


def _strong_directions(text: str) -> list[bool]:
    """Return, for each strong character, True when it is right-to-left."""
    out = []
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in _RTL_CLASSES:
            out.append(True)
        elif kind == "L":
            out.append(False)
    return out


def is_rtl(text: str) -> bool:
    """Tell whether text reads right to left: most strong letters RTL, ties by the first one."""
    strong = _strong_directions(text)
    if not strong:
        return False
    rtl = sum(strong)
    if rtl * 2 != len(strong):
        return rtl * 2 > len(strong)
    return strong[0]


def isolate(text: str) -> str:
    """Wrap text in an isolate of its own direction (RLI or LRI ... PDI).

    Inside the isolate the text keeps its order whatever surrounds it, and it cannot
    flip its neighbours. Right-to-left text is also preceded by RLM: a client picks a
    line's direction from its first strong character and skips what is isolated, so
    without it an Arabic line would be laid out left to right. Text with no letters
    (numbers, punctuation) is returned as is. Stray bidi controls inside are removed
    first so the isolate stays balanced.
    """
    text = _UNSAFE.sub("", text)
    strong = _strong_directions(text)
    if not strong:
        return text
    return f"{RLM}{RLI}{text}{PDI}" if is_rtl(text) else f"{LRI}{text}{PDI}"


def sanitize_user_text(text: str | None) -> str:
    """Remove bidi controls, zero-width spaces and control characters before display.

    Line ends become "\\n"; tabs and newlines are kept.
    """
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _UNSAFE.sub("", text)


def _utf16(ch: str) -> int:
    return 2 if ord(ch) > 0xFFFF else 1


def truncate(text: str, n: int, ellipsis: str = ELLIPSIS) -> str:
    """Shorten plain text to at most n UTF-16 units, at a word boundary, ending with "…".

    Truncate before escaping: an escaped string could be cut inside an entity.
    """
    units = sum(_utf16(ch) for ch in text)
    if units <= n:
        return text
    budget = n - sum(_utf16(ch) for ch in ellipsis)
    if budget <= 0:
        return ellipsis if n >= len(ellipsis) else ""
    cut = 0
    used = 0
    while cut < len(text) and used + _utf16(text[cut]) <= budget:
        used += _utf16(text[cut])
        cut += 1
    # Never separate a letter from its combining marks (harakat) or a joiner.
    while cut > 0 and (unicodedata.combining(text[cut]) or text[cut] in "\u200c\u200d\ufe0f"):
        cut -= 1
    head = text[:cut]
    space = max(head.rfind(" "), head.rfind("\n"), head.rfind("\t"))
    # Prefer the last word boundary unless it throws away more than half of the room.
    if text[cut].isspace():
        space = cut
    if space * 2 >= budget:
        head = head[:space]
    head = head.rstrip(" \t\n,،;؛:-–—")
    return head + ellipsis
