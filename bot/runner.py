"""Running the bot: against Telegram with a token, or locally with a terminal chat."""

from __future__ import annotations

import logging

from telegram.error import InvalidToken, TelegramError

from bot.app import ALLOWED_UPDATES, TrackedApplication, build_application, running
from bot.config import Config
from bot.services import build_services

log = logging.getLogger(__name__)


def run_telegram(config: Config) -> int:
    """Serve real Telegram chats by long polling until interrupted; the exit status.

    Start-up failures end in one logged line (the log redacts the token), never in a
    traceback on stderr: PTB's exceptions quote the token and the URL holding it.
    """
    assert config.token
    services = build_services(config)
    app = build_application(services, token=config.token, base_url=config.api_url)
    log.info("serving Telegram by long polling")
    try:
        # Network trouble while starting is retried (a bot started with the machine may come
        # up before its network); a refused token is not.
        app.run_polling(allowed_updates=ALLOWED_UPDATES, bootstrap_retries=-1)
    except InvalidToken:
        log.error("Telegram refused TELEGRAM_BOT_TOKEN: check the token with @BotFather")
        return 1
    except TelegramError as error:
        log.error("could not reach Telegram at TELEGRAM_API_URL: %s", error)
        return 1
    return 0


async def run_local(config: Config, language_code: str = "en") -> None:
    """Start the built-in Telegram stand-in and chat with the bot in this terminal."""
    from bot.faketg.server import FakeTelegram
    from bot.terminal import run_terminal_chat

    async with FakeTelegram() as fake:
        services = build_services(config)
        app = build_application(
            services,
            token=fake.token,
            base_url=fake.base_url,
            base_file_url=fake.base_file_url,
            application_class=TrackedApplication,
        )
        async with running(app, poll_timeout=1):
            await run_terminal_chat(
                fake, language_code=language_code, wait_handled=app.wait_handled
            )
