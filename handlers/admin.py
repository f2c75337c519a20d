"""Managing the news sources, for the users in ADMIN_IDS: list, add, pause, remove, OPML in and out."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatAction

from bot.errors import BadInput, MojazError
from bot.i18n import t
from bot.render import sources as render
from bot.render.articles import Reply
from bot.services.sources import parse_topics
from handlers.common import Context, answer, chat_id, chat_lang, chat_tz, parse_id, say

MAX_OPML_BYTES = 1_000_000
EXPORT_FILENAME = "mojaz-sources.opml"


class NotAdmin(MojazError):
    """The user is not one of the bot's administrators (ADMIN_IDS)."""

    key = "admin_only"


def is_admin(update: Update, context: Context) -> bool:
    """Tell whether the user behind an update is in ADMIN_IDS."""
    user = update.effective_user
    return user is not None and user.id in context.services.config.admin_ids


def require_bot_admin(update: Update, context: Context) -> None:
    """Raise NotAdmin (answered politely, in the user's language) unless the user is in ADMIN_IDS."""
    if not is_admin(update, context):
        raise NotAdmin()


def source_id_arg(args: list[str], command: str) -> int:
    """Read the one source number after /`command`; raise BadInput otherwise."""
    source_id = parse_id(args[0], max_digits=9) if len(args) == 1 else None
    if source_id is None:
        raise BadInput("source_id_usage", command=command)
    return source_id


async def sources(update: Update, context: Context) -> None:
    """List every news source with its health: /sources."""
    require_bot_admin(update, context)
    service = context.services.sources
    listing = [(source, service.health(source)) for source in service.all()]
    await answer(
        update,
        context,
        render.source_list(listing, chat_lang(update, context), chat_tz(update, context)),
    )


async def addsource(update: Update, context: Context) -> None:
    """Add a feed, or the feed a web page announces, after checking it: /addsource <url> [topics]."""
    require_bot_admin(update, context)
    args = context.args or []
    if not args:
        raise BadInput("addsource_usage")
    topics = parse_topics(args[1:])
    # Finding and checking the feed takes a few seconds: show that something is happening.
    await context.bot.send_chat_action(chat_id(update), ChatAction.TYPING)
    source = await context.services.sources.add_source(args[0], topics)
    await answer(update, context, render.source_added(source, chat_lang(update, context)))


async def removesource(update: Update, context: Context) -> None:
    """Remove a source; its articles stay: /removesource <id>."""
    require_bot_admin(update, context)
    source = context.services.sources.remove(source_id_arg(context.args or [], "removesource"))
    await answer(
        update, context, render.source_changed("source_removed", source, chat_lang(update, context))
    )


async def pausesource(update: Update, context: Context) -> None:
    """Stop polling a source: /pausesource <id>."""
    require_bot_admin(update, context)
    source = context.services.sources.pause(source_id_arg(context.args or [], "pausesource"))
    await answer(
        update, context, render.source_changed("source_paused", source, chat_lang(update, context))
    )


async def resumesource(update: Update, context: Context) -> None:
    """Poll a paused source again: /resumesource <id>."""
    require_bot_admin(update, context)
    source = context.services.sources.resume(source_id_arg(context.args or [], "resumesource"))
    await answer(
        update, context, render.source_changed("source_resumed", source, chat_lang(update, context))
    )


async def export(update: Update, context: Context) -> None:
    """Send the sources as an OPML document: /export."""
    require_bot_admin(update, context)
    service = context.services.sources
    content = service.export_opml()
    await context.bot.send_document(
        chat_id(update),
        document=content,
        filename=EXPORT_FILENAME,
        caption=t(chat_lang(update, context), "export_caption", count=len(service.all())),
    )


async def document(update: Update, context: Context) -> None:
    """Import an OPML file an admin sends; anyone else gets the usual "text only" answer."""
    if not is_admin(update, context):
        await say(update, context, "no_text")
        return
    message = update.effective_message
    assert message is not None and message.document is not None
    if (message.document.file_size or 0) > MAX_OPML_BYTES:
        raise BadInput("opml_too_large", limit=MAX_OPML_BYTES // 1000)
    file = await context.bot.get_file(message.document.file_id)
    content = bytes(await file.download_as_bytearray())
    if len(content) > MAX_OPML_BYTES:  # the declared size may be missing or wrong
        raise BadInput("opml_too_large", limit=MAX_OPML_BYTES // 1000)
    report = context.services.sources.import_opml(content)
    lang = chat_lang(update, context)
    await answer(
        update,
        context,
        Reply([t(lang, "opml_imported", added=len(report.added), skipped=len(report.skipped))]),
    )
