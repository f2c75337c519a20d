"""Turning exceptions into short, translated answers."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, TelegramError

from bot.errors import MojazError
from handlers.common import Context, alert

log = logging.getLogger(__name__)


async def on_error(update: object, context: Context) -> None:
    """Explain a domain error to the user; log anything else with its traceback and apologise.

    The answer to a pressed button is a pop-up over the chat: the press stops spinning, and
    in a group the refusal is not posted for everyone.
    """
    error = context.error
    if not isinstance(update, Update) or update.effective_chat is None:
        log.error("error outside an update", exc_info=error)
        return
    if isinstance(error, MojazError):
        try:
            await alert(update, context, error.key, **error.params)
        except TelegramError:
            log.exception("could not explain an error to chat %s", update.effective_chat.id)
        return
    if isinstance(error, Forbidden):
        context.services.chats.deactivate(update.effective_chat.id)
        log.info("chat %s blocked the bot; deactivated", update.effective_chat.id)
        return
    log.error("handler failed on update %s", update.update_id, exc_info=error)
    try:
        await alert(update, context, "error_generic")
    except Exception:
        log.exception("could not apologise to chat %s", update.effective_chat.id)
