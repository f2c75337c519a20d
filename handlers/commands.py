"""The command table: one row per command, feeding handlers, /help and setMyCommands."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram import BotCommand, BotCommandScopeChat, BotCommandScopeDefault, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.i18n import LANGUAGES, t
from handlers import (
    admin,
    articles,
    basic,
    channels,
    entities,
    membership,
    schedule,
    stories,
    subscriptions,
)
from handlers.common import Context
from handlers.errors import on_error

log = logging.getLogger(__name__)

Handler = Callable[[Update, Context], Awaitable[None]]


@dataclass(frozen=True)
class Command:
    """A chat command: its name, what runs it, and the catalog key of its description.

    Admin commands (ADMIN_IDS only) stay out of the public menu and /help.
    """

    name: str
    callback: Handler
    help_key: str
    aliases: tuple[str, ...] = ()
    admin: bool = False


COMMANDS: tuple[Command, ...] = (
    Command("start", basic.start, "cmd_start"),
    Command("help", basic.help_command, "cmd_help"),
    Command("latest", articles.latest, "cmd_latest"),
    Command("article", articles.article, "cmd_article"),
    Command("search", articles.search, "cmd_search"),
    Command("entity", entities.entity, "cmd_entity", aliases=("who",)),
    Command("trending", entities.trending, "cmd_trending"),
    Command("summary", stories.summary, "cmd_summary"),
    Command("story", stories.story, "cmd_story"),
    Command("brief", stories.brief, "cmd_brief"),
    Command("topics", subscriptions.topics, "cmd_topics"),
    Command("subscribe", subscriptions.subscribe, "cmd_subscribe"),
    Command("unsubscribe", subscriptions.unsubscribe, "cmd_unsubscribe"),
    Command("mysubs", subscriptions.mysubs, "cmd_mysubs"),
    Command("digest", schedule.digest, "cmd_digest"),
    Command("settime", schedule.settime, "cmd_settime"),
    Command("timezone", schedule.timezone, "cmd_timezone"),
    Command("days", schedule.days, "cmd_days"),
    Command("pause", schedule.pause, "cmd_pause"),
    Command("resume", schedule.resume, "cmd_resume"),
    Command("settings", schedule.settings, "cmd_settings"),
    Command("lang", basic.lang, "cmd_lang"),
    Command("stop", schedule.stop, "cmd_stop"),
    Command("channel", channels.channel, "cmd_channel"),
    Command("sources", admin.sources, "cmd_sources", admin=True),
    Command("addsource", admin.addsource, "cmd_addsource", admin=True),
    Command("removesource", admin.removesource, "cmd_removesource", admin=True),
    Command("pausesource", admin.pausesource, "cmd_pausesource", admin=True),
    Command("resumesource", admin.resumesource, "cmd_resumesource", admin=True),
    Command("export", admin.export, "cmd_export", admin=True),
)

CALLBACKS: tuple[tuple[str, Handler], ...] = (
    (r"^art:\d+$", articles.open_article),
    (r"^sp:\d+:\d+$", articles.search_page),
    (r"^sum:\d+$", stories.summary_button),
    (r"^ent:\d+$", entities.entity_button),
    (r"^fe:\d+$", entities.follow_button),
    (r"^ufe:\d+$", entities.unfollow_button),
    (r"^tp:[a-z-]+$", subscriptions.topic_button),
    (r"^un:\d+$", subscriptions.remove_button),
    (r"^dgm:\d+:\d+:\d+$", schedule.more_button),
    (r"^tz:[A-Za-z0-9_+/-]+$", schedule.timezone_button),
    (r"^set:(t:\d{4}(,\d{4})*|d:[a-z]+|p|now|l:(ar|en|tr))$", schedule.settings_button),
)


def menu_entries() -> list[tuple[str, str]]:
    """(command, description key) pairs in menu order; aliases are named with their command."""
    return [(" /".join((c.name, *c.aliases)), c.help_key) for c in COMMANDS if not c.admin]


def bot_commands(lang: str, admin: bool = False) -> list[BotCommand]:
    """The command menu in one language, as setMyCommands takes it (admin commands on request)."""
    return [BotCommand(c.name, t(lang, c.help_key)[:256]) for c in COMMANDS if admin or not c.admin]


async def publish_commands(
    app: Application[Any, Any, Any, Any, Any, Any], default_language: str
) -> None:
    """Register the command menu for every language, and the default for everyone else.

    Each admin's private chat gets the menu with the admin commands too.
    """
    for lang in LANGUAGES:
        await app.bot.set_my_commands(bot_commands(lang), language_code=lang)
    await app.bot.set_my_commands(bot_commands(default_language), scope=BotCommandScopeDefault())
    for admin_id in sorted(app.bot_data["services"].config.admin_ids):
        scope = BotCommandScopeChat(admin_id)
        try:
            for lang in LANGUAGES:
                await app.bot.set_my_commands(
                    bot_commands(lang, admin=True), scope=scope, language_code=lang
                )
            await app.bot.set_my_commands(bot_commands(default_language, admin=True), scope=scope)
        except TelegramError as error:
            # An admin who never opened a chat with the bot has no chat to scope a menu to yet.
            log.info("no admin menu for %s: %s", admin_id, error)


async def track_chat(update: Update, context: Context) -> None:
    """Remember every chat that talks to the bot (before any handler answers it)."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or update.my_chat_member is not None:
        return
    context.services.chats.seen(
        chat.id, chat.type, chat.title or "", user.language_code if user else None
    )


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add every handler to the application, in order."""
    app.add_handler(TypeHandler(Update, track_chat), group=-1)
    for command in COMMANDS:
        app.add_handler(CommandHandler((command.name, *command.aliases), command.callback))
    for pattern, callback in CALLBACKS:
        app.add_handler(CallbackQueryHandler(callback, pattern=pattern))
    app.add_handler(ChatMemberHandler(membership.my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, membership.migrated))
    app.add_handler(MessageHandler(filters.COMMAND, basic.unknown_command))
    app.add_handler(
        MessageHandler(
            filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, articles.search_text
        )
    )
    # An OPML file from an admin imports sources; anyone else's document gets the no_text answer.
    app.add_handler(MessageHandler(filters.ChatType.PRIVATE & filters.Document.ALL, admin.document))
    app.add_handler(
        MessageHandler(
            filters.ChatType.PRIVATE & ~filters.TEXT & ~filters.StatusUpdate.ALL, basic.no_text
        )
    )
    app.add_error_handler(on_error)
