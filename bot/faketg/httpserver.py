"""A minimal HTTP/1.1 server on asyncio: enough for httpx talking to a fake Bot API."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import parse_qsl, unquote, urlsplit

MAX_HEADER_BYTES = 64 * 1024
MAX_BODY_BYTES = 64 * 1024 * 1024


@dataclass
class UploadedFile:
    """One file part of a multipart/form-data body."""

    filename: str
    content: bytes
    content_type: str = "application/octet-stream"


@dataclass
class HttpRequest:
    """A parsed request: form fields in `params`, multipart files in `files`."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    params: dict[str, object] = field(default_factory=dict)
    files: dict[str, UploadedFile] = field(default_factory=dict)


@dataclass
class HttpResponse:
    """What the handler answers."""

    status: int
    body: bytes
    content_type: str = "application/json"

    @classmethod
    def json(cls, status: int, payload: object) -> HttpResponse:
        """Build a JSON response."""
        return cls(status, json.dumps(payload, ensure_ascii=False).encode())


Handler = Callable[[HttpRequest], Awaitable[HttpResponse]]


class BadHttpRequest(Exception):
    """The bytes on the wire are not a request we understand."""


def parse_body(content_type: str, body: bytes) -> tuple[dict[str, object], dict[str, UploadedFile]]:
    """Decode a urlencoded, JSON or multipart body into fields and files."""
    mime, _, options = content_type.partition(";")
    mime = mime.strip().lower()
    if not body:
        return {}, {}
    if mime == "application/json":
        data = json.loads(body)
        if not isinstance(data, dict):
            raise BadHttpRequest("JSON body must be an object")
        return data, {}
    if mime == "multipart/form-data":
        return _parse_multipart(body, _header_option(options, "boundary"))
    # Telegram treats anything else as a form, and so does httpx when it posts `data=`.
    return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True)), {}


def _header_option(options: str, name: str) -> str:
    """Return one `name=value` option of a header like Content-Type or Content-Disposition."""
    for option in options.split(";"):
        key, _, value = option.strip().partition("=")
        if key.strip().lower() == name:
            return value.strip().strip('"')
    return ""


def _parse_multipart(
    body: bytes, boundary: str
) -> tuple[dict[str, object], dict[str, UploadedFile]]:
    """Split a multipart/form-data body; parts with a filename are files, the rest fields."""
    if not boundary:
        raise BadHttpRequest("multipart body without boundary")
    fields: dict[str, object] = {}
    files: dict[str, UploadedFile] = {}
    delimiter = b"--" + boundary.encode()
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break  # the closing delimiter
        head, _, content = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        content = content.removesuffix(b"\r\n")
        headers = _parse_header_lines(head.decode("utf-8", "replace").split("\r\n"))
        disposition = headers.get("content-disposition", "")
        name = _header_option(disposition, "name")
        if 'filename="' in disposition or "filename=" in disposition:
            files[name] = UploadedFile(
                filename=_header_option(disposition, "filename"),
                content=content,
                content_type=headers.get("content-type", "application/octet-stream"),
            )
        else:
            fields[name] = content.decode("utf-8")
    return fields, files


def _parse_header_lines(lines: list[str]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in lines:
        if not line:
            continue
        key, sep, value = line.partition(":")
        if not sep:
            raise BadHttpRequest(f"bad header line {line!r}")
        headers[key.strip().lower()] = value.strip()
    return headers


class HttpServer:
    """Serve `handler` on 127.0.0.1 with keep-alive; cancel a handler whose client hung up."""

    def __init__(self, handler: Handler) -> None:
        self._handler = handler
        self._server: asyncio.Server | None = None
        self._connections: dict[asyncio.Task[None], asyncio.StreamWriter] = {}
        self.port = 0

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        """Bind and start accepting; return the port."""
        self._server = await asyncio.start_server(self._on_connect, host, port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        """Stop accepting, drop open connections (and the long polls waiting on them)."""
        if self._server is None:
            return
        self._server.close()
        # Close the sockets rather than cancel the tasks: a connection task that ends cancelled
        # makes asyncio (3.11) log an error. Each task sees EOF and drops what it was doing.
        for writer in list(self._connections.values()):
            writer.close()
        await asyncio.gather(*self._connections, return_exceptions=True)
        await self._server.wait_closed()
        self._server = None

    async def _on_connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections[task] = writer
        try:
            await self._serve(_BufferedReader(reader), writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
            self._connections.pop(task, None)  # only now: stop() waits for this task to end

    async def _serve(self, reader: _BufferedReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                request = await _read_request(reader)
            except (BadHttpRequest, ValueError) as exc:  # ValueError: a non-numeric length
                await _write(writer, HttpResponse(400, str(exc).encode(), "text/plain"), False)
                return
            if request is None:
                return
            response = await reader.run_unless_hangup(self._handler(request))
            if response is None:
                return  # the client went away while we were answering (a cancelled long poll)
            keep_alive = request.headers.get("connection", "").lower() != "close"
            await _write(writer, response, keep_alive)
            if not keep_alive:
                return


class _BufferedReader:
    """A StreamReader with our own buffer, so we can watch for hang-ups without losing bytes."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self._reader = reader
        self._buffer = bytearray()
        self._eof = False

    async def _fill(self) -> bool:
        data = await self._reader.read(65536)
        if not data:
            self._eof = True
            return False
        self._buffer += data
        return True

    async def read_until(self, separator: bytes, limit: int) -> bytes | None:
        """Return bytes up to and including `separator`, or None at a clean EOF."""
        while (end := self._buffer.find(separator)) < 0:
            if len(self._buffer) > limit:
                raise BadHttpRequest("header too large")
            if self._eof or not await self._fill():
                if self._buffer:
                    raise asyncio.IncompleteReadError(bytes(self._buffer), None)
                return None
        end += len(separator)
        data = bytes(self._buffer[:end])
        del self._buffer[:end]
        return data

    async def read_exactly(self, size: int) -> bytes:
        """Return exactly `size` bytes."""
        while len(self._buffer) < size:
            if self._eof or not await self._fill():
                raise asyncio.IncompleteReadError(bytes(self._buffer), size)
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    async def run_unless_hangup(self, work: Awaitable[HttpResponse]) -> HttpResponse | None:
        """Run `work`; cancel it and return None if the client closes the connection meanwhile."""
        work_task = asyncio.ensure_future(work)
        while True:
            if self._eof:
                watch_task = None
                await work_task
                break
            watch_task = asyncio.ensure_future(self._fill())
            try:
                await asyncio.wait({work_task, watch_task}, return_when=asyncio.FIRST_COMPLETED)
            except asyncio.CancelledError:
                work_task.cancel()
                watch_task.cancel()
                raise
            if work_task.done():
                break
            if not watch_task.result():  # EOF: nobody is waiting for this answer any more
                work_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await work_task
                return None
            # Bytes of a pipelined request arrived; they stay buffered. Keep watching.
        if watch_task is not None and not watch_task.done():
            watch_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watch_task
        return work_task.result()


async def _read_request(reader: _BufferedReader) -> HttpRequest | None:
    head = await reader.read_until(b"\r\n\r\n", MAX_HEADER_BYTES)
    if head is None:
        return None
    lines = head.decode("latin-1").split("\r\n")
    try:
        method, target, _version = lines[0].split(" ", 2)
    except ValueError as exc:
        raise BadHttpRequest(f"bad request line {lines[0]!r}") from exc
    headers = _parse_header_lines(lines[1:])
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = await _read_chunked(reader)
    else:
        length = int(headers.get("content-length", "0") or 0)
        if length > MAX_BODY_BYTES:
            raise BadHttpRequest("body too large")
        body = await reader.read_exactly(length)
    url = urlsplit(target)
    try:
        params, files = parse_body(headers.get("content-type", ""), body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadHttpRequest(f"bad body: {exc}") from exc
    # Telegram accepts parameters in the query string too; the body wins.
    query: dict[str, object] = dict(parse_qsl(url.query, keep_blank_values=True))
    return HttpRequest(method.upper(), unquote(url.path), headers, body, query | params, files)


async def _read_chunked(reader: _BufferedReader) -> bytes:
    body = bytearray()
    while True:
        size_line = await reader.read_until(b"\r\n", MAX_HEADER_BYTES)
        if size_line is None:
            raise asyncio.IncompleteReadError(bytes(body), None)
        size = int(size_line.split(b";")[0].strip() or b"0", 16)
        if size == 0:
            await reader.read_until(b"\r\n", MAX_HEADER_BYTES)  # no trailers expected
            return bytes(body)
        body += await reader.read_exactly(size)
        await reader.read_exactly(2)
        if len(body) > MAX_BODY_BYTES:
            raise BadHttpRequest("body too large")


async def _write(writer: asyncio.StreamWriter, response: HttpResponse, keep_alive: bool) -> None:
    try:
        reason = HTTPStatus(response.status).phrase
    except ValueError:
        reason = "Unknown"
    head = (
        f"HTTP/1.1 {response.status} {reason}\r\n"
        f"Content-Type: {response.content_type}\r\n"
        f"Content-Length: {len(response.body)}\r\n"
        f"Connection: {'keep-alive' if keep_alive else 'close'}\r\n\r\n"
    )
    writer.write(head.encode("latin-1") + response.body)
    await writer.drain()
