"""Real local peers for the tests: a Slack Web API stand-in over HTTP on 127.0.0.1.

The real slack-sdk WebClient talks to it (base_url = stand-in URL). It implements the methods
newsbot calls, records every request, and can be told to fail the next calls in given ways.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl


@dataclass
class Failure:
    """One scripted answer: an HTTP status and/or a Slack error, with optional headers."""

    status: int = 200
    error: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None  # raw body (e.g. an HTML error page)
    accept: bool = False  # do the work (post the message), then answer with the failure
    reset: bool = False  # close the connection without any answer


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    token: str | None
    status: int
    ok: bool
    at: float = 0.0  # time.time() when the call arrived


class SlackStandIn:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.failures: list[Failure] = []
        self.messages: dict[str, list[dict[str, Any]]] = {}  # channel -> messages, as posted
        self.delay = 0.0
        self.history_error: str | None = None  # e.g. "missing_scope"
        self._lock = threading.Lock()
        self._ts = 0.0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8")
                if "json" in (self.headers.get("Content-Type") or ""):
                    args = json.loads(raw or "{}")
                else:
                    args = dict(parse_qsl(raw))
                method = (
                    "webhook" if self.path.startswith("/hooks/") else self.path.rsplit("/", 1)[-1]
                )
                auth = self.headers.get("Authorization") or ""
                token = auth.removeprefix("Bearer ") or None
                if outer.delay:
                    time.sleep(outer.delay)
                with outer._lock:
                    failure = outer.failures.pop(0) if outer.failures else None
                    if failure is not None and failure.accept:
                        outer._answer(method, args, None)
                    status, headers, body = outer._answer(method, args, failure)
                    ok = status == 200 and ('"ok": true' in body or body == "ok")
                    if failure is not None and failure.reset:
                        status, ok = 0, False
                    outer.calls.append(Call(method, args, token, status, ok, time.time()))
                if failure is not None and failure.reset:
                    self.close_connection = True
                    return
                data = body.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", headers.pop("Content-Type", "application/json"))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.handle_error = lambda request, address: None  # killed clients: expected
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _answer(
        self, method: str, args: dict[str, Any], failure: Failure | None
    ) -> tuple[int, dict[str, str], str]:
        if failure is not None:
            headers = dict(failure.headers)
            if failure.body is not None:
                headers.setdefault("Content-Type", "text/html")
                return failure.status, headers, failure.body
            return (
                failure.status,
                headers,
                json.dumps({"ok": False, "error": failure.error or "internal_error"}),
            )
        if method == "webhook":
            return 200, {"Content-Type": "text/plain"}, "ok"
        if method == "auth.test":
            return (
                200,
                {},
                json.dumps(
                    {
                        "ok": True,
                        "user_id": "UBOT",
                        "bot_id": "BBOT",
                        "team_id": "T0TEST",
                        "team": "Test",
                    }
                ),
            )
        if method in ("chat.postMessage", "chat.update"):
            if not args.get("channel"):
                return 200, {}, json.dumps({"ok": False, "error": "channel_not_found"})
            self._ts = max(self._ts + 0.001, time.time())  # real time, as Slack's ts are
            ts = args.get("ts") or f"{self._ts:.6f}"
            if method == "chat.postMessage":
                metadata = args.get("metadata")
                if isinstance(metadata, str):
                    metadata = json.loads(metadata)
                self.messages.setdefault(args["channel"], []).append(
                    {
                        "ts": ts,
                        "text": args.get("text"),
                        "thread_ts": args.get("thread_ts"),
                        "metadata": metadata,
                    }
                )
            return 200, {}, json.dumps({"ok": True, "channel": args["channel"], "ts": ts})
        if method in ("conversations.history", "conversations.replies"):
            if self.history_error:
                return 200, {}, json.dumps({"ok": False, "error": self.history_error})
            oldest = float(args.get("oldest") or 0)
            with_meta = str(args.get("include_all_metadata")).lower() in ("1", "true")
            found = []
            for m in self.messages.get(args.get("channel", ""), []):
                in_thread = m["thread_ts"] is not None
                if method == "conversations.history" and in_thread:
                    continue
                if (
                    method == "conversations.replies"
                    and m["thread_ts"] != args.get("ts")
                    and m["ts"] != args.get("ts")
                ):
                    continue
                if float(m["ts"]) < oldest:
                    continue
                out = {"type": "message", "ts": m["ts"], "text": m["text"]}
                if with_meta and m["metadata"]:
                    out["metadata"] = m["metadata"]
                found.append(out)
            return 200, {}, json.dumps({"ok": True, "messages": found[::-1], "has_more": False})
        return 200, {}, json.dumps({"ok": False, "error": "unknown_method"})

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/"

    def webhook_url(self, name: str = "T0/B0/secret") -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/{name}"

    def fail_next(self, *failures: Failure) -> None:
        with self._lock:
            self.failures.extend(failures)

    def posts(self) -> list[Call]:
        """Successful chat.postMessage calls."""
        with self._lock:
            return [c for c in self.calls if c.method == "chat.postMessage" and c.ok]

    def posts_by_key(self) -> dict[str, int]:
        """How many times each outbox key reached a channel (from the posts' metadata)."""
        counts: dict[str, int] = {}
        with self._lock:
            for messages in self.messages.values():
                for m in messages:
                    key = ((m["metadata"] or {}).get("event_payload") or {}).get("key")
                    if key:
                        counts[key] = counts.get(key, 0) + 1
        return counts

    def attempts(self, method: str = "chat.postMessage") -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def __enter__(self) -> SlackStandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
