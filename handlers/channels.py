"""Channels receive digests too: /channel, sent from a private chat, manages one."""

from __future__ import annotations

from telegram import Update
from telegram.error import BadRequest, Forbidden

from bot.errors import BadInput
from bot.i18n import t
from bot.render.articles import Reply
from bot.render.text import esc
from handlers.common import Context, answer, chat_id, chat_lang

ADMIN_STATUSES = ("administrator", "creator")


def _channel_ref(text: str) -> str | int:
    text = text.strip()
    if text.lstrip("-").isdigit():
        return int(text)
    if not text.startswith("@"):
        text = "@" + text.removeprefix("https://t.me/").removeprefix("t.me/")
    return text


async def channel(update: Update, context: Context) -> None:
    """Manage a channel's digest from this private chat: /channel @name, /channel off."""
    assert update.effective_chat is not None and update.effective_user is not None
    lang = chat_lang(update, context)
    if update.effective_chat.type != "private":
        raise BadInput("channel_private_only")
    args = context.args or []
    if len(args) != 1:
        raise BadInput("channel_usage")
    chats = context.services.chats
    if args[0].lower() in ("off", "me", "stop"):
        chats.stop_managing(chat_id(update))
        await answer(update, context, Reply([t(lang, "channel_off")]))
        return
    try:
        target = await context.bot.get_chat(_channel_ref(args[0]))
        if target.type != "channel":
            raise BadInput("channel_not_channel")
        me = await context.bot.get_chat_member(target.id, context.bot.id)
        user = await context.bot.get_chat_member(target.id, update.effective_user.id)
    except (BadRequest, Forbidden):
        raise BadInput("channel_not_found") from None
    if me.status != "administrator":
        raise BadInput("channel_bot_not_admin")
    if user.status not in ADMIN_STATUSES:
        raise BadInput("channel_user_not_admin")
    chats.manage(chat_id(update), target.id, target.title or "")
    await answer(
        update, context, Reply([t(lang, "channel_on", name=esc(target.title or str(target.id)))])
    )
