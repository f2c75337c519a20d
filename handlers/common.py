"""What every handler shares: the context type, the chat's language, sending a Reply."""

from __future__ import annotations

from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    ReplyParameters,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import CallbackContext, ExtBot

from bot.errors import BadInput, Forbidden
from bot.i18n import t
from bot.nlp.normalize import fold
from bot.render.articles import Button, Reply
from bot.render.telegram_html import parse
from bot.render.text import truncate
from bot.services import Services

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


class Context(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """The callback context, with the services at hand."""

    @property
    def services(self) -> Services:
        return self.bot_data["services"]  # type: ignore[no-any-return]


def chat_id(update: Update) -> int:
    """The id of the chat an update belongs to."""
    assert update.effective_chat is not None
    return update.effective_chat.id


def target_chat(update: Update, context: Context) -> int:
    """The chat whose follows and schedule a command changes: the channel a private chat manages, or itself."""
    return context.services.chats.target(chat_id(update))


def chat_lang(update: Update, context: Context) -> str:
    """The language to answer this update in."""
    user = update.effective_user
    return context.services.chats.language(chat_id(update), user.language_code if user else None)


def chat_tz(update: Update, context: Context) -> str:
    """The chat's time zone."""
    return context.services.chats.timezone(chat_id(update))


def parse_id(text: str, max_digits: int = 12) -> int | None:
    """Read an article, story or source number ("12", "#12", "١٢"); None if it is not one."""
    digits = fold(text.strip()).lstrip("#")
    # isascii too: str.isdigit accepts digits int() refuses (Ethiopic ፩, superscript ²).
    if not (digits.isascii() and digits.isdigit()) or len(digits) > max_digits:
        return None
    return int(digits)


def parse_count(args: list[str], default: int, maximum: int) -> int:
    """Read an optional whole number argument in 1..maximum; raise BadInput otherwise."""
    if not args:
        return default
    text = fold(args[0].strip())  # Arabic-Indic and Persian digits become ASCII: /latest ٣ works
    if len(args) > 1 or not (text.isascii() and text.isdigit()):
        raise BadInput("bad_number", maximum=maximum)
    value = int(text) if len(text) < 7 else maximum + 1
    if not 1 <= value <= maximum:
        raise BadInput("bad_number", maximum=maximum)
    return value


def keyboard(buttons: list[list[Button]]) -> InlineKeyboardMarkup | None:
    """Telegram's inline keyboard for our buttons."""
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(b.label, url=b.url)
                if b.url
                else InlineKeyboardButton(b.label, callback_data=b.data)
                for b in row
            ]
            for row in buttons
        ]
    )


async def send(
    context: Context, target_chat: int, reply: Reply, reply_to: int | None = None
) -> list[Message]:
    """Send a Reply's chunks in order; the buttons go under the last one."""
    sent = []
    last = len(reply.chunks) - 1
    for index, chunk in enumerate(reply.chunks):
        message = await context.bot.send_message(
            target_chat,
            chunk,
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard(reply.buttons) if index == last else None,
            link_preview_options=NO_PREVIEW,
            reply_parameters=ReplyParameters(reply_to, allow_sending_without_reply=True)
            if reply_to and index == 0
            else None,
        )
        sent.append(message)
    return sent


async def answer(update: Update, context: Context, reply: Reply) -> list[Message]:
    """Send a Reply to the chat the update came from."""
    return await send(context, chat_id(update), reply)


async def say(update: Update, context: Context, key: str, **params: object) -> None:
    """Send one catalog message to the chat the update came from."""
    await answer(update, context, Reply([t(chat_lang(update, context), key, **params)]))


# Telegram shows at most 200 characters in a button press's answer.
ALERT_LIMIT = 200


async def alert(update: Update, context: Context, key: str, **params: object) -> None:
    """Answer a button press with a catalog message in a pop-up; where the press was answered
    already, or the update is no press, the message goes to the chat instead."""
    query = update.callback_query
    if query is not None:
        text = parse(t(chat_lang(update, context), key, **params)).text
        try:
            await query.answer(truncate(text, ALERT_LIMIT), show_alert=True)
            return
        except BadRequest:  # answered before (or too old to answer): say it in the chat
            pass
    await say(update, context, key, **params)


async def edit(update: Update, reply: Reply) -> None:
    """Replace the text and buttons of the message a pressed button sits under (one chunk)."""
    query = update.callback_query
    assert query is not None
    try:
        await query.edit_message_text(
            reply.chunks[0],
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard(reply.buttons),
            link_preview_options=NO_PREVIEW,
        )
    except BadRequest as error:
        # Pressing a setting the chat already has leaves the message as it was.
        if "not modified" not in str(error).lower():
            raise


async def require_admin(update: Update, context: Context) -> None:
    """In a group, only its administrators may change what it follows and when; raise otherwise."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or chat.type not in ("group", "supergroup"):
        return
    if user is None:
        raise Forbidden()
    member = await context.bot.get_chat_member(chat.id, user.id)
    if member.status not in ("administrator", "creator"):
        raise Forbidden()


def button_arg(update: Update) -> str:
    """The part of a button's data after its prefix: "ent:12" -> "12"."""
    query = update.callback_query
    assert query is not None and query.data is not None
    return query.data.split(":", 1)[1]
