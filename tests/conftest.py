"""Shared fixtures: the bot under test, talking to the fake Telegram."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.harness import BotUnderTest, bot_under_test, test_config


@pytest.fixture
async def tg(tmp_path: Path) -> AsyncIterator[BotUnderTest]:
    """The running bot with the seed articles loaded, and its fake Telegram."""
    async with bot_under_test(test_config(tmp_path)) as running_bot:
        yield running_bot
