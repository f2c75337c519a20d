"""The digest as Telegram HTML: a header saying what it covers, then stories grouped by follow."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.i18n import t
from bot.render.articles import Button, headline, when
from bot.render.split import TELEGRAM_LIMIT, split_items
from bot.render.telegram_html import utf16_len
from bot.render.text import esc, isolate

if TYPE_CHECKING:
    from bot.services.digests import DigestContent, DigestEntry
    from bot.services.subscriptions import Follow

MAX_SOURCES_SHOWN = 2
SEPARATOR = "\n\n"


def sources_line(entry: DigestEntry) -> str:
    """ "Anadolu, BBC +2" for a story's sources."""
    sources = entry.story.sources
    if not sources:
        return ""
    shown = ", ".join(esc(s) for s in sources[:MAX_SOURCES_SHOWN])
    extra = len(sources) - MAX_SOURCES_SHOWN
    return f"{shown} +{extra}" if extra > 0 else shown


def entry_html(number: int, entry: DigestEntry, lang: str) -> str:
    """One story: headline, one sentence, sources and how to open it."""
    article = entry.story.headline
    title = f"<b>{headline(article.title)}</b>"
    if article.url:
        title = f'<a href="{esc(article.url)}">{title}</a>'
    lines = [f"{number}. {title}"]
    if entry.sentence:
        lines.append(isolate(esc(entry.sentence)))
    meta = [part for part in (sources_line(entry), f"/article {article.id}") if part]
    if len(entry.story.articles) > 1:
        meta.append(f"/story {entry.story.id}")
    lines.append(" · ".join(meta))
    return "\n".join(lines)


def digest_following(content: DigestContent, labels: dict[Follow, str], lang: str) -> str:
    """The line that says what the chat follows ("" when it follows nothing)."""
    following = t(lang, "list_separator").join(
        esc(labels[f]) for f in content.follows if f in labels
    )
    return t(lang, "digest_following", follows=isolate(following)) if following else ""


def digest_header(content: DigestContent, following: str, lang: str, timezone: str) -> str:
    """What the digest covers: how many stories since when, and what the chat follows."""
    header = t(
        lang, "digest_header", count=len(content.entries), since=esc(when(content.since, timezone))
    )
    return f"{header}\n{following}" if following else header


@dataclass
class DigestBody:
    """A page of stories, rendered once and shared by every chat that gets the same page."""

    items: list[str]
    joined: str
    units: int


def digest_body(
    page: list[DigestEntry], offset: int, labels: dict[Follow, str], lang: str
) -> DigestBody:
    """The page's stories, each under the heading of the follow that brought it in, when it changes."""
    items = []
    section = None
    for number, entry in enumerate(page, offset + 1):
        follow = entry.matched[0] if entry.matched else None
        text = entry_html(number, entry, lang)
        if follow is not None and follow != section:
            section = follow
            text = f"<b>{isolate(esc(labels.get(follow, follow.value)))}</b>\n{text}"
        items.append(text)
    joined = SEPARATOR.join(items)
    return DigestBody(items, joined, utf16_len(joined))


def digest_chunks(header: str, body: DigestBody) -> list[str]:
    """The messages of a digest: one when it fits (the usual case), else split between stories."""
    if utf16_len(header) + len(SEPARATOR) + body.units <= TELEGRAM_LIMIT:
        return [f"{header}{SEPARATOR}{body.joined}"]
    return split_items([header, *body.items], separator=SEPARATOR)


def digest_buttons(
    content: DigestContent, offset: int, shown: int, lang: str
) -> list[list[Button]]:
    """A "More" button when stories are left after this page."""
    rest = len(content.entries) - offset - shown
    if rest <= 0:
        return []
    data = f"dgm:{int(content.since.timestamp())}:{int(content.until.timestamp())}:{offset + shown}"
    return [[Button(t(lang, "digest_more", count=rest), data=data)]]
