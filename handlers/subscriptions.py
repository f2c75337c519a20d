"""Following things: /topics, /subscribe, /unsubscribe, /mysubs, and their buttons."""

from __future__ import annotations

from telegram import Update

from bot.i18n import t
from bot.render import subscriptions as render
from bot.services.subscriptions import Ambiguous
from handlers.common import (
    Context,
    answer,
    button_arg,
    chat_lang,
    edit,
    keyboard,
    require_admin,
    target_chat,
)


def _following_topics(update: Update, context: Context) -> set[str]:
    return {
        f.value
        for f in context.services.subscriptions.follows(target_chat(update, context))
        if f.kind == "topic"
    }


async def topics(update: Update, context: Context) -> None:
    """Every topic, with buttons to follow or unfollow."""
    await answer(
        update,
        context,
        render.topics(_following_topics(update, context), chat_lang(update, context)),
    )


async def topic_button(update: Update, context: Context) -> None:
    """Toggle a topic from the /topics keyboard: tp:<topic id>."""
    query = update.callback_query
    assert query is not None
    await require_admin(update, context)
    now_following = context.services.subscriptions.toggle_topic(
        target_chat(update, context), button_arg(update)
    )
    lang = chat_lang(update, context)
    await query.answer(t(lang, "subscribed_short" if now_following else "unsubscribed_short"))
    reply = render.topics(_following_topics(update, context), lang)
    await query.edit_message_reply_markup(keyboard(reply.buttons))


async def subscribe(update: Update, context: Context) -> None:
    """Follow a topic, an entity or a "keyword"; -word excludes: /subscribe <...>."""
    await require_admin(update, context)
    lang = chat_lang(update, context)
    subs = context.services.subscriptions
    target = subs.parse(" ".join(context.args or []))
    if isinstance(target, Ambiguous):
        await answer(update, context, render.ambiguous(target.query, target.choices, lang))
        return
    added = subs.follow(target_chat(update, context), target)
    if target.kind == "exclude":
        reply = render.followed(f"“{target.value}”", added, lang, excluded=True)
    else:
        reply = render.followed(target.label(lang, context.services.entities), added, lang)
    await answer(update, context, reply)


async def unsubscribe(update: Update, context: Context) -> None:
    """Stop following something: /unsubscribe <...>."""
    await require_admin(update, context)
    lang = chat_lang(update, context)
    removed = context.services.subscriptions.unfollow_text(
        target_chat(update, context), " ".join(context.args or [])
    )
    await answer(
        update, context, render.unfollowed(removed.label(lang, context.services.entities), lang)
    )


def _items(update: Update, context: Context, lang: str) -> list[tuple[str, str, int]]:
    entities = context.services.entities
    return [
        (f.kind, f.label(lang, entities), f.ref)
        for f in context.services.subscriptions.follows(target_chat(update, context))
    ]


async def mysubs(update: Update, context: Context) -> None:
    """Everything this chat follows, each with a remove button."""
    lang = chat_lang(update, context)
    await answer(update, context, render.my_subscriptions(_items(update, context, lang), lang))


async def remove_button(update: Update, context: Context) -> None:
    """A remove button under /mysubs: un:<subscription>."""
    query = update.callback_query
    assert query is not None
    await require_admin(update, context)
    lang = chat_lang(update, context)
    context.services.subscriptions.unfollow_ref(
        target_chat(update, context), int(button_arg(update))
    )
    await query.answer(t(lang, "unsubscribed_short"))
    await edit(update, render.my_subscriptions(_items(update, context, lang), lang))
