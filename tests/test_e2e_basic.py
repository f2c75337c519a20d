"""The core commands, end to end through the fake Telegram."""

from __future__ import annotations

from tests.harness import SEED_TITLE, BotUnderTest


async def test_latest_shows_the_seed_headline(tg: BotUnderTest) -> None:
    replies = await tg.user_sends("/latest")
    assert len(replies) == 1
    assert SEED_TITLE in replies[0].text
    assert replies[0].parse_mode == "HTML"
    assert any(b["callback_data"].startswith("art:") for b in replies[0].buttons)
