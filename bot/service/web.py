"""Health and metrics over HTTP: /healthz, /readyz, /metrics, and WebSub callbacks
(/websub/<token>, when bot.public_url is set). A tiny asyncio server (stdlib)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Protocol
from urllib.parse import parse_qsl

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.service.metrics import Metrics

log = logging.getLogger("newsbot")
CALLBACK_PREFIX = "/websub/"
MAX_PUSH_BYTES = 10 * 1024 * 1024  # a pushed feed larger than this is refused (413)


class Callbacks(Protocol):
    """What answers the WebSub callback (bot/service/websub.py)."""

    def verify(self, token: str, params: Mapping[str, str]) -> tuple[int, str]: ...

    def push(
        self, token: str, headers: Mapping[str, str], body: bytes
    ) -> Awaitable[tuple[int, str]]: ...


class HealthServer:
    """Serves the three endpoints; `ready` returns (ok, reason)."""

    def __init__(
        self,
        metrics: Metrics,
        ready: Callable[[], tuple[bool, str]],
        websub: Callbacks | None = None,
    ) -> None:
        self.metrics = metrics
        self.ready = ready
        self.websub = websub  # None: /websub/ answers 404
        self.server: asyncio.Server | None = None

    async def start(self, host: str, port: int) -> int:
        self.server = await asyncio.start_server(self._handle, host, port)
        bound = int(self.server.sockets[0].getsockname()[1])
        log.info("health and metrics on http://%s:%d (/healthz, /readyz, /metrics)", host, bound)
        return bound

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await asyncio.wait_for(reader.readline(), timeout=5)
            headers: dict[str, str] = {}
            while (line := await asyncio.wait_for(reader.readline(), timeout=5)) not in (
                b"\r\n",
                b"\n",
                b"",
            ):
                name, _, value = line.decode("latin-1").partition(":")
                headers[name.strip().lower()] = value.strip()
            parts = request.decode("latin-1").split()
            path, _, query = parts[1].partition("?") if len(parts) >= 2 else ("", "", "")
            if path.startswith(CALLBACK_PREFIX) and self.websub is not None and parts:
                status, ctype, body = await self._callback(
                    parts[0], path.removeprefix(CALLBACK_PREFIX), query, headers, reader
                )
            elif parts and parts[0] not in ("GET", "HEAD"):
                status, ctype, body = 405, "text/plain", b"method not allowed\n"
            elif path == "/healthz":
                status, ctype, body = 200, "text/plain", b"ok\n"
            elif path == "/readyz":
                ok, reason = self.ready()
                status, ctype, body = (200 if ok else 503), "text/plain", (reason + "\n").encode()
            elif path == "/metrics":
                status, ctype, body = (
                    200,
                    CONTENT_TYPE_LATEST,
                    generate_latest(self.metrics.registry),
                )
            else:
                status, ctype, body = 404, "text/plain", b"not found\n"
            head = (
                f"HTTP/1.1 {status} {'OK' if status < 300 else 'Error'}\r\nContent-Type: {ctype}\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
            )
            writer.write(head.encode("latin-1") + (b"" if parts and parts[0] == "HEAD" else body))
            await writer.drain()
        except (TimeoutError, ConnectionError, UnicodeDecodeError, asyncio.IncompleteReadError):
            pass
        except ValueError:  # a line longer than the reader's limit (64 KB): not a request we serve
            with contextlib.suppress(ConnectionError):
                writer.write(
                    b"HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\n"
                    b"Connection: close\r\n\r\n"
                )
                await writer.drain()
        finally:
            writer.close()

    async def _callback(
        self,
        method: str,
        token: str,
        query: str,
        headers: dict[str, str],
        reader: asyncio.StreamReader,
    ) -> tuple[int, str, bytes]:
        """A hub's verification (GET) or a push (POST) on /websub/<token>."""
        assert self.websub is not None
        if method == "GET":
            status, text = self.websub.verify(token, dict(parse_qsl(query)))
            return status, "text/plain", text.encode()
        if method != "POST":
            return 405, "text/plain", b"method not allowed\n"
        length = headers.get("content-length", "")
        if not length.isdigit():
            return 411, "text/plain", b"a push needs a Content-Length\n"
        if int(length) > MAX_PUSH_BYTES:
            return 413, "text/plain", b"too large\n"
        body = await asyncio.wait_for(reader.readexactly(int(length)), timeout=30)
        status, text = await self.websub.push(token, headers, body)
        return status, "text/plain", text.encode()
