"""Who and what is in the news: /entity (/who), /trending, and entity buttons."""

from __future__ import annotations

from telegram import Update

from bot.i18n import t
from bot.render import entities as render
from bot.services.subscriptions import Follow
from handlers.common import (
    Context,
    answer,
    button_arg,
    chat_lang,
    chat_tz,
    require_admin,
    target_chat,
)


def _following(update: Update, context: Context, entity_id: str) -> bool:
    return Follow("entity", entity_id) in context.services.subscriptions.follows(
        target_chat(update, context)
    )


async def _show_card(update: Update, context: Context, entity_id: str) -> None:
    card = context.services.entities.card(entity_id)
    following = _following(update, context, entity_id)
    await answer(
        update,
        context,
        render.card(card, chat_lang(update, context), chat_tz(update, context), following),
    )


async def entity(update: Update, context: Context) -> None:
    """What the news says about a person, organisation or place: /entity <name>."""
    lookup = context.services.entities.lookup(" ".join(context.args or []))
    lang = chat_lang(update, context)
    if lookup.card:
        following = _following(update, context, lookup.card.entity.id)
        await answer(
            update, context, render.card(lookup.card, lang, chat_tz(update, context), following)
        )
    elif lookup.choices:
        await answer(update, context, render.choices(lookup, lang))
    else:
        await answer(update, context, render.suggestions(lookup, lang))


async def entity_button(update: Update, context: Context) -> None:
    """A choice or suggestion button: ent:<handle>."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    found = context.services.entities.by_handle(int(button_arg(update)))
    await _show_card(update, context, found.id)


async def follow_button(update: Update, context: Context) -> None:
    """Follow an entity from its card: fe:<handle>."""
    assert update.callback_query is not None
    await require_admin(update, context)
    found = context.services.entities.by_handle(int(button_arg(update)))
    added = context.services.subscriptions.follow(
        target_chat(update, context), Follow("entity", found.id)
    )
    lang = chat_lang(update, context)
    await update.callback_query.answer(
        t(lang, "subscribed_short" if added else "already_subscribed_short")
    )
    await _show_card(update, context, found.id)


async def unfollow_button(update: Update, context: Context) -> None:
    """Stop following an entity from its card: ufe:<handle>."""
    assert update.callback_query is not None
    await require_admin(update, context)
    found = context.services.entities.by_handle(int(button_arg(update)))
    context.services.subscriptions.unfollow(
        target_chat(update, context), Follow("entity", found.id)
    )
    await update.callback_query.answer(t(chat_lang(update, context), "unsubscribed_short"))
    await _show_card(update, context, found.id)


async def trending(update: Update, context: Context) -> None:
    """The entities mentioned most in the last 24 hours relative to their usual level."""
    trends = context.services.entities.trending()
    await answer(update, context, render.trending(trends, chat_lang(update, context)))
