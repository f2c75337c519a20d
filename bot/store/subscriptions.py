"""What each chat follows: topics, entities, keywords, and words it excludes."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from bot.store.db import utc_iso

if TYPE_CHECKING:
    from bot.store.db import Store

KINDS = ("topic", "entity", "keyword", "exclude")


class SubscriptionRepo:
    """Reads and writes the subscriptions table."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def add(self, chat_id: int, kind: str, value: str, now: datetime) -> bool:
        """Follow something; return False if the chat already did."""
        assert kind in KINDS
        with self.store.writing() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO subscriptions (chat_id, kind, value, created_at) VALUES (?, ?, ?, ?)",
                [chat_id, kind, value, utc_iso(now)],
            )
            return cursor.rowcount > 0

    def remove(self, chat_id: int, kind: str, value: str) -> bool:
        """Stop following something; return False if the chat did not follow it."""
        with self.store.writing() as db:
            cursor = db.execute(
                "DELETE FROM subscriptions WHERE chat_id = ? AND kind = ? AND value = ?",
                [chat_id, kind, value],
            )
            return cursor.rowcount > 0

    def remove_all(self, chat_id: int) -> int:
        """Forget everything a chat follows; return how many there were."""
        with self.store.writing() as db:
            return db.execute("DELETE FROM subscriptions WHERE chat_id = ?", [chat_id]).rowcount

    def of_chat(self, chat_id: int) -> list[tuple[str, str, int]]:
        """(kind, value, rowid) of what a chat follows, in the order it followed them."""
        with self.store.reading() as db:
            return [
                (r[0], r[1], r[2])
                for r in db.execute(
                    "SELECT kind, value, rowid FROM subscriptions WHERE chat_id = ? ORDER BY created_at, rowid",
                    [chat_id],
                )
            ]

    def of_chats(self, chat_ids: set[int]) -> dict[int, list[tuple[str, str]]]:
        """(kind, value) pairs per chat, for many chats in one read."""
        found: dict[int, list[tuple[str, str]]] = {}
        with self.store.reading() as db:
            for chat_id, kind, value in db.execute(
                "SELECT chat_id, kind, value FROM subscriptions ORDER BY chat_id, created_at, rowid"
            ):
                if chat_id in chat_ids:
                    found.setdefault(chat_id, []).append((kind, value))
        return found

    def count(self, chat_id: int) -> int:
        """How many things a chat follows."""
        with self.store.reading() as db:
            return int(
                db.execute(
                    "SELECT count(*) FROM subscriptions WHERE chat_id = ?", [chat_id]
                ).fetchone()[0]
            )
