"""What the fake Bot API remembers: messages the bot sent, requests, chats, errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class ApiError(Exception):
    """An error answer of the Bot API: HTTP status, description, optional parameters."""

    def __init__(self, status: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        """Return the JSON body Telegram would send."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(detail: str, parameters: dict[str, Any] | None = None) -> ApiError:
    """Return a 400 error with Telegram's "Bad Request: " prefix."""
    return ApiError(400, f"Bad Request: {detail}", parameters)


@dataclass
class Version:
    """One earlier version of an edited message."""

    text: str
    parse_mode: str | None
    reply_markup: dict[str, Any] | None


@dataclass
class SentMessage:
    """A message the bot sent; edits update it in place and keep earlier versions in `history`."""

    chat_id: int
    message_id: int
    text: str  # the text (or document caption) as the bot sent it, markup included
    parse_mode: str | None
    reply_markup: dict[str, Any] | None
    method: str
    date: int
    plain_text: str = ""  # the text after entity parsing, as the user sees it
    entities: list[dict[str, Any]] = field(default_factory=list)
    document: bytes | None = None
    filename: str | None = None
    file_id: str | None = None
    params: dict[str, Any] = field(default_factory=dict)  # everything else the request carried
    history: list[Version] = field(default_factory=list)
    deleted: bool = False

    @property
    def edited(self) -> bool:
        """True once the bot edited the message."""
        return bool(self.history)

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """Return the inline keyboard buttons, row after row."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [button for row in rows for button in row]

    @property
    def button_rows(self) -> list[list[dict[str, Any]]]:
        """Return the inline keyboard as rows of buttons."""
        return list((self.reply_markup or {}).get("inline_keyboard") or [])

    def button(self, label: str) -> dict[str, Any]:
        """Return the button whose text is `label`."""
        for button in self.buttons:
            if button.get("text") == label:
                return button
        labels = [b.get("text") for b in self.buttons]
        raise LookupError(f"no button {label!r} on message {self.message_id}: {labels}")


@dataclass
class RequestRecord:
    """One Bot API call as the bot made it (JSON-string parameters decoded)."""

    method: str
    params: dict[str, Any]


@dataclass
class Fault:
    """An error to answer instead of the real result, `times` more times."""

    method: str  # lower case
    chat_id: int | str | None
    status: int
    description: str
    parameters: dict[str, Any] | None
    times: int


@dataclass
class Chat:
    """A chat the fake knows about."""

    id: int
    type: str
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    admins: list[int] = field(default_factory=list)
    creator: int | None = None
    bot_status: str = "member"  # member | administrator | kicked | left
    migrated_to: int | None = None
    next_message_id: int = 1
    user_messages: dict[int, dict[str, Any]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Return the Chat object of the Bot API."""
        chat: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.type == "private":
            chat["first_name"] = self.first_name or "Test"
        else:
            chat["title"] = self.title or f"Chat {self.id}"
        if self.username:
            chat["username"] = self.username
        return chat

    def take_message_id(self) -> int:
        """Allocate the next message id of this chat (shared by the bot and the users)."""
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id
