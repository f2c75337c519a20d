"""Summaries and stories: /summary, /story, /brief, and the Summary button."""

from __future__ import annotations

import re

from telegram import Update

from bot.errors import BadInput
from bot.nlp.normalize import fold
from bot.render import stories as render
from handlers.common import Context, answer, button_arg, chat_lang, chat_tz


def _number(text: str) -> int | None:
    folded = fold(text).lstrip("#")
    return int(folded) if folded.isdigit() and len(folded) < 12 else None


def _replied_article_id(update: Update) -> int | None:
    """The article a replied-to bot message is about (its "/article N" or "Read #N")."""
    message = update.effective_message
    replied = message.reply_to_message if message else None
    if replied is None or not replied.text:
        return None
    found = re.findall(r"/article (\d+)", replied.text)
    return int(found[0]) if len(found) == 1 else None


async def _article_summary(update: Update, context: Context, article_id: int, long: bool) -> None:
    article = context.services.articles.get(article_id)
    summary = context.services.summaries.of_article(article, long=long)
    reply = render.article_summary(
        article, summary, chat_lang(update, context), chat_tz(update, context)
    )
    await answer(update, context, reply)


async def summary(update: Update, context: Context) -> None:
    """/summary <article id> [long], /summary <topic or entity>, or reply /summary to an article."""
    args = context.args or []
    long = bool(args) and fold(args[-1]) in ("long", "uzun", "مفصل", "طويل")
    if long:
        args = args[:-1]
    if not args:
        replied = _replied_article_id(update)
        if replied is None:
            raise BadInput("summary_usage")
        await _article_summary(update, context, replied, long)
        return
    number = _number(args[0]) if len(args) == 1 else None
    if number is not None:
        await _article_summary(update, context, number, long)
        return
    lang = chat_lang(update, context)
    result = context.services.summaries.about(" ".join(args), lang)
    await answer(update, context, render.topic_summary(result, lang))


async def summary_button(update: Update, context: Context) -> None:
    """The Summary button under an article listing: sum:<id>."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    await _article_summary(update, context, int(button_arg(update)), long=False)


async def story(update: Update, context: Context) -> None:
    """A story: the same event across sources: /story <id>."""
    args = context.args or []
    number = _number(args[0]) if len(args) == 1 else None
    if number is None:
        raise BadInput("story_usage")
    item = context.services.stories.get(number)
    await answer(
        update, context, render.story(item, chat_lang(update, context), chat_tz(update, context))
    )


async def brief(update: Update, context: Context) -> None:
    """The top stories of the last 24 hours."""
    lang = chat_lang(update, context)
    await answer(update, context, render.brief(context.services.summaries.brief(lang), lang))
