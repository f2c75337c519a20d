"""The fake Bot API, driven by the real python-telegram-bot over HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
from collections.abc import AsyncIterator

import httpx
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.constants import ChatMemberStatus, ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.faketg.server import FakeTelegram

POLL_TIMEOUT = dtm.timedelta(seconds=1)


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    # Opt in to PTB's timedelta periods, or reading RetryAfter.retry_after warns (an error here).
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


@contextlib.asynccontextmanager
async def running(fake: FakeTelegram, *handlers: object) -> AsyncIterator[Application]:
    """Run a real PTB Application polling the fake, the way tests drive the bot."""
    app = fake.application_builder().build()
    for handler in handlers:
        app.add_handler(handler)  # type: ignore[arg-type]
    await app.initialize()
    await app.start()
    await app.updater.start_polling(
        poll_interval=0, timeout=POLL_TIMEOUT, allowed_updates=Update.ALL_TYPES
    )
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


@contextlib.asynccontextmanager
async def bot_for(fake: FakeTelegram, token: str | None = None) -> AsyncIterator[Bot]:
    async with Bot(
        token or fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url
    ) as bot:
        yield bot


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Latest", callback_data="latest"),
                InlineKeyboardButton("Site", url="https://example.org/"),
            ]
        ]
    )
    name = update.effective_user.first_name
    await update.effective_message.reply_html(f"Hello <b>{name}</b>", reply_markup=keyboard)


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_text(update.effective_message.text)


async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    await query.answer(f"got {query.data}")
    await query.edit_message_text(f"You chose <i>{query.data}</i>", parse_mode=ParseMode.HTML)


async def test_command_reaches_handler_and_reply_is_recorded(fake: FakeTelegram) -> None:
    async with running(fake, CommandHandler("start", start)):
        fake.user_sends("/start", first_name="Ayşe")
        [reply] = await fake.wait_for_messages(1001)
    assert reply.text == "Hello <b>Ayşe</b>"
    assert reply.plain_text == "Hello Ayşe"
    assert reply.entities == [{"type": "bold", "offset": 6, "length": 4}]
    assert reply.parse_mode == "HTML"
    assert reply.method == "sendMessage"
    assert [b["text"] for b in reply.buttons] == ["Latest", "Site"]
    assert reply.button("Site")["url"] == "https://example.org/"
    assert fake.calls("getMe") and fake.calls("sendMessage")[0]["chat_id"] == 1001


async def test_command_addressed_to_the_bot_and_plain_text(fake: FakeTelegram) -> None:
    handlers = (
        CommandHandler("start", start),
        MessageHandler(filters.TEXT & ~filters.COMMAND, echo),
    )
    async with running(fake, *handlers):
        fake.user_sends("/start@mojaz_bot", chat_id=-100, chat_type="group", user_id=7)
        fake.user_sends("مرحبا بالعالم", chat_id=1002)
        await fake.wait_for_messages(-100)
        [echoed] = await fake.wait_for_messages(1002)
    assert fake.messages(-100)[0].plain_text == "Hello Test"
    assert echoed.text == "مرحبا بالعالم"


async def test_awaiting_a_queued_update_waits_until_fetched(fake: FakeTelegram) -> None:
    async with running(fake):
        update_id = await fake.user_sends("hello")
        assert fake.pending_updates == [] or fake.pending_updates[0]["update_id"] > update_id
        await fake.wait_for_update_consumed(update_id)


async def test_button_click_reaches_callback_handler(fake: FakeTelegram) -> None:
    handlers = (CommandHandler("start", start), CallbackQueryHandler(pressed))
    async with running(fake, *handlers):
        fake.user_sends("/start")
        [menu] = await fake.wait_for_messages(1001)
        with pytest.raises(ValueError, match="no button"):
            fake.user_clicks(menu, "nonexistent")
        click = fake.user_clicks(menu, "latest")
        await fake.wait_until(lambda: menu.edited and fake.callback_answer(click) is not None)
    assert fake.callback_answer(click)["text"] == "got latest"
    assert menu.plain_text == "You chose latest"
    assert menu.history[0].text == "Hello <b>Test</b>"
    assert menu.reply_markup is None  # an edit without reply_markup drops the keyboard
    assert len(fake.messages(1001)) == 1


async def test_html_and_length_validation_raise_bad_request(fake: FakeTelegram) -> None:
    fake.add_chat(1001, "private")
    async with bot_for(fake) as bot:
        with pytest.raises(BadRequest, match="Can't parse entities"):
            await bot.send_message(1001, "<b>unclosed", parse_mode=ParseMode.HTML)
        with pytest.raises(BadRequest, match="Message text is empty"):
            await bot.send_message(1001, "<b> </b>", parse_mode=ParseMode.HTML)
        with pytest.raises(BadRequest, match="Message is too long"):
            await bot.send_message(1001, "a" * 4097)
        with pytest.raises(BadRequest, match="Message is too long"):
            await bot.send_message(1001, "😀" * 2049)  # 4098 UTF-16 code units
        # Tags do not count: the limit applies after entity parsing.
        await bot.send_message(1001, f"<b>{'a' * 4096}</b>", parse_mode=ParseMode.HTML)
        with pytest.raises(BadRequest, match="Button_data_invalid"):
            markup = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="x" * 65)]])
            await bot.send_message(1001, "hi", reply_markup=markup)
        with pytest.raises(BadRequest, match="Chat not found"):
            await bot.send_message(424242, "hi")
    assert len(fake.messages(1001)) == 1


async def test_editing_with_identical_content_is_not_modified(fake: FakeTelegram) -> None:
    fake.add_chat(1001, "private")
    async with bot_for(fake) as bot:
        sent = await bot.send_message(1001, "<i>one</i>", parse_mode=ParseMode.HTML)
        with pytest.raises(BadRequest, match="Message is not modified"):
            await bot.edit_message_text(
                "<i>one</i>", chat_id=1001, message_id=sent.message_id, parse_mode=ParseMode.HTML
            )
        await bot.edit_message_text("two", chat_id=1001, message_id=sent.message_id)
        assert await bot.delete_message(1001, sent.message_id)
        with pytest.raises(BadRequest, match="Message to delete not found"):
            await bot.delete_message(1001, sent.message_id)
    [message] = fake.messages(1001)
    assert (message.text, message.edited, message.deleted) == ("two", True, True)


async def test_rate_limit_surfaces_as_retry_after(fake: FakeTelegram) -> None:
    fake.add_chat(1001, "private")
    fake.fail_next("sendMessage", chat_id=1001, retry_after=7)
    async with bot_for(fake) as bot:
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(1001, "hi")
        await bot.send_message(1001, "again")  # only the next call failed
    assert caught.value.retry_after == dtm.timedelta(seconds=7)
    assert [m.text for m in fake.messages(1001)] == ["again"]


async def test_server_errors_surface_as_network_error(fake: FakeTelegram) -> None:
    fake.add_chat(1001, "private")
    fake.fail_next("sendMessage", status=502, times=2)
    async with bot_for(fake) as bot:
        for _ in range(2):
            with pytest.raises(NetworkError) as caught:
                await bot.send_message(1001, "hi")
            assert not isinstance(caught.value, BadRequest)
            assert "Bad Gateway" in caught.value.message
        await bot.send_message(1001, "hi")


async def test_blocked_user_gives_forbidden_and_member_update(fake: FakeTelegram) -> None:
    statuses: list[str] = []

    async def member_changed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        statuses.append(update.my_chat_member.new_chat_member.status)

    async with running(fake, ChatMemberHandler(member_changed)) as app:
        fake.user_sends("hi")
        fake.block(1001)
        await fake.wait_until(lambda: statuses == [ChatMemberStatus.BANNED])
        with pytest.raises(Forbidden, match="bot was blocked by the user"):
            await app.bot.send_message(1001, "digest")
        fake.unblock(1001)
        await fake.wait_until(lambda: statuses[-1] == ChatMemberStatus.MEMBER)
        await app.bot.send_message(1001, "welcome back")
    assert [m.text for m in fake.messages(1001)] == ["welcome back"]


async def test_migrated_group_raises_chat_migrated(fake: FakeTelegram) -> None:
    fake.add_chat(-5, "group", title="News", admins=[7])
    fake.migrate(-5, -1005)
    async with bot_for(fake) as bot:
        with pytest.raises(ChatMigrated) as caught:
            await bot.send_message(-5, "hi")
        await bot.send_message(-1005, "hi")
    assert caught.value.new_chat_id == -1005
    assert fake.chat(-1005).type == "supergroup"
    kinds = [u["message"].get("migrate_to_chat_id") for u in fake.pending_updates]
    assert -1005 in kinds


async def test_wrong_token_and_unknown_method(fake: FakeTelegram) -> None:
    async with bot_for(fake) as bot:
        me = await bot.get_me()
        assert (me.username, me.is_bot, me.can_join_groups) == ("mojaz_bot", True, True)
        with pytest.raises(EndPointNotFound):
            await bot.do_api_request("noSuchMethod")
    with pytest.raises(InvalidToken, match="rejected"):
        async with bot_for(fake, token="999:WRONG"):
            pass  # entering calls getMe; PTB shuts the bot down again when that fails


async def test_long_poll_answers_when_an_update_arrives(fake: FakeTelegram) -> None:
    async with bot_for(fake) as bot:
        # A 30 s long poll must come back as soon as the update is queued.
        poll = asyncio.create_task(bot.get_updates(timeout=30, read_timeout=40))
        await fake.wait_until(lambda: bool(fake.calls("getUpdates")))
        update_id = fake.user_sends("/latest")
        updates = await asyncio.wait_for(poll, timeout=10)
        assert [u.update_id for u in updates] == [update_id]
        assert updates[0].message.text == "/latest"
        # Fetching with a higher offset confirms it.
        assert await bot.get_updates(offset=update_id + 1, timeout=0) == ()
        await fake.wait_for_update_consumed(update_id)


async def test_long_poll_times_out_empty_and_survives_hangups(fake: FakeTelegram) -> None:
    url = f"{fake.base_url}{fake.token}/getUpdates"
    async with httpx.AsyncClient() as client:
        answer = await client.post(url, data={"timeout": "0.05"})
        assert answer.json() == {"ok": True, "result": []}
        with pytest.raises(httpx.ReadTimeout):
            await client.post(url, data={"timeout": "30"}, timeout=0.1)
        # The abandoned poll did not swallow the next update.
        update_id = fake.user_sends("after hang-up")
        answer = await client.post(url, json={"timeout": 5})
    assert [u["update_id"] for u in answer.json()["result"]] == [update_id]


async def test_slow_answer_times_out_but_is_still_delivered(fake: FakeTelegram) -> None:
    fake.add_chat(1001, "private")
    fake.delay("sendMessage", 0.3)
    async with bot_for(fake) as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(1001, "slow", read_timeout=0.05)
    [message] = await fake.wait_for_messages(1001)
    assert message.text == "slow"


async def test_documents_both_ways(fake: FakeTelegram) -> None:
    opml = b'<?xml version="1.0"?><opml><body><outline xmlUrl="https://x/rss"/></body></opml>'
    received: list[bytes] = []

    async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        file = await update.message.document.get_file()
        received.append(bytes(await file.download_as_bytearray()))
        await update.message.reply_document(b"feeds", filename="export.opml", caption="<b>ok</b>")

    async with running(fake, MessageHandler(filters.Document.ALL, on_document)):
        fake.user_sends_document("feeds.opml", opml, mime_type="text/x-opml")
        [reply] = await fake.wait_for_messages(1001)
    assert received == [opml]
    assert (reply.method, reply.filename, reply.document) == (
        "sendDocument",
        "export.opml",
        b"feeds",
    )
    assert reply.text == "<b>ok</b>"


async def test_sticker_is_a_message_without_text(fake: FakeTelegram) -> None:
    seen: list[str] = []

    async def on_sticker(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append(update.message.sticker.emoji)
        await update.message.reply_text("stickers are nice")

    async with running(fake, MessageHandler(filters.Sticker.ALL, on_sticker)):
        fake.user_sends_sticker(emoji="🎉")
        await fake.wait_for_messages(1001)
    assert seen == ["🎉"]


async def test_commands_chat_members_and_admins(fake: FakeTelegram) -> None:
    fake.add_chat(-42, "supergroup", title="Readers", admins=[7, 8])
    async with bot_for(fake) as bot:
        await bot.set_my_commands([BotCommand("latest", "Latest news")])
        await bot.set_my_commands(
            [BotCommand("digest", "Günlük özet")],
            scope=BotCommandScopeAllGroupChats(),
            language_code="tr",
        )
        default = await bot.get_my_commands()
        turkish = await bot.get_my_commands(
            scope=BotCommandScopeAllGroupChats(), language_code="tr"
        )
        admins = await bot.get_chat_administrators(-42)
        member = await bot.get_chat_member(-42, 9)
        chat = await bot.get_chat(-42)
        await bot.send_chat_action(-42, "typing")
        await bot.set_my_description("Mojaz")
        with pytest.raises(BadRequest, match="Bot_command_invalid"):
            await bot.set_my_commands([BotCommand("Bad-Name", "x")])
    assert [c.command for c in default] == ["latest"]
    assert [c.command for c in turkish] == ["digest"]
    assert [(a.user.id, a.status) for a in admins] == [(7, "creator"), (8, "administrator")]
    assert member.status == "member"
    assert (chat.title, chat.type) == ("Readers", "supergroup")
    assert fake.chat_actions == [(-42, "typing")]
    assert fake.commands({"type": "all_group_chats"}, "tr")[0]["description"] == "Günlük özet"


async def test_bot_added_to_group_arrives_as_member_update(fake: FakeTelegram) -> None:
    seen: list[tuple[int, str]] = []

    async def member_changed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        change = update.my_chat_member
        seen.append((change.chat.id, change.new_chat_member.status))

    async with running(fake, ChatMemberHandler(member_changed)):
        fake.bot_added_to(-77, title="Newsroom", by_user_id=5, as_admin=True)
        await fake.wait_until(lambda: bool(seen))
    assert seen == [(-77, "administrator")]
    assert fake.chat(-77).creator == 5


async def test_binary_uploads_survive_multipart(fake: FakeTelegram) -> None:
    fake.add_chat(1001, "private")
    payload = bytes(range(256)) + b"\r\n--boundary\r\n\r\n" + "عربي".encode()
    async with bot_for(fake) as bot:
        await bot.send_document(1001, payload, filename="blob.bin", caption="caption")
    [message] = fake.messages(1001)
    assert (message.document, message.filename, message.text) == (payload, "blob.bin", "caption")


async def test_raw_keep_alive_chunked_and_form_requests(fake: FakeTelegram) -> None:
    port = int(fake.base_url.rsplit(":", 1)[1].split("/")[0])
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    path = f"/bot{fake.token}"
    body = b"chat_id=1001&text=hi"
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    fake.add_chat(1001, "private")
    writer.write(
        f"POST {path}/sendMessage HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n\r\n".encode()
        + chunked
        + f"GET {path}/getMe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
    )
    answers = await reader.read()  # both answers, then the server closes as asked
    writer.close()
    await writer.wait_closed()
    assert answers.count(b"HTTP/1.1 200 OK") == 2
    assert b'"username": "mojaz_bot"' in answers
    assert [m.text for m in fake.messages(1001)] == ["hi"]


def test_channel_posts_and_replies_queue_the_right_updates() -> None:
    fake = FakeTelegram()
    fake.add_chat(-100500, "channel", title="Wire", username="wire")
    fake.user_sends("breaking", chat_id=-100500)
    fake.user_sends("hello")
    fake.user_sends("quoting you", reply_to_message_id=1)
    channel_post, hello, reply = fake.pending_updates
    assert channel_post["channel_post"]["sender_chat"]["username"] == "wire"
    assert hello["message"]["message_id"] == 1
    assert reply["message"]["reply_to_message"]["text"] == "hello"
    with pytest.raises(LookupError):
        fake.user_sends("quoting nothing", reply_to_message_id=99)
