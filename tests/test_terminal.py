"""The terminal chat: piped stdin in, a real PTB app behind the fake Telegram, text out."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import io
from collections.abc import AsyncIterator

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.app import TrackedApplication
from bot.faketg.records import SentMessage
from bot.faketg.server import FakeTelegram
from bot.terminal import format_message, run_terminal_chat


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Latest", callback_data="latest"),
                InlineKeyboardButton("Site", url="https://example.org/"),
            ],
            [InlineKeyboardButton("الأخبار", callback_data="ar")],
        ]
    )
    await update.message.reply_html("Hello <b>there</b>", reply_markup=keyboard)


async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.callback_query.answer(f"got {update.callback_query.data}")
    await update.callback_query.edit_message_text(
        f"You chose <i>{update.callback_query.data}</i>", parse_mode=ParseMode.HTML
    )


async def export(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.message.reply_document(b"<opml/>", filename="feeds.opml")


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.message.reply_text(f"echo: {update.message.text}")


@contextlib.asynccontextmanager
async def serving(fake: FakeTelegram) -> AsyncIterator[TrackedApplication]:
    app = fake.application_builder().application_class(TrackedApplication).build()
    app.add_handlers(
        [
            CommandHandler("start", start),
            CommandHandler("export", export),
            CallbackQueryHandler(pressed),
            MessageHandler(filters.TEXT & ~filters.COMMAND, echo),
        ]
    )
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=dtm.timedelta(seconds=1))
        yield app
        await app.updater.stop()
        await app.stop()


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake, serving(fake):
        yield fake


async def chat(fake: FakeTelegram, typed: str) -> str:
    stdout = io.StringIO()
    await run_terminal_chat(fake, stdin=io.StringIO(typed), stdout=stdout, settle=0.3)
    return stdout.getvalue()


async def test_replies_buttons_and_clicks(fake: FakeTelegram) -> None:
    output = await chat(fake, "/start\n1\nمرحبا\n")
    assert output.startswith("Local Telegram stand-in")
    assert "bot:\nHello *there*\n[1] Latest  [2] Site <https://example.org/>\n[3] الأخبار" in output
    assert "bot (edited):\nYou chose _latest_" in output
    assert "bot (notice): got latest" in output
    assert "echo: مرحبا" in output
    assert fake.callback_answer(fake.calls("answerCallbackQuery")[0]["callback_query_id"])


async def test_url_buttons_numbers_out_of_range_documents_and_quit(fake: FakeTelegram) -> None:
    output = await chat(fake, "/start\n2\n9\n/export\nquit\n/start\n")
    assert "(opens https://example.org/)" in output
    assert "(no button 9: the last menu has 3)" in output
    assert "[file: feeds.opml, 7 bytes]" in output
    assert output.count("Hello *there*") == 1  # nothing after quit was sent
    assert [u for u in fake.calls("answerCallbackQuery")] == []


async def test_number_without_any_menu_is_sent_as_text(fake: FakeTelegram) -> None:
    output = await chat(fake, "42\n")
    assert "echo: 42" in output


async def test_exact_waiting_when_the_app_reports_handled_updates() -> None:
    stdout = io.StringIO()
    async with FakeTelegram() as fake, serving(fake) as app:
        # A huge settle would stall each line: finishing proves wait_handled was used instead.
        chat = run_terminal_chat(
            fake,
            stdin=io.StringIO("/start\n1\n"),
            stdout=stdout,
            settle=600,
            wait_handled=app.wait_handled,
        )
        await asyncio.wait_for(chat, timeout=30)
    assert "You chose _latest_" in stdout.getvalue()


def test_format_message_plain_and_deleted() -> None:
    message = SentMessage(
        chat_id=1,
        message_id=3,
        text="a < b\nsecond line",
        parse_mode=None,
        reply_markup=None,
        method="sendMessage",
        date=0,
    )
    assert format_message(message) == "bot:\na < b\nsecond line"
    assert format_message(message, "deleted") == "bot (deleted message 3): a < b"
