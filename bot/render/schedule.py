"""Schedule and settings answers as Telegram HTML."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.i18n import LANGUAGES, t
from bot.nlp.days import ALL, WEEKDAYS
from bot.render.articles import Button, Reply
from bot.render.text import esc, isolate, truncate
from bot.store.deliveries import Schedule

# As much of an unknown zone's name as its answer repeats.
SHOWN_NAME_CHARS = 40
# POSIX names count hours the other way round: Etc/GMT-3 is three hours ahead of UTC.
_ETC_OFFSET = re.compile(r"Etc/GMT([+-])(\d{1,2})")


def zone_label(zone: str) -> str:
    """A zone as users read it: "UTC+3" for the fixed-offset Etc/GMT-3, else its IANA name."""
    match = _ETC_OFFSET.fullmatch(zone)
    if match is None:
        return zone
    return f"UTC{'+' if match.group(1) == '-' else '-'}{int(match.group(2))}"


# Presets offered as buttons in /settings (the button data carries the times without ":").
TIME_PRESETS = (("07:00",), ("07:00", "19:00"), ("08:00",), ("06:00",))


def days_text(days: list[int], lang: str) -> str:
    """ "every day", "weekdays", or the day names."""
    if sorted(days) == ALL:
        return t(lang, "days_all")
    if sorted(days) == WEEKDAYS:
        return t(lang, "days_weekdays")
    return t(lang, "list_separator").join(t(lang, f"day_{d}") for d in sorted(days))


def schedule_line(schedule: Schedule | None, timezone: str, lang: str) -> str:
    """When the digest arrives, in one line."""
    if schedule is None:
        return t(lang, "schedule_none")
    line = t(
        lang,
        "schedule_line",
        times=esc(t(lang, "list_separator").join(schedule.times)),
        zone=esc(zone_label(timezone)),
        days=days_text(schedule.days, lang),
    )
    return f"{line} ({t(lang, 'schedule_paused')})" if schedule.paused else line


def schedule_set(schedule: Schedule | None, timezone: str, lang: str) -> Reply:
    """The answer to /settime, /days, /pause, /resume."""
    return Reply([schedule_line(schedule, timezone, lang)])


def timezone_set(zone: str, now: datetime, lang: str) -> Reply:
    """The answer to /timezone."""
    local = now.astimezone(ZoneInfo(zone))
    return Reply([t(lang, "timezone_set", zone=esc(zone_label(zone)), time=f"{local:%H:%M}")])


def timezone_unknown(name: str, suggestions: list[str], lang: str) -> Reply:
    """A zone we could not place, with "did you mean" buttons."""
    buttons = [
        [Button(zone, data=f"tz:{zone}")]
        for zone in suggestions
        if len(f"tz:{zone}".encode()) <= 64
    ]
    shown = isolate(esc(truncate(" ".join(name.split()), SHOWN_NAME_CHARS)))
    return Reply([t(lang, "timezone_unknown", name=shown)], buttons)


def settings(
    schedule: Schedule | None, timezone: str, chat_lang: str, follows: int, lang: str
) -> Reply:
    """Every setting of the chat in one message, with buttons to change them."""
    lines = [
        t(lang, "settings_header"),
        t(lang, "settings_language", language=t(lang, f"language_{chat_lang}")),
        t(lang, "settings_timezone", zone=esc(zone_label(timezone))),
        schedule_line(schedule, timezone, lang),
        t(lang, "settings_follows", count=follows),
    ]
    buttons = [
        [
            Button(" + ".join(times), data="set:t:" + ",".join(x.replace(":", "") for x in times))
            for times in TIME_PRESETS[:2]
        ],
        [
            Button(" + ".join(times), data="set:t:" + ",".join(x.replace(":", "") for x in times))
            for times in TIME_PRESETS[2:]
        ],
        [
            Button(t(lang, "days_all"), data="set:d:all"),
            Button(t(lang, "days_weekdays"), data="set:d:weekdays"),
        ],
        [
            Button(
                t(lang, "button_resume" if schedule and schedule.paused else "button_pause"),
                data="set:p",
            ),
            Button(t(lang, "button_digest_now"), data="set:now"),
        ],
        [Button(t(code, f"language_{code}"), data=f"set:l:{code}") for code in LANGUAGES],
    ]
    return Reply(["\n".join(lines)], buttons)
