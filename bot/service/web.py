"""Health and metrics over HTTP: /healthz, /readyz, /metrics. A tiny asyncio server (stdlib)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.service.metrics import Metrics

log = logging.getLogger("newsbot")


class HealthServer:
    """Serves the three endpoints; `ready` returns (ok, reason)."""

    def __init__(self, metrics: Metrics, ready: Callable[[], tuple[bool, str]]) -> None:
        self.metrics = metrics
        self.ready = ready
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
            while (await asyncio.wait_for(reader.readline(), timeout=5)) not in (
                b"\r\n",
                b"\n",
                b"",
            ):
                pass
            parts = request.decode("latin-1").split()
            path = parts[1].split("?", 1)[0] if len(parts) >= 2 else ""
            if parts and parts[0] not in ("GET", "HEAD"):
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
                f"HTTP/1.1 {status} {'OK' if status == 200 else 'Error'}\r\nContent-Type: {ctype}\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
            )
            writer.write(head.encode("latin-1") + (b"" if parts and parts[0] == "HEAD" else body))
            await writer.drain()
        except (TimeoutError, ConnectionError, UnicodeDecodeError):
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
