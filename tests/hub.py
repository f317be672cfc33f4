"""A small WebSub hub for the tests: takes subscriptions, verifies the subscriber's intent with a
GET on its callback, and pushes signed content. Real sockets on 127.0.0.1, port 0."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode


@dataclass
class HubSubscription:
    topic: str
    callback: str
    secret: str
    lease_seconds: int
    verified: threading.Event = field(default_factory=threading.Event)
    challenge_echoed: bool = False


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except OSError:  # nobody at the callback
        return 0, ""


class LocalHub:
    """`with LocalHub() as hub:` then `hub.url`; `hub.requests` lists every subscribe form."""

    def __init__(self, lease_seconds: int | None = None) -> None:
        self.lease_seconds = lease_seconds  # what the hub grants; None: what was asked
        self.requests: list[dict[str, str]] = []
        self.subscriptions: dict[str, HubSubscription] = {}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                outer.requests.append(form)
                if form.get("hub.mode") != "subscribe" or "hub.callback" not in form:
                    self.send_response(400)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                asked = int(form.get("hub.lease_seconds", "864000"))
                sub = HubSubscription(
                    form["hub.topic"],
                    form["hub.callback"],
                    form.get("hub.secret", ""),
                    outer.lease_seconds or asked,
                )
                outer.subscriptions[sub.topic] = sub
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()
                # verification of intent, after the answer, as a hub does it
                threading.Thread(target=outer._verify, args=(sub,), daemon=True).start()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hub"

    def _verify(self, sub: HubSubscription) -> None:
        challenge = secrets.token_hex(8)
        query = urlencode(
            {
                "hub.mode": "subscribe",
                "hub.topic": sub.topic,
                "hub.challenge": challenge,
                "hub.lease_seconds": str(sub.lease_seconds),
            }
        )
        status, body = get(f"{sub.callback}?{query}")
        sub.challenge_echoed = status == 200 and body == challenge
        sub.verified.set()

    def push(
        self,
        topic: str,
        body: bytes,
        *,
        secret: str | None = None,
        method: str = "sha256",
        content_type: str = "application/rss+xml; charset=utf-8",
    ) -> int:
        """POST content to the topic's subscriber, signed with its secret (or `secret`)."""
        sub = self.subscriptions[topic]
        key = (sub.secret if secret is None else secret).encode()
        signature = hmac.new(key, body, getattr(hashlib, method)).hexdigest()
        request = urllib.request.Request(
            sub.callback,
            data=body,
            method="POST",
            headers={"Content-Type": content_type, "X-Hub-Signature": f"{method}={signature}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return int(response.status)
        except urllib.error.HTTPError as e:
            return e.code

    def __enter__(self) -> LocalHub:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
