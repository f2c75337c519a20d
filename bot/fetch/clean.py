"""Turn feed HTML into plain text: no tags or scripts, entities decoded, paragraphs kept."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

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


def html_to_text(markup: str | None) -> str:
    """Return the visible text of an HTML fragment, paragraphs separated by blank lines."""
    if not markup:
        return ""
    if "<" not in markup and "&" not in markup:
        text = markup
    else:
        parser = _TextExtractor()
        parser.feed(markup)
        parser.close()
        text = "".join(parser.parts)
        # A feed that escaped its HTML twice leaves entities behind after one pass.
        if "&" in text:
            text = html.unescape(text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BREAKS.sub("\n\n", "\n".join(lines)).strip()


def one_line(markup: str | None) -> str:
    """Return the text of an HTML fragment on a single line (for titles, authors, tags)."""
    return " ".join(html_to_text(markup).split())
