"""The tick: which slot is due for each chat, across zones, weekdays and DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TimedOut,
)

from bot.clock import FakeClock
from bot.render.articles import Button
from bot.scheduler import Scheduler, TelegramSender, latest_slot
from bot.services.chats import ChatService
from bot.services.delivery import (
    ChatGone,
    ChatMoved,
    DeliveryService,
    Rejected,
    RetryLater,
    Transient,
)
from bot.store import Store
from tests.conftest_digest import FakeDigests, VirtualTime

EVERY_DAY = [0, 1, 2, 3, 4, 5, 6]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# -- slot computation ----------------------------------------------------------------------


def test_latest_slot_is_today_once_the_time_has_come() -> None:
    assert latest_slot(utc(2025, 3, 6, 7, 0), ["07:00"], EVERY_DAY, "UTC") == utc(2025, 3, 6, 7, 0)
    assert latest_slot(utc(2025, 3, 6, 6, 59), ["07:00"], EVERY_DAY, "UTC") == utc(2025, 3, 5, 7, 0)


def test_latest_slot_picks_the_most_recent_of_several_times() -> None:
    times = ["19:00", "07:00"]
    assert latest_slot(utc(2025, 3, 6, 18, 0), times, EVERY_DAY, "UTC") == utc(2025, 3, 6, 7, 0)
    assert latest_slot(utc(2025, 3, 6, 19, 30), times, EVERY_DAY, "UTC") == utc(2025, 3, 6, 19, 0)
    assert latest_slot(utc(2025, 3, 6, 3, 0), times, EVERY_DAY, "UTC") == utc(2025, 3, 5, 19, 0)


def test_latest_slot_uses_the_chats_zone() -> None:
    now = utc(2025, 3, 6, 12, 0)
    assert latest_slot(now, ["07:00"], EVERY_DAY, "Asia/Gaza") == utc(2025, 3, 6, 5, 0)
    assert latest_slot(now, ["07:00"], EVERY_DAY, "America/New_York") == utc(2025, 3, 6, 12, 0)
    assert latest_slot(now, ["07:00"], EVERY_DAY, "Asia/Tokyo") == utc(2025, 3, 5, 22, 0)


def test_days_filter_counts_local_weekdays_from_monday() -> None:
    # Thursday 2025-03-06; Monday is 03-03.
    now = utc(2025, 3, 6, 12, 0)
    assert latest_slot(now, ["07:00"], [0], "UTC") == utc(2025, 3, 3, 7, 0)
    assert latest_slot(now, ["07:00"], [3], "UTC") == utc(2025, 3, 6, 7, 0)
    assert latest_slot(now, ["07:00"], [4, 5], "UTC") == utc(2025, 3, 1, 7, 0)  # last Saturday
    assert latest_slot(now, ["07:00"], [], "UTC") is None
    assert latest_slot(now, [], EVERY_DAY, "UTC") is None
    # At 23:00 UTC on Thursday it is Friday 08:00 in Tokyo: Friday's 07:00 counts.
    late = utc(2025, 3, 6, 23, 0)
    assert latest_slot(late, ["07:00"], [4], "Asia/Tokyo") == utc(2025, 3, 6, 22, 0)
    assert latest_slot(late, ["07:00"], [4], "UTC") == utc(2025, 2, 28, 7, 0)


def test_spring_forward_day_keeps_seven_oclock_local() -> None:
    # New York moves from UTC-5 to UTC-4 at 02:00 on Sunday 2025-03-09.
    zone = "America/New_York"
    assert latest_slot(utc(2025, 3, 8, 13, 0), ["07:00"], EVERY_DAY, zone) == utc(2025, 3, 8, 12, 0)
    assert latest_slot(utc(2025, 3, 9, 13, 0), ["07:00"], EVERY_DAY, zone) == utc(2025, 3, 9, 11, 0)
    # 02:30 does not exist that day: it is sent when the clock has jumped, at 03:30 EDT.
    assert latest_slot(utc(2025, 3, 9, 7, 29), ["02:30"], EVERY_DAY, zone) == utc(2025, 3, 8, 7, 30)
    assert latest_slot(utc(2025, 3, 9, 7, 30), ["02:30"], EVERY_DAY, zone) == utc(2025, 3, 9, 7, 30)


def test_fall_back_day_sends_a_repeated_time_once() -> None:
    # New York goes back from 02:00 EDT to 01:00 EST on Sunday 2025-11-02: 01:30 happens twice.
    zone = "America/New_York"
    first = utc(2025, 11, 2, 5, 30)  # 01:30 EDT
    assert latest_slot(first, ["01:30"], EVERY_DAY, zone) == first
    assert latest_slot(utc(2025, 11, 2, 6, 45), ["01:30"], EVERY_DAY, zone) == first  # 01:45 EST
    assert latest_slot(utc(2025, 11, 2, 12, 0), ["07:00"], EVERY_DAY, zone) == utc(
        2025, 11, 2, 12, 0
    )


def test_gaza_dst_changes() -> None:
    # Gaza: 02:00 -> 03:00 on Saturday 2025-04-12; 02:00 -> 01:00 on Saturday 2025-10-25.
    zone = "Asia/Gaza"
    assert latest_slot(utc(2025, 4, 11, 12, 0), ["07:00"], EVERY_DAY, zone) == utc(
        2025, 4, 11, 5, 0
    )
    assert latest_slot(utc(2025, 4, 12, 12, 0), ["07:00"], EVERY_DAY, zone) == utc(
        2025, 4, 12, 4, 0
    )
    assert latest_slot(utc(2025, 10, 25, 12, 0), ["07:00"], EVERY_DAY, zone) == utc(
        2025, 10, 25, 5, 0
    )
    # Saturday-only digests across the change keep Saturday 07:00 local.
    assert latest_slot(utc(2025, 4, 18, 12, 0), ["07:00"], [5], zone) == utc(2025, 4, 12, 4, 0)


ZONES = [
    "UTC",
    "Asia/Gaza",
    "America/New_York",
    "Europe/Istanbul",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
]


@settings(max_examples=300, deadline=None)
@given(
    now=st.datetimes(
        min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)
    ),
    times=st.lists(
        st.tuples(st.integers(0, 23), st.integers(0, 59)).map(
            lambda hm: f"{hm[0]:02d}:{hm[1]:02d}"
        ),
        min_size=1,
        max_size=4,
    ),
    days=st.lists(st.integers(0, 6), min_size=1, max_size=7),
    zone=st.sampled_from(ZONES),
)
def test_latest_slot_properties(
    now: datetime, times: list[str], days: list[int], zone: str
) -> None:
    slot = latest_slot(now, times, days, zone)
    assert slot is not None
    assert now - timedelta(days=8) < slot <= now
    # Stable: asking again at the slot itself gives the same slot (nothing later in between).
    assert latest_slot(slot, times, days, zone) == slot
    # It is one of the chat's times, on one of its days, read back in its zone.
    local = slot.astimezone(ZoneInfo(zone))
    candidates = {
        datetime.combine(
            local.date(), datetime.strptime(t, "%H:%M").time(), tzinfo=ZoneInfo(zone)
        ).astimezone(UTC)
        for t in times
    }
    previous_day = {
        datetime.combine(
            local.date() - timedelta(days=1),
            datetime.strptime(t, "%H:%M").time(),
            tzinfo=ZoneInfo(zone),
        ).astimezone(UTC)
        for t in times
    }
    # (A time in a spring-forward gap lands after the jump, possibly on the next local date.)
    assert slot in candidates or slot in previous_day


# -- planning ----------------------------------------------------------------------------------


class RecordingSender:
    """A Sender that accepts everything and remembers it."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, str]] = []

    async def send(self, chat_id: int, html: str, buttons: list[list[Button]]) -> int:
        self.sent.append((chat_id, html))
        return len(self.sent)


@pytest.fixture
def world(tmp_path: Path):  # noqa: ANN201
    store = Store(tmp_path / "db.sqlite")
    clock = FakeClock(utc(2025, 3, 5, 12, 0))
    chats = ChatService(store, clock, "en", "UTC")
    virtual = VirtualTime()
    from bot.services.throttle import Throttle

    delivery = DeliveryService(
        store,
        clock,
        chats,
        FakeDigests(parts=1),
        Throttle(sleep=virtual.sleep, monotonic=virtual.monotonic),
    )
    sender = RecordingSender()
    scheduler = Scheduler(delivery, clock, sender)
    yield store, clock, chats, delivery, scheduler, sender
    store.close()


def add(
    chats: ChatService, delivery: DeliveryService, chat_id: int, timezone: str | None = None
) -> None:
    chats.seen(chat_id, "private", "", "en")
    if timezone:
        delivery.store.chats.set_timezone(chat_id, timezone)
    delivery.ensure_schedule(chat_id)


async def test_paused_and_inactive_chats_are_not_planned(world) -> None:  # noqa: ANN001
    store, clock, chats, delivery, scheduler, sender = world
    for chat_id in (1, 2, 3):
        add(chats, delivery, chat_id)
    delivery.set_paused(2, True)
    chats.deactivate(3)
    clock.set(utc(2025, 3, 6, 7, 0, 5))
    assert [d.chat_id for d in scheduler.plan(clock.now())] == [1]

    delivery.set_paused(2, False)  # resumed after 07:00: from tomorrow on
    assert [d.chat_id for d in scheduler.plan(clock.now())] == [1]
    clock.set(utc(2025, 3, 7, 7, 0, 5))
    assert [d.chat_id for d in scheduler.plan(clock.now())] == [1, 2]


async def test_times_and_days_changes_apply_from_the_next_slot(world) -> None:  # noqa: ANN001
    store, clock, chats, delivery, scheduler, sender = world
    add(chats, delivery, 1, "Asia/Gaza")
    schedule = delivery.set_times(1, ["19:00", "7:00", "07:00"])
    assert schedule.times == ["07:00", "19:00"]
    delivery.set_days(1, [4, 4, 0])
    schedule = delivery.schedule(1)
    assert schedule is not None and schedule.days == [0, 4]
    clock.set(utc(2025, 3, 7, 5, 0, 1))  # Friday 07:00:01 in Gaza
    [due] = scheduler.plan(clock.now())
    assert due.slot == utc(2025, 3, 7, 5, 0)
    clock.set(utc(2025, 3, 8, 5, 0, 1))  # Saturday: not a digest day
    assert scheduler.plan(clock.now()) == []


async def test_a_settings_change_keeps_a_zone_changes_later_start(world) -> None:  # noqa: ANN001
    store, clock, chats, delivery, scheduler, sender = world
    add(chats, delivery, 1, "Europe/Istanbul")
    clock.set(utc(2025, 3, 6, 4, 0, 5))  # 07:00 in Istanbul
    await scheduler.tick()
    clock.set(utc(2025, 3, 6, 5, 0))
    chats.set_timezone(1, "Europe/London")  # its 07:00 this morning is still to come
    delivery.set_days(1, [0, 1, 2, 3, 4, 5, 6])  # a change before then does not bring it back
    clock.set(utc(2025, 3, 6, 7, 0, 5))
    assert scheduler.plan(clock.now()) == []
    clock.set(utc(2025, 3, 7, 7, 0, 5))
    assert [d.slot for d in scheduler.plan(clock.now())] == [utc(2025, 3, 7, 7, 0)]


async def test_tick_skips_too_late_and_sends_due_once(world) -> None:  # noqa: ANN001
    store, clock, chats, delivery, scheduler, sender = world
    add(chats, delivery, 1)
    add(chats, delivery, 2, "Asia/Tokyo")
    clock.set(utc(2025, 3, 6, 7, 0, 5))  # 16:00 in Tokyo: its 07:00 was 9 hours ago
    outcomes = await scheduler.tick()
    assert [(o.chat_id, o.status) for o in outcomes] == [(1, "sent")]
    assert [d.status for d in store.deliveries.of_chat(2)] == ["skipped"]
    assert await scheduler.tick() == []
    assert len(sender.sent) == 1


async def test_unknown_zone_falls_back_to_the_default(world) -> None:  # noqa: ANN001
    store, clock, chats, delivery, scheduler, sender = world
    add(chats, delivery, 1, "Mars/Olympus_Mons")
    clock.set(utc(2025, 3, 6, 7, 0, 5))
    assert [d.slot for d in scheduler.plan(clock.now())] == [utc(2025, 3, 6, 7, 0)]


async def test_without_a_builder_only_unfinished_deliveries_resume(world) -> None:  # noqa: ANN001
    store, clock, chats, delivery, scheduler, sender = world
    add(chats, delivery, 1)
    add(chats, delivery, 2)
    store.deliveries.create(
        2, utc(2025, 3, 6, 7, 0), [("<b>Digest</b> left", [])], clock.now(), clock.now()
    )
    delivery.builder = None
    clock.set(utc(2025, 3, 6, 7, 0, 5))
    assert [(d.chat_id, d.slot) for d in scheduler.plan(clock.now())] == [
        (2, utc(2025, 3, 6, 7, 0))
    ]


async def test_unstarted_pending_delivery_past_grace_is_skipped(world) -> None:  # noqa: ANN001
    store, clock, chats, delivery, scheduler, sender = world
    add(chats, delivery, 1)
    slot = utc(2025, 3, 6, 7, 0)
    store.deliveries.create(1, slot, [("<b>Digest</b> old", [])], slot, slot)
    clock.set(utc(2025, 3, 6, 10, 30))
    assert await scheduler.tick() == []
    assert [d.status for d in store.deliveries.of_chat(1)] == ["skipped"]
    assert sender.sent == []
    schedule = delivery.schedule(1)
    assert schedule is not None and schedule.covered_until is None  # folds into the next


async def test_a_half_sent_digest_of_a_chat_away_for_weeks_is_given_up(world) -> None:  # noqa: ANN001
    store, clock, chats, delivery, scheduler, sender = world
    add(chats, delivery, 1)
    slot = utc(2025, 3, 6, 7, 0)
    store.deliveries.create(1, slot, [("<b>Digest</b> a", []), ("<b>Digest</b> b", [])], slot, slot)
    store.deliveries.part_sent(1, slot, 0, 41, slot)  # then a crash; then the user blocked us
    chats.deactivate(1)
    clock.set(utc(2025, 3, 27, 12, 0))
    chats.seen(1, "private", "", "en")  # back three weeks later
    await scheduler.tick()
    assert sender.sent == []
    given_up = store.deliveries.delivery(1, slot)
    assert given_up is not None and (given_up.status, given_up.parts_sent) == ("skipped", 1)
    assert store.deliveries.prune(utc(2025, 3, 7)) == 1  # and nothing keeps it


# -- the Telegram side -------------------------------------------------------------------------


class BrokenBot:
    """Stands in for PTB's Bot: raises the error it is given."""

    token = "123456:SECRET-TOKEN-VALUE"

    def __init__(self, error: Exception) -> None:
        self.error = error

    async def send_message(self, *args: object, **kwargs: object) -> None:
        raise self.error


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (
            NetworkError(
                "httpx.ConnectError: https://api.telegram.org/bot123456:SECRET-TOKEN-VALUE/x"
            ),
            Transient,
        ),
        (TimedOut(), Transient),
        (Forbidden("Forbidden: bot was blocked by the user"), ChatGone),
        (BadRequest("Bad Request: chat not found"), ChatGone),
        (BadRequest("Bad Request: can't parse entities"), Rejected),
        (ChatMigrated(-100123), ChatMoved),
        (RetryAfter(timedelta(seconds=7)), RetryLater),
    ],
)
async def test_telegram_errors_become_engine_errors_without_the_token(
    error: Exception, expected: type[Exception], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    sender = TelegramSender(BrokenBot(error))  # type: ignore[arg-type]
    with pytest.raises(expected) as raised:
        await sender.send(1, "<b>x</b>", [])
    assert "SECRET-TOKEN-VALUE" not in str(raised.value)
    if isinstance(raised.value, RetryLater):
        assert raised.value.seconds == 7
    if isinstance(raised.value, ChatMoved):
        assert raised.value.new_chat_id == -100123


async def test_a_chat_finishing_an_old_digest_gets_the_new_one_afterwards(world) -> None:  # noqa: ANN001
    store, clock, chats, delivery, scheduler, sender = world
    add(chats, delivery, 1)
    delivery.set_times(1, ["07:00", "07:30"])
    old = utc(2025, 3, 6, 7, 0)
    store.deliveries.create(1, old, [("<b>Digest</b> old", [])], old, old)  # left by a crash
    clock.set(utc(2025, 3, 6, 7, 30, 5))
    assert [d.slot for d in scheduler.plan(clock.now())] == [old]
    await scheduler.tick()
    assert [d.slot for d in scheduler.plan(clock.now())] == [utc(2025, 3, 6, 7, 30)]
