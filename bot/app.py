"""The one wiring place: build the Application, open resources, register handlers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any

from telegram import Update
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes

from bot.polling import start_feed_polling, stop_feed_polling
from bot.scheduler import start_scheduler, stop_scheduler
from bot.services import Services
from bot.services.throttle import Throttle
from handlers.commands import publish_commands, register
from handlers.common import Context

log = logging.getLogger(__name__)

BotApp = Application[Any, Context, Any, Any, Any, Any]
Answer = bool | dict[str, Any] | list[dict[str, Any]]  # what a Bot API request returns


async def post_init(app: BotApp) -> None:
    """Load the seed articles and sources, publish the command menu, start the digest and feed ticks."""
    services: Services = app.bot_data["services"]
    seeds = services.config.seeds_dir
    if seeds.is_dir():
        report = services.ingest.ingest_paths([seeds])
        log.info(
            "seeds: %d added, %d updated, %d unchanged, %d rejected",
            len(report.added),
            len(report.updated),
            report.unchanged,
            len(report.rejected),
        )
    else:
        log.warning("SEEDS_DIR %s is not a folder: no seed articles loaded", seeds)
    await publish_commands(app, services.config.default_language)
    await start_scheduler(app)
    await start_feed_polling(app)


async def post_shutdown(app: BotApp) -> None:
    """Close the digest sender, the feed client and the database."""
    services: Services = app.bot_data["services"]
    await stop_scheduler(app)
    await stop_feed_polling(app)
    services.close()


class TrackedApplication(Application):  # type: ignore[type-arg]
    """An Application that tells waiters when it has finished with each update.

    The terminal chat waits on it before reading the next line, and the tests before
    looking at the replies: exact, where waiting for the bot to go quiet is a guess.
    """

    async def process_update(self, update: object) -> None:
        try:
            await super().process_update(update)
        finally:
            if isinstance(update, Update):
                self.bot_data.setdefault("handled", set()).add(update.update_id)
                self.bot_data.setdefault("handled_changed", asyncio.Event()).set()

    async def wait_handled(self, update_id: int) -> None:
        """Return once the update has been fully handled (every reply sent)."""
        changed: asyncio.Event = self.bot_data.setdefault("handled_changed", asyncio.Event())
        while update_id not in self.bot_data.get("handled", set()):
            changed.clear()
            await changed.wait()


class SharedRateLimiter(AIORateLimiter):
    """PTB's rate limiter for interactive replies, on the digest throttle's overall clock.

    Telegram allows about 30 messages a second per token, replies and digests together;
    AIORateLimiter's own 30/s beside the throttle's 25/s added up to far more. Its limit
    per group and its RetryAfter retries stay as they are.
    """

    def __init__(self, throttle: Throttle, max_retries: int = 0) -> None:
        super().__init__(overall_max_rate=0, max_retries=max_retries)
        self.throttle = throttle

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Answer]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Answer:
        """Wait for an overall moment if the request is a message to a chat, then send it."""
        if data.get("chat_id") is not None:  # what AIORateLimiter counts against the 30/s
            await self.throttle.overall()
        return await super().process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )


def build_application(
    services: Services,
    *,
    token: str,
    base_url: str,
    base_file_url: str | None = None,
    application_class: type[Application[Any, Any, Any, Any, Any, Any]] = Application,
    rate_limit: bool = True,
    background_jobs: bool = True,
) -> BotApp:
    """Build the bot's Application on top of ready services.

    `background_jobs=False` starts neither the digest tick nor the feed poller on the
    JobQueue: tests move a fake clock and run a tick themselves.
    """
    builder = (
        ApplicationBuilder()
        .application_class(application_class)
        .token(token)
        .base_url(base_url)
        .context_types(ContextTypes(context=Context))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
    )
    if base_file_url:
        builder = builder.base_file_url(base_file_url)
    if rate_limit:
        # One overall budget: the limiter draws from the throttle the digests go through.
        builder = builder.rate_limiter(SharedRateLimiter(services.delivery.throttle, max_retries=3))
    app: BotApp = builder.build()
    app.bot_data["services"] = services
    app.bot_data["background_jobs"] = background_jobs
    register(app)
    return app


ALLOWED_UPDATES = Update.ALL_TYPES


@asynccontextmanager
async def running(app: BotApp, poll_timeout: int = 10) -> AsyncIterator[BotApp]:
    """Run an Application by hand (what run_polling does), hooks included; stop it on exit."""
    await app.initialize()
    try:
        if app.post_init:
            await app.post_init(app)
        assert app.updater is not None
        await app.updater.start_polling(
            allowed_updates=ALLOWED_UPDATES, timeout=poll_timeout, poll_interval=0
        )
        await app.start()
        try:
            yield app
        finally:
            if app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
    finally:
        await app.shutdown()
        if app.post_shutdown:
            await app.post_shutdown(app)
