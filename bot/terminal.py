"""Chat with the bot in a terminal, through the fake Telegram (the tokenless run)."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from typing import TextIO

from bot.faketg.records import SentMessage
from bot.faketg.server import FakeTelegram
from bot.render.telegram_html import to_plain

BANNER = (
    "Local Telegram stand-in (chat {chat_id}, language {language}): "
    "type /help, /latest ...; a bare number presses that button; 'quit' to exit"
)
QUIT_WORDS = {"quit", "exit", "/quit"}


def format_message(message: SentMessage, event: str = "sent") -> str:
    """Render a bot message for the terminal: plain text, file line, numbered buttons."""
    if event == "deleted":
        first_line = _body(message).split("\n", 1)[0]
        return f"bot (deleted message {message.message_id}): {first_line}"
    lines = ["bot (edited):" if event == "edited" else "bot:"]
    if message.document is not None:
        lines.append(f"[file: {message.filename}, {len(message.document)} bytes]")
    body = _body(message)
    if body:
        lines.append(body)
    number = 0
    for row in message.button_rows:
        labels = []
        for button in row:
            number += 1
            label = f"[{number}] {button.get('text', '')}"
            if button.get("url"):
                label += f" <{button['url']}>"
            labels.append(label)
        lines.append("  ".join(labels))
    return "\n".join(lines)


def _body(message: SentMessage) -> str:
    if str(message.parse_mode or "").lower() == "html":
        return to_plain(message.text)
    return message.text


def _latest_with_buttons(fake: FakeTelegram, chat_id: int) -> SentMessage | None:
    for message in reversed(fake.messages(chat_id)):
        if message.buttons and not message.deleted:
            return message
    return None


def _start_reader(stream: TextIO, queue: asyncio.Queue[str | None]) -> None:
    """Feed lines from `stream` into `queue` from a thread, so the event loop never blocks."""
    loop = asyncio.get_running_loop()

    def pump() -> None:
        # RuntimeError: the loop closed while we were blocked reading (the user typed quit).
        with contextlib.suppress(RuntimeError):
            for line in iter(stream.readline, ""):
                loop.call_soon_threadsafe(queue.put_nowait, line)
            loop.call_soon_threadsafe(queue.put_nowait, None)

    threading.Thread(target=pump, name="terminal-stdin", daemon=True).start()


async def run_terminal_chat(
    fake: FakeTelegram,
    *,
    language_code: str = "en",
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    chat_id: int = 1001,
    settle: float = 0.5,
    wait_handled: Callable[[int], Awaitable[None]] | None = None,
) -> None:
    """Send each typed line to the bot as a user and print the bot's messages as they arrive.

    After each line it waits for the bot to finish with it, so piped input sees every reply
    (and "1" finds the buttons) before the next line: `wait_handled(update_id)` when given
    (exact, e.g. an Application that reports processed updates), else until the bot fetched
    the update and then made no request for `settle` seconds.
    """
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    echo_input = not stdin.isatty()  # piped input is not on screen already

    def show(text: str) -> None:
        stdout.write(text + "\n")
        stdout.flush()

    def on_message(message: SentMessage, event: str) -> None:
        if message.chat_id == chat_id:
            show(format_message(message, event))

    show(BANNER.format(chat_id=chat_id, language=language_code))
    unsubscribe = fake.on_bot_message(on_message)
    lines: asyncio.Queue[str | None] = asyncio.Queue()
    _start_reader(stdin, lines)
    try:
        while (line := await lines.get()) is not None:
            text = line.strip()
            if not text:
                continue
            if echo_input:
                show(f"> {text}")
            if text.lower() in QUIT_WORDS:
                break
            update_id = _act(fake, text, chat_id, language_code, show)
            if update_id is None:
                continue
            try:
                if wait_handled is not None:
                    await asyncio.wait_for(wait_handled(update_id), timeout=60)
                else:
                    await fake.wait_for_update_consumed(update_id, timeout=30)
                    await fake.wait_idle(quiet=settle, since=time.monotonic())
            except TimeoutError:
                show("(the bot has not answered this yet; is it running?)")
                continue
            answer = fake.callback_answer(update_id)
            if answer and answer.get("text"):
                show(f"bot (notice): {answer['text']}")
    finally:
        unsubscribe()


def _act(
    fake: FakeTelegram, text: str, chat_id: int, language_code: str, show: Callable[[str], None]
) -> int | None:
    """Press a button for a bare number, else send the text; return the queued update id."""
    menu = _latest_with_buttons(fake, chat_id)
    if text.isdigit() and menu is not None:
        buttons = menu.buttons
        index = int(text) - 1
        if not 0 <= index < len(buttons):
            show(f"(no button {text}: the last menu has {len(buttons)})")
            return None
        button = buttons[index]
        if button.get("url"):
            show(f"(opens {button['url']})")
            return None
        if "callback_data" not in button:
            show("(that kind of button is not supported here)")
            return None
        return fake.user_clicks(menu, button["callback_data"], language_code=language_code)
    return fake.user_sends(text, chat_id=chat_id, language_code=language_code)
