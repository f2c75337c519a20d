"""The delivery engine, its store and its throttle, with a fake Sender and virtual time."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import SharedRateLimiter
from bot.clock import FakeClock
from bot.errors import BadInput
from bot.render.articles import Button
from bot.services.chats import ChatService
from bot.services.delivery import (
    ChatGone,
    ChatMoved,
    DeliveryService,
    Rejected,
    RetryLater,
    SendError,
    Transient,
    parse_times,
)
from bot.services.throttle import Limits, Throttle
from bot.store import Store
from tests.conftest_digest import FakeDigests, VirtualTime

SLOT = datetime(2025, 3, 6, 7, 0, tzinfo=UTC)


class ScriptedSender:
    """A Sender that fails as told (per chat, in order) and otherwise accepts."""

    def __init__(self, virtual: VirtualTime) -> None:
        self.virtual = virtual
        self.sent: list[tuple[int, str, list[list[Button]], float]] = []
        self.script: dict[int, list[SendError]] = {}
        self.tries: list[int] = []

    async def send(self, chat_id: int, html: str, buttons: list[list[Button]]) -> int:
        self.tries.append(chat_id)
        errors = self.script.get(chat_id)
        if errors:
            raise errors.pop(0)
        self.sent.append((chat_id, html, buttons, self.virtual.now))
        return 100 + len(self.sent)

    def to(self, chat_id: int) -> list[str]:
        return [html for chat, html, _, _ in self.sent if chat == chat_id]


@dataclass
class World:
    store: Store
    clock: FakeClock
    chats: ChatService
    delivery: DeliveryService
    sender: ScriptedSender
    virtual: VirtualTime
    digests: FakeDigests

    def add(self, chat_id: int, chat_type: str = "private") -> None:
        self.chats.seen(chat_id, chat_type, "", "en")
        self.delivery.ensure_schedule(chat_id)

    async def deliver(self, *chat_ids: int, chat_type: str = "private") -> list[str]:
        outcomes = await self.virtual.run(
            *(self.delivery.deliver(c, SLOT, chat_type, self.sender) for c in chat_ids)
        )
        return [o.status for o in outcomes]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    store = Store(tmp_path / "db.sqlite")
    clock = FakeClock(datetime(2025, 3, 5, 12, 0, tzinfo=UTC))
    chats = ChatService(store, clock, "en", "UTC")
    virtual = VirtualTime()
    throttle = Throttle(sleep=virtual.sleep, monotonic=virtual.monotonic)
    digests = FakeDigests(parts=2)
    delivery = DeliveryService(store, clock, chats, digests, throttle, sleep=virtual.sleep)
    yield World(store, clock, chats, delivery, ScriptedSender(virtual), virtual, digests)
    store.close()


# -- one delivery ---------------------------------------------------------------------------


async def test_parts_are_stored_then_sent_in_order_with_buttons_under_the_last(
    world: World,
) -> None:
    world.add(1)
    world.clock.set(datetime(2025, 3, 6, 7, 0, 10, tzinfo=UTC))
    assert await world.deliver(1) == ["sent"]
    assert world.sender.to(1) == ["<b>Digest</b> 1 part 1/2", "<b>Digest</b> 1 part 2/2"]
    assert [s[2] for s in world.sender.sent] == [[], [[Button("Read #1", data="art:1")]]]
    # One private chat: the second part waited a second after the first.
    assert world.sender.sent[1][3] - world.sender.sent[0][3] >= 1.0
    parts = world.store.deliveries.parts(1, SLOT)
    assert [p.sent_message_id for p in parts] == [101, 102]
    [done] = world.store.deliveries.of_chat(1)
    assert (done.status, done.parts_total, done.parts_sent, done.attempts) == ("sent", 2, 2, 1)
    schedule = world.delivery.schedule(1)
    assert schedule is not None and schedule.covered_until == world.clock.now()


async def test_delivering_a_slot_twice_sends_once(world: World) -> None:
    world.add(1)
    assert await world.deliver(1, 1) in (["sent", "busy"], ["busy", "sent"])
    assert await world.deliver(1) == ["sent"]
    assert len(world.sender.to(1)) == 2
    assert len(world.digests.calls) == 1


async def test_a_429_waits_for_that_chat_only(world: World) -> None:
    for chat_id in (1, 2, 3):
        world.add(chat_id)
    world.digests.parts = 1
    world.sender.script[1] = [RetryLater(30)]
    assert await world.deliver(1, 2, 3) == ["sent", "sent", "sent"]
    times = {chat: at for chat, _, _, at in world.sender.sent}
    assert times[1] >= 30 and times[2] < 1 and times[3] < 1
    assert world.sender.tries.count(1) == 2


async def test_endless_429_gives_up_after_a_few(world: World) -> None:
    world.add(1)
    world.sender.script[1] = [RetryLater(1) for _ in range(10)]
    assert await world.deliver(1) == ["failed"]
    assert world.sender.tries.count(1) == 6
    [failed] = world.store.deliveries.of_chat(1)
    assert failed.last_error is not None and failed.last_error.startswith("RetryLater")


async def test_forbidden_deactivates_the_chat_and_keeps_its_schedule(world: World) -> None:
    world.add(1)
    world.sender.script[1] = [ChatGone("Forbidden: bot was blocked by the user")]
    assert await world.deliver(1) == ["failed"]
    chat = world.store.chats.get(1)
    assert chat is not None and not chat.active
    assert world.delivery.schedule(1) is not None
    world.chats.seen(1, "private", "", "en")  # /start again
    chat = world.store.chats.get(1)
    assert chat is not None and chat.active


async def test_transient_errors_back_off_exponentially_then_fail(world: World) -> None:
    world.add(1)
    world.sender.script[1] = [Transient("NetworkError: Bad Gateway") for _ in range(4)]
    assert await world.deliver(1) == ["failed"]
    assert [s for s in world.virtual.slept if s >= 1] == [1.0, 2.0, 4.0]
    [failed] = world.store.deliveries.of_chat(1)
    assert (failed.status, failed.attempts, failed.parts_sent) == ("failed", 1, 0)
    assert failed.last_error == "Transient: NetworkError: Bad Gateway"
    # The next attempt sends the stored parts without building again.
    assert await world.deliver(1) == ["sent"]
    assert len(world.digests.calls) == 1
    [done] = world.store.deliveries.of_chat(1)
    assert (done.status, done.attempts) == ("sent", 2)


async def test_rejected_message_fails_without_retrying(world: World) -> None:
    world.add(1)
    world.sender.script[1] = [Rejected("Bad Request: can't parse entities")]
    assert await world.deliver(1) == ["failed"]
    assert world.sender.tries == [1]


async def test_chat_moved_carries_the_delivery_to_the_new_id(world: World) -> None:
    world.add(-5, chat_type="group")
    world.sender.script[-5] = [ChatMoved(-1005)]
    assert await world.deliver(-5, chat_type="group") == ["sent"]
    assert len(world.sender.to(-1005)) == 2
    assert world.store.chats.get(-5) is None
    assert [d.status for d in world.store.deliveries.of_chat(-1005)] == ["sent"]
    assert world.delivery.schedule(-1005) is not None


async def test_a_failed_build_is_recorded_and_built_again_later(world: World) -> None:
    world.add(1)
    world.digests.fail_for.add(1)
    assert await world.deliver(1) == ["failed"]
    [failed] = world.store.deliveries.of_chat(1)
    assert (failed.status, failed.parts_total, failed.attempts) == ("failed", 0, 1)
    assert "builder broke" in (failed.last_error or "")
    world.digests.fail_for.clear()
    assert await world.deliver(1) == ["sent"]
    [done] = world.store.deliveries.of_chat(1)
    assert (done.status, done.parts_total) == ("sent", 2)


async def test_covered_until_never_moves_back(world: World) -> None:
    world.add(1)
    later = datetime(2025, 3, 7, 7, 0, tzinfo=UTC)
    world.store.deliveries.record_outcome(1, later, "empty", later, covered_until=later)
    assert await world.deliver(1) == ["sent"]  # an older slot, finished late
    schedule = world.delivery.schedule(1)
    assert schedule is not None and schedule.covered_until == later


# -- the schedule ----------------------------------------------------------------------------


def test_parse_times_accepts_common_forms_and_rejects_the_rest() -> None:
    assert parse_times(["7:00", "19.30", "٠٧:٠٠"]) == ["07:00", "19:30"]
    assert parse_times(["07:00,19:00"]) == parse_times(["07:00،19:00"]) == ["07:00", "19:00"]
    with pytest.raises(BadInput) as bad:
        parse_times(["<b>7"])
    assert bad.value.params["value"] == "&lt;b&gt;7"
    for bad in (["24:00"], ["7"], ["07:60"], [], ["1:00"] * 0 + [f"0{i}:00" for i in range(7)]):
        with pytest.raises(BadInput):
            parse_times(bad)


def test_schedule_settings(world: World) -> None:
    world.add(1)
    schedule = world.delivery.schedule(1)
    assert schedule is not None
    assert (schedule.times, schedule.days, schedule.paused) == (["07:00"], list(range(7)), False)
    assert world.delivery.set_paused(1, True).paused
    with pytest.raises(BadInput):
        world.delivery.set_days(1, [])
    with pytest.raises(BadInput):
        world.delivery.set_days(1, [7])
    assert world.delivery.forget(1)
    assert world.delivery.schedule(1) is None
    assert not world.delivery.forget(1)


# -- moving a chat ---------------------------------------------------------------------------


def test_move_chat_merges_into_an_existing_new_id(world: World) -> None:
    now = world.clock.now()
    world.add(-7, chat_type="group")
    world.store.chats.set_timezone(-7, "Asia/Gaza")
    world.store.chats.set_language(-7, "ar")
    subs = world.store.subscriptions
    subs.add(-7, "topic", "economy", now)
    subs.add(-7, "keyword", "غزة", now)
    world.store.deliveries.create(-7, SLOT, [("<b>x</b>", [])], now, now)
    # The supergroup spoke first: it exists, follows one of the same things, has no schedule.
    world.chats.seen(-1007, "supergroup", "Group", None)
    subs.add(-1007, "topic", "economy", now)

    assert world.delivery.move_chat(-7, -1007)
    assert world.store.chats.get(-7) is None
    merged = world.store.chats.get(-1007)
    assert merged is not None and (merged.timezone, merged.language) == ("Asia/Gaza", "ar")
    assert sorted(tuple(s[:2]) for s in subs.of_chat(-1007)) == [
        ("keyword", "غزة"),
        ("topic", "economy"),
    ]
    assert world.delivery.schedule(-1007) is not None
    assert [p.html for p in world.store.deliveries.parts(-1007, SLOT)] == ["<b>x</b>"]
    assert not world.delivery.move_chat(-7, -1007)  # already done: nothing to move


def test_move_chat_to_a_new_id_renames_everything(world: World) -> None:
    now = world.clock.now()
    world.add(-8, chat_type="group")
    world.store.deliveries.create(-8, SLOT, [("<b>a</b>", []), ("<b>b</b>", [])], now, now)
    assert world.delivery.move_chat(-8, -1008)
    assert [p.html for p in world.store.deliveries.parts(-1008, SLOT)] == ["<b>a</b>", "<b>b</b>"]
    assert world.store.deliveries.parts(-8, SLOT) == []
    chat = world.store.chats.get(-1008)
    assert chat is not None and chat.type == "supergroup"


# -- the throttle ----------------------------------------------------------------------------


async def paced(
    virtual: VirtualTime, throttle: Throttle, sends: list[tuple[int, str]]
) -> dict[int, list[float]]:
    """Acquire for each (chat, type) concurrently; return the moments each chat was let through."""
    moments: dict[int, list[float]] = {}

    async def one(chat_id: int, chat_type: str) -> None:
        await throttle.acquire(chat_id, chat_type)
        moments.setdefault(chat_id, []).append(virtual.now)

    await virtual.run(*(one(c, kind) for c, kind in sends))
    return moments


async def test_throttle_keeps_the_overall_rate() -> None:
    virtual = VirtualTime()
    throttle = Throttle(
        Limits(overall_per_second=10),
        sleep=virtual.sleep,
        monotonic=virtual.monotonic,
    )
    moments = await paced(virtual, throttle, [(c, "private") for c in range(50)])
    everything = sorted(m for ms in moments.values() for m in ms)
    assert everything[-1] == pytest.approx(4.9)
    assert all(b - a >= 0.1 - 1e-9 for a, b in zip(everything, everything[1:], strict=False))


class LateTime(VirtualTime):
    """Virtual time whose sleeps wake a little late, like a busy event loop."""

    async def sleep(self, seconds: float) -> None:
        await super().sleep(seconds + 0.004)


async def test_throttle_late_wake_ups_cost_no_throughput_and_make_no_burst() -> None:
    late = LateTime()
    limits = Limits(overall_per_second=100)  # 10 ms apart; every wake-up comes 4 ms late
    throttle = Throttle(limits, sleep=late.sleep, monotonic=late.monotonic)
    moments = await paced(late, throttle, [(c, "private") for c in range(500)])
    everything = sorted(m for ms in moments.values() for m in ms)
    achieved = (len(everything) - 1) / (everything[-1] - everything[0])
    assert achieved == pytest.approx(100, rel=0.01)  # lateness cost no throughput
    assert all(
        sum(1 for m in everything if start <= m < start + 1.0 - 1e-6) <= 100 for start in everything
    )


async def test_throttle_spaces_one_private_chat_by_a_second() -> None:
    virtual = VirtualTime()
    throttle = Throttle(sleep=virtual.sleep, monotonic=virtual.monotonic)
    moments = await paced(virtual, throttle, [(1, "private")] * 4)
    assert moments[1] == pytest.approx([0.0, 1.0, 2.0, 3.0])


async def test_throttle_allows_twenty_a_minute_in_a_group() -> None:
    virtual = VirtualTime()
    throttle = Throttle(sleep=virtual.sleep, monotonic=virtual.monotonic)
    moments = await paced(virtual, throttle, [(-1, "supergroup")] * 25)
    group = moments[-1]
    assert group[19] == pytest.approx(19.0)
    assert group[20] == pytest.approx(60.0)  # the 21st waits for the first to be a minute old
    assert all(b - a >= 1.0 - 1e-9 for a, b in zip(group, group[1:], strict=False))


async def test_throttle_is_fair_a_busy_chat_does_not_hold_the_others() -> None:
    virtual = VirtualTime()
    throttle = Throttle(
        Limits(overall_per_second=30), sleep=virtual.sleep, monotonic=virtual.monotonic
    )
    throttle.hold(1, 30.0)  # chat 1 got a 429 with retry_after 30
    sends = [(1, "private")] * 3 + [(c, "private") for c in range(2, 32)]
    moments = await paced(virtual, throttle, sends)
    assert max(moments[c][0] for c in range(2, 32)) < 1.1
    assert moments[1] == pytest.approx([30.0, 31.0, 32.0])


async def test_replies_and_digests_share_one_overall_budget() -> None:
    virtual = VirtualTime()
    throttle = Throttle(
        Limits(overall_per_second=30), sleep=virtual.sleep, monotonic=virtual.monotonic
    )
    limiter = SharedRateLimiter(throttle)  # what the Application's replies go through
    sent: list[float] = []

    async def telegram() -> bool:
        sent.append(virtual.now)
        return True

    async def digest(chat_id: int) -> None:
        async with throttle.slot(chat_id):
            await telegram()

    async def reply(chat_id: int) -> None:
        data = {"chat_id": chat_id, "text": "help"}
        await limiter.process_request(telegram, (), {}, "sendMessage", data, None)

    # A fan-out to 100 chats while 100 users ask for /help.
    await virtual.run(*(digest(c) for c in range(100)), *(reply(c) for c in range(1000, 1100)))
    assert len(sent) == 200
    assert max(sum(1 for m in sent if start <= m < start + 1.0 - 1e-6) for start in sent) <= 30


async def test_a_long_retry_after_fails_the_attempt_instead_of_blocking(world: World) -> None:
    world.add(1)
    world.sender.script[1] = [RetryLater(3600)]
    assert await world.deliver(1) == ["failed"]
    assert world.virtual.now < 60  # nobody sat out the hour
    # A later tick may try once the hour has passed; the 429 cost no attempt.
    [failed] = world.store.deliveries.of_chat(1)
    assert failed.retry_at == world.clock.now() + timedelta(hours=1)
    assert (failed.status, failed.attempts) == ("failed", 0)


async def test_stop_leaves_queued_messages_pending(world: World) -> None:
    world.delivery.throttle = Throttle(
        Limits(overall_per_second=1),
        sleep=world.virtual.sleep,
        monotonic=world.virtual.monotonic,
        max_in_flight=1,
    )
    for chat_id in (1, 2, 3, 4):
        world.add(chat_id)
    world.digests.parts = 1

    async def stop_soon() -> None:
        await world.virtual.sleep(1.5)
        world.delivery.stop()

    outcomes = await world.virtual.run(
        *(world.delivery.deliver(c, SLOT, "private", world.sender) for c in (1, 2, 3, 4)),
        stop_soon(),
    )
    # Sent at 0 s and 1 s; the third had its moment (2 s) before the stop; the fourth waits.
    assert [o.status for o in outcomes[:4]] == ["sent", "sent", "sent", "pending"]
    [left] = world.store.deliveries.with_status("pending")
    assert (left.chat_id, left.parts_sent) == (4, 0)
    assert await world.deliver(4) == ["busy"]  # a stopped engine sends nothing new
    assert len(world.sender.sent) == 3
