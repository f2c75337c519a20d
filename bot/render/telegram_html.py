"""Parse Telegram's HTML parse mode the way Telegram does, and turn it into terminal text.

The rules follow tdlib's `parse_html` (the code behind the Bot API): the same tags, the
same entity decoding (`&lt; &gt; &amp; &quot;` and numeric references, `;` optional,
unknown names kept as text) and the same error descriptions with UTF-8 byte offsets.
Offsets and lengths of entities are in UTF-16 code units, as Telegram counts them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

ERROR_PREFIX = "Bad Request: can't parse entities: "

_SUPPORTED_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
_SIMPLE_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
# tdlib sorts entities by offset, then longer first, then by this priority.
_PRIORITY = {
    "blockquote": 0,
    "expandable_blockquote": 0,
    "pre": 11,
    "code": 20,
    "text_link": 49,
    "bold": 90,
    "italic": 91,
    "underline": 92,
    "strikethrough": 93,
    "spoiler": 94,
    "custom_emoji": 99,
}
# tdlib's is_space: the end of the string counts as a space too.
_SPACES = " \t\r\n\v"
_SPECIAL = re.compile("[<&]")
_NAME_TOKEN = re.compile(r"[A-Za-z0-9.\-]*")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
_LINK_SCHEMES = frozenset({"http", "https", "tg", "ton", "tonsite"})
_SURROGATES_ERROR = (
    "Text contains invalid Unicode characters after decoding HTML entities, "
    "check for unmatched surrogate code units"
)


class HtmlParseError(ValueError):
    """Telegram would answer 400 "can't parse entities" for this HTML."""

    def __init__(self, detail: str) -> None:
        super().__init__(ERROR_PREFIX + detail)
        self.detail = detail
        self.description = ERROR_PREFIX + detail


@dataclass(frozen=True)
class Entity:
    """One MessageEntity as the Bot API reports it (offset and length in UTF-16 units)."""

    type: str
    offset: int
    length: int
    url: str | None = None
    language: str | None = None
    custom_emoji_id: str | None = None

    def to_dict(self) -> dict[str, object]:
        """Return the Bot API JSON form of this entity."""
        out: dict[str, object] = {"type": self.type, "offset": self.offset, "length": self.length}
        for key in ("url", "language", "custom_emoji_id"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        return out


@dataclass(frozen=True)
class ParsedMessage:
    """The text Telegram would store for an HTML message, with its entities."""

    text: str
    entities: list[Entity] = field(default_factory=list)

    @property
    def utf16_length(self) -> int:
        """Length of the text in UTF-16 code units (what the 4096 limit counts)."""
        return utf16_len(self.text)


@dataclass(frozen=True)
class Tag:
    """A start tag as written in the source, with the argument Telegram reads from it."""

    name: str
    raw: str
    argument: str = ""
    expandable: bool = False


@dataclass
class Scan:
    """The parsed text, the source of each of its characters, and the tags between them.

    `events` lists ("open" | "close", char_index, utf16_offset, tag) in document order;
    `raws[k]` is the source text that produced `text[k]` (the character or its entity).
    """

    text: str
    raws: list[str]
    events: list[tuple[str, int, int, Tag]]


def utf16_len(text: str) -> int:
    """Count UTF-16 code units: characters outside the BMP (most emoji) count 2."""
    # Encoding in C is far faster than a Python loop over the characters; lone surrogates
    # (which cannot be encoded) still count one unit each.
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _byte_offset(html: str, index: int) -> int:
    return len(html[:index].encode("utf-8", "surrogatepass"))


def _decode_entity(html: str, pos: int) -> tuple[str, int] | None:
    """Decode the character reference at html[pos] == "&"; return (char, end) or None."""
    n = len(html)
    end = pos + 1
    if end < n and html[end] == "#":
        end += 1
        value = 0
        if end < n and html[end] == "x":
            end += 1
            start = end
            while end < n and html[end] in "0123456789abcdefABCDEF":
                end += 1
            value = int(html[start:end], 16) if end > start else 0
        else:
            start = end
            while end < n and "0" <= html[end] <= "9":
                end += 1
            value = int(html[start:end]) if end > start else 0
        # tdlib gives up on references of 10 or more bytes and on values out of range.
        if value == 0 or value >= 0x10FFFF or end - pos >= 10:
            return None
        if 0xD800 <= value <= 0xDFFF:
            raise HtmlParseError(_SURROGATES_ERROR)
        char = chr(value)
    else:
        while end < n and html[end].isascii() and html[end].isalpha():
            end += 1
        char = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}.get(html[pos + 1 : end], "")
        if not char:
            return None
    if end < n and html[end] == ";":
        end += 1
    return char, end


def _normalize_url(url: str) -> str | None:
    """Return the URL Telegram would store for a link, or None when it drops the link.

    A light version of tdlib's check_link: no spaces, http:// added to bare domains,
    "/" added after a bare host.
    """
    if not url or any(ch.isspace() for ch in url):
        return None
    match = _SCHEME.match(url)
    if match is None or (match.group(1).lower() not in _LINK_SCHEMES and "//" not in url):
        url = "http://" + url
        match = _SCHEME.match(url)
    assert match is not None
    if match.group(1).lower() not in {"http", "https"}:
        return url
    rest = url[match.end() :]
    if not rest.startswith("//") or len(rest) <= 2:
        return None
    host_end = len(url)
    for mark in "/?#":
        found = url.find(mark, match.end() + 2)
        if found != -1:
            host_end = min(host_end, found)
    if host_end == match.end() + 2:
        return None
    if host_end == len(url) or url[host_end] != "/":
        url = url[:host_end] + "/" + url[host_end:]
    return url


def _read_start_tag(html: str, begin: int) -> tuple[Tag, int]:
    """Parse the start tag at html[begin] == "<"; return it and the index after its ">"."""
    n = len(html)
    at = _byte_offset(html, begin)
    i = begin + 1
    while i < n and html[i] not in _SPACES and html[i] != ">":
        i += 1
    if i >= n:
        raise HtmlParseError(f"Unclosed start tag at byte offset {at}")
    name = html[begin + 1 : i].lower()
    if name not in _SUPPORTED_TAGS:
        raise HtmlParseError(f'Unsupported start tag "{name}" at byte offset {at}')
    argument = ""
    expandable = False
    while True:
        while i < n and html[i] in _SPACES:
            i += 1
        if i < n and html[i] == ">":
            break
        attr_begin = i
        while i < n and html[i] not in _SPACES and html[i] not in "=>":
            i += 1
        attr = html[attr_begin:i].lower()
        if not attr:
            raise HtmlParseError(f'Empty attribute name in the tag "{name}" at byte offset {at}')
        while i < n and html[i] in _SPACES:
            i += 1
        if i >= n or html[i] != "=":
            if name == "blockquote" and attr == "expandable":
                expandable = True
                continue
            raise HtmlParseError(
                "Expected equal sign in declaration of an attribute of the tag "
                f'"{name}" at byte offset {at}'
            )
        i += 1
        while i < n and html[i] in _SPACES:
            i += 1
        if i >= n:
            raise HtmlParseError(f'Unclosed start tag "{name}" at byte offset {at}')
        if html[i] not in "'\"":
            # An unquoted value is a name token: letters, digits, periods and hyphens.
            token = _NAME_TOKEN.match(html, i)
            assert token is not None
            value = token.group().lower()
            # The end of the string counts as a space here, as in tdlib.
            if token.end() < n and html[token.end()] not in _SPACES + ">":
                raise HtmlParseError(
                    f"Unexpected end of name token at byte offset {_byte_offset(html, i)}"
                )
            i = token.end()
        else:
            quote = html[i]
            i += 1
            chars: list[str] = []
            while i < n and html[i] != quote:
                decoded = _decode_entity(html, i) if html[i] == "&" else None
                if decoded is not None:
                    chars.append(decoded[0])
                    i = decoded[1]
                else:
                    chars.append(html[i])
                    i += 1
            i += 1  # past the closing quote
            if i >= n:
                raise HtmlParseError(f"Unclosed start tag at byte offset {at}")
            value = "".join(chars)
        if name == "a" and attr == "href":
            argument = value
        elif name == "code" and attr == "class" and value.startswith("language-"):
            argument = value[len("language-") :]
        elif name == "span" and attr == "class" and value.startswith("tg-"):
            argument = value[len("tg-") :]
        elif name == "tg-emoji" and attr == "emoji-id":
            argument = value
        elif name == "blockquote" and attr == "expandable":
            expandable = True
    if name == "span" and argument != "spoiler":
        raise HtmlParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {at}')
    return Tag(name, html[begin : i + 1], argument, expandable), i + 1


def scan(html: str) -> Scan:
    """Check `html` like Telegram and return its text, per-character sources and tags."""
    n = len(html)
    text: list[str] = []
    raws: list[str] = []
    events: list[tuple[str, int, int, Tag]] = []
    stack: list[Tag] = []
    units = 0  # UTF-16 offset of the next character
    i = 0
    while i < n:
        match = _SPECIAL.search(html, i)
        stop = match.start() if match else n
        if stop > i:
            run = html[i:stop]
            text.append(run)
            raws.extend(run)
            units += utf16_len(run)
            i = stop
            continue
        if html[i] == "&":
            decoded = _decode_entity(html, i)
            if decoded is None:
                # A bare "&" is text; re-emit it escaped so a cut never glues it to letters.
                text.append("&")
                raws.append("&amp;")
                units += 1
                i += 1
            else:
                char, end = decoded
                text.append(char)
                raws.append(html[i:end])
                units += utf16_len(char)
                i = end
            continue
        begin = i
        if i + 1 < n and html[i + 1] == "/":
            at = _byte_offset(html, begin)
            if not stack:
                raise HtmlParseError(f"Unexpected end tag at byte offset {at}")
            i += 2
            while i < n and html[i] not in _SPACES and html[i] != ">":
                i += 1
            end_name = html[begin + 2 : i].lower()
            while i < n and html[i] in _SPACES:
                i += 1
            if i >= n:
                raise HtmlParseError(f"Unclosed end tag at byte offset {at}")
            top = stack[-1]
            if end_name and end_name != top.name:
                raise HtmlParseError(
                    f'Unmatched end tag at byte offset {at}, expected "</{top.name}>", '
                    f'found "</{end_name}>"'
                )
            stack.pop()
            events.append(("close", len(raws), units, top))
            i += 1
        else:
            tag, i = _read_start_tag(html, begin)
            stack.append(tag)
            events.append(("open", len(raws), units, tag))
    if stack:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    return Scan("".join(text), raws, events)


def _close_entity(tag: Tag, offset: int, length: int, content: str, entities: list[Entity]) -> None:
    """Append the entity a closed element makes, merging pre+code like tdlib."""
    if tag.name in _SIMPLE_TYPES:
        entities.append(Entity(_SIMPLE_TYPES[tag.name], offset, length))
    elif tag.name == "a":
        url = _normalize_url(tag.argument or content)
        if url is not None:
            entities.append(Entity("text_link", offset, length, url=url))
    elif tag.name == "blockquote":
        kind = "expandable_blockquote" if tag.expandable else "blockquote"
        entities.append(Entity(kind, offset, length))
    elif tag.name == "tg-emoji":
        if not tag.argument.isdigit() or int(tag.argument) == 0:
            raise HtmlParseError("Invalid custom emoji identifier specified")
        entities.append(Entity("custom_emoji", offset, length, custom_emoji_id=tag.argument))
    else:  # pre or code
        last = entities[-1] if entities else None
        if last is None or (last.offset, last.length) != (offset, length):
            if tag.name == "pre":
                entities.append(Entity("pre", offset, length))
            else:
                entities.append(Entity("code", offset, length, language=tag.argument or None))
        elif tag.name == "pre" and last.type == "code":
            # <pre><code class="language-x">: one pre entity carrying the language.
            entities[-1] = Entity("pre", offset, length, language=last.language)
        elif tag.name == "code" and last.type == "pre":
            # <code class="language-x"><pre>: the same, closed the other way round.
            entities[-1] = Entity("pre", offset, length, language=tag.argument or last.language)
        elif tag.name == "pre":
            entities.append(Entity("pre", offset, length))
        else:
            entities.append(Entity("code", offset, length, language=tag.argument or None))


def parse(html: str) -> ParsedMessage:
    """Parse Telegram HTML into text and entities, or raise HtmlParseError like Telegram."""
    result = scan(html)
    entities: list[Entity] = []
    opened: list[tuple[int, int]] = []  # (char index, utf16 offset) of each open element
    for kind, index, units, tag in result.events:
        if kind == "open":
            opened.append((index, units))
            continue
        start_index, start_units = opened.pop()
        if units > start_units:
            content = result.text[start_index:index]
            _close_entity(tag, start_units, units - start_units, content, entities)
    # Bot API's `code` entity has no language; keep it only on pre.
    entities = [
        Entity(e.type, e.offset, e.length, url=e.url, custom_emoji_id=e.custom_emoji_id)
        if e.type == "code"
        else e
        for e in entities
    ]
    entities.sort(key=lambda e: (e.offset, -e.length, _PRIORITY[e.type]))
    return ParsedMessage(result.text, entities)


# ---- terminal rendering -------------------------------------------------------------------

_MARKERS = {
    "bold": ("*", "*"),
    "italic": ("_", "_"),
    "strikethrough": ("~", "~"),
    "spoiler": ("||", "||"),
    "code": ("`", "`"),
}
_ANSI = {
    "bold": "1",
    "italic": "3",
    "underline": "4",
    "strikethrough": "9",
    "spoiler": "7",
    "code": "36",
}


@dataclass
class _Node:
    tag: Tag | None
    children: list[_Node | str] = field(default_factory=list)


def _tree(result: Scan) -> _Node:
    root = _Node(None)
    stack = [root]
    cursor = 0
    for kind, index, _units, tag in result.events:
        if index > cursor:
            stack[-1].children.append(result.text[cursor:index])
            cursor = index
        if kind == "open":
            node = _Node(tag)
            stack[-1].children.append(node)
            stack.append(node)
        else:
            stack.pop()
    if cursor < len(result.text):
        root.children.append(result.text[cursor:])
    return root


def _style_of(tag: Tag) -> str | None:
    if tag.name in _SIMPLE_TYPES:
        return _SIMPLE_TYPES[tag.name]
    if tag.name == "code":
        return "code"
    return None


def _wrap(inner: str, left: str, right: str) -> str:
    """Put markers around the words, leaving surrounding whitespace outside them."""
    core = inner.strip()
    if not core:
        return inner
    head = inner[: len(inner) - len(inner.lstrip())]
    tail = inner[len(inner.rstrip()) :]
    return f"{head}{left}{core}{right}{tail}"


def _render(node: _Node, style: str, active: tuple[str, ...], in_pre: bool) -> str:
    tag = node.tag
    kind = _style_of(tag) if tag else None
    in_pre = in_pre or (tag is not None and tag.name == "pre")
    if kind and style == "ansi":
        active = (*active, _ANSI[kind])
    inner = "".join(
        child if isinstance(child, str) else _render(child, style, active, in_pre)
        for child in node.children
    )
    if tag is None:
        return inner
    if kind and style == "ansi":
        restore = "\x1b[0m" + "".join(f"\x1b[{code}m" for code in active[:-1])
        return f"\x1b[{_ANSI[kind]}m{inner}{restore}"
    if kind in _MARKERS and style == "terminal" and not in_pre:
        return _wrap(inner, *_MARKERS[kind])
    if tag.name == "a":
        url = _normalize_url(tag.argument or inner)
        shown = inner.strip().rstrip("/")
        if url is None or url.rstrip("/") in {shown, "http://" + shown}:
            return inner
        return f"{inner} ({url})"
    if tag.name == "blockquote" and style != "plain":
        return "\n".join("│ " + line for line in inner.split("\n"))
    return inner


def to_plain(html: str, style: str = "terminal") -> str:
    """Render Telegram HTML as readable text for a terminal.

    style "terminal": *bold* _italic_ ~struck~ ||spoiler|| `code`, links as "text (url)",
    quotes prefixed with "│ "; "ansi": the same with ANSI escapes instead of markers;
    "plain": just the text, with link targets. Raises HtmlParseError on invalid HTML.
    """
    if style not in {"terminal", "ansi", "plain"}:
        raise ValueError(f"unknown style {style!r}")
    return _render(_tree(scan(html)), style, (), False)
