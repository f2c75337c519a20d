"""Greeting, help, language choice, and what to say to everything else."""

from __future__ import annotations

from telegram import Update

from bot.errors import BadInput
from bot.i18n import t
from bot.render.articles import Reply
from bot.render.help import help_text, welcome
from handlers.common import Context, answer, chat_id, chat_lang, require_admin, say


def _menu() -> list[tuple[str, str]]:
    from handlers.commands import menu_entries

    return menu_entries()


async def start(update: Update, context: Context) -> None:
    """Welcome the user in their language and list what the bot can do."""
    await answer(update, context, welcome(_menu(), chat_lang(update, context)))


async def help_command(update: Update, context: Context) -> None:
    """List every command with a one-line description."""
    await answer(update, context, help_text(_menu(), chat_lang(update, context)))


async def lang(update: Update, context: Context) -> None:
    """Choose the bot's language for this chat: /lang ar|en|tr."""
    await require_admin(update, context)
    args = context.args or []
    if len(args) != 1:
        raise BadInput("lang_usage")
    chosen = context.services.chats.set_language(chat_id(update), args[0])
    await answer(update, context, Reply([t(chosen, "lang_set")]))


async def unknown_command(update: Update, context: Context) -> None:
    """A command the bot does not have; one addressed to another bot (/x@otherbot) is not ours."""
    text = update.effective_message.text if update.effective_message else ""
    command = (text or "").split(maxsplit=1)[0] if text else ""
    if "@" in command and command.split("@", 1)[1].lower() != (context.bot.username or "").lower():
        return
    await say(update, context, "unknown_command")


async def no_text(update: Update, context: Context) -> None:
    """A sticker, photo or other message without text, in a private chat."""
    await say(update, context, "no_text")
