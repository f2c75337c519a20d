"""A loopback HTTP server that serves canned responses, for testing fetchers without the internet.

Use the `feed_server` fixture (import it into a test module or a conftest):

    feed_server.routes["/feed.xml"] = Route(body=b"<rss>...</rss>", etag='"v1"')
    result = await fetch(client, feed_server.url("/feed.xml"), allow_private=True)
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Route:
    """How to answer one path.

    `body` is bytes, or a zero-argument callable returning an iterator of chunks
    (for slow-drip or never-ending bodies). `redirect` sends a Location with
    `status` (302 unless set). `etag` / `last_modified` enable 304 answers.
    """

    body: bytes | Callable[[], Iterator[bytes]] = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/rss+xml; charset=utf-8"
    redirect: str | None = None
    etag: str | None = None
    last_modified: str | None = None


@dataclass
class SeenRequest:
    """A request the server received."""

    path: str
    headers: dict[str, str]


class FeedServer:
    """A threaded HTTP server on 127.0.0.1 answering from `routes` (path -> Route)."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[SeenRequest] = []
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def url(self, path: str) -> str:
        """Return the full URL of a path on this server."""
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> FeedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass  # keep test output clean

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                server.requests.append(SeenRequest(self.path, dict(self.headers.items())))
                route = server.routes.get(self.path)
                if route is None:
                    self._send(404, {"Content-Type": "text/plain"}, b"not found")
                    return
                if route.redirect is not None:
                    status = route.status if route.status in (301, 302, 303, 307, 308) else 302
                    self._send(status, {"Location": route.redirect}, b"")
                    return
                headers = {"Content-Type": route.content_type, **route.headers}
                if route.etag:
                    headers["ETag"] = route.etag
                if route.last_modified:
                    headers["Last-Modified"] = route.last_modified
                if (route.etag and self.headers.get("If-None-Match") == route.etag) or (
                    route.last_modified
                    and self.headers.get("If-Modified-Since") == route.last_modified
                ):
                    self._send(304, headers, b"")
                    return
                if callable(route.body):
                    self._send_stream(route.status, headers, route.body())
                else:
                    self._send(route.status, headers, route.body)

            def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                if status != 304 and "Content-Length" not in headers:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _send_stream(
                self, status: int, headers: dict[str, str], chunks: Iterator[bytes]
            ) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Transfer-Encoding", "chunked")
                self.send_header("Connection", "close")
                self.end_headers()
                try:
                    for chunk in chunks:
                        if chunk:
                            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                            self.wfile.flush()
                    self.wfile.write(b"0\r\n\r\n")
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up, as it should on an endless body
                self.close_connection = True

        return Handler


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """Yield a running loopback FeedServer; stop it after the test."""
    server = FeedServer().start()
    try:
        yield server
    finally:
        server.stop()
