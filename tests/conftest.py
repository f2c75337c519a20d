"""Shared fixtures: the bot under test, talking to the fake Telegram."""

from __future__ import annotations

import os

# PTB 22 warns on every RetryAfter unless told to use timedelta; warnings are errors here.
os.environ.setdefault("PTB_TIMEDELTA", "true")

from collections.abc import AsyncIterator  # noqa: E402
from pathlib import Path

import pytest  # noqa: E402

from tests.feedserver import feed_server  # noqa: E402,F401
from tests.harness import BotUnderTest, bot_under_test, test_config


@pytest.fixture
async def tg(tmp_path: Path) -> AsyncIterator[BotUnderTest]:
    """The running bot with the seed articles loaded, and its fake Telegram."""
    async with bot_under_test(test_config(tmp_path)) as running_bot:
        yield running_bot
