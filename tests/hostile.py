"""A raw-socket HTTP server for hostile answers that http.server cannot give: endless bodies,
one byte per second, gzip bombs, redirect loops. Each path names its behaviour."""

from __future__ import annotations

import functools
import gzip
import io
import socket
import threading
import time

BOMB_SIZE = 200 * 1024 * 1024  # 200 MB of zeros, gzipped to ~200 KB


@functools.cache
def _gzip_bomb() -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9) as f:
        chunk = b"\0" * (1024 * 1024)
        for _ in range(BOMB_SIZE // len(chunk)):
            f.write(chunk)
    return buf.getvalue()


# Answers with server-supplied values that once escaped as exceptions (each left its feed leased
# with no error in `status`)
HOSTILE_ANSWERS = {
    "/retry-huge": b"HTTP/1.1 503 Busy\r\nRetry-After: 99999999999999\r\nContent-Length: 0\r\n\r\n",
    "/retry-9999": b"HTTP/1.1 429 Slow down\r\nRetry-After: Fri, 31 Dec 9999 23:59:59 GMT\r\n"
    b"Content-Length: 0\r\n\r\n",
    "/to-javascript": b"HTTP/1.1 302 Found\r\nLocation: javascript:alert(1)\r\nContent-Length: 0\r\n\r\n",
    "/to-bad-port": b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:99999/feed\r\n"
    b"Content-Length: 0\r\n\r\n",
    "/to-bad-ipv6": b"HTTP/1.1 302 Found\r\nLocation: http://[::1/feed\r\nContent-Length: 0\r\n\r\n",
}


class HostileServer:
    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(32)
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        # built before the first request: compressing 200 MB takes seconds on a loaded machine,
        # which a client with a short read timeout would see as a silent server
        self._bomb = _gzip_bomb()
        self.bytes_sent: dict[str, int] = {}
        threading.Thread(target=self._serve, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _serve(self) -> None:
        try:
            self.sock.settimeout(0.5)
        except OSError:  # closed before this thread got going
            return
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _send(self, conn: socket.socket, path: str, data: bytes) -> None:
        conn.sendall(data)
        self.bytes_sent[path] = self.bytes_sent.get(path, 0) + len(data)

    def _handle(self, conn: socket.socket) -> None:
        try:
            request = b""
            while b"\r\n\r\n" not in request:
                part = conn.recv(4096)
                if not part:
                    return
                request += part
            path = request.split(b" ", 2)[1].decode()
            if path == "/endless":  # no Content-Length, never ends
                self._send(
                    conn,
                    path,
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nConnection: close\r\n\r\n<rss><channel>",
                )
                chunk = b"<item><title>x</title></item>" * 2000
                while not self.stop.is_set():
                    self._send(conn, path, chunk)
            elif path == "/huge-declared":  # says 200 MB up front
                self._send(
                    conn,
                    path,
                    f"HTTP/1.1 200 OK\r\nContent-Length: {200 * 1024 * 1024}\r\nContent-Type: application/rss+xml\r\n\r\n".encode(),
                )
                self._send(conn, path, b"<rss>" + b" " * 65536)
            elif path == "/trickle":  # one byte a second
                self._send(
                    conn,
                    path,
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nConnection: close\r\n\r\n",
                )
                for byte in b"<rss><channel><title>slow</title></channel></rss>":
                    if self.stop.is_set():
                        break
                    self._send(conn, path, bytes([byte]))
                    time.sleep(1)
            elif path == "/gzip-bomb":
                self._send(
                    conn,
                    path,
                    (
                        "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Encoding: gzip\r\n"
                        f"Content-Length: {len(self._bomb)}\r\nConnection: close\r\n\r\n"
                    ).encode()
                    + self._bomb,
                )
            elif path in ("/gzip-gzip", "/gzip-bomb-small"):
                # the bomb gzipped once more (a few KB), or one 1 MB-cap-sized single layer
                body, encoding = (
                    (gzip.compress(self._bomb, 9), "gzip, gzip")
                    if path == "/gzip-gzip"
                    else (self._bomb, "gzip")
                )
                self._send(
                    conn,
                    path,
                    (
                        "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n"
                        f"Content-Encoding: {encoding}\r\nContent-Length: {len(body)}\r\n"
                        "Connection: close\r\n\r\n"
                    ).encode()
                    + body,
                )
            elif path.startswith("/loop"):  # /loop1 -> /loop2 -> /loop1 ...
                nxt = "/loop2" if path == "/loop1" else "/loop1"
                self._send(
                    conn,
                    path,
                    f"HTTP/1.1 302 Found\r\nLocation: {nxt}\r\nContent-Length: 0\r\n\r\n".encode(),
                )
            elif path in HOSTILE_ANSWERS:
                self._send(conn, path, HOSTILE_ANSWERS[path])
            elif path == "/to-metadata":
                self._send(
                    conn,
                    path,
                    b"HTTP/1.1 302 Found\r\nLocation: http://169.254.169.254/latest/meta-data/\r\nContent-Length: 0\r\n\r\n",
                )
            else:
                self._send(conn, path, b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
        except OSError:
            pass
        finally:
            conn.close()

    def stacked_size(self) -> int:
        return len(gzip.compress(self._bomb, 9))

    def close(self) -> None:
        self.stop.set()
        self.sock.close()
