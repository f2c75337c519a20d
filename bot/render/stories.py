"""Stories, briefs and summaries as Telegram HTML."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.i18n import t
from bot.models import Article
from bot.render.articles import Button, Reply, byline, headline, when
from bot.render.split import split_items
from bot.render.text import esc, isolate

if TYPE_CHECKING:
    from bot.services.stories import Story
    from bot.services.summaries import TopicSummary


def article_summary(article: Article, summary: str | None, lang: str, timezone: str) -> Reply:
    """An article's summary, with a button to read the whole article."""
    title = f"<b>{headline(article.title)}</b>"
    if not summary:
        return Reply(
            [f"{title}\n{t(lang, 'summary_unavailable')}"],
            [[Button(t(lang, "open_button", id=article.id), data=f"art:{article.id}")]],
        )
    parts = [title, isolate(esc(summary)), byline(article, lang, timezone)]
    return Reply(
        split_items(parts),
        [[Button(t(lang, "open_button", id=article.id), data=f"art:{article.id}")]],
    )


def story(item: Story, lang: str, timezone: str) -> Reply:
    """A story: headline, summary, its time span and every source."""
    parts = [f"<b>{headline(item.headline.title)}</b>"]
    if item.summary:
        parts.append(isolate(esc(item.summary)))
    parts.append(
        t(
            lang,
            "story_span",
            count=len(item.articles),
            sources=len(item.sources) or 1,
            first=esc(when(item.first_at, timezone)),
            last=esc(when(item.last_at, timezone)),
        )
    )
    lines = [
        f"• {esc(a.source or t(lang, 'source_unknown'))}: {headline(a.title)} · /article {a.id}"
        for a in item.articles
    ]
    parts.append("\n".join(lines))
    return Reply(split_items(parts))


def story_lines(stories: list[Story], lang: str) -> list[str]:
    """Headline + one sentence per story, most important first."""
    from bot.services.digests import one_sentence

    items = []
    for number, item in enumerate(stories, 1):
        sentence = one_sentence(item)
        extra = (
            f" · {t(lang, 'more_sources', count=item.extra_sources)}" if item.extra_sources else ""
        )
        text = f"{number}. <b>{headline(item.headline.title)}</b>"
        if sentence:
            text += f"\n{isolate(esc(sentence))}"
        text += f"\n/story {item.id}{extra}"
        items.append(text)
    return items


def brief(stories: list[Story], lang: str) -> Reply:
    """The top stories of the last day."""
    if not stories:
        return Reply([t(lang, "brief_empty")])
    return Reply(split_items([t(lang, "brief_header"), *story_lines(stories, lang)]))


def topic_summary(result: TopicSummary, lang: str) -> Reply:
    """The top stories of the last day about a topic or entity."""
    name = isolate(esc(result.label))
    if not result.stories:
        return Reply([t(lang, "summary_topic_empty", name=name)])
    return Reply(
        split_items(
            [t(lang, "summary_topic_header", name=name), *story_lines(result.stories, lang)]
        )
    )
