"""Running the bot: against Telegram with a token, or locally with a terminal chat."""

from __future__ import annotations

import logging

from bot.app import ALLOWED_UPDATES, TrackedApplication, build_application, running
from bot.config import Config
from bot.services import build_services

log = logging.getLogger(__name__)


def run_telegram(config: Config) -> None:
    """Serve real Telegram chats by long polling until interrupted."""
    assert config.token
    services = build_services(config)
    app = build_application(services, token=config.token, base_url=config.api_url)
    log.info("serving Telegram by long polling")
    app.run_polling(allowed_updates=ALLOWED_UPDATES)


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
