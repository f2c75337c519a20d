"""When the digest comes: /digest, /settime, /timezone, /days, /pause, /resume, /settings, /stop."""

from __future__ import annotations

from datetime import UTC, datetime

from telegram import Update

from bot.errors import BadInput
from bot.i18n import t
from bot.nlp.days import parse_days
from bot.render import schedule as render
from bot.render.articles import Reply
from bot.services.delivery import parse_times
from handlers.common import (
    Context,
    answer,
    button_arg,
    chat_id,
    chat_lang,
    edit,
    require_admin,
    say,
    target_chat,
)


def _zone(update: Update, context: Context) -> str:
    return context.services.chats.timezone(target_chat(update, context))


async def digest(update: Update, context: Context) -> None:
    """Send the digest now: what is new since the last one, built as the scheduled one is."""
    services = context.services
    chat = target_chat(update, context)
    if not services.subscriptions.follows(chat):
        await say(update, context, "mysubs_empty")
        return
    schedule = services.delivery.schedule(chat)
    since = schedule.covered_until if schedule else None
    built = services.digests.build(chat, since, services.clock.now())
    if not built.chunks:
        await say(update, context, "digest_empty")
        return
    await answer(update, context, Reply(built.chunks, built.buttons))


async def more_button(update: Update, context: Context) -> None:
    """The "More" button under a digest: dgm:<since>:<until>:<offset>."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    since, until, offset = (int(part) for part in button_arg(update).split(":"))
    built = context.services.digests.build(
        target_chat(update, context),
        datetime.fromtimestamp(since, UTC),
        datetime.fromtimestamp(until, UTC),
        offset=offset,
    )
    if not built.chunks:
        await say(update, context, "digest_empty")
        return
    await answer(update, context, Reply(built.chunks, built.buttons))


def _schedule_reply(update: Update, context: Context) -> Reply:
    schedule = context.services.delivery.schedule(target_chat(update, context))
    return render.schedule_set(schedule, _zone(update, context), chat_lang(update, context))


async def settime(update: Update, context: Context) -> None:
    """Set the digest's local times: /settime 07:00 [19:00 ...]."""
    await require_admin(update, context)
    if not context.args:
        raise BadInput("settime_usage")
    times = parse_times(list(context.args))  # checked before the chat is given a schedule
    context.services.delivery.ensure_schedule(target_chat(update, context))
    context.services.delivery.set_times(target_chat(update, context), times)
    await answer(update, context, _schedule_reply(update, context))


async def days(update: Update, context: Context) -> None:
    """Set the digest's weekdays: /days weekdays|all|mon,wed,..."""
    await require_admin(update, context)
    chosen = parse_days(" ".join(context.args or []))
    if chosen is None:
        raise BadInput("days_usage")
    context.services.delivery.ensure_schedule(target_chat(update, context))
    context.services.delivery.set_days(target_chat(update, context), chosen)
    await answer(update, context, _schedule_reply(update, context))


async def _set_paused(update: Update, context: Context, paused: bool) -> None:
    await require_admin(update, context)
    services, chat = context.services, target_chat(update, context)
    if services.delivery.schedule(chat) is None and not services.subscriptions.follows(chat):
        await say(update, context, "mysubs_empty")  # no digest to pause or resume
        return
    services.delivery.ensure_schedule(chat)
    services.delivery.set_paused(chat, paused)
    await answer(update, context, _schedule_reply(update, context))


async def pause(update: Update, context: Context) -> None:
    """Stop the scheduled digest for now; what the chat follows stays."""
    await _set_paused(update, context, True)


async def resume(update: Update, context: Context) -> None:
    """Start the scheduled digest again, from the next slot."""
    await _set_paused(update, context, False)


async def timezone(update: Update, context: Context) -> None:
    """Set the chat's time zone: /timezone <IANA name, city or UTC offset>."""
    await require_admin(update, context)
    text = " ".join(context.args or [])
    lang = chat_lang(update, context)
    if not text.strip():
        await answer(
            update,
            context,
            Reply([t(lang, "timezone_usage", zone=render.zone_label(_zone(update, context)))]),
        )
        return
    chats = context.services.chats
    zone = chats.resolve_timezone(text)
    if zone is None:
        await answer(
            update, context, render.timezone_unknown(text, chats.suggest_timezones(text), lang)
        )
        return
    chats.set_timezone(target_chat(update, context), zone)
    await answer(update, context, render.timezone_set(zone, context.services.clock.now(), lang))


async def timezone_button(update: Update, context: Context) -> None:
    """A suggested zone: tz:<IANA name>."""
    assert update.callback_query is not None
    await require_admin(update, context)
    await update.callback_query.answer()
    zone = context.services.chats.resolve_timezone(button_arg(update))
    if zone is None:
        raise BadInput("timezone_usage", zone=render.zone_label(_zone(update, context)))
    context.services.chats.set_timezone(target_chat(update, context), zone)
    await answer(
        update,
        context,
        render.timezone_set(zone, context.services.clock.now(), chat_lang(update, context)),
    )


def _settings_reply(update: Update, context: Context) -> Reply:
    chat = target_chat(update, context)
    services = context.services
    lang = chat_lang(update, context)
    # A managed channel's own language (its digests'), else the one this chat is answered in.
    chosen = services.chats.language(chat) if chat != chat_id(update) else lang
    return render.settings(
        services.delivery.schedule(chat),
        _zone(update, context),
        chosen,
        len(services.subscriptions.follows(chat)),
        lang,
    )


async def settings(update: Update, context: Context) -> None:
    """Every setting of this chat in one message, with buttons."""
    await answer(update, context, _settings_reply(update, context))


async def settings_button(update: Update, context: Context) -> None:
    """The buttons under /settings: set:t:<times>, set:d:<days>, set:p, set:l:<lang>, set:now."""
    query = update.callback_query
    assert query is not None and query.data is not None
    await require_admin(update, context)
    services, chat = context.services, target_chat(update, context)
    _, what, *rest = query.data.split(":", 2)
    if what == "now":
        await query.answer()
        await digest(update, context)
        return
    if what == "l":
        services.chats.set_language(chat, rest[0])
    else:
        schedule = services.delivery.ensure_schedule(chat)
        if what == "t":
            services.delivery.set_times(chat, [f"{v[:2]}:{v[2:]}" for v in rest[0].split(",")])
        elif what == "d":
            chosen = parse_days(rest[0])
            if chosen is None:
                raise BadInput("days_usage")
            services.delivery.set_days(chat, chosen)
        elif what == "p":
            services.delivery.set_paused(chat, not schedule.paused)
    await query.answer(t(chat_lang(update, context), "settings_saved"))
    await edit(update, _settings_reply(update, context))


async def stop(update: Update, context: Context) -> None:
    """Forget what this chat follows and its schedule, and say how to come back."""
    await require_admin(update, context)
    context.services.subscriptions.forget(target_chat(update, context))
    context.services.delivery.forget(target_chat(update, context))
    await say(update, context, "stop_done")
