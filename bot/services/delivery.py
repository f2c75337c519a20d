"""Digest delivery: each chat's schedule, and sending one digest exactly once, part by part.

The engine speaks to Telegram through a `Sender` that turns Telegram's answers into the
errors below, so this module (like every service) knows nothing of python-telegram-bot.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.clock import Clock
from bot.errors import BadInput
from bot.i18n import t
from bot.nlp.normalize import fold
from bot.render.articles import Button
from bot.services.chats import ChatService
from bot.services.throttle import Throttle, ThrottleClosed
from bot.store import Store
from bot.store.deliveries import Schedule

log = logging.getLogger(__name__)

TIME_RE = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")
MAX_TIMES = 6


# -- what a Sender raises -----------------------------------------------------------------------


class SendError(Exception):
    """Telegram did not accept a message."""


class RetryLater(SendError):
    """Flood control (429): try the same message again after `seconds`."""

    def __init__(self, seconds: float, detail: str = "") -> None:
        super().__init__(detail or f"retry after {seconds}s")
        self.seconds = seconds


class ChatGone(SendError):
    """The chat blocked or removed the bot, or no longer exists (403)."""


class ChatMoved(SendError):
    """The group became a supergroup with a new id."""

    def __init__(self, new_chat_id: int) -> None:
        super().__init__(f"chat moved to {new_chat_id}")
        self.new_chat_id = new_chat_id


class Transient(SendError):
    """A network error, time-out or 5xx: the same message may succeed on another try."""


class Rejected(SendError):
    """Telegram refused the message itself (400): trying again will not help."""


class Sender(Protocol):
    """Sends one HTML message with buttons; returns Telegram's message id."""

    async def send(self, chat_id: int, html: str, buttons: list[list[Button]]) -> int: ...


class DigestLike(Protocol):
    """What services.digests.build returns."""

    chunks: list[str]
    buttons: list[list[Button]]
    story_count: int
    covered_until: datetime


DigestBuilder = Callable[[int, datetime | None, datetime], DigestLike]
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class RetryPolicy:
    """How hard one attempt tries, and when a later tick tries a failed delivery again."""

    transient_retries: int = 3  # after the first try; waits backoff, 2*backoff, 4*backoff
    backoff: float = 1.0
    max_retry_after: int = 5  # 429s in a row for one message before the attempt fails
    max_retry_wait: float = 60.0  # a longer retry_after fails the attempt; a later tick retries
    max_attempts: int = 4  # attempts per delivery, counting the first (429s do not count)
    retry_spacing: timedelta = timedelta(minutes=2)  # doubled after each failed attempt
    grace: timedelta = timedelta(hours=3)  # a slot later than this is skipped, not sent


@dataclass(frozen=True)
class Outcome:
    """How one delivery ended in this attempt."""

    chat_id: int
    slot: datetime
    status: str  # sent | empty | failed | pending (left for later) | busy


def _buttons_json(buttons: list[list[Button]]) -> list[list[dict[str, Any]]]:
    return [[{k: v for k, v in vars(b).items() if v is not None} for b in row] for row in buttons]


def _buttons(data: list[list[dict[str, Any]]]) -> list[list[Button]]:
    return [[Button(**b) for b in row] for row in data]


def _shown(text: str) -> str:
    # The catalog's placeholders take ready HTML: what the user typed is escaped, and cut.
    return html.escape(text[:40])


def parse_times(values: list[str]) -> list[str]:
    """Validate local times ("7:00", "19.30", "٠٧:٠٠") as sorted, distinct "HH:MM"; else BadInput."""
    times = set()
    # "/settime 07:00,19:00" arrives as one argument; the Arabic comma counts too.
    pieces = [piece for value in values for piece in re.split(r"[,\s،]+", fold(value)) if piece]
    for value in pieces:
        match = TIME_RE.match(value)
        if match is None:
            raise BadInput("schedule_bad_time", value=_shown(value))
        times.add(f"{int(match.group(1)):02d}:{match.group(2)}")
    if not times:
        raise BadInput("settime_usage")
    if len(times) > MAX_TIMES:
        raise BadInput("settime_too_many", limit=MAX_TIMES)
    return sorted(times)


class DeliveryService:
    """Keeps each chat's digest schedule and delivers digests, once per slot."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        chats: ChatService,
        builder: DigestBuilder | None = None,
        throttle: Throttle | None = None,
        *,
        sleep: Sleep = asyncio.sleep,
        policy: RetryPolicy | None = None,
        max_building: int = 4,
    ) -> None:
        self.store = store
        self.repo = store.deliveries
        self.clock = clock
        self.chats = chats
        self.builder = builder
        self.throttle = throttle or Throttle()
        self.sleep = sleep
        self.policy = policy or RetryPolicy()
        self.in_flight: set[tuple[int, datetime]] = set()
        # A fan-out starts every due delivery at once: bound the digests built at the same
        # time (the throttle bounds the requests in flight) so that sending starts at once
        # and a burst of CPU work does not slow every request down.
        self._building = asyncio.Semaphore(max_building)
        self.stopping = False

    def stop(self) -> None:
        """Send nothing more: deliveries under way stay pending and resume at the next start."""
        self.stopping = True
        self.throttle.close()

    # -- the schedule, as /settime, /days, /pause, /resume and /stop change it -----------------

    def ensure_schedule(self, chat_id: int) -> Schedule:
        """Give the chat the default schedule (07:00 every day) unless it has one."""
        return self.repo.ensure_schedule(chat_id, self.clock.now())

    def schedule(self, chat_id: int) -> Schedule | None:
        """The chat's schedule, or None."""
        return self.repo.schedule(chat_id)

    def set_times(self, chat_id: int, times: list[str]) -> Schedule:
        """Set the local times of the digest, e.g. ["07:00", "19:00"]; BadInput if malformed."""
        return self._update(chat_id, times=parse_times(times))

    def set_days(self, chat_id: int, days: list[int]) -> Schedule:
        """Set the weekdays of the digest (0 = Monday); BadInput if empty or out of range."""
        if not days or any(not 0 <= d <= 6 for d in days):
            raise BadInput("schedule_bad_days")
        return self._update(chat_id, days=sorted(set(days)))

    def set_paused(self, chat_id: int, paused: bool) -> Schedule:
        """Pause or resume the digest; a resumed digest starts with the next slot."""
        return self._update(chat_id, paused=paused)

    def set_send_empty(self, chat_id: int, send_empty: bool) -> Schedule:
        """Choose whether a digest with nothing new says so."""
        return self._update(chat_id, send_empty=send_empty)

    def forget(self, chat_id: int) -> bool:
        """Drop the chat's schedule (/stop); what it follows is kept elsewhere."""
        return self.repo.forget(chat_id)

    def move_chat(self, old_id: int, new_id: int) -> bool:
        """Carry a group's rows over to its supergroup id."""
        moved = self.repo.move_chat(old_id, new_id)
        if moved:
            log.info("chat %s moved to %s", old_id, new_id)
        return moved

    def _update(self, chat_id: int, **values: Any) -> Schedule:
        self.ensure_schedule(chat_id)
        self.repo.update_schedule(chat_id, self.clock.now(), **values)
        schedule = self.repo.schedule(chat_id)
        assert schedule is not None
        return schedule

    # -- delivering ------------------------------------------------------------------------------

    async def deliver(
        self, chat_id: int, slot: datetime, chat_type: str, sender: Sender
    ) -> Outcome:
        """Deliver the chat's digest for `slot`: build and store it unless stored, then send."""
        key = (chat_id, slot)
        if key in self.in_flight or self.stopping:
            return Outcome(chat_id, slot, "busy")
        self.in_flight.add(key)
        try:
            status = await self._prepare(chat_id, slot)
            if status != "pending" or self.stopping:
                return Outcome(chat_id, slot, status)
            return await self._send_parts(chat_id, slot, chat_type, sender)
        except Exception as error:  # one chat's bug must not stop the fan-out to the others
            log.exception("delivery to chat %s for %s failed", chat_id, slot.isoformat())
            try:
                self.repo.fail(chat_id, slot, f"{type(error).__name__}: {error}", self.clock.now())
            except Exception:
                log.exception("could not record the failure of chat %s", chat_id)
            return Outcome(chat_id, slot, "failed")
        finally:
            self.in_flight.discard(key)

    async def _prepare(self, chat_id: int, slot: datetime) -> str:
        """Build and store the digest if the slot has none yet; return the delivery's status."""
        existing = self.repo.delivery(chat_id, slot)
        if existing is not None and existing.parts_total > 0:
            return "pending" if existing.status in ("pending", "failed") else existing.status
        if existing is not None and existing.status != "failed":
            return existing.status  # empty or skipped: nothing to send
        if self.builder is None:
            raise RuntimeError("no digest builder is wired into the delivery service")
        schedule = self.repo.schedule(chat_id)
        now = self.clock.now()
        # Built off the event loop: ranking and rendering a digest is CPU work.
        async with self._building:
            digest = await asyncio.to_thread(
                self.builder, chat_id, schedule.covered_until if schedule else None, now
            )
        if digest.story_count == 0 or not digest.chunks:
            if not (schedule and schedule.send_empty):
                self.repo.record_outcome(chat_id, slot, "empty", now, digest.covered_until)
                return "empty"
            parts = [(t(self.chats.language(chat_id), "digest_empty"), [])]
        else:
            parts = [(chunk, []) for chunk in digest.chunks]
            parts[-1] = (parts[-1][0], _buttons_json(digest.buttons))
        created = self.repo.create(chat_id, slot, parts, digest.covered_until, now)
        return "pending" if created else "busy"

    async def _send_parts(
        self, chat_id: int, slot: datetime, chat_type: str, sender: Sender
    ) -> Outcome:
        """Send the parts Telegram has not accepted yet, recording each one as it goes."""
        self.repo.start_attempt(chat_id, slot, self.clock.now())
        moved_keys: list[tuple[int, datetime]] = []
        try:
            return await self._send_loop(chat_id, slot, chat_type, sender, moved_keys)
        finally:
            self.in_flight.difference_update(moved_keys)

    async def _send_loop(
        self,
        chat_id: int,
        slot: datetime,
        chat_type: str,
        sender: Sender,
        moved_keys: list[tuple[int, datetime]],
    ) -> Outcome:
        moves = 0
        while True:
            try:
                for part in self.repo.unsent_parts(chat_id, slot):
                    message_id = await self._send_one(
                        chat_id, chat_type, part.html, _buttons(part.buttons), sender
                    )
                    self.repo.part_sent(chat_id, slot, part.part, message_id, self.clock.now())
                break
            except ChatMoved as moved:
                moves += 1
                if moves > 2:
                    return self._failed(chat_id, slot, moved)
                self.move_chat(chat_id, moved.new_chat_id)
                chat_id, chat_type = moved.new_chat_id, "supergroup"
                if (chat_id, slot) in self.in_flight:
                    return Outcome(chat_id, slot, "busy")
                self.in_flight.add((chat_id, slot))
                moved_keys.append((chat_id, slot))
            except ThrottleClosed:
                return Outcome(chat_id, slot, "pending")  # stopping: the next start resumes it
            except RetryLater as flood:
                # Waiting out a long retry_after here would hold the tick; a later one sends
                # once it has passed (at the earliest after the usual spacing).
                wait = max(flood.seconds, self.policy.retry_spacing.total_seconds())
                now = self.clock.now()
                log.warning("delivery to chat %s for %s: %s", chat_id, slot.isoformat(), flood)
                self.repo.flooded(
                    chat_id, slot, f"RetryLater: {flood}", now + timedelta(seconds=wait), now
                )
                return Outcome(chat_id, slot, "failed")
            except ChatGone as gone:
                self.chats.deactivate(chat_id)
                log.info("chat %s is gone (%s); deactivated", chat_id, gone)
                return self._failed(chat_id, slot, gone)
            except SendError as error:
                return self._failed(chat_id, slot, error)
        self.repo.finish(chat_id, slot, self.clock.now())
        return Outcome(chat_id, slot, "sent")

    async def _send_one(
        self, chat_id: int, chat_type: str, html: str, buttons: list[list[Button]], sender: Sender
    ) -> int:
        """Send one message within the rate limits, waiting out 429s and retrying blips."""
        transient = flood = 0
        while True:
            try:
                async with self.throttle.slot(chat_id, chat_type):
                    return await sender.send(chat_id, html, buttons)
            except RetryLater as error:
                flood += 1
                if (
                    flood > self.policy.max_retry_after
                    or error.seconds > self.policy.max_retry_wait
                ):
                    raise
                # Only this chat waits; the throttle keeps serving the others meanwhile.
                self.throttle.hold(chat_id, error.seconds)
            except Transient:
                transient += 1
                if transient > self.policy.transient_retries:
                    raise
                await self.sleep(self.policy.backoff * 2 ** (transient - 1))

    def _failed(self, chat_id: int, slot: datetime, error: SendError) -> Outcome:
        log.warning("delivery to chat %s for %s failed: %s", chat_id, slot.isoformat(), error)
        self.repo.fail(chat_id, slot, f"{type(error).__name__}: {error}", self.clock.now())
        return Outcome(chat_id, slot, "failed")
