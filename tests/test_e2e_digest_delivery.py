"""Scheduled digests end to end: the real Application, the fake Telegram, a moved clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FakeClock
from bot.faketg.server import FakeTelegram
from bot.services.throttle import Limits, Throttle
from tests import harness
from tests.conftest_digest import DigestBot, FakeDigests, digest_bot_on, processed

START = datetime(2025, 3, 6, 0, 0, tzinfo=UTC)  # a Thursday; Gaza is UTC+2, New York UTC-5


def config_for(tmp_path: Path):  # noqa: ANN201 - a Config
    return harness.test_config(tmp_path, seeds_dir=tmp_path / "no-seeds")


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    # PTB reads its own RetryAfter.retry_after when building one, which warns (an error here)
    # unless the timedelta behaviour is opted into.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as telegram:
        yield telegram


@pytest.fixture
async def tg(fake: FakeTelegram, tmp_path: Path) -> AsyncIterator[DigestBot]:
    async with digest_bot_on(fake, config_for(tmp_path), FakeClock(START)) as bot:
        yield bot


async def eventually(predicate: Callable[[], bool], timeout: float = 5.0) -> None:  # noqa: ASYNC109
    """Wait for something the bot records right after Telegram answered."""
    async with asyncio.timeout(timeout):
        while not predicate():  # noqa: ASYNC110 - the database has no change event
            await asyncio.sleep(0.01)


def statuses(bot: DigestBot, chat_id: int) -> list[str]:
    return [d.status for d in bot.services.store.deliveries.of_chat(chat_id)]


async def test_each_chat_gets_its_digest_at_seven_local_time(tg: DigestBot) -> None:
    tg.add_chat(2001, "Asia/Gaza")
    tg.add_chat(2002, "America/New_York")

    tg.clock.set(datetime(2025, 3, 6, 4, 59, 30, tzinfo=UTC))  # 06:59:30 in Gaza
    await tg.tick()
    assert tg.digest_messages(2001) == [] and tg.digest_messages(2002) == []

    tg.clock.set(datetime(2025, 3, 6, 5, 0, 10, tzinfo=UTC))  # 07:00:10 in Gaza
    await tg.tick()
    assert [m.text.split(" ", 2)[2] for m in tg.digest_messages(2001)] == ["part 1/2", "part 2/2"]
    assert tg.digest_messages(2002) == []
    # The buttons go under the last part only.
    gaza = tg.digest_messages(2001)
    assert gaza[0].buttons == [] and gaza[1].buttons[0]["callback_data"] == "art:1"
    assert gaza[1].parse_mode == "HTML"

    tg.clock.set(datetime(2025, 3, 6, 11, 59, 50, tzinfo=UTC))  # 06:59:50 in New York
    await tg.tick()
    assert tg.digest_messages(2002) == []

    tg.clock.set(datetime(2025, 3, 6, 12, 0, 5, tzinfo=UTC))  # 07:00:05 in New York
    await tg.tick()
    await tg.tick()  # a second tick in the same minute sends nothing more
    assert len(tg.digest_messages(2001)) == 2
    assert len(tg.digest_messages(2002)) == 2
    assert statuses(tg, 2001) == ["sent"] and statuses(tg, 2002) == ["sent"]
    slots = {chat: tg.services.store.deliveries.of_chat(chat)[0].slot for chat in (2001, 2002)}
    assert slots == {
        2001: datetime(2025, 3, 6, 5, 0, tzinfo=UTC),
        2002: datetime(2025, 3, 6, 12, 0, tzinfo=UTC),
    }
    # covered_until moved to the moment the digest was built.
    schedule = tg.services.delivery.schedule(2001)
    assert schedule is not None
    assert schedule.covered_until == datetime(2025, 3, 6, 5, 0, 10, tzinfo=UTC)


async def test_restart_around_seven_sends_exactly_one_digest(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    config, clock = config_for(tmp_path), FakeClock(datetime(2025, 3, 6, 6, 59, tzinfo=UTC))
    async with digest_bot_on(fake, config, clock) as bot:
        bot.add_chat(3001)
        await bot.tick()  # 06:59: not yet
    clock.set(datetime(2025, 3, 6, 7, 0, 20, tzinfo=UTC))
    async with digest_bot_on(fake, config, clock) as bot:
        await bot.tick()
        await bot.tick()
    clock.set(datetime(2025, 3, 6, 7, 1, tzinfo=UTC))
    async with digest_bot_on(fake, config, clock) as bot:
        await bot.tick()
        assert len(bot.digest_messages(3001)) == 2
        assert statuses(bot, 3001) == ["sent"]


async def killed_after_part_one(
    fake: FakeTelegram,
    config: Any,
    clock: FakeClock,
    chat_id: int,
) -> Any:
    """Run the 07:00 digest of a new chat (3 parts) and kill the process after part 1: part 2
    failed with a 502 and the process dies while it waits to retry. Its delivery as left."""
    crash_point = asyncio.Event()

    async def hang(seconds: float) -> None:
        crash_point.set()
        await asyncio.Event().wait()

    def fail_part_two(message, event) -> None:  # noqa: ANN001 - the fake's callback
        if event == "sent" and message.text.endswith("part 1/3"):
            fake.fail_next("sendMessage", chat_id=message.chat_id, status=502)

    unsubscribe = fake.on_bot_message(fail_part_two)
    async with digest_bot_on(fake, config, clock, FakeDigests(parts=3), backoff_sleep=hang) as bot:
        bot.add_chat(chat_id)
        clock.set(datetime(2025, 3, 6, 7, 0, 5, tzinfo=UTC))
        tick = asyncio.create_task(bot.tick())
        await asyncio.wait_for(crash_point.wait(), 10)
        tick.cancel()  # killed
        with pytest.raises(asyncio.CancelledError):
            await tick
        [left] = bot.services.store.deliveries.of_chat(chat_id)
    unsubscribe()
    return left


async def test_crash_between_parts_resumes_without_repeating(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    config, clock = config_for(tmp_path), FakeClock(datetime(2025, 3, 5, 12, 0, tzinfo=UTC))
    left = await killed_after_part_one(fake, config, clock, 3002)
    assert (left.status, left.parts_sent, left.parts_total) == ("pending", 1, 3)

    clock.set(datetime(2025, 3, 6, 7, 0, 50, tzinfo=UTC))
    restarted = FakeDigests(parts=3)
    async with digest_bot_on(fake, config, clock, restarted) as bot:
        await bot.tick()
        await bot.tick()
        texts = [m.text.rsplit(" ", 1)[1] for m in bot.digest_messages(3002)]
        assert texts == ["1/3", "2/3", "3/3"]  # part 1 once, the rest from the stored HTML
        assert restarted.calls == []  # resumed, not rebuilt
        [done] = bot.services.store.deliveries.of_chat(3002)
        assert (done.status, done.parts_sent, done.attempts) == ("sent", 3, 2)
        ids = [p.sent_message_id for p in bot.services.store.deliveries.parts(3002, done.slot)]
        assert ids == [m.message_id for m in bot.digest_messages(3002)]


async def test_a_half_sent_digest_is_not_finished_past_the_grace_period(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    config, clock = config_for(tmp_path), FakeClock(datetime(2025, 3, 5, 12, 0, tzinfo=UTC))
    await killed_after_part_one(fake, config, clock, 3003)

    # Back the next morning: yesterday's rest is no news; today's digest covers its news.
    clock.set(datetime(2025, 3, 7, 7, 0, 5, tzinfo=UTC))
    restarted = FakeDigests(parts=3)
    async with digest_bot_on(fake, config, clock, restarted) as bot:
        await bot.tick()
        await bot.tick()
        texts = [m.text.split(" ", 2)[2] for m in bot.digest_messages(3003)]
        assert texts == ["part 1/3", "part 1/3", "part 2/3", "part 3/3"]
        given_up, today = bot.services.store.deliveries.of_chat(3003)
        assert (given_up.status, given_up.parts_sent) == ("skipped", 1)
        assert given_up.last_error == "too late to finish"
        assert (today.status, today.slot) == ("sent", clock.now().replace(second=0))
        assert [since for _, since, _ in restarted.calls] == [None]  # from before yesterday's


async def test_429_in_a_fan_out_to_fifty_chats_loses_nothing(tg: DigestBot) -> None:
    chats = list(range(4000, 4050))
    for chat_id in chats:
        tg.add_chat(chat_id)
    for chat_id in chats[::10]:
        tg.fake.fail_next("sendMessage", chat_id=chat_id, status=429, retry_after=3)
    tg.fake.fail_next("sendMessage", status=429, retry_after=1, times=2)  # whoever comes next

    tg.clock.set(datetime(2025, 3, 6, 7, 0, 30, tzinfo=UTC))
    outcomes = await tg.tick()
    await tg.tick()

    assert sorted(o.status for o in outcomes) == ["sent"] * 50
    for chat_id in chats:
        parts = [m.text.rsplit(" ", 1)[1] for m in tg.digest_messages(chat_id)]
        assert parts == ["1/2", "2/2"], chat_id
    refused = [r for r in tg.fake.requests if r.method == "sendMessage"]
    assert len(refused) == 100 + 5 + 2  # every 429 was tried again, once
    assert 3.0 in [round(w, 3) for w in tg.throttle_waits]  # the flooded chats waited


async def test_blocked_user_is_deactivated_and_the_others_still_get_theirs(tg: DigestBot) -> None:
    for chat_id in (5001, 5002, 5003):
        tg.add_chat(chat_id)
    tg.fake.fail_next(
        "sendMessage",
        chat_id=5002,
        status=403,
        description="Forbidden: bot was blocked by the user",
    )
    tg.clock.set(datetime(2025, 3, 6, 7, 0, 30, tzinfo=UTC))
    await tg.tick()

    assert len(tg.digest_messages(5001)) == 2 and len(tg.digest_messages(5003)) == 2
    assert tg.digest_messages(5002) == []
    chat = tg.services.store.chats.get(5002)
    assert chat is not None and not chat.active
    [failed] = tg.services.store.deliveries.of_chat(5002)
    assert failed.status == "failed" and "blocked" in (failed.last_error or "")
    assert tg.services.delivery.schedule(5002) is not None  # its settings stay

    # No longer scheduled: the next day's tick leaves it alone.
    tg.clock.set(datetime(2025, 3, 7, 7, 0, 30, tzinfo=UTC))
    await tg.tick()
    assert tg.digest_messages(5002) == []
    assert statuses(tg, 5002) == ["failed"]
    assert len(tg.digest_messages(5001)) == 4


async def test_block_and_unblock_updates_switch_the_chat_off_and_on(tg: DigestBot) -> None:
    tg.add_chat(5101)
    await processed(tg, [tg.fake.block(5101)])
    chat = tg.services.store.chats.get(5101)
    assert chat is not None and not chat.active

    tg.clock.set(datetime(2025, 3, 6, 7, 0, 30, tzinfo=UTC))
    await tg.tick()
    assert tg.fake.messages(5101) == []

    await processed(tg, [tg.fake.unblock(5101)])
    chat = tg.services.store.chats.get(5101)
    assert chat is not None and chat.active
    await tg.tick()  # still within the grace period of today's 07:00
    assert len(tg.digest_messages(5101)) == 2


async def test_kicked_from_group_deactivates_it(tg: DigestBot) -> None:
    await processed(tg, [tg.fake.bot_added_to(-5200, title="News room")])
    chat = tg.services.store.chats.get(-5200)
    assert chat is not None and chat.active and chat.type == "group"
    await processed(tg, [tg.fake.block(-5200)])
    chat = tg.services.store.chats.get(-5200)
    assert chat is not None and not chat.active


async def test_migrated_group_gets_its_digest_at_the_new_id(tg: DigestBot) -> None:
    tg.add_chat(-6001, "Europe/Istanbul", chat_type="group")
    tg.services.store.subscriptions.add(-6001, "topic", "economy", tg.clock.now())
    # The group is upgraded and the bot has not heard of it yet: Telegram answers 400
    # with migrate_to_chat_id, and the digest follows it.
    tg.fake.add_chat(-1006001, "supergroup")
    tg.fake.chat(-6001).migrated_to = -1006001

    tg.clock.set(datetime(2025, 3, 6, 4, 0, 30, tzinfo=UTC))  # 07:00:30 in Istanbul
    outcomes = await tg.tick()

    assert [(o.chat_id, o.status) for o in outcomes] == [(-1006001, "sent")]
    assert len(tg.digest_messages(-1006001)) == 2
    store = tg.services.store
    assert store.chats.get(-6001) is None
    moved = store.chats.get(-1006001)
    assert moved is not None and moved.type == "supergroup" and moved.timezone == "Europe/Istanbul"
    assert [tuple(s[:2]) for s in store.subscriptions.of_chat(-1006001)] == [("topic", "economy")]
    assert tg.services.delivery.schedule(-1006001) is not None
    assert statuses(tg, -1006001) == ["sent"]


async def test_migration_service_message_moves_the_chat_before_any_digest(tg: DigestBot) -> None:
    tg.add_chat(-6101, "UTC", chat_type="group")
    tg.fake.migrate(-6101, -1006101)
    await processed(tg, [u["update_id"] for u in tg.fake.pending_updates])
    store = tg.services.store
    assert store.chats.get(-6101) is None
    assert tg.services.delivery.schedule(-1006101) is not None

    tg.clock.set(datetime(2025, 3, 6, 7, 0, 30, tzinfo=UTC))
    await tg.tick()
    assert len(tg.digest_messages(-1006101)) == 2
    assert not any(r.params.get("chat_id") == -6101 for r in tg.fake.requests)


async def test_5xx_is_retried_with_backoff(tg: DigestBot) -> None:
    tg.add_chat(7001)
    tg.fake.fail_next("sendMessage", chat_id=7001, status=502, times=2)
    tg.clock.set(datetime(2025, 3, 6, 7, 0, 30, tzinfo=UTC))
    await tg.tick()
    assert len(tg.digest_messages(7001)) == 2
    assert tg.backoffs == [1.0, 2.0]
    [done] = tg.services.store.deliveries.of_chat(7001)
    assert (done.status, done.attempts) == ("sent", 1)


async def test_a_slow_answer_from_telegram_is_waited_for_not_sent_again(tg: DigestBot) -> None:
    tg.add_chat(7003)
    tg.fake.delay("sendMessage", 5.5)  # past PTB's 5 s default: it timed out and sent again

    async def only_the_first_is_slow() -> None:
        await tg.fake.wait_until(lambda: len(tg.fake.calls("sendMessage")) >= 1)
        tg.fake.delay("sendMessage", 0)

    first = asyncio.create_task(only_the_first_is_slow())
    tg.clock.set(datetime(2025, 3, 6, 7, 0, 30, tzinfo=UTC))
    await tg.tick()
    await first
    assert len(tg.fake.calls("sendMessage")) == 2  # no part asked for twice
    texts = [m.text for m in tg.digest_messages(7003)]
    assert texts == ["<b>Digest</b> 7003 part 1/2", "<b>Digest</b> 7003 part 2/2"]


async def test_persistent_5xx_fails_then_a_later_tick_retries(tg: DigestBot) -> None:
    tg.add_chat(7002)
    tg.fake.fail_next("sendMessage", chat_id=7002, status=503, times=4)
    tg.clock.set(datetime(2025, 3, 6, 7, 0, 30, tzinfo=UTC))
    await tg.tick()
    [failed] = tg.services.store.deliveries.of_chat(7002)
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert "503" in (failed.last_error or "") or "Service Unavailable" in (failed.last_error or "")
    assert tg.backoffs == [1.0, 2.0, 4.0]

    tg.clock.advance(seconds=30)  # too soon to try again
    await tg.tick()
    assert tg.digest_messages(7002) == []

    tg.clock.advance(minutes=3)
    await tg.tick()
    assert len(tg.digest_messages(7002)) == 2
    [done] = tg.services.store.deliveries.of_chat(7002)
    assert (done.status, done.attempts) == ("sent", 2)


async def test_a_settings_change_does_not_leave_a_failed_digest_half_sent(tg: DigestBot) -> None:
    tg.add_chat(7004)
    tg.add_chat(7005)

    def fail_part_two(message, event) -> None:  # noqa: ANN001 - the fake's callback
        if event == "sent" and message.text.endswith("part 1/2"):
            tg.fake.fail_next("sendMessage", chat_id=message.chat_id, status=502, times=4)

    tg.fake.on_bot_message(fail_part_two)
    tg.clock.set(datetime(2025, 3, 6, 7, 0, 30, tzinfo=UTC))
    await tg.tick()
    for chat_id in (7004, 7005):
        [failed] = tg.services.store.deliveries.of_chat(chat_id)
        assert (failed.status, failed.parts_sent) == ("failed", 1)

    # Settings changed since the slot: the schedule now starts after it.
    tg.clock.set(datetime(2025, 3, 6, 7, 1, tzinfo=UTC))
    for text in ("/pause", "/resume"):
        await processed(tg, [tg.fake.user_sends(text, chat_id=7004)])
    await processed(tg, [tg.fake.user_sends("/settime 07:00", chat_id=7005)])
    tg.clock.set(datetime(2025, 3, 6, 7, 3, tzinfo=UTC))
    await tg.tick()
    for chat_id in (7004, 7005):
        parts = [m.text.rsplit(" ", 1)[1] for m in tg.digest_messages(chat_id)]
        assert parts == ["1/2", "2/2"], chat_id
        assert statuses(tg, chat_id) == ["sent"]


async def test_a_long_flood_wait_is_sat_out_by_later_ticks_at_no_attempts_cost(
    tg: DigestBot,
) -> None:
    tg.add_chat(7003)
    # More long 429s in a row than a delivery has attempts for 5xx errors.
    tg.fake.fail_next("sendMessage", chat_id=7003, status=429, retry_after=600, times=5)
    start = datetime(2025, 3, 6, 7, 0, 30, tzinfo=UTC)
    tried: list[timedelta] = []
    for half_minutes in range(120):  # an hour of ticks
        tg.clock.set(start + timedelta(seconds=30 * half_minutes))
        before = len(tg.fake.calls("sendMessage"))
        await tg.tick()
        tried += [tg.clock.now() - start] * (len(tg.fake.calls("sendMessage")) - before)
    # Never before retry_after: once at each expiry, then both parts.
    assert tried == [timedelta(minutes=m) for m in (0, 10, 20, 30, 40, 50, 50)]
    assert len(tg.digest_messages(7003)) == 2
    [done] = tg.services.store.deliveries.of_chat(7003)
    assert (done.status, done.attempts) == ("sent", 1)


async def test_a_slot_more_than_three_hours_late_is_skipped_and_folded(tg: DigestBot) -> None:
    tg.add_chat(8001)
    tg.clock.set(datetime(2025, 3, 6, 7, 0, 30, tzinfo=UTC))
    await tg.tick()
    first_cover = tg.clock.now()

    tg.clock.set(datetime(2025, 3, 7, 10, 0, 1, tzinfo=UTC))  # 3 h 0 min 1 s after 07:00
    await tg.tick()
    assert len(tg.digest_messages(8001)) == 2
    assert statuses(tg, 8001) == ["sent", "skipped"]

    tg.clock.set(datetime(2025, 3, 8, 7, 0, 30, tzinfo=UTC))
    await tg.tick()
    assert len(tg.digest_messages(8001)) == 4
    assert statuses(tg, 8001) == ["sent", "skipped", "sent"]
    # The third digest covers everything since the first: the skipped day's news included.
    assert tg.digests.calls[-1][1] == first_cover


async def test_empty_digest_sends_nothing_unless_asked(tg: DigestBot) -> None:
    tg.add_chat(9001)
    tg.add_chat(9002)
    tg.services.delivery.set_send_empty(9002, True)
    tg.services.store.chats.set_language(9002, "ar")
    tg.digests.parts_by_chat.update({9001: 0, 9002: 0})
    tg.clock.set(datetime(2025, 3, 6, 7, 0, 30, tzinfo=UTC))
    await tg.tick()
    assert tg.fake.messages(9001) == []
    assert statuses(tg, 9001) == ["empty"]
    schedule = tg.services.delivery.schedule(9001)
    assert schedule is not None and schedule.covered_until == tg.clock.now()
    [note] = tg.fake.messages(9002)
    assert note.text == "لا جديد منذ موجزك الأخير."


async def test_delivery_bot_bypasses_the_applications_rate_limiter(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    clock = FakeClock(datetime(2025, 3, 5, 12, 0, tzinfo=UTC))
    async with digest_bot_on(fake, config_for(tmp_path), clock, rate_limit=True) as bot:
        assert bot.scheduler.sender.bot is not bot.app.bot  # type: ignore[attr-defined]
        bot.add_chat(9101)
        fake.fail_next("sendMessage", chat_id=9101, status=429, retry_after=2)
        clock.set(datetime(2025, 3, 6, 7, 0, 30, tzinfo=UTC))
        await bot.tick()
        assert len(bot.digest_messages(9101)) == 2
        # Our throttle waited the 429 out (PTB's limiter would have slept for real instead).
        assert 2.0 in [round(w, 3) for w in bot.throttle_waits]
        # Replies keep the limiter, which paces them on the same overall clock as digests.
        assert bot.app.bot.rate_limiter.throttle is bot.services.delivery.throttle
        await processed(bot, [fake.user_sends("/help", chat_id=9102)])
        assert fake.messages(9102) != []


async def test_following_after_seven_waits_for_the_next_day(tg: DigestBot) -> None:
    tg.clock.set(datetime(2025, 3, 6, 7, 30, tzinfo=UTC))
    tg.add_chat(9201)  # the schedule starts now: today's 07:00 was before it existed
    await tg.tick()
    assert tg.fake.messages(9201) == []
    tg.clock.set(datetime(2025, 3, 7, 7, 0, 1, tzinfo=UTC))
    await tg.tick()
    assert len(tg.digest_messages(9201)) == 2
    assert tg.digests.calls[-1][1] is None  # the first digest: the builder picks the window
    assert tg.clock.now() - tg.services.store.deliveries.of_chat(9201)[0].slot < timedelta(
        seconds=2
    )


async def test_a_new_time_zone_applies_from_the_next_slot_and_never_repeats_a_day(
    tg: DigestBot,
) -> None:
    tg.add_chat(9251)  # UTC
    tg.add_chat(9252, "Europe/Istanbul")  # 07:00 there is 04:00 UTC
    tg.clock.set(datetime(2025, 3, 6, 4, 0, 30, tzinfo=UTC))
    await tg.tick()
    assert len(tg.digest_messages(9252)) == 2
    # West after the digest: 06:10 in London, whose 07:00 of the same morning is still to come.
    tg.clock.set(datetime(2025, 3, 6, 6, 10, tzinfo=UTC))
    await processed(tg, [tg.fake.user_sends("/timezone London", chat_id=9252)])

    tg.clock.set(datetime(2025, 3, 6, 7, 0, 30, tzinfo=UTC))
    await tg.tick()
    assert len(tg.digest_messages(9251)) == 2 and len(tg.digest_messages(9252)) == 2
    # East after the digest: 08:10 in Paris, whose 07:00 has passed.
    tg.clock.set(datetime(2025, 3, 6, 7, 10, tzinfo=UTC))
    await processed(tg, [tg.fake.user_sends("/timezone Paris", chat_id=9251)])
    for minutes in (0, 1, 30):
        tg.clock.set(datetime(2025, 3, 6, 7, 10, tzinfo=UTC) + timedelta(minutes=minutes))
        await tg.tick()
    assert len(tg.digest_messages(9251)) == 2 and len(tg.digest_messages(9252)) == 2

    tg.clock.set(datetime(2025, 3, 7, 6, 0, 30, tzinfo=UTC))  # 07:00 in Paris
    await tg.tick()
    assert len(tg.digest_messages(9251)) == 4 and len(tg.digest_messages(9252)) == 2
    tg.clock.set(datetime(2025, 3, 7, 7, 0, 30, tzinfo=UTC))  # 07:00 in London
    await tg.tick()
    assert len(tg.digest_messages(9252)) == 4
    assert statuses(tg, 9251) == ["sent", "sent"] and statuses(tg, 9252) == ["sent", "sent"]


async def test_the_tick_job_runs_on_the_job_queue(fake: FakeTelegram, tmp_path: Path) -> None:
    clock = FakeClock(datetime(2025, 3, 5, 12, 0, tzinfo=UTC))
    async with digest_bot_on(fake, config_for(tmp_path), clock, keep_job=True) as bot:
        [job] = bot.app.job_queue.get_jobs_by_name("digest-tick")
        bot.add_chat(9301)
        clock.set(datetime(2025, 3, 6, 7, 0, 5, tzinfo=UTC))
        await fake.wait_for_messages(9301, 2, timeout=10)  # the first run comes after ~1 s
        await eventually(lambda: statuses(bot, 9301) == ["sent"])
        assert job.job.trigger.interval.total_seconds() == 30


async def test_stopping_mid_fan_out_leaves_the_rest_pending_for_the_next_start(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    config, clock = config_for(tmp_path), FakeClock(datetime(2025, 3, 5, 12, 0, tzinfo=UTC))
    chats = list(range(9400, 9440))
    slow = Throttle(Limits(overall_per_second=20, private_interval=0.0), max_in_flight=2)
    async with digest_bot_on(
        fake, config, clock, FakeDigests(parts=1), throttle=slow, keep_job=True
    ) as bot:
        for chat_id in chats:
            bot.add_chat(chat_id)
        clock.set(datetime(2025, 3, 6, 7, 0, 5, tzinfo=UTC))
        await fake.wait_until(lambda: len(fake.messages()) >= 5, timeout=10)
    # The stop did not wait for the whole fan-out (40 messages at 20/s).
    sent_before_restart = len(fake.messages())
    assert sent_before_restart < len(chats)

    async with digest_bot_on(fake, config, clock, FakeDigests(parts=1)) as bot:
        assert bot.services.store.deliveries.with_status("failed") == []
        await bot.tick()
        for chat_id in chats:
            assert len(bot.digest_messages(chat_id)) == 1, chat_id
