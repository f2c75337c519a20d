"""The feed tick: poll the due sources every minute and tell the admins about lasting failures."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes

from bot.i18n import t
from bot.render.text import esc, truncate
from bot.services import Services
from bot.services.poller import PollReport

log = logging.getLogger(__name__)

TICK_SECONDS = 60
FIRST_TICK_SECONDS = 5
JOB_NAME = "feed-poll"


async def tell_admins(bot: Bot, services: Services, report: PollReport) -> None:
    """Message every admin once per outage (and once when it ends), in the admin's language."""
    notices: list[tuple[str, dict[str, object]]] = [
        (
            "source_unhealthy_alert",
            {"id": s.id, "name": esc(s.name), "error": esc(truncate(s.last_error or "", 200))},
        )
        for s in report.newly_unhealthy
    ]
    notices += [
        ("source_recovered_alert", {"id": s.id, "name": esc(s.name)}) for s in report.recovered
    ]
    for key, params in notices:
        for admin_id in sorted(services.config.admin_ids):
            lang = services.chats.language(admin_id, None)
            try:
                await bot.send_message(admin_id, t(lang, key, **params), parse_mode=ParseMode.HTML)
            except TelegramError as error:
                # An admin who never opened a chat with the bot cannot be written to.
                log.warning("could not tell admin %s about a source: %s", admin_id, error)
    # Marked even when a send failed: retrying every poll is the spam this flag prevents.
    for source in report.newly_unhealthy:
        services.sources.mark_notified(source.id)


async def poll_and_report(app: Application[Any, Any, Any, Any, Any, Any]) -> PollReport:
    """Run one poll cycle and tell the admins what they need to know."""
    services: Services = app.bot_data["services"]
    report = await services.poller.poll_due()
    if report.polls:
        summary = report.as_dict()
        log.info(
            "poll: %d source(s), %d added, %d updated, %d failed",
            summary["polled"],
            summary["added"],
            summary["updated"],
            summary["failed"],
        )
    await tell_admins(app.bot, services, report)
    return report


async def _tick(context: ContextTypes.DEFAULT_TYPE) -> None:
    await poll_and_report(context.application)


async def start_feed_polling(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Seed the sources table and start the repeating poll job (unless POLL_FEEDS is off)."""
    services: Services = app.bot_data["services"]
    added = services.sources.seed(services.config.seeds_dir / "sources.toml")
    if added:
        log.info("sources: %d added from the seed file", added)
    if not services.config.poll_feeds:
        log.info("feed polling is off (POLL_FEEDS=false)")
        return
    if app.job_queue is None:
        log.error("no JobQueue (install python-telegram-bot[job-queue]): feeds will not be polled")
        return
    app.job_queue.run_repeating(
        _tick,
        interval=TICK_SECONDS,
        first=FIRST_TICK_SECONDS,
        name=JOB_NAME,
        # One cycle at a time; a late one is still worth running (sources stay due until polled).
        job_kwargs={"misfire_grace_time": 600, "coalesce": True, "max_instances": 1},
    )


async def stop_feed_polling(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Close the feed HTTP client (in post_shutdown)."""
    services: Services = app.bot_data["services"]
    await services.poller.http.aclose()
