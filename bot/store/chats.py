"""Chats the bot talks to, and their preferences."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.models import Chat
from bot.store.db import parse_utc, utc_iso

if TYPE_CHECKING:
    from bot.store.db import Store


def _chat(row: dict[str, Any]) -> Chat:
    return Chat(
        id=row["id"],
        type=row["type"],
        title=row["title"],
        language=row["language"],
        timezone=row["timezone"],
        active=bool(row["active"]),
        created_at=parse_utc(row["created_at"]),
    )


class ChatRepo:
    """Reads and writes the chats table."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, chat_id: int) -> Chat | None:
        """Return the chat, or None if the bot never saw it."""
        with self.store.reading() as db:
            rows = list(db.query("SELECT * FROM chats WHERE id = ?", [chat_id]))
        return _chat(rows[0]) if rows else None

    def touch(
        self, chat_id: int, chat_type: str, title: str, detected_language: str | None, now: datetime
    ) -> Chat:
        """Record that the chat spoke to the bot: create it, or re-activate and refresh it."""
        with self.store.writing() as db:
            db.execute(
                """
                INSERT INTO chats (id, type, title, detected_language, created_at, active)
                VALUES (?, ?, ?, ?, ?, 1)
                ON CONFLICT (id) DO UPDATE SET type = excluded.type, title = excluded.title,
                    detected_language = coalesce(excluded.detected_language, detected_language),
                    active = 1, deactivated_at = NULL
                """,
                [chat_id, chat_type, title, detected_language, utc_iso(now)],
            )
        chat = self.get(chat_id)
        assert chat is not None
        return chat

    def count(self) -> int:
        """How many chats the bot knows."""
        with self.store.reading() as db:
            return int(db.execute("SELECT count(*) FROM chats").fetchone()[0])

    def detected_language(self, chat_id: int) -> str | None:
        """Return the language Telegram last reported for the chat's user."""
        with self.store.reading() as db:
            row = db.execute(
                "SELECT detected_language FROM chats WHERE id = ?", [chat_id]
            ).fetchone()
        return row[0] if row else None

    def preferences(
        self, chat_ids: set[int]
    ) -> dict[int, tuple[str | None, str | None, str | None]]:
        """(chosen language, Telegram's language, time zone) per chat, for many chats in one read."""
        with self.store.reading() as db:
            return {
                r[0]: (r[1], r[2], r[3])
                for r in db.execute("SELECT id, language, detected_language, timezone FROM chats")
                if r[0] in chat_ids
            }

    def managing(self, chat_id: int) -> int | None:
        """The channel this private chat manages, if any."""
        with self.store.reading() as db:
            row = db.execute("SELECT managing FROM chats WHERE id = ?", [chat_id]).fetchone()
        return row[0] if row else None

    def set_managing(self, chat_id: int, channel_id: int | None) -> None:
        """Start (or with None stop) managing a channel from this private chat."""
        with self.store.writing() as db:
            db.execute("UPDATE chats SET managing = ? WHERE id = ?", [channel_id, chat_id])

    def set_language(self, chat_id: int, language: str) -> None:
        """Store the language the chat chose with /lang."""
        with self.store.writing() as db:
            db.execute("UPDATE chats SET language = ? WHERE id = ?", [language, chat_id])

    def set_timezone(
        self, chat_id: int, timezone: str, schedule_from: datetime | None = None
    ) -> None:
        """Store the chat's IANA time zone; with `schedule_from`, its digest counts from then.

        Both change in one transaction: a zone without the new starting point would
        deliver the day's digest a second time.
        """
        with self.store.writing() as db:
            db.execute("UPDATE chats SET timezone = ? WHERE id = ?", [timezone, chat_id])
            if schedule_from is not None:
                db.execute(
                    "UPDATE schedules SET starts_at = max(coalesce(starts_at, ''), ?) "
                    "WHERE chat_id = ?",
                    [utc_iso(schedule_from), chat_id],
                )

    def deactivate(self, chat_id: int, now: datetime) -> None:
        """Mark the chat inactive (it blocked or removed the bot); its settings stay."""
        with self.store.writing() as db:
            db.execute(
                "UPDATE chats SET active = 0, deactivated_at = ? WHERE id = ? AND active = 1",
                [utc_iso(now), chat_id],
            )
