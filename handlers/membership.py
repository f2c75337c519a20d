"""The bot's own membership of chats: blocked, removed, added back, moved to a supergroup."""

from __future__ import annotations

import logging

from telegram import ChatMember, Update

from handlers.common import Context

log = logging.getLogger(__name__)

GONE = frozenset({ChatMember.BANNED, ChatMember.LEFT})  # "kicked", "left"
PRESENT = frozenset({ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER})


async def my_chat_member(update: Update, context: Context) -> None:
    """Stop writing to a chat that blocked or removed the bot; resume when it comes back."""
    change = update.my_chat_member
    if change is None:
        return
    chat, status = change.chat, change.new_chat_member.status
    if status in GONE:
        context.services.chats.deactivate(chat.id)
        log.info("chat %s: bot %s; deactivated", chat.id, status)
    elif status in PRESENT or (
        status == ChatMember.RESTRICTED and getattr(change.new_chat_member, "is_member", False)
    ):
        user = change.from_user
        context.services.chats.seen(
            chat.id, chat.type, chat.title or "", user.language_code if user else None
        )
        log.info("chat %s: bot is %s; active", chat.id, status)


async def migrated(update: Update, context: Context) -> None:
    """A group became a supergroup: carry its settings and schedule over to the new id."""
    message = update.effective_message
    if message is None:
        return
    if message.migrate_to_chat_id:
        context.services.delivery.move_chat(message.chat.id, message.migrate_to_chat_id)
    elif message.migrate_from_chat_id:
        context.services.delivery.move_chat(message.migrate_from_chat_id, message.chat.id)
