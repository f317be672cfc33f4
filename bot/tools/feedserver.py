"""A small threaded HTTP server that serves feeds with ETag/Last-Modified and answers 304.

Used by `newsbot demo` (bundled sample feeds), by the tests and by the benchmarks as the local
feed peer. Routes can be changed while it runs; every request is logged for assertions.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    body: bytes = b""
    content_type: str = "application/rss+xml; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    etag: bool = True  # send ETag / Last-Modified and honour conditional requests
    delay: float = 0.0  # seconds before answering
    last_modified: float = field(default_factory=time.time)


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        """Clients that hang up early (timeouts, size caps) are expected; say nothing."""


@dataclass(frozen=True)
class Request:
    path: str
    headers: dict[str, str]
    status: int
    client: tuple[str, int] = ("", 0)  # the client's address and port: one port, one connection


class FeedServer:
    """`with FeedServer() as server:` then `server.url("/feed.xml")`; binds 127.0.0.1, port 0."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                route = outer.routes.get(path)
                status = 404 if route is None else route.status
                if route is not None and route.delay:
                    time.sleep(route.delay)
                headers = {"Content-Type": "text/plain"}
                body = b"not found"
                if route is not None:
                    body = route.body
                    headers = {"Content-Type": route.content_type, **route.headers}
                    if route.etag and status == 200:
                        tag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
                        headers["ETag"] = tag
                        headers["Last-Modified"] = formatdate(route.last_modified, usegmt=True)
                        if self.headers.get("If-None-Match") == tag:
                            status, body = 304, b""
                with outer._lock:
                    outer.requests.append(
                        Request(path, dict(self.headers.items()), status, self.client_address)
                    )
                self.send_response(status)
                for name, value in headers.items():
                    if status == 304 and name.lower() == "content-type":
                        continue
                    self.send_header(name, value)
                if "Content-Length" not in headers:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if status != 304:
                    self.wfile.write(body)

        self.server = _QuietServer((host, 0), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def set(self, path: str, body: bytes | str, **options: object) -> str:
        """Serve `body` at `path` (replacing what was there); returns the full URL."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[path] = Route(body=data, **options)  # type: ignore[arg-type]
        return self.url(path)

    def hits(self, path: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def start(self) -> FeedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> FeedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
