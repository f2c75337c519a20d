"""Turn feed HTML into plain text: no tags or scripts, entities decoded, paragraphs kept."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from bot.nlp.normalize import strip_controls

# Elements whose content is never text a reader should see.
_DROP = frozenset({"script", "style", "noscript", "iframe", "object", "embed", "svg", "template"})
# Elements that end a paragraph.
_BLOCK = frozenset(
    {
        "p", "div", "section", "article", "header", "footer", "aside", "blockquote", "pre",
        "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd", "table", "tr",
        "figure", "figcaption", "hr",
    }
)  # fmt: skip
# Each run of spaces becomes one space. A run that is one plain space already (nearly every
# gap between words) is not matched: substituting it would change nothing, at a cost per word.
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]{2,}|[\t\r\f\v\u00a0]")
_BREAKS = re.compile(r"\n\s*\n+")
# Something a browser would take for a tag or comment: '<' then a name, '/', '!' or '?', up to
# '>'. A '<' followed by anything else ("a < b", "x<3") is text.
_TAG = re.compile(r"<(?:/?[A-Za-z][^<>]*|![^<>]*|\?[^<>]*)>")
# Text that was HTML-escaped more than this many times is not a feed's mistake.
MAX_UNESCAPES = 4


class _TextExtractor(HTMLParser):
    """Collect text, marking line and paragraph breaks at the tags that make them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._dropping: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROP:
            self._dropping.append(tag)
        elif tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROP:
            # Pop back to the matching open element; a stray close tag is ignored.
            if tag in self._dropping:
                while self._dropping.pop() != tag:
                    pass
        elif tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._dropping:
            self.parts.append(data)


def _visible_text(markup: str) -> str:
    """One pass of the parser: the text between the tags, entities decoded."""
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    return "".join(parser.parts)


def html_to_text(markup: str | None) -> str:
    """Return the visible text of an HTML fragment, paragraphs separated by blank lines.

    The result holds no tag, however many times the markup was escaped: what decoding
    an entity turns into a tag is parsed again. A '<' that starts no tag ("a < b", "x<y")
    is text and stays.
    """
    if not markup:
        return ""
    text = markup
    for _ in range(MAX_UNESCAPES):
        if "<" not in text and "&" not in text:
            break
        text = _visible_text(text)
        # A feed that escaped its HTML twice leaves entities behind after one pass.
        if "&" in text:
            text = html.unescape(text)
        if not _TAG.search(text):
            break
    else:
        text = _TAG.sub("", text)  # escaped more often than any real feed does
    lines = [_SPACES.sub(" ", line).strip() for line in strip_controls(text).split("\n")]
    return _BREAKS.sub("\n\n", "\n".join(lines)).strip()


def strip_markup(text: str) -> str:
    """Return `text` with its tags removed (as `html_to_text`), or unchanged if it has none.

    For text that is meant to be plain already (seed files, drafts): entities in it are
    decoded only when it also holds tags, so "AT&amp;T" written in plain text stays.
    """
    if "<" not in text or not _TAG.search(text):
        return text
    return html_to_text(text)


def one_line(markup: str | None) -> str:
    """Return the text of an HTML fragment on a single line (for titles, authors, tags)."""
    return " ".join(html_to_text(markup).split())
