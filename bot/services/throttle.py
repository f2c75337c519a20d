"""Pacing outgoing messages to Telegram's limits: overall, per private chat, per group."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

Sleep = Callable[[float], Awaitable[None]]
Monotonic = Callable[[], float]

GROUP_TYPES = frozenset({"group", "supergroup", "channel"})


class ThrottleClosed(Exception):
    """The throttle was closed (the bot is stopping): nothing more may be sent."""


@dataclass(frozen=True)
class Limits:
    """The rates to keep to: Telegram's documented ones by default."""

    # Telegram allows about 30 a second per bot, digests and interactive replies together:
    # replies take their moments from this clock too (Throttle.overall), with some margin.
    overall_per_second: float = 25.0
    private_interval: float = 1.0  # seconds between two messages to one private chat
    group_per_minute: int = 20
    group_interval: float = 1.0  # and no two group messages within this many seconds


class _ChatPace:
    """When one chat may next receive a message."""

    __slots__ = ("lock", "not_before", "recent", "waiters")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.not_before = 0.0
        self.recent: deque[float] = deque()  # send times within the last minute (groups)
        self.waiters = 0


class Throttle:
    """An async limiter that every outgoing digest message passes before it is sent.

    A message first waits for its own chat (>= 1 s apart, 20 a minute in a group), then
    for one of `max_in_flight` places, then for the next free moment on the overall clock
    (one every 1/rate seconds). A chat waiting for itself holds neither a place nor a
    moment, so one slow chat does not hold up the others: they are served in the order
    they became ready. Time is injected (sleep, monotonic) so tests never really wait.
    """

    def __init__(
        self,
        limits: Limits | None = None,
        *,
        sleep: Sleep = asyncio.sleep,
        monotonic: Monotonic = time.monotonic,
        max_in_flight: int = 16,
    ) -> None:
        self.limits = limits or Limits()
        self.sleep = sleep
        self.monotonic = monotonic
        self._next_overall = 0.0
        self._recent: deque[float] = deque()  # real send times within the last second
        self._chats: dict[int, _ChatPace] = {}
        self._in_flight = asyncio.Semaphore(max_in_flight)
        self.closed = False

    def close(self) -> None:
        """Refuse every message not yet under way (the bot is stopping)."""
        self.closed = True

    async def acquire(self, chat_id: int, chat_type: str = "private") -> None:
        """Wait until a message may go to this chat now; the caller sends right after."""
        async with self._turn(chat_id, chat_type, gate=None):
            pass

    @asynccontextmanager
    async def slot(self, chat_id: int, chat_type: str = "private") -> AsyncIterator[None]:
        """Wait for this chat's turn, then hold one of the few in-flight places while sending.

        The overall moment is taken only once a place is free: if Telegram answers slowly,
        messages queue here instead of firing in a burst above the rate when it recovers.
        """
        async with self._turn(chat_id, chat_type, gate=self._in_flight):
            yield

    @asynccontextmanager
    async def _turn(
        self, chat_id: int, chat_type: str, gate: asyncio.Semaphore | None
    ) -> AsyncIterator[None]:
        group = chat_type in GROUP_TYPES
        pace = self._chats.setdefault(chat_id, _ChatPace())
        pace.waiters += 1
        try:
            async with pace.lock:
                await self._wait_for_chat(pace, group)
                if gate is not None:
                    await gate.acquire()
                try:
                    # Checked before taking a moment: a stopping bot drains its queue at once.
                    if self.closed:
                        raise ThrottleClosed
                    moment = await self._wait_for_overall()
                    self._sent(pace, moment, group)
                    yield
                finally:
                    if gate is not None:
                        gate.release()
        finally:
            pace.waiters -= 1
            self._forget_idle()

    async def overall(self) -> None:
        """Wait for a moment on the overall clock alone: a message outside the fan-out (a reply).

        Replies go out on the same token as digests, so they share its overall budget; they
        wait for no chat's pace and hold no in-flight place (a reply is never held back long).
        """
        await self._wait_for_overall()

    def hold(self, chat_id: int, seconds: float) -> None:
        """Keep a chat waiting `seconds` from now (Telegram answered 429 retry_after)."""
        pace = self._chats.setdefault(chat_id, _ChatPace())
        pace.not_before = max(pace.not_before, self.monotonic() + seconds)

    async def _wait_for_chat(self, pace: _ChatPace, group: bool) -> None:
        while True:
            now = self.monotonic()
            ready = pace.not_before
            if group:
                while pace.recent and pace.recent[0] <= now - 60.0:
                    pace.recent.popleft()
                if len(pace.recent) >= self.limits.group_per_minute:
                    ready = max(ready, pace.recent[0] + 60.0)
            if ready <= now:
                return
            await self.sleep(ready - now)

    async def _wait_for_overall(self) -> float:
        # Reserve the next free moment, then sleep until it: concurrent callers get
        # consecutive moments in the order they asked, each sleeping on its own, so a
        # wake-up that comes late (a busy loop) delays that message only.
        now = self.monotonic()
        moment = max(now, self._next_overall)
        self._next_overall = moment + 1.0 / self.limits.overall_per_second
        if moment > now:
            await self.sleep(moment - now)
        # Late wake-ups that bunch up must still not put more than `rate` messages into any
        # one second: a hard ceiling over the real send times.
        ceiling = max(1, int(self.limits.overall_per_second))
        while True:
            now = self.monotonic()
            # (A microsecond of slack: a sleep of exactly the difference must free the place.)
            while self._recent and self._recent[0] <= now - 1.0 + 1e-6:
                self._recent.popleft()
            if len(self._recent) < ceiling:
                self._recent.append(now)
                return now
            await self.sleep(max(self._recent[0] + 1.0 - now, 1e-6))

    def _sent(self, pace: _ChatPace, moment: float, group: bool) -> None:
        interval = self.limits.group_interval if group else self.limits.private_interval
        pace.not_before = max(pace.not_before, moment + interval)
        if group:
            pace.recent.append(moment)

    def _forget_idle(self) -> None:
        # Keep memory bounded over millions of chats: drop chats with nothing left to enforce.
        if len(self._chats) < 10_000:
            return
        now = self.monotonic()
        for chat_id in [
            c
            for c, p in self._chats.items()
            if p.waiters == 0 and p.not_before <= now and (not p.recent or p.recent[-1] <= now - 60)
        ]:
            del self._chats[chat_id]
