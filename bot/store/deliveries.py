"""When each chat gets its digest, and what was delivered: schedules, deliveries, their parts."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.store.db import parse_utc, utc_iso

if TYPE_CHECKING:
    from bot.store.db import Store

DEFAULT_TIMES = ("07:00",)
ALL_DAYS = (0, 1, 2, 3, 4, 5, 6)


@dataclass(frozen=True)
class Schedule:
    """When a chat gets its digest: local times, weekdays (0 = Monday), and how far it got."""

    chat_id: int
    times: list[str]
    days: list[int]
    paused: bool = False
    max_stories: int = 10
    send_empty: bool = False
    covered_until: datetime | None = None
    # Slots before this moment are never delivered: the schedule was created, changed or
    # resumed then, and a user who follows something at 08:00 expects tomorrow's digest,
    # not one at once for the 07:00 they were not there for.
    starts_at: datetime | None = None


@dataclass(frozen=True)
class ScheduledChat:
    """A schedule with what the tick needs to know about its chat."""

    schedule: Schedule
    timezone: str | None
    chat_type: str


@dataclass(frozen=True)
class Delivery:
    """One digest for one chat and slot, and how far its sending got."""

    chat_id: int
    slot: datetime
    status: str  # pending | sent | empty | skipped | failed
    parts_total: int
    parts_sent: int
    covered_until: datetime | None
    attempts: int
    last_error: str | None
    updated_at: datetime
    retry_at: datetime | None = None  # set by flood control: not to be tried before then


@dataclass(frozen=True)
class Part:
    """One message of a delivery: its HTML, its buttons (as stored JSON), and whether it went."""

    part: int
    html: str
    buttons: list[list[dict[str, Any]]]
    sent_message_id: int | None


def _schedule(row: dict[str, Any]) -> Schedule:
    return Schedule(
        chat_id=row["chat_id"],
        times=list(json.loads(row["times"])),
        days=list(json.loads(row["days"])),
        paused=bool(row["paused"]),
        max_stories=row["max_stories"],
        send_empty=bool(row["send_empty"]),
        covered_until=parse_utc(row["covered_until"]),
        starts_at=parse_utc(row["starts_at"]),
    )


def _delivery(row: dict[str, Any]) -> Delivery:
    slot = parse_utc(row["slot"])
    updated = parse_utc(row["updated_at"])
    assert slot is not None and updated is not None
    return Delivery(
        chat_id=row["chat_id"],
        slot=slot,
        status=row["status"],
        parts_total=row["parts_total"],
        parts_sent=row["parts_sent"],
        covered_until=parse_utc(row["covered_until"]),
        attempts=row["attempts"],
        last_error=row["last_error"],
        updated_at=updated,
        retry_at=parse_utc(row["retry_at"]),
    )


class DeliveryRepo:
    """Reads and writes schedules, deliveries and delivery_parts."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- schedules ---------------------------------------------------------------------------

    def ensure_schedule(self, chat_id: int, now: datetime) -> Schedule:
        """Create the chat's schedule with the defaults unless it has one; return it."""
        with self.store.writing() as db:
            db.execute(
                "INSERT OR IGNORE INTO schedules (chat_id, times, days, starts_at) "
                "VALUES (?, ?, ?, ?)",
                [
                    chat_id,
                    json.dumps(list(DEFAULT_TIMES)),
                    json.dumps(list(ALL_DAYS)),
                    utc_iso(now),
                ],
            )
        schedule = self.schedule(chat_id)
        assert schedule is not None
        return schedule

    def schedule(self, chat_id: int) -> Schedule | None:
        """Return the chat's schedule, or None if it has none."""
        with self.store.reading() as db:
            rows = list(db.query("SELECT * FROM schedules WHERE chat_id = ?", [chat_id]))
        return _schedule(rows[0]) if rows else None

    def update_schedule(self, chat_id: int, now: datetime, **values: Any) -> bool:
        """Change times, days, paused, max_stories or send_empty; slots from `now` on count."""
        allowed = {"times", "days", "paused", "max_stories", "send_empty"}
        if not values or set(values) - allowed:
            raise ValueError(f"cannot update schedule columns {sorted(set(values) - allowed)}")
        encoded = {
            key: json.dumps(value) if key in ("times", "days") else int(value)
            for key, value in values.items()
        }
        assignments = ", ".join(f"{key} = ?" for key in encoded)
        with self.store.writing() as db:
            # Never back: a zone change may have moved the start past now (see set_timezone).
            cursor = db.execute(
                f"UPDATE schedules SET {assignments}, "
                "starts_at = max(coalesce(starts_at, ''), ?) WHERE chat_id = ?",
                [*encoded.values(), utc_iso(now), chat_id],
            )
            return cursor.rowcount > 0

    def max_stories(self, chat_ids: set[int]) -> dict[int, int]:
        """Each scheduled chat's story limit, for many chats in one read."""
        with self.store.reading() as db:
            return {
                r[0]: r[1]
                for r in db.execute("SELECT chat_id, max_stories FROM schedules")
                if r[0] in chat_ids
            }

    def forget(self, chat_id: int) -> bool:
        """Drop the chat's schedule (its delivery history stays); return whether it had one."""
        with self.store.writing() as db:
            return db.execute("DELETE FROM schedules WHERE chat_id = ?", [chat_id]).rowcount > 0

    def scheduled_chats(self) -> list[ScheduledChat]:
        """Every unpaused schedule of an active chat, with the chat's zone and type."""
        with self.store.reading() as db:
            rows = list(
                db.query(
                    """
                    SELECT schedules.*, chats.timezone AS chat_timezone, chats.type AS chat_type
                    FROM schedules JOIN chats ON chats.id = schedules.chat_id
                    WHERE schedules.paused = 0 AND chats.active = 1
                    ORDER BY schedules.chat_id
                    """
                )
            )
        return [ScheduledChat(_schedule(r), r["chat_timezone"], r["chat_type"]) for r in rows]

    # -- deliveries --------------------------------------------------------------------------

    def delivery(self, chat_id: int, slot: datetime) -> Delivery | None:
        """Return the delivery of one chat and slot, or None."""
        with self.store.reading() as db:
            rows = list(
                db.query(
                    "SELECT * FROM deliveries WHERE chat_id = ? AND slot = ?",
                    [chat_id, utc_iso(slot)],
                )
            )
        return _delivery(rows[0]) if rows else None

    def last_slot(self, chat_id: int) -> datetime | None:
        """The latest slot the chat had a digest for (sent, empty or under way), or None."""
        with self.store.reading() as db:
            row = db.execute(
                "SELECT max(slot) FROM deliveries WHERE chat_id = ? AND status != 'skipped'",
                [chat_id],
            ).fetchone()
        return parse_utc(row[0]) if row else None

    def deliveries_at(
        self, keys: list[tuple[int, datetime]]
    ) -> dict[tuple[int, datetime], Delivery]:
        """Return the existing deliveries among (chat_id, slot) keys, by key."""
        found: dict[tuple[int, datetime], Delivery] = {}
        with self.store.reading() as db:
            for chat_id, slot in keys:
                rows = list(
                    db.query(
                        "SELECT * FROM deliveries WHERE chat_id = ? AND slot = ?",
                        [chat_id, utc_iso(slot)],
                    )
                )
                if rows:
                    found[(chat_id, slot)] = _delivery(rows[0])
        return found

    def of_chat(self, chat_id: int) -> list[Delivery]:
        """Every delivery of a chat, oldest slot first."""
        with self.store.reading() as db:
            rows = list(
                db.query("SELECT * FROM deliveries WHERE chat_id = ? ORDER BY slot", [chat_id])
            )
        return [_delivery(r) for r in rows]

    def with_status(self, status: str) -> list[Delivery]:
        """Every delivery in one status, oldest slot first."""
        with self.store.reading() as db:
            rows = list(
                db.query(
                    "SELECT * FROM deliveries WHERE status = ? ORDER BY slot, chat_id", [status]
                )
            )
        return [_delivery(r) for r in rows]

    def unfinished(self) -> list[Delivery]:
        """Deliveries under way: pending ones, and failed ones with parts already sent."""
        with self.store.reading() as db:
            rows = list(
                db.query(
                    """
                    SELECT * FROM deliveries
                    WHERE status = 'pending' OR (status = 'failed' AND parts_sent > 0)
                    ORDER BY slot, chat_id
                    """
                )
            )
        return [_delivery(r) for r in rows]

    def create(
        self,
        chat_id: int,
        slot: datetime,
        parts: list[tuple[str, list[list[dict[str, Any]]]]],
        covered_until: datetime,
        now: datetime,
    ) -> bool:
        """Record a pending delivery and its parts in one transaction; False if the slot has one."""
        with self.store.writing() as db:
            cursor = db.execute(
                """
                INSERT INTO deliveries
                    (chat_id, slot, status, parts_total, covered_until, updated_at)
                VALUES (?, ?, 'pending', ?, ?, ?)
                ON CONFLICT (chat_id, slot) DO UPDATE SET status = 'pending',
                    parts_total = excluded.parts_total, covered_until = excluded.covered_until,
                    updated_at = excluded.updated_at, last_error = NULL
                -- Only a failed build (a row without parts) is built again.
                WHERE deliveries.status = 'failed' AND deliveries.parts_total = 0
                """,
                [chat_id, utc_iso(slot), len(parts), utc_iso(covered_until), utc_iso(now)],
            )
            if cursor.rowcount == 0:
                return False
            db.conn.executemany(
                "INSERT INTO delivery_parts (chat_id, slot, part, html, buttons) "
                "VALUES (?, ?, ?, ?, ?)",
                [
                    (chat_id, utc_iso(slot), number, html, json.dumps(buttons, ensure_ascii=False))
                    for number, (html, buttons) in enumerate(parts)
                ],
            )
        return True

    def record_outcome(
        self,
        chat_id: int,
        slot: datetime,
        status: str,
        now: datetime,
        covered_until: datetime | None = None,
    ) -> bool:
        """Record a slot that sends nothing (empty, skipped); False if the slot has a delivery.

        An empty digest advances the schedule's covered_until; a skipped one does not, so that
        the next digest covers what this one would have.
        """
        assert status in ("empty", "skipped")
        with self.store.writing() as db:
            cursor = db.execute(
                """
                INSERT INTO deliveries (chat_id, slot, status, covered_until, updated_at)
                VALUES (?, ?, ?, ?, ?) ON CONFLICT (chat_id, slot) DO NOTHING
                """,
                [
                    chat_id,
                    utc_iso(slot),
                    status,
                    utc_iso(covered_until) if covered_until else None,
                    utc_iso(now),
                ],
            )
            if cursor.rowcount and covered_until is not None:
                self._advance(db, chat_id, covered_until)
            return cursor.rowcount > 0

    def skip(self, chat_id: int, slot: datetime, reason: str, now: datetime) -> None:
        """Give up on an unfinished delivery (too late now); its news folds into the next."""
        with self.store.writing() as db:
            db.execute(
                """
                UPDATE deliveries SET status = 'skipped', last_error = ?, updated_at = ?
                WHERE chat_id = ? AND slot = ? AND status IN ('pending', 'failed')
                """,
                [reason, utc_iso(now), chat_id, utc_iso(slot)],
            )

    def start_attempt(self, chat_id: int, slot: datetime, now: datetime) -> None:
        """Count one more sending attempt and mark the delivery pending again."""
        with self.store.writing() as db:
            db.execute(
                """
                UPDATE deliveries SET status = 'pending', attempts = attempts + 1, updated_at = ?
                WHERE chat_id = ? AND slot = ?
                """,
                [utc_iso(now), chat_id, utc_iso(slot)],
            )

    def unsent_parts(self, chat_id: int, slot: datetime) -> list[Part]:
        """The parts Telegram has not accepted yet, in order."""
        with self.store.reading() as db:
            rows = list(
                db.query(
                    """
                    SELECT part, html, buttons, sent_message_id FROM delivery_parts
                    WHERE chat_id = ? AND slot = ? AND sent_message_id IS NULL ORDER BY part
                    """,
                    [chat_id, utc_iso(slot)],
                )
            )
        return [Part(r["part"], r["html"], json.loads(r["buttons"]), None) for r in rows]

    def parts(self, chat_id: int, slot: datetime) -> list[Part]:
        """Every part of a delivery, in order."""
        with self.store.reading() as db:
            rows = list(
                db.query(
                    "SELECT * FROM delivery_parts WHERE chat_id = ? AND slot = ? ORDER BY part",
                    [chat_id, utc_iso(slot)],
                )
            )
        return [
            Part(r["part"], r["html"], json.loads(r["buttons"]), r["sent_message_id"]) for r in rows
        ]

    def part_sent(
        self, chat_id: int, slot: datetime, part: int, message_id: int, now: datetime
    ) -> None:
        """Record at once that Telegram accepted one part, so a restart never sends it again."""
        with self.store.writing() as db:
            db.execute(
                "UPDATE delivery_parts SET sent_message_id = ? "
                "WHERE chat_id = ? AND slot = ? AND part = ?",
                [message_id, chat_id, utc_iso(slot), part],
            )
            db.execute(
                """
                UPDATE deliveries SET updated_at = ?, parts_sent = (
                    SELECT count(*) FROM delivery_parts
                    WHERE chat_id = deliveries.chat_id AND slot = deliveries.slot
                        AND sent_message_id IS NOT NULL)
                WHERE chat_id = ? AND slot = ?
                """,
                [utc_iso(now), chat_id, utc_iso(slot)],
            )

    def finish(self, chat_id: int, slot: datetime, now: datetime) -> None:
        """Mark a delivery sent and move the schedule's covered_until up to the digest's."""
        with self.store.writing() as db:
            db.execute(
                """
                UPDATE deliveries SET status = 'sent', last_error = NULL, updated_at = ?
                WHERE chat_id = ? AND slot = ?
                """,
                [utc_iso(now), chat_id, utc_iso(slot)],
            )
            row = db.execute(
                "SELECT covered_until FROM deliveries WHERE chat_id = ? AND slot = ?",
                [chat_id, utc_iso(slot)],
            ).fetchone()
            covered = parse_utc(row[0]) if row else None
            if covered is not None:
                self._advance(db, chat_id, covered)

    def fail(self, chat_id: int, slot: datetime, error: str, now: datetime) -> None:
        """Mark a delivery failed with its last error (a later tick may try again).

        A digest that failed to build has no row yet: it gets one, so that retries are spaced.
        """
        with self.store.writing() as db:
            db.execute(
                """
                INSERT INTO deliveries (chat_id, slot, status, attempts, last_error, updated_at)
                VALUES (?, ?, 'failed', 1, ?, ?)
                ON CONFLICT (chat_id, slot) DO UPDATE SET status = 'failed',
                    last_error = excluded.last_error, updated_at = excluded.updated_at,
                    attempts = deliveries.attempts + (deliveries.parts_total = 0),
                    retry_at = NULL
                """,
                [chat_id, utc_iso(slot), error[:500], utc_iso(now)],
            )

    def flooded(
        self, chat_id: int, slot: datetime, error: str, retry_at: datetime, now: datetime
    ) -> None:
        """Mark a delivery failed by flood control: tried again at `retry_at`, at no attempt's cost.

        Attempts are the budget for errors that may not pass (5xx); a 429 says when it passes.
        """
        with self.store.writing() as db:
            db.execute(
                """
                UPDATE deliveries SET status = 'failed', last_error = ?, updated_at = ?,
                    retry_at = ?, attempts = max(attempts - 1, 0)
                WHERE chat_id = ? AND slot = ?
                """,
                [error[:500], utc_iso(now), utc_iso(retry_at), chat_id, utc_iso(slot)],
            )

    def prune(self, before: datetime) -> int:
        """Delete deliveries (and their parts) whose slot is older than `before`.

        Pending ones too: past the grace period nothing is sent, not even the rest of a digest.
        """
        with self.store.writing() as db:
            return db.execute("DELETE FROM deliveries WHERE slot < ?", [utc_iso(before)]).rowcount

    @staticmethod
    def _advance(db: Any, chat_id: int, covered_until: datetime) -> None:
        # Never move backwards: a late retry of an older slot must not undo a newer digest.
        db.execute(
            """
            UPDATE schedules SET covered_until = ?
            WHERE chat_id = ? AND (covered_until IS NULL OR covered_until < ?)
            """,
            [utc_iso(covered_until), chat_id, utc_iso(covered_until)],
        )

    # -- a group that became a supergroup ------------------------------------------------------

    def move_chat(self, old_id: int, new_id: int) -> bool:
        """Move a chat's rows to its new id (group -> supergroup); merge if the new id exists.

        Return False when there was nothing under the old id (already moved).
        """
        if old_id == new_id:
            return False
        with self.store.writing() as db:
            old = db.execute("SELECT 1 FROM chats WHERE id = ?", [old_id]).fetchone()
            if old is None:
                return False
            exists = db.execute("SELECT 1 FROM chats WHERE id = ?", [new_id]).fetchone()
            if exists is None:
                # ON UPDATE CASCADE carries subscriptions, schedules, deliveries and their parts.
                db.execute(
                    "UPDATE chats SET id = ?, type = 'supergroup' WHERE id = ?", [new_id, old_id]
                )
            else:
                self._merge_chat(db, old_id, new_id)
            db.execute("UPDATE saved_queries SET chat_id = ? WHERE chat_id = ?", [new_id, old_id])
        return True

    @staticmethod
    def _merge_chat(db: Any, old_id: int, new_id: int) -> None:
        # The new id usually exists because the supergroup's first service message reached
        # the bot before the old group's: keep the group's settings where the new row has none.
        db.execute(
            """
            UPDATE chats SET
                language = coalesce(language, (SELECT language FROM chats WHERE id = :old)),
                timezone = coalesce(timezone, (SELECT timezone FROM chats WHERE id = :old)),
                created_at = min(created_at, (SELECT created_at FROM chats WHERE id = :old)),
                type = 'supergroup'
            WHERE id = :new
            """,
            {"old": old_id, "new": new_id},
        )
        db.execute(
            "UPDATE OR IGNORE subscriptions SET chat_id = ? WHERE chat_id = ?", [new_id, old_id]
        )
        # The group's schedule carries the users' choices; a schedule the new id already has
        # was made after the upgrade, so it is the more recent choice and stays.
        db.execute("UPDATE OR IGNORE schedules SET chat_id = ? WHERE chat_id = ?", [new_id, old_id])
        db.execute(
            "UPDATE OR IGNORE deliveries SET chat_id = ? WHERE chat_id = ?", [new_id, old_id]
        )
        # Whatever could not move (a duplicate) goes with the old chat (ON DELETE CASCADE).
        db.execute("DELETE FROM chats WHERE id = ?", [old_id])
