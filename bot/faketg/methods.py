"""The Bot API methods of the fake: one `_api_<method name in lower case>` each."""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from bot.faketg.httpserver import UploadedFile
from bot.faketg.records import ApiError, Chat, SentMessage, Version, bad_request
from bot.faketg.validate import COMMAND_RE, check_markup, parse_text

CALLBACK_ANSWER_LIMIT = 200
# Telegram's default when a bot never set allowed_updates: everything but these.
NOT_SENT_BY_DEFAULT = {"chat_member", "message_reaction", "message_reaction_count"}


class BotApiMethods:
    """Answer Bot API calls from the state FakeTelegram keeps (a mixin of FakeTelegram)."""

    if TYPE_CHECKING:  # what FakeTelegram provides
        bot_user: dict[str, Any]
        bot_id: int
        webhook_url: str
        allowed_updates: list[str] | None
        chat_actions: list[tuple[int | str, str]]
        callback_answers: dict[str, dict[str, Any]]
        descriptions: dict[tuple[str, str], str]
        _chats: dict[int, Chat]
        _sent: list[SentMessage]
        _updates: list[dict[str, Any]]
        _consumed_below: int
        _open_queries: dict[str, dict[str, Any]]
        _files: dict[str, tuple[str, bytes, str]]
        _commands: dict[tuple[str, str], list[dict[str, Any]]]
        _blocked: set[int]

        def _notify(self) -> None: ...
        def _record(self, message: SentMessage, event: str) -> None: ...
        def _message_dict(self, message: SentMessage) -> dict[str, Any]: ...
        def _message_by_id(self, chat: Chat, message_id: int) -> dict[str, Any]: ...
        def _user(self, user_id: int) -> dict[str, Any]: ...
        def _store_file(self, filename: str, content: bytes, mime: str) -> dict[str, Any]: ...
        def wait_until(
            self, predicate: Callable[[], bool], timeout: float = 5.0
        ) -> Awaitable[None]: ...

    def _target_chat(self, params: dict[str, Any]) -> Chat:
        """Resolve chat_id and refuse the way Telegram does for unknown, blocked, moved chats."""
        if "chat_id" not in params or params["chat_id"] == "":
            raise bad_request("chat_id is empty")
        chat = self._lookup_chat(params)
        if chat.id in self._blocked:
            if chat.type == "private":
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            if chat.type == "channel":
                raise ApiError(403, "Forbidden: bot is not a member of the channel chat")
            raise ApiError(403, "Forbidden: bot was kicked from the group chat")
        return chat

    def _check_reply(self, chat: Chat, params: dict[str, Any]) -> None:
        reply = params.get("reply_parameters") or {}
        message_id = reply.get("message_id") or params.get("reply_to_message_id")
        if not message_id:
            return
        allow = reply.get("allow_sending_without_reply") or params.get(
            "allow_sending_without_reply"
        )
        try:
            self._message_by_id(chat, int(message_id))
        except LookupError:
            if not allow:
                raise bad_request("message to be replied not found") from None

    def _find_sent(self, params: dict[str, Any], action: str) -> SentMessage:
        if params.get("inline_message_id"):
            raise bad_request("inline messages are not supported by the fake")
        chat = self._target_chat(params)
        message_id = params.get("message_id")
        for message in self._sent:
            if message.chat_id == chat.id and message.message_id == message_id:
                if message.deleted:
                    break
                return message
        if message_id in chat.user_messages and action == "edit":
            raise bad_request("message can't be edited")
        raise bad_request(f"message to {action} not found")

    async def _api_getme(self, params: dict[str, Any], files: dict) -> Any:
        return self.bot_user

    async def _api_logout(self, params: dict[str, Any], files: dict) -> Any:
        return True

    async def _api_close(self, params: dict[str, Any], files: dict) -> Any:
        return True

    async def _api_setwebhook(self, params: dict[str, Any], files: dict) -> Any:
        self.webhook_url = str(params.get("url") or "")
        return True

    async def _api_deletewebhook(self, params: dict[str, Any], files: dict) -> Any:
        self.webhook_url = ""
        if params.get("drop_pending_updates"):
            self._drop_below(max((u["update_id"] for u in self._updates), default=0) + 1)
        return True

    async def _api_getwebhookinfo(self, params: dict[str, Any], files: dict) -> Any:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    def _drop_below(self, offset: int) -> None:
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if offset > self._consumed_below:
            self._consumed_below = offset
            self._notify()

    def _deliverable(self) -> list[dict[str, Any]]:
        allowed = set(self.allowed_updates or [])

        def wanted(update: dict[str, Any]) -> bool:
            kind = next(k for k in update if k != "update_id")
            return kind in allowed if allowed else kind not in NOT_SENT_BY_DEFAULT

        # Telegram drops updates of types the bot did not ask for.
        self._updates = [u for u in self._updates if wanted(u)]
        return self._updates

    async def _api_getupdates(self, params: dict[str, Any], files: dict) -> Any:
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        if "allowed_updates" in params:
            self.allowed_updates = list(params["allowed_updates"] or []) or None
        offset = int(params.get("offset") or 0)
        if offset > 0:
            self._drop_below(offset)
        elif offset < 0:
            keep = self._updates[offset:]
            if keep:
                self._drop_below(keep[0]["update_id"])
        limit = max(1, min(100, int(params.get("limit") or 100)))
        timeout = max(0.0, float(params.get("timeout") or 0))
        if not self._deliverable() and timeout:
            try:
                await self.wait_until(lambda: bool(self._deliverable()), timeout)
            except TimeoutError:
                return []
        return self._deliverable()[:limit]

    async def _api_sendmessage(self, params: dict[str, Any], files: dict) -> Any:
        chat = self._target_chat(params)
        plain, entities = parse_text(params.get("text"), params.get("parse_mode"))
        markup = check_markup(params.get("reply_markup"))
        self._check_reply(chat, params)
        message = SentMessage(
            chat_id=chat.id,
            message_id=chat.take_message_id(),
            text=str(params.get("text")),
            parse_mode=params.get("parse_mode"),
            reply_markup=markup,
            method="sendMessage",
            date=int(time.time()),
            plain_text=plain,
            entities=entities,
            params=params,
        )
        self._record(message, "sent")
        return self._message_dict(message)

    async def _api_senddocument(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        chat = self._target_chat(params)
        upload = self._uploaded(params.get("document"), files, "document")
        plain, entities = parse_text(params.get("caption"), params.get("parse_mode"), caption=True)
        markup = check_markup(params.get("reply_markup"))
        self._check_reply(chat, params)
        stored = self._store_file(upload.filename, upload.content, upload.content_type)
        message = SentMessage(
            chat_id=chat.id,
            message_id=chat.take_message_id(),
            text=str(params.get("caption") or ""),
            parse_mode=params.get("parse_mode"),
            reply_markup=markup,
            method="sendDocument",
            date=int(time.time()),
            plain_text=plain,
            entities=entities,
            document=upload.content,
            filename=upload.filename,
            file_id=stored["file_id"],
            params=params,
        )
        self._record(message, "sent")
        return self._message_dict(message) | {"document": stored}

    def _uploaded(self, value: Any, files: dict[str, UploadedFile], name: str) -> UploadedFile:
        """Find the file a send method refers to: a multipart part, attach://, or a file_id."""
        if isinstance(value, str) and value.startswith("attach://"):
            part = files.get(value.removeprefix("attach://"))
        elif name in files:
            part = files[name]
        elif isinstance(value, str) and value in self._files:
            path, content, mime = self._files[value]
            part = UploadedFile(path.rsplit("/", 1)[-1], content, mime)
        elif isinstance(value, str) and value.startswith(("http://", "https://")):
            part = UploadedFile(value.rsplit("/", 1)[-1] or "file", b"")
        else:
            part = None
        if part is None:
            raise bad_request(f"there is no {name} in the request")
        return part

    async def _api_editmessagetext(self, params: dict[str, Any], files: dict) -> Any:
        message = self._find_sent(params, "edit")
        if message.document is not None:
            raise bad_request("there is no text in the message to edit")
        plain, entities = parse_text(params.get("text"), params.get("parse_mode"))
        markup = check_markup(params.get("reply_markup"))
        if (
            plain == message.plain_text
            and entities == message.entities
            and (markup == message.reply_markup)
        ):
            raise bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        message.history.append(Version(message.text, message.parse_mode, message.reply_markup))
        message.text = str(params.get("text"))
        message.parse_mode = params.get("parse_mode")
        message.plain_text, message.entities = plain, entities
        message.reply_markup = markup  # an edit without reply_markup removes the keyboard
        self._record(message, "edited")
        return self._message_dict(message)

    async def _api_editmessagecaption(self, params: dict[str, Any], files: dict) -> Any:
        message = self._find_sent(params, "edit")
        plain, entities = parse_text(params.get("caption"), params.get("parse_mode"), caption=True)
        markup = check_markup(params.get("reply_markup"))
        old = (message.plain_text, message.entities, message.reply_markup)
        if (plain, entities, markup) == old:
            raise bad_request("message is not modified")
        message.history.append(Version(message.text, message.parse_mode, message.reply_markup))
        message.text = str(params.get("caption") or "")
        message.parse_mode = params.get("parse_mode")
        message.plain_text, message.entities = plain, entities
        message.reply_markup = markup
        self._record(message, "edited")
        return self._message_dict(message)

    async def _api_editmessagereplymarkup(self, params: dict[str, Any], files: dict) -> Any:
        message = self._find_sent(params, "edit")
        markup = check_markup(params.get("reply_markup"))
        if markup == message.reply_markup:
            raise bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        message.history.append(Version(message.text, message.parse_mode, message.reply_markup))
        message.reply_markup = markup
        self._record(message, "edited")
        return self._message_dict(message)

    async def _api_deletemessage(self, params: dict[str, Any], files: dict) -> Any:
        chat = self._target_chat(params)
        message_id = params.get("message_id")
        if message_id in chat.user_messages:
            del chat.user_messages[message_id]
            return True
        message = self._find_sent(params, "delete")
        message.deleted = True
        self._record(message, "deleted")
        return True

    async def _api_answercallbackquery(self, params: dict[str, Any], files: dict) -> Any:
        query_id = str(params.get("callback_query_id") or "")
        if query_id not in self._open_queries:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        if len(str(params.get("text") or "")) > CALLBACK_ANSWER_LIMIT:
            raise bad_request("MESSAGE_TOO_LONG")
        del self._open_queries[query_id]
        self.callback_answers[query_id] = params
        self._notify()
        return True

    async def _api_setmycommands(self, params: dict[str, Any], files: dict) -> Any:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("commands must be a list of at most 100 commands")
        for command in commands:
            if not COMMAND_RE.match(str(command.get("command", "")).lower()):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
                raise bad_request("command description must be 1-256 characters")
        key = (scope_key(params.get("scope")), str(params.get("language_code") or ""))
        self._commands[key] = [
            {"command": str(c["command"]).lower(), "description": c["description"]}
            for c in commands
        ]
        return True

    async def _api_getmycommands(self, params: dict[str, Any], files: dict) -> Any:
        key = (scope_key(params.get("scope")), str(params.get("language_code") or ""))
        return self._commands.get(key, [])

    async def _api_deletemycommands(self, params: dict[str, Any], files: dict) -> Any:
        key = (scope_key(params.get("scope")), str(params.get("language_code") or ""))
        self._commands.pop(key, None)
        return True

    async def _api_setmydescription(self, params: dict[str, Any], files: dict) -> Any:
        return self._set_text("description", params, 512)

    async def _api_setmyshortdescription(self, params: dict[str, Any], files: dict) -> Any:
        return self._set_text("short_description", params, 120)

    async def _api_setmyname(self, params: dict[str, Any], files: dict) -> Any:
        return self._set_text("name", params, 64)

    async def _api_getmydescription(self, params: dict[str, Any], files: dict) -> Any:
        return {"description": self._get_text("description", params)}

    async def _api_getmyshortdescription(self, params: dict[str, Any], files: dict) -> Any:
        return {"short_description": self._get_text("short_description", params)}

    async def _api_getmyname(self, params: dict[str, Any], files: dict) -> Any:
        return {"name": self._get_text("name", params) or self.bot_user["first_name"]}

    def _set_text(self, kind: str, params: dict[str, Any], limit: int) -> bool:
        text = str(params.get(kind) or "")
        if len(text) > limit:
            raise bad_request(f"{kind} is too long")
        self.descriptions[(kind, str(params.get("language_code") or ""))] = text
        return True

    def _get_text(self, kind: str, params: dict[str, Any]) -> str:
        return self.descriptions.get((kind, str(params.get("language_code") or "")), "")

    async def _api_sendchataction(self, params: dict[str, Any], files: dict) -> Any:
        chat = self._target_chat(params)
        self.chat_actions.append((chat.id, str(params.get("action") or "")))
        return True

    async def _api_getchat(self, params: dict[str, Any], files: dict) -> Any:
        chat = self._lookup_chat(params)
        return chat.as_dict() | {
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    def _lookup_chat(self, params: dict[str, Any]) -> Chat:
        """Resolve chat_id for read-only methods: blocking does not matter, moving does."""
        chat_id = params.get("chat_id")
        chat = self._chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None and isinstance(chat_id, str):
            chat = next((c for c in self._chats.values() if f"@{c.username}" == chat_id), None)
        if chat is None:
            raise bad_request("chat not found")
        if chat.migrated_to is not None:
            raise bad_request(
                "group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": chat.migrated_to},
            )
        return chat

    def _member(self, chat: Chat, user_id: int) -> dict[str, Any]:
        if user_id == self.bot_id:
            status = chat.bot_status
            user = self.bot_user
        else:
            user = self._user(user_id)
            if user_id == chat.creator and chat.type != "private":
                status = "creator"
            elif user_id in chat.admins and chat.type != "private":
                status = "administrator"
            else:
                status = "member"
        member: dict[str, Any] = {"user": user, "status": status}
        if status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            member.update(admin_rights())
        elif status == "kicked":
            member["until_date"] = 0
        return member

    async def _api_getchatmember(self, params: dict[str, Any], files: dict) -> Any:
        chat = self._lookup_chat(params)
        return self._member(chat, int(params.get("user_id") or 0))

    async def _api_getchatadministrators(self, params: dict[str, Any], files: dict) -> Any:
        chat = self._lookup_chat(params)
        if chat.type == "private":
            raise bad_request("there are no administrators in the private chat")
        ids = list(dict.fromkeys([*([chat.creator] if chat.creator else []), *chat.admins]))
        if chat.bot_status == "administrator":
            ids.append(self.bot_id)
        return [self._member(chat, user_id) for user_id in ids]

    async def _api_getchatmembercount(self, params: dict[str, Any], files: dict) -> Any:
        chat = self._lookup_chat(params)
        return 2 if chat.type == "private" else len(set(chat.admins)) + 1

    async def _api_getfile(self, params: dict[str, Any], files: dict) -> Any:
        file_id = str(params.get("file_id") or "")
        if file_id not in self._files:
            raise bad_request("invalid file_id")
        path, content, _mime = self._files[file_id]
        return {
            "file_id": file_id,
            "file_unique_id": f"unique-{file_id}",
            "file_size": len(content),
            "file_path": path,
        }


def scope_key(scope: Any) -> str:
    if isinstance(scope, str):
        scope = json.loads(scope) if scope else None
    return json.dumps(scope or {"type": "default"}, sort_keys=True)


def admin_rights() -> dict[str, Any]:
    """Return the administrator flags PTB requires on ChatMemberAdministrator."""
    return {
        "can_be_edited": False,
        "is_anonymous": False,
        "can_manage_chat": True,
        "can_delete_messages": True,
        "can_manage_video_chats": True,
        "can_restrict_members": True,
        "can_promote_members": False,
        "can_change_info": True,
        "can_invite_users": True,
        "can_post_stories": False,
        "can_edit_stories": False,
        "can_delete_stories": False,
        "can_post_messages": True,
        "can_edit_messages": True,
        "can_pin_messages": True,
    }
