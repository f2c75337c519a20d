"""Playing a Telegram user against the real Application, through the fake Bot API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from telegram.ext import Application

from bot.app import TrackedApplication, build_application, running
from bot.clock import FakeClock
from bot.config import Config
from bot.faketg.records import SentMessage
from bot.faketg.server import FakeTelegram
from bot.services import Services, build_services

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
SEED_TITLE = "حماس: الوسطاء يواصلون اتصالاتهم لإلزام إسرائيل بمفاوضات المرحلة الثانية"


@dataclass
class BotUnderTest:
    """The bot, its fake Telegram and its clock, driven the way a user drives them."""

    fake: FakeTelegram
    app: Application  # type: ignore[type-arg]
    services: Services
    clock: FakeClock

    async def processed(self, update_id: int, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until the bot has fully handled an update (all its replies sent)."""
        async with asyncio.timeout(timeout):
            await self.app.wait_handled(update_id)

    async def user_sends(self, text: str, chat_id: int = 1001, **kwargs: Any) -> list[SentMessage]:
        """Send a message as a user; return what the bot sent to that chat in answer."""
        before = len(self.fake.messages(chat_id))
        update_id = self.fake.user_sends(text, chat_id=chat_id, **kwargs)
        await self.processed(update_id)
        return self.fake.messages(chat_id)[before:]

    async def user_clicks(
        self, message: SentMessage, data: str, **kwargs: Any
    ) -> list[SentMessage]:
        """Press an inline button; return the messages the bot sent afterwards to that chat."""
        before = len(self.fake.messages(message.chat_id))
        update_id = self.fake.user_clicks(message, data, **kwargs)
        await self.processed(update_id)
        return self.fake.messages(message.chat_id)[before:]

    async def user_presses(
        self, message: SentMessage, data: str, **kwargs: Any
    ) -> tuple[dict[str, Any] | None, list[SentMessage]]:
        """Press an inline button; return how the press was answered (its pop-up, if any) and
        the messages the bot sent afterwards to that chat."""
        before = len(self.fake.messages(message.chat_id))
        update_id = self.fake.user_clicks(message, data, **kwargs)
        await self.processed(update_id)
        return self.fake.callback_answer(update_id), self.fake.messages(message.chat_id)[before:]

    async def deliver(self, update_id: int) -> None:
        """Wait for an update the fake queued by itself (a block, a migration) to be handled."""
        await self.processed(update_id)


def test_config(tmp_path: Path, **overrides: Any) -> Config:
    """A configuration for tests: a database under tmp_path, the repository's seeds."""
    config = Config(
        token=None,
        database_path=tmp_path / "mojaz.db",
        seeds_dir=SEEDS,
        default_timezone="UTC",
        default_language="en",
        poll_feeds=False,  # a test that wants the feed job asks for it
    )
    return replace(config, **overrides)


@asynccontextmanager
async def bot_under_test(
    config: Config, clock: FakeClock | None = None, rate_limit: bool = False
) -> AsyncIterator[BotUnderTest]:
    """Start the fake Telegram and the real Application against it; stop both at the end."""
    clock = clock or FakeClock(datetime(2025, 3, 6, 12, 0, tzinfo=UTC))
    async with (
        FakeTelegram() as fake,
        running_on(fake, build_services(config, clock), rate_limit) as app,
    ):
        yield BotUnderTest(fake, app, app.bot_data["services"], clock)


@asynccontextmanager
async def running_on(
    fake: FakeTelegram, services: Services, rate_limit: bool = False
) -> AsyncIterator[TrackedApplication]:
    """The real Application on ready services, polling the fake; tests tick by hand (no background jobs)."""
    app = build_application(
        services,
        token=fake.token,
        base_url=fake.base_url,
        base_file_url=fake.base_file_url,
        application_class=TrackedApplication,
        rate_limit=rate_limit,
        background_jobs=False,
    )
    async with running(app, poll_timeout=1):
        yield app


def visible(text: str) -> str:
    """Text as read on screen: without the invisible bidi isolates the renderers add."""
    return "".join(c for c in text if c not in "\u2066\u2067\u2068\u2069\u200e\u200f")
