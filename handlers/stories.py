"""Summaries and stories: /summary, /story, /brief, and the Summary button."""

from __future__ import annotations

import re

from telegram import Update

from bot.errors import BadInput
from bot.i18n import LANGUAGES, t
from bot.nlp.normalize import fold
from bot.render import stories as render
from handlers.common import Context, answer, button_arg, chat_lang, chat_tz, parse_id

# The last line of an article message in any language ("Article #12", "المقال #12").
_FOOTER = re.compile(
    "(?:"
    + "|".join(
        re.escape(t(lang, "article_footer", id="\0")).replace("\0", r"(\d+)") for lang in LANGUAGES
    )
    + r")\s*$"
)


def _replied_article_id(update: Update, context: Context) -> int | None:
    """The article a replied-to message of the bot is about: its one "/article N" (a listing of
    one), or the "Article #N" that ends the article itself."""
    message = update.effective_message
    replied = message.reply_to_message if message else None
    if replied is None or not replied.text:
        return None
    if replied.from_user is None or replied.from_user.id != context.bot.id:
        return None  # the user's own words are no article reference
    footer = _FOOTER.search(replied.text)
    if footer:
        return parse_id(next(group for group in footer.groups() if group))
    found = re.findall(r"/article (\d+)", replied.text)
    return parse_id(found[0]) if len(found) == 1 else None


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
        replied = _replied_article_id(update, context)
        if replied is None:
            raise BadInput("summary_usage")
        await _article_summary(update, context, replied, long)
        return
    number = parse_id(args[0]) if len(args) == 1 else None
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
    number = parse_id(args[0]) if len(args) == 1 else None
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
