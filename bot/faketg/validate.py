"""Check and decode Bot API parameters the way Telegram does."""

from __future__ import annotations

import json
import re
from typing import Any

from bot.faketg.records import ApiError, bad_request
from bot.render.telegram_html import HtmlParseError, parse, utf16_len

MESSAGE_LIMIT = 4096  # UTF-16 code units after entity parsing
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64  # bytes
JSON_PARAMS = {
    "reply_markup",
    "commands",
    "scope",
    "allowed_updates",
    "link_preview_options",
    "reply_parameters",
    "entities",
    "caption_entities",
}
INT_PARAMS = {"message_id", "offset", "limit", "user_id", "reply_to_message_id", "cache_time"}
BOOL_PARAMS = {
    "disable_notification",
    "protect_content",
    "show_alert",
    "drop_pending_updates",
    "allow_sending_without_reply",
    "disable_web_page_preview",
}
COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")


def as_chat_id(value: Any) -> int | str:
    """Return a numeric chat id as int, an @username as str."""
    if isinstance(value, int):
        return value
    text = str(value).strip()
    try:
        return int(text)
    except ValueError:
        return text  # "@channelusername"


def normalise_params(params: dict[str, Any]) -> dict[str, Any]:
    """Decode the JSON-string and numeric form fields PTB posts into Python values."""
    out: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, str):
            if key in JSON_PARAMS:
                try:
                    value = json.loads(value)
                except ValueError as exc:
                    raise bad_request(f"can't parse {key} JSON object") from exc
            elif key in INT_PARAMS:
                try:
                    value = int(value)
                except ValueError as exc:
                    raise bad_request(f"invalid {key} specified") from exc
            elif key == "timeout":
                value = float(value)
            elif key in BOOL_PARAMS:
                value = value.strip().lower() in {"true", "1"}
        if key == "chat_id":
            value = as_chat_id(value)
        out[key] = value
    return out


def parse_text(
    text: Any, parse_mode: Any, *, caption: bool = False
) -> tuple[str, list[dict[str, Any]]]:
    """Return (text as shown, entities); raise like Telegram for empty, bad or long text."""
    text = "" if text is None else str(text)
    if not caption and not text.strip():
        raise bad_request("message text is empty")
    plain = text
    entities: list[dict[str, Any]] = []
    if str(parse_mode or "").lower() == "html":
        try:
            parsed = parse(text)
        except HtmlParseError as exc:
            # The parser words the description exactly as Telegram does, prefix included.
            raise ApiError(400, exc.description) from exc
        plain = parsed.text
        entities = [entity.to_dict() for entity in parsed.entities]
    length = utf16_len(plain)
    if not caption and not plain.strip():
        raise bad_request("message text is empty")
    if caption and length > CAPTION_LIMIT:
        raise bad_request("message caption is too long")
    if not caption and length > MESSAGE_LIMIT:
        raise bad_request("message is too long")
    return plain, entities


def check_markup(markup: Any) -> dict[str, Any] | None:
    """Return the reply markup; raise like Telegram for bad inline buttons."""
    if markup in (None, ""):
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    for row in markup.get("inline_keyboard") or []:
        for button in row:
            if not button.get("text"):
                raise bad_request("can't parse inline keyboard button: Text is empty")
            if "callback_data" in button:
                size = len(str(button["callback_data"]).encode())
                if not 1 <= size <= CALLBACK_DATA_LIMIT:
                    raise bad_request("BUTTON_DATA_INVALID")
            elif "url" in button:
                if not re.match(r"^(https?|tg)://\S+$", str(button["url"])):
                    raise bad_request("BUTTON_URL_INVALID")
            elif len(button) == 1:
                raise bad_request(
                    "can't parse inline keyboard button: "
                    "Text buttons are unallowed in the inline keyboard"
                )
    return markup
