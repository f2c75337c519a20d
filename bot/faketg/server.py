"""A fake Telegram Bot API on 127.0.0.1 that the real python-telegram-bot talks to over HTTP."""

from __future__ import annotations

import asyncio
import inspect
import itertools
import re
import time
from collections.abc import Callable, Iterable
from typing import Any

from telegram.ext import ApplicationBuilder

from bot.faketg.httpserver import HttpRequest, HttpResponse, HttpServer
from bot.faketg.methods import BotApiMethods, admin_rights, scope_key
from bot.faketg.records import ApiError, Chat, Fault, RequestRecord, SentMessage
from bot.faketg.validate import as_chat_id, normalise_params, utf16_len

BotMessageCallback = Callable[[SentMessage, str], Any]


class QueuedUpdate(int):
    """An update id; `await` it to wait until the bot has fetched past that update."""

    owner: FakeTelegram

    def __await__(self) -> Any:
        return self.owner.wait_for_update_consumed(int(self)).__await__()


class FakeTelegram(BotApiMethods):
    """The Bot API, the Telegram users and fault injection, all in one process."""

    def __init__(self, token: str = "123456:FAKE-TOKEN", bot_username: str = "mojaz_bot") -> None:
        self.token = token
        self.bot_username = bot_username
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_user: dict[str, Any] = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Mojaz",
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.requests: list[RequestRecord] = []
        self.chat_actions: list[tuple[int | str, str]] = []
        self.callback_answers: dict[str, dict[str, Any]] = {}
        self.descriptions: dict[tuple[str, str], str] = {}  # (kind, language) -> text
        self.webhook_url = ""
        self.allowed_updates: list[str] | None = None
        self._http = HttpServer(self._handle)
        self._chats: dict[int, Chat] = {}
        self._users: dict[int, dict[str, Any]] = {}
        self._sent: list[SentMessage] = []
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._consumed_below = 1  # every update with a smaller id was confirmed by an offset
        self._open_queries: dict[str, dict[str, Any]] = {}
        self._files: dict[str, tuple[str, bytes, str]] = {}  # file_id -> (path, bytes, mime)
        self._file_ids = itertools.count(1)
        self._commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._faults: list[Fault] = []
        self._delays: dict[str, float] = {}
        self._blocked: set[int] = set()
        self._subscribers: list[BotMessageCallback] = []
        self._background: set[asyncio.Task[Any]] = set()
        self._in_flight = 0
        self._last_activity = time.monotonic()
        self._changed = asyncio.Event()

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on 127.0.0.1 on a free port."""
        await self._http.start()

    async def stop(self) -> None:
        """Close the server; long polls and slow answers in flight are dropped."""
        await self._http.stop()
        for task in list(self._background):
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """Return the value for ApplicationBuilder.base_url (PTB appends the token)."""
        return f"http://127.0.0.1:{self._http.port}/bot"

    @property
    def base_file_url(self) -> str:
        """Return the value for ApplicationBuilder.base_file_url."""
        return f"http://127.0.0.1:{self._http.port}/file/bot"

    def application_builder(self) -> ApplicationBuilder:
        """Return a PTB ApplicationBuilder already pointed at this fake."""
        return (
            ApplicationBuilder()
            .token(self.token)
            .base_url(self.base_url)
            .base_file_url(self.base_file_url)
        )

    # -- what tests read ---------------------------------------------------------------------

    def messages(self, chat_id: int | None = None) -> list[SentMessage]:
        """Return the messages the bot sent (to one chat), in order, deleted ones included."""
        return [m for m in self._sent if chat_id is None or m.chat_id == chat_id]

    def calls(self, method: str) -> list[dict[str, Any]]:
        """Return the parameters of every call of `method` so far."""
        return [r.params for r in self.requests if r.method.lower() == method.lower()]

    def commands(self, scope: dict[str, Any] | None = None, language_code: str = "") -> list:
        """Return the command list set for a scope and language."""
        return list(self._commands.get((scope_key(scope), language_code), []))

    def callback_answer(self, update_id: int) -> dict[str, Any] | None:
        """Return how the bot answered the callback query queued as `update_id`."""
        return self.callback_answers.get(str(update_id))

    def chat(self, chat_id: int) -> Chat:
        """Return what the fake knows about a chat."""
        return self._chats[chat_id]

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Return the updates the bot has not confirmed yet."""
        return list(self._updates)

    def on_bot_message(self, callback: BotMessageCallback) -> Callable[[], None]:
        """Call `callback(message, event)` on "sent", "edited", "deleted"; return unsubscribe."""
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback)

    # -- waiting without sleeping --------------------------------------------------------------

    async def wait_until(
        self,
        predicate: Callable[[], bool],
        timeout: float = 5.0,  # noqa: ASYNC109 - a deadline is the point of these helpers
    ) -> None:
        """Wait until `predicate()` holds; it is re-checked on every change of the fake's state."""
        try:
            async with asyncio.timeout(timeout):
                while not predicate():
                    await self._changed.wait()
        except TimeoutError:
            raise TimeoutError(f"condition not met within {timeout}s") from None

    async def wait_for_update_consumed(
        self,
        update_id: int,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> int:
        """Wait until the bot asked for updates past `update_id` (it has fetched it)."""
        try:
            await self.wait_until(lambda: self._consumed_below > update_id, timeout)
        except TimeoutError:
            raise TimeoutError(
                f"update {update_id} not fetched within {timeout}s; is the bot polling?"
            ) from None
        return update_id

    async def wait_for_messages(
        self,
        chat_id: int,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[SentMessage]:
        """Wait until the bot has sent at least `count` messages to the chat; return them all."""
        try:
            await self.wait_until(lambda: len(self.messages(chat_id)) >= count, timeout)
        except TimeoutError:
            texts = [m.text for m in self.messages(chat_id)]
            raise TimeoutError(
                f"wanted {count} message(s) in chat {chat_id} within {timeout}s, got {texts}"
            ) from None
        return self.messages(chat_id)

    async def wait_idle(
        self,
        quiet: float = 0.3,
        timeout: float = 10.0,  # noqa: ASYNC109
        *,
        since: float | None = None,
    ) -> None:
        """Wait until the bot made no request but getUpdates for `quiet` seconds (terminal use).

        `since` (a time.monotonic() value) starts the quiet period no earlier than that moment,
        e.g. when the bot fetched the user's update. Returns at `timeout` regardless.
        """
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            quiet_from = max(self._last_activity, since or 0.0)
            if now >= deadline or (self._in_flight == 0 and now - quiet_from >= quiet):
                return
            # Wake on the next state change, or when the quiet period would be over.
            wait = deadline - now if self._in_flight else quiet - (now - quiet_from)
            try:
                async with asyncio.timeout(min(wait, deadline - now)):
                    await self._changed.wait()
            except TimeoutError:
                pass

    def _notify(self) -> None:
        """Wake every waiter; each re-checks its own condition."""
        self._changed.set()
        self._changed = asyncio.Event()

    # -- fault injection ---------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        chat_id: int | str | None = None,
        status: int = 429,
        retry_after: int | None = None,
        description: str | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` calls of `method` (to `chat_id`, if given) with an error."""
        parameters = None
        if status == 429:
            retry_after = 1 if retry_after is None else retry_after
            parameters = {"retry_after": retry_after}
            description = description or f"Too Many Requests: retry after {retry_after}"
        elif retry_after is not None:
            parameters = {"retry_after": retry_after}
        default = {
            400: "Bad Request",
            403: "Forbidden",
            409: "Conflict",
            500: "Internal Server Error",
            502: "Bad Gateway",
            503: "Service Unavailable",
        }.get(status, "Error")
        self._faults.append(
            Fault(
                method.lower(),
                None if chat_id is None else as_chat_id(chat_id),
                status,
                description or default,
                parameters,
                times,
            )
        )

    def delay(self, method: str, seconds: float) -> None:
        """Answer every later call of `method` after `seconds` (0 removes the delay)."""
        if seconds:
            self._delays[method.lower()] = seconds
        else:
            self._delays.pop(method.lower(), None)

    def block(self, chat_id: int) -> int:
        """Act as the user blocking the bot (or kicking it from a group); return the update id."""
        chat = self._ensure_chat(chat_id)
        self._blocked.add(chat.id)
        old = chat.bot_status
        chat.bot_status = "kicked"
        return self._queue_member_update(chat, old, "kicked")

    def unblock(self, chat_id: int) -> int:
        """Act as the user unblocking the bot; return the update id."""
        chat = self._ensure_chat(chat_id)
        self._blocked.discard(chat.id)
        chat.bot_status = "member"
        return self._queue_member_update(chat, "kicked", "member")

    def migrate(self, chat_id: int, new_chat_id: int) -> int:
        """Upgrade a group to a supergroup with a new id; the old id then answers 400.

        Queues Telegram's two service messages (migrate_to_chat_id in the old chat, then
        migrate_from_chat_id in the new one) and returns the update id of the last.
        """
        old = self._ensure_chat(chat_id, chat_type="group")
        new = self._chats.get(new_chat_id) or Chat(
            new_chat_id, "supergroup", title=old.title, admins=list(old.admins), creator=old.creator
        )
        new.type = "supergroup"
        self._chats[new_chat_id] = new
        old.migrated_to = new_chat_id
        # Telegram posts a service message in both chats.
        sender = self._user(old.creator or (old.admins[0] if old.admins else 1001))
        self._queue_update(
            "message",
            {**self._user_message_base(old, sender), "migrate_to_chat_id": new_chat_id},
        )
        return self._queue_update(
            "message", {**self._user_message_base(new, sender), "migrate_from_chat_id": chat_id}
        )

    # -- the user's side -------------------------------------------------------------------------

    def add_chat(
        self,
        chat_id: int,
        type: str = "group",
        *,
        title: str | None = None,
        username: str | None = None,
        admins: Iterable[int] = (),
        creator: int | None = None,
        bot_is_admin: bool = False,
    ) -> Chat:
        """Create (or reconfigure) a chat; `admins` are user ids shown as administrators."""
        chat = self._chats.get(chat_id) or Chat(chat_id, type)
        chat.type = type
        chat.title = title or chat.title or (None if type == "private" else f"Test {type}")
        chat.username = username or chat.username
        chat.admins = list(admins)
        chat.creator = creator if creator is not None else (chat.admins[0] if chat.admins else None)
        chat.bot_status = "administrator" if bot_is_admin else "member"
        self._chats[chat_id] = chat
        return chat

    def bot_added_to(
        self,
        chat_id: int,
        *,
        type: str = "group",
        title: str | None = None,
        by_user_id: int = 1001,
        as_admin: bool = False,
    ) -> int:
        """Act as a user adding the bot to a group or channel; return the update id."""
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self.add_chat(chat_id, type, title=title, admins=[by_user_id])
        chat.bot_status = "administrator" if as_admin else "member"
        self._blocked.discard(chat_id)
        return self._queue_member_update(chat, "left", chat.bot_status, by_user_id=by_user_id)

    def user_sends(
        self,
        text: str,
        *,
        chat_id: int = 1001,
        user_id: int | None = None,
        chat_type: str = "private",
        language_code: str = "en",
        first_name: str = "Test",
        reply_to_message_id: int | None = None,
    ) -> QueuedUpdate:
        """Queue a text message from a user; return its update id (awaitable: until fetched)."""
        chat, user = self._chat_and_user(chat_id, user_id, chat_type, language_code, first_name)
        message = self._user_message_base(chat, user)
        message["text"] = text
        if text.startswith("/"):
            # The official clients mark a leading command so PTB's CommandHandler sees it.
            command = text.split(maxsplit=1)[0]
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(command)}
            ]
        if reply_to_message_id is not None:
            message["reply_to_message"] = self._message_by_id(chat, reply_to_message_id)
        return self._queue_update(_message_kind(chat), message)

    def user_sends_document(
        self,
        filename: str,
        content: bytes,
        *,
        chat_id: int = 1001,
        user_id: int | None = None,
        chat_type: str = "private",
        caption: str | None = None,
        mime_type: str = "application/octet-stream",
        language_code: str = "en",
        first_name: str = "Test",
    ) -> QueuedUpdate:
        """Queue a document upload from a user; the bot can getFile and download it."""
        chat, user = self._chat_and_user(chat_id, user_id, chat_type, language_code, first_name)
        message = self._user_message_base(chat, user)
        message["document"] = self._store_file(filename, content, mime_type)
        if caption:
            message["caption"] = caption
        return self._queue_update(_message_kind(chat), message)

    def user_sends_sticker(
        self,
        *,
        chat_id: int = 1001,
        user_id: int | None = None,
        chat_type: str = "private",
        emoji: str = "👍",
        language_code: str = "en",
        first_name: str = "Test",
    ) -> QueuedUpdate:
        """Queue a sticker: a message without text."""
        chat, user = self._chat_and_user(chat_id, user_id, chat_type, language_code, first_name)
        message = self._user_message_base(chat, user)
        number = next(self._file_ids)
        message["sticker"] = {
            "file_id": f"sticker-{number}",
            "file_unique_id": f"usticker-{number}",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
            "emoji": emoji,
        }
        return self._queue_update(_message_kind(chat), message)

    def user_clicks(
        self,
        message: SentMessage,
        callback_data: str,
        *,
        user_id: int | None = None,
        language_code: str = "en",
        first_name: str = "Test",
    ) -> QueuedUpdate:
        """Queue a press of the inline button carrying `callback_data` on a bot message."""
        if message.deleted:
            raise ValueError(f"message {message.message_id} was deleted")
        if not any(b.get("callback_data") == callback_data for b in message.buttons):
            offered = [b.get("callback_data") for b in message.buttons]
            raise ValueError(f"no button with callback_data {callback_data!r}: {offered}")
        chat = self._chats[message.chat_id]
        default_user = chat.id if chat.type == "private" else 1001
        user = self._user(user_id or default_user, first_name, language_code)
        update_id = next(self._update_ids)
        query = {
            "id": str(update_id),
            "from": user,
            "message": self._message_dict(message),
            "chat_instance": str(chat.id),
            "data": callback_data,
        }
        self._open_queries[query["id"]] = query
        return self._queue_update("callback_query", query, update_id=update_id)

    # -- helpers for the user side ---------------------------------------------------------------

    def _user(
        self, user_id: int, first_name: str | None = None, language_code: str | None = None
    ) -> dict[str, Any]:
        user = self._users.setdefault(user_id, {"id": user_id, "is_bot": False})
        user["first_name"] = first_name or user.get("first_name") or "Test"
        if language_code:
            user["language_code"] = language_code
        return dict(user)

    def _ensure_chat(self, chat_id: int, chat_type: str = "private") -> Chat:
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self.add_chat(chat_id, chat_type)
        return chat

    def _chat_and_user(
        self,
        chat_id: int,
        user_id: int | None,
        chat_type: str,
        language_code: str,
        first_name: str,
    ) -> tuple[Chat, dict[str, Any]]:
        chat = self._ensure_chat(chat_id, chat_type)
        if chat.type == "private":
            chat.first_name = first_name
            if chat.id in self._blocked:
                self.unblock(chat.id)  # writing to a blocked bot restarts it, as in the apps
        user = self._user(
            user_id or (chat_id if chat.type == "private" else 1001), first_name, language_code
        )
        return chat, user

    def _user_message_base(self, chat: Chat, user: dict[str, Any]) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": chat.take_message_id(),
            "date": int(time.time()),
            "chat": chat.as_dict(),
        }
        if chat.type == "channel":
            message["sender_chat"] = chat.as_dict()
        else:
            message["from"] = user
        chat.user_messages[message["message_id"]] = message
        return message

    def _message_by_id(self, chat: Chat, message_id: int) -> dict[str, Any]:
        if message_id in chat.user_messages:
            return chat.user_messages[message_id]
        for sent in self._sent:
            if sent.chat_id == chat.id and sent.message_id == message_id:
                return self._message_dict(sent)
        raise LookupError(f"no message {message_id} in chat {chat.id}")

    def _queue_update(
        self, kind: str, payload: dict[str, Any], update_id: int | None = None
    ) -> QueuedUpdate:
        update_id = update_id if update_id is not None else next(self._update_ids)
        self._updates.append({"update_id": update_id, kind: payload})
        self._notify()
        queued = QueuedUpdate(update_id)
        queued.owner = self
        return queued

    def _queue_member_update(
        self, chat: Chat, old: str, new: str, by_user_id: int | None = None
    ) -> int:
        by = by_user_id or (chat.id if chat.type == "private" else (chat.creator or 1001))

        def member(status: str) -> dict[str, Any]:
            data: dict[str, Any] = {"user": self.bot_user, "status": status}
            if status == "kicked":
                data["until_date"] = 0
            if status == "administrator":
                data.update(admin_rights())
            return data

        return self._queue_update(
            "my_chat_member",
            {
                "chat": chat.as_dict(),
                "from": self._user(by),
                "date": int(time.time()),
                "old_chat_member": member(old),
                "new_chat_member": member(new),
            },
        )

    def _store_file(self, filename: str, content: bytes, mime_type: str) -> dict[str, Any]:
        number = next(self._file_ids)
        file_id = f"file-{number}"
        suffix = filename.rsplit(".", 1)[-1] if "." in filename else "bin"
        # Not a path that exists locally, or PTB would treat it as a local-mode file.
        self._files[file_id] = (f"documents/file_{number}.{suffix}", content, mime_type)
        return {
            "file_id": file_id,
            "file_unique_id": f"unique-{number}",
            "file_name": filename,
            "mime_type": mime_type,
            "file_size": len(content),
        }

    # -- HTTP ------------------------------------------------------------------------------------

    async def _handle(self, request: HttpRequest) -> HttpResponse:
        file_prefix = f"/file/bot{self.token}/"
        if request.path.startswith(file_prefix):
            return self._download(request.path.removeprefix(file_prefix))
        match = re.fullmatch(r"/bot([^/]*)/([A-Za-z]+)", request.path)
        if match is None:
            return HttpResponse.json(404, ApiError(404, "Not Found").payload())
        if match.group(1) != self.token:
            return HttpResponse.json(401, ApiError(401, "Unauthorized").payload())
        method = match.group(2)
        if method.lower() == "getupdates":
            return await self._call(method, request)
        # Like Telegram, a request that arrived is carried out even if the client gives up
        # waiting (a timed-out sendMessage may still be delivered): shield it from hang-ups.
        task = asyncio.ensure_future(self._call(method, request))
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return await asyncio.shield(task)

    async def _call(self, method: str, request: HttpRequest) -> HttpResponse:
        """Run one Bot API method and turn its result or ApiError into a response."""
        busy = method.lower() != "getupdates"
        if busy:
            self._in_flight += 1
            self._notify()
        try:
            params = normalise_params(request.params)
            self.requests.append(RequestRecord(method, params))
            self._notify()
            if seconds := self._delays.get(method.lower()):
                await asyncio.sleep(seconds)  # the fault being simulated is slowness itself
            self._raise_fault(method, params)
            handler = getattr(self, f"_api_{method.lower()}", None)
            if handler is None:
                raise ApiError(404, "Not Found")
            result = await handler(params, request.files)
            return HttpResponse.json(200, {"ok": True, "result": result})
        except ApiError as error:
            return HttpResponse.json(error.status, error.payload())
        finally:
            if busy:
                self._in_flight -= 1
                self._last_activity = time.monotonic()
                self._notify()

    def _download(self, path: str) -> HttpResponse:
        for file_path, content, mime in self._files.values():
            if file_path == path:
                return HttpResponse(200, content, mime)
        return HttpResponse.json(404, ApiError(404, "Not Found").payload())

    def _raise_fault(self, method: str, params: dict[str, Any]) -> None:
        for fault in self._faults:
            if fault.method != method.lower():
                continue
            if fault.chat_id is not None and fault.chat_id != params.get("chat_id"):
                continue
            fault.times -= 1
            if fault.times <= 0:
                self._faults.remove(fault)
            raise ApiError(fault.status, fault.description, fault.parameters)

    def _record(self, message: SentMessage, event: str) -> None:
        if event == "sent":
            self._sent.append(message)
        self._notify()
        for callback in list(self._subscribers):
            outcome = callback(message, event)
            if inspect.isawaitable(outcome):
                task = asyncio.ensure_future(outcome)
                self._background.add(task)
                task.add_done_callback(self._background.discard)

    def _message_dict(self, message: SentMessage) -> dict[str, Any]:
        chat = self._chats[message.chat_id]
        data: dict[str, Any] = {
            "message_id": message.message_id,
            "date": message.date,
            "chat": chat.as_dict(),
        }
        if chat.type == "channel":
            data["sender_chat"] = chat.as_dict()
        else:
            data["from"] = self.bot_user
        if message.document is not None:
            data["document"] = {
                "file_id": message.file_id,
                "file_unique_id": f"unique-{message.file_id}",
                "file_name": message.filename,
                "file_size": len(message.document),
            }
            if message.plain_text:
                data["caption"] = message.plain_text
                if message.entities:
                    data["caption_entities"] = message.entities
        else:
            data["text"] = message.plain_text
            if message.entities:
                data["entities"] = message.entities
        if message.reply_markup and "inline_keyboard" in message.reply_markup:
            data["reply_markup"] = message.reply_markup
        if message.edited:
            data["edit_date"] = int(time.time())
        return data


def _message_kind(chat: Chat) -> str:
    """Name the update a user's post makes: channels post channel_post, others message."""
    return "channel_post" if chat.type == "channel" else "message"
