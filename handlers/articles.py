"""Commands about articles: /latest, /article, /search, and their buttons."""

from __future__ import annotations

from telegram import Update

from bot.errors import BadInput
from bot.render import articles as render
from bot.services.articles import LATEST_DEFAULT, LATEST_MAX
from handlers.common import Context, answer, chat_id, chat_lang, chat_tz, parse_count, parse_id


async def latest(update: Update, context: Context) -> None:
    """Show the newest articles: /latest [n]."""
    count = parse_count(context.args or [], LATEST_DEFAULT, LATEST_MAX)
    items = context.services.articles.latest(count)
    sources = context.services.articles.sources(items)
    await answer(
        update,
        context,
        render.latest(items, chat_lang(update, context), chat_tz(update, context), sources),
    )


def _article_id(text: str) -> int:
    article_id = parse_id(text)
    if article_id is None:
        raise BadInput("article_usage")
    return article_id


async def _show_article(update: Update, context: Context, article_id: int) -> None:
    articles = context.services.articles
    item = articles.get(article_id)
    reply = render.article(
        item, chat_lang(update, context), chat_tz(update, context), articles.follow_options(item)
    )
    await answer(update, context, reply)


async def article(update: Update, context: Context) -> None:
    """Show a whole article: /article <id>."""
    args = context.args or []
    if len(args) != 1:
        raise BadInput("article_usage")
    await _show_article(update, context, _article_id(args[0]))


async def open_article(update: Update, context: Context) -> None:
    """The "Read" button under a listing: art:<id>."""
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer()
    await _show_article(update, context, _article_id(query.data.split(":", 1)[1]))


async def _search(
    update: Update, context: Context, text: str, page: int, query_id: int | None
) -> None:
    result = context.services.articles.search(text, page=page)
    if query_id is None:
        query_id = context.services.articles.remember_query(chat_id(update), text)
    sources = context.services.articles.sources([hit.article for hit in result.hits])
    reply = render.search_page(
        result, query_id, chat_lang(update, context), chat_tz(update, context), sources
    )
    await answer(update, context, reply)


async def search(update: Update, context: Context) -> None:
    """Full-text search: /search <words>, with "phrases" and -exclusions."""
    text = " ".join(context.args or [])
    await _search(update, context, text, 1, None)


async def search_text(update: Update, context: Context) -> None:
    """Plain text in a private chat is a search."""
    assert update.effective_message is not None
    await _search(update, context, update.effective_message.text or "", 1, None)


async def search_page(update: Update, context: Context) -> None:
    """The page buttons under search results: sp:<query id>:<page>."""
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer()
    _, query_id, page = query.data.split(":")
    text = context.services.articles.recall_query(int(query_id), chat_id(update))
    await _search(update, context, text, int(page), int(query_id))
