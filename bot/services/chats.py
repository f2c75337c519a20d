"""The chats the bot talks to: who they are and which language they read."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import Clock
from bot.errors import BadInput
from bot.i18n import LANGUAGES, pick_language
from bot.models import Chat
from bot.nlp.timezones import (
    resolve_timezone,
    same_wall_clock,
    suggest_timezones,
    zone_exists,
)
from bot.store import Store


class ChatService:
    """Remembers chats and answers which language and time zone each one uses."""

    def __init__(
        self, store: Store, clock: Clock, default_language: str, default_timezone: str
    ) -> None:
        self.store = store
        self.clock = clock
        self.default_language = default_language
        self.default_timezone = default_timezone

    def seen(self, chat_id: int, chat_type: str, title: str, language_code: str | None) -> Chat:
        """Record that a chat spoke to the bot (re-activating it if it had left)."""
        detected = pick_language(language_code, default="") or None
        return self.store.chats.touch(chat_id, chat_type, title, detected, self.clock.now())

    def language(self, chat_id: int, language_code: str | None = None) -> str:
        """The chat's language: its own choice, else Telegram's language_code, else the default."""
        chat = self.store.chats.get(chat_id)
        chosen = chat.language if chat else None
        detected = self.store.chats.detected_language(chat_id) if chat else None
        return pick_language(chosen, language_code, detected, default=self.default_language)

    def set_language(self, chat_id: int, language: str) -> str:
        """Store the chat's chosen language; raise BadInput for an unsupported one."""
        language = language.strip().lower()
        if language not in LANGUAGES:
            raise BadInput("lang_usage")
        self.store.chats.set_language(chat_id, language)
        return language

    def timezone(self, chat_id: int) -> str:
        """The chat's IANA time zone, or the default."""
        chat = self.store.chats.get(chat_id)
        return self.zone_or_default(chat.timezone if chat else None)

    def zone_or_default(self, zone: str | None) -> str:
        """A stored zone if this system knows it, else the default.

        Older versions stored zones that do not exist (UTC-13 as Etc/GMT+13): such a chat
        gets the default rather than an error wherever its zone is read.
        """
        return zone if zone and zone_exists(zone) else self.default_timezone

    def target(self, chat_id: int) -> int:
        """The chat whose follows and schedule this chat changes: a managed channel, or itself."""
        return self.store.chats.managing(chat_id) or chat_id

    def manage(self, chat_id: int, channel_id: int, title: str) -> None:
        """Manage a channel from this private chat (the caller checked both are administrators)."""
        self.store.chats.touch(channel_id, "channel", title, None, self.clock.now())
        self.store.chats.set_managing(chat_id, channel_id)

    def stop_managing(self, chat_id: int) -> None:
        """Go back to this chat's own follows and schedule."""
        self.store.chats.set_managing(chat_id, None)

    def set_timezone(self, chat_id: int, zone: str) -> None:
        """Store the chat's IANA time zone (already resolved); the digest follows from its next slot.

        As after /settime, no slot before now is delivered; nor is one whose local time in
        the new zone the chat already had its last digest for (moving west after the
        morning digest must not bring a second one the same morning).
        """
        start = self.clock.now()
        last = self.store.deliveries.last_slot(chat_id)
        if last is not None:
            after_last = same_wall_clock(last, self.timezone(chat_id), zone) + timedelta(seconds=1)
            start = max(start, after_last)
        self.store.chats.set_timezone(chat_id, zone, schedule_from=start)

    def resolve_timezone(self, text: str) -> str | None:
        """The IANA zone meant by a name, city or UTC offset, or None."""
        return resolve_timezone(text)

    def suggest_timezones(self, text: str) -> list[str]:
        """Zones that look like what was typed, for "did you mean"."""
        return suggest_timezones(text)

    def deactivate(self, chat_id: int) -> None:
        """The chat blocked or removed the bot: stop writing to it, keep its settings."""
        self.store.chats.deactivate(chat_id, self.clock.now())
