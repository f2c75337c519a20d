"""The digest as Telegram HTML: a header saying what it covers, then stories grouped by follow."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.i18n import t
from bot.render.articles import Button, when
from bot.render.text import esc, isolate

if TYPE_CHECKING:
    from bot.services.digests import DigestContent, DigestEntry
    from bot.services.subscriptions import Follow

MAX_SOURCES_SHOWN = 2


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
    title = f"<b>{isolate(esc(article.title))}</b>"
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


def digest_header(
    content: DigestContent, labels: dict[Follow, str], lang: str, timezone: str
) -> str:
    """What the digest covers: how many stories since when, and what the chat follows."""
    header = t(
        lang, "digest_header", count=len(content.entries), since=esc(when(content.since, timezone))
    )
    following = ", ".join(esc(labels[f]) for f in content.follows if f in labels)
    return (
        f"{header}\n{t(lang, 'digest_following', follows=isolate(following))}"
        if following
        else header
    )


def digest_entries(
    page: list[DigestEntry], offset: int, labels: dict[Follow, str], lang: str
) -> list[str]:
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
    return items


def digest_buttons(
    content: DigestContent, offset: int, shown: int, lang: str
) -> list[list[Button]]:
    """A "More" button when stories are left after this page."""
    rest = len(content.entries) - offset - shown
    if rest <= 0:
        return []
    data = f"dgm:{int(content.since.timestamp())}:{int(content.until.timestamp())}:{offset + shown}"
    return [[Button(t(lang, "digest_more", count=rest), data=data)]]
