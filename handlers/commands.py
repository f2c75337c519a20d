"""The command table: one row per command, feeding handlers, /help and setMyCommands."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram import BotCommand, BotCommandScopeDefault, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, TypeHandler, filters

from bot.i18n import LANGUAGES, t
from handlers import articles, basic
from handlers.common import Context
from handlers.errors import on_error

Handler = Callable[[Update, Context], Awaitable[None]]


@dataclass(frozen=True)
class Command:
    """A chat command: its name, what runs it, and the catalog key of its description."""

    name: str
    callback: Handler
    help_key: str
    aliases: tuple[str, ...] = ()


COMMANDS: tuple[Command, ...] = (
    Command("start", basic.start, "cmd_start"),
    Command("help", basic.help_command, "cmd_help"),
    Command("latest", articles.latest, "cmd_latest"),
    Command("article", articles.article, "cmd_article"),
    Command("search", articles.search, "cmd_search"),
    Command("lang", basic.lang, "cmd_lang"),
)

CALLBACKS: tuple[tuple[str, Handler], ...] = (
    (r"^art:\d+$", articles.open_article),
    (r"^sp:\d+:\d+$", articles.search_page),
)


def menu_entries() -> list[tuple[str, str]]:
    """(command, description key) pairs in menu order."""
    return [(c.name, c.help_key) for c in COMMANDS]


def bot_commands(lang: str) -> list[BotCommand]:
    """The command menu in one language, as setMyCommands takes it."""
    return [BotCommand(c.name, t(lang, c.help_key)[:256]) for c in COMMANDS]


async def publish_commands(app: Application[Any, Any, Any, Any, Any, Any], default_language: str) -> None:
    """Register the command menu for every language, and the default for everyone else."""
    for lang in LANGUAGES:
        await app.bot.set_my_commands(bot_commands(lang), language_code=lang)
    await app.bot.set_my_commands(bot_commands(default_language), scope=BotCommandScopeDefault())


async def track_chat(update: Update, context: Context) -> None:
    """Remember every chat that talks to the bot (before any handler answers it)."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or update.my_chat_member is not None:
        return
    context.services.chats.seen(chat.id, chat.type, chat.title or "", user.language_code if user else None)


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add every handler to the application, in order."""
    app.add_handler(TypeHandler(Update, track_chat), group=-1)
    for command in COMMANDS:
        app.add_handler(CommandHandler((command.name, *command.aliases), command.callback))
    for pattern, callback in CALLBACKS:
        app.add_handler(CallbackQueryHandler(callback, pattern=pattern))
    app.add_handler(MessageHandler(filters.COMMAND, basic.unknown_command))
    app.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, articles.search_text)
    )
    app.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & ~filters.TEXT & ~filters.StatusUpdate.ALL, basic.no_text)
    )
    app.add_error_handler(on_error)
