"""The digest tick: find every chat whose digest is due, and hand it to the delivery engine.

One repeating job (not one APScheduler job per chat) reads the schedules from SQLite, so
nothing depends on APScheduler's own persistence: the job is rebuilt at every start, and
the deliveries table remembers what was sent.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import Application, ContextTypes

from bot.clock import Clock
from bot.nlp.timezones import zone_exists
from bot.render.articles import Button
from bot.services.delivery import (
    ChatGone,
    ChatMoved,
    DeliveryService,
    Outcome,
    Rejected,
    RetryLater,
    Sender,
    Transient,
)
from bot.store.deliveries import Delivery
from handlers.common import NO_PREVIEW, keyboard

log = logging.getLogger(__name__)

TICK_SECONDS = 30
JOB_NAME = "digest-tick"
STOP_POLL_SECONDS = 0.5
LOOKBACK_DAYS = 8
FINAL = frozenset(
    {"sent", "empty", "skipped"}
)  # a weekly digest's last slot is at most 7 local days back


def latest_slot(now: datetime, times: list[str], days: list[int], timezone: str) -> datetime | None:
    """The most recent scheduled moment at or before `now`, in UTC; None if there is none.

    Times are local wall-clock "HH:MM" on the local weekdays `days` (0 = Monday). On the
    day clocks go forward a time in the gap counts as the moment after the jump (02:30 ->
    03:30); on the day they go back a repeated time counts once, at its first occurrence.
    """
    zone = ZoneInfo(timezone)
    today = now.astimezone(zone).date()
    wanted = set(days)
    clock_times = [time(int(h), int(m)) for h, m in (value.split(":") for value in times)]
    for back in range(LOOKBACK_DAYS):
        day = today - timedelta(days=back)
        if day.weekday() not in wanted:
            continue
        # fold=0 gives both rules above; every slot of a day is later than every slot of the
        # day before, so the first day with a past slot holds the latest one.
        moments = [datetime.combine(day, t, tzinfo=zone).astimezone(UTC) for t in clock_times]
        past = [m for m in moments if m <= now]
        if past:
            return max(past)
    return None


def _zone_name(name: str | None, default: str) -> str:
    if name and zone_exists(name):
        return name
    if name:
        log.warning("unknown time zone %r; using %s", name, default)
    return default


@dataclass(frozen=True)
class Due:
    """A delivery the tick starts: which chat, which slot, and the chat's type for pacing."""

    chat_id: int
    slot: datetime
    chat_type: str


class Scheduler:
    """Runs the tick: due digests are delivered, too-late ones skipped, crashed ones resumed."""

    def __init__(
        self, delivery: DeliveryService, clock: Clock, sender: Sender, default_timezone: str = "UTC"
    ) -> None:
        self.delivery = delivery
        self.clock = clock
        self.sender = sender
        self.default_timezone = default_timezone
        self._watching = False
        self._pruned = False
        # chat -> its latest slot once that slot's delivery is final (sent, empty, skipped):
        # in the steady state a tick then reads no delivery row at all.
        self._settled: dict[int, datetime] = {}

    async def tick(self) -> list[Outcome]:
        """Deliver everything due now; return how each delivery started in this tick ended.

        Ticks may overlap: a long fan-out does not hold back the next slots, and a delivery
        already under way (the engine's in_flight) is never started twice.
        """
        now = self.clock.now()
        if not self._pruned:
            self._pruned = True
            self.delivery.repo.prune(now - timedelta(days=30))
        due = self.plan(now)
        if not due:
            return []
        log.info("tick %s: %d digest(s) to deliver", now.isoformat(), len(due))
        return list(
            await asyncio.gather(
                *(self.delivery.deliver(d.chat_id, d.slot, d.chat_type, self.sender) for d in due)
            )
        )

    def plan(self, now: datetime) -> list[Due]:
        """Decide what this tick delivers; record the slots that are too late as skipped."""
        repo = self.delivery.repo
        grace = self.delivery.policy.grace
        due: dict[tuple[int, datetime], str] = {}
        # Deliveries a crash or a stop left half-way, and failed ones the chat already has
        # parts of: finish them (with the stored parts). Not through the schedule below: a
        # settings change since (starts_at) must not leave a digest half-sent.
        for left in repo.unfinished():
            key = (left.chat_id, left.slot)
            if key in self.delivery.in_flight:
                continue
            if now - left.slot > grace:
                # The rule of a missed digest, for the rest of a half-sent one too: a digest
                # weeks old is no news. Its news folds into the next (covered_until stays).
                reason = "too late to finish" if left.parts_sent else "too late to start"
                repo.skip(left.chat_id, left.slot, reason, now)
                continue
            chat = self.delivery.store.chats.get(left.chat_id)
            if chat is None or not chat.active:
                continue
            if left.status == "failed" and not self._retry_due(left, now):
                continue
            due[key] = chat.type
        if self.delivery.builder is None:
            log.warning("no digest builder wired: only unfinished deliveries are resumed")
            return [Due(c, s, kind) for (c, s), kind in due.items()]
        slots: dict[tuple[int, datetime], str] = {}
        # Most chats share a zone and the default times: compute each distinct slot once.
        computed: dict[tuple[str | None, tuple[str, ...], tuple[int, ...]], datetime | None] = {}
        for scheduled in repo.scheduled_chats():
            schedule = scheduled.schedule
            shape = (scheduled.timezone, tuple(schedule.times), tuple(schedule.days))
            if shape not in computed:
                zone = _zone_name(scheduled.timezone, self.default_timezone)
                computed[shape] = latest_slot(now, schedule.times, schedule.days, zone)
            slot = computed[shape]
            if slot is None or (schedule.starts_at is not None and slot < schedule.starts_at):
                continue
            if self._settled.get(schedule.chat_id) == slot:
                continue
            slots[(schedule.chat_id, slot)] = scheduled.chat_type
        existing = repo.deliveries_at(list(slots))
        # A chat finishing an older digest gets its new one at a later tick, not interleaved.
        busy_chats = {chat_id for chat_id, _ in due} | {c for c, _ in self.delivery.in_flight}
        for key, chat_type in slots.items():
            chat_id, slot = key
            found = existing.get(key)
            if found is not None and found.status in FINAL:
                self._settled[chat_id] = slot
                continue
            if chat_id in busy_chats and found is None and now - slot <= grace:
                continue
            if found is None and now - slot > grace:
                # Nothing is lost: covered_until stays, so the next digest covers this one's news.
                repo.record_outcome(chat_id, slot, "skipped", now)
            elif found is None or (found.status == "failed" and self._retry_due(found, now)):
                due.setdefault(key, chat_type)
        return [
            Due(c, s, kind) for (c, s), kind in due.items() if (c, s) not in self.delivery.in_flight
        ]

    def _retry_due(self, failed: Delivery, now: datetime) -> bool:
        policy = self.delivery.policy
        if now - failed.slot > policy.grace or failed.attempts >= policy.max_attempts:
            return False
        if failed.retry_at is not None:  # flood control said when; sooner is refused again
            return now >= failed.retry_at
        spacing = policy.retry_spacing * 2 ** max(failed.attempts - 1, 0)
        return now - failed.updated_at >= spacing

    async def job(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The JobQueue callback: start a tick in the background and return.

        A fan-out to many chats outlasts the interval; returning at once keeps APScheduler
        from skipping (and warning about) overlapping runs. The Application awaits these
        tasks when it stops, so the engine is told to stop first (see _watch_stop).
        """
        app = context.application
        if not app.running:  # the job fired while the Application was stopping
            return
        if not self._watching:
            self._watching = True
            app.create_task(self._watch_stop(app), name=f"{JOB_NAME}-stop")
        app.create_task(self._tick_logged(), name=JOB_NAME)

    async def _watch_stop(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        # Application.stop() first clears `running`, then waits for its tasks: a fan-out
        # would keep it waiting for minutes. Stopping the engine leaves deliveries pending
        # (they resume at the next start) and the wait short. PTB offers no event to await.
        while app.running:  # noqa: ASYNC110
            await asyncio.sleep(STOP_POLL_SECONDS)
        self.delivery.stop()

    async def _tick_logged(self) -> None:
        try:
            await self.tick()
        except Exception:
            log.exception("digest tick failed")


# -- Telegram ---------------------------------------------------------------------------------


def _retry_seconds(error: RetryAfter) -> float:
    # The public `retry_after` warns about its coming type change (warnings are errors in
    # tests); the timedelta behind it is what PTB itself reads.
    value: Any = getattr(error, "_retry_after", None)
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value or 1)


# How long a digest part waits for Telegram's answer. A part that times out is sent again,
# and Telegram may have delivered it all the same (its API has no idempotency key): PTB's
# 5 seconds, meant for replies, made a slow answer a repeated part. Background sends can wait.
SEND_READ_TIMEOUT = 30.0


class TelegramSender:
    """Sends digest parts with python-telegram-bot, turning its errors into the engine's."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, chat_id: int, html: str, buttons: list[list[Button]]) -> int:
        try:
            message = await self.bot.send_message(
                chat_id,
                html,
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard(buttons),
                link_preview_options=NO_PREVIEW,
                read_timeout=SEND_READ_TIMEOUT,
            )
        except RetryAfter as error:
            raise RetryLater(_retry_seconds(error)) from None
        except ChatMigrated as error:
            raise ChatMoved(error.new_chat_id) from None
        except Forbidden as error:
            raise ChatGone(self._clean(error)) from None
        except BadRequest as error:  # before NetworkError: PTB derives one from the other
            if "chat not found" in error.message.lower():
                raise ChatGone(self._clean(error)) from None
            raise Rejected(self._clean(error)) from None
        except (NetworkError, TelegramError) as error:  # time-outs, 5xx, connection errors
            raise Transient(f"{type(error).__name__}: {self._clean(error)}") from None
        return message.message_id

    def _clean(self, error: Exception) -> str:
        return str(error).replace(self.bot.token, "<token>")


async def _delivery_bot(app: Application[Any, Any, Any, Any, Any, Any]) -> Bot:
    """The Bot the fan-out sends with: the Application's own unless it has a rate limiter.

    PTB's AIORateLimiter would pace every digest a second time and, on a 429, retry it
    while pausing every other request; our Throttle already paces the fan-out and waits
    out a 429 for that one chat only. So digests go through a plain Bot on the same token
    and server, and interactive replies keep the limiter (which takes its overall pace
    from the same Throttle: bot.app.SharedRateLimiter).
    """
    if app.bot.rate_limiter is None:
        return app.bot
    token = app.bot.token
    bot = Bot(
        token,
        base_url=app.bot.base_url.replace(token, "{token}"),
        base_file_url=app.bot.base_file_url.replace(token, "{token}"),
        local_mode=app.bot.local_mode,
    )
    await bot.initialize()
    return bot


async def start_scheduler(app: Application[Any, Any, Any, Any, Any, Any]) -> Scheduler:
    """Create the scheduler and its repeating tick job (in post_init: rebuilt at every start).

    Without background jobs (tests) no job is started: a test moves the clock and calls
    `scheduler.tick()` itself, so a real-time tick never delivers behind its back.
    """
    services = app.bot_data["services"]
    bot = await _delivery_bot(app)
    scheduler = Scheduler(
        services.delivery, services.clock, TelegramSender(bot), services.config.default_timezone
    )
    app.bot_data["scheduler"] = scheduler
    if app.bot_data.get("background_jobs", True):
        run_tick_job(app, scheduler)
    return scheduler


def run_tick_job(app: Application[Any, Any, Any, Any, Any, Any], scheduler: Scheduler) -> None:
    """Run `scheduler.job` every TICK_SECONDS on the Application's JobQueue."""
    if app.job_queue is None:
        log.error("no JobQueue (install python-telegram-bot[job-queue]): digests will not be sent")
        return
    app.job_queue.run_repeating(
        scheduler.job,
        interval=TICK_SECONDS,
        first=1,
        name=JOB_NAME,
        # The first tick also resumes what a crash left pending; a late run is still useful.
        job_kwargs={"misfire_grace_time": 300, "coalesce": True, "max_instances": 1},
    )


async def stop_scheduler(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Close the fan-out's own Bot, if it has one (in post_shutdown)."""
    scheduler: Scheduler | None = app.bot_data.get("scheduler")
    if scheduler is None or not isinstance(scheduler.sender, TelegramSender):
        return
    if scheduler.sender.bot is not app.bot:
        await scheduler.sender.bot.shutdown()
