"""A feed farm on loopback, in its own process (so its CPU is not counted against the client):
N feeds of M items (~2 KB each, so ~100 KB a feed with the default 50), ETag/Last-Modified and
304s, a few slow and failing feeds, and a control path that changes a share of the feeds.

    farm = Farm(feeds=1000, items=50); farm.start(); farm.url(i); farm.mutate(0.1); farm.stop()

With `real=True` the farm serves real outlets' saved feeds instead (benchmarks/realfeeds.py; run
`python -m benchmarks.realfeeds` first), byte for byte with their own content types: feed i is
real feed i mod n, at first with its newest 1-3 items held back; a mutation releases 1-3 of them,
so a changed feed gains items as a live one does, and every byte served is the outlet's own.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing as mp
import random
import re
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit
from urllib.request import urlopen
from xml.sax.saxutils import escape

TOPICS = [
    "The city council approved a new budget for public transport after a long debate",
    "Shares in technology companies rose as investors welcomed quarterly results",
    "Heavy rain caused flooding in several river valleys and closed mountain roads",
    "The national football team named a new coach ahead of the qualifying matches",
    "A new museum exhibition brings together paintings from private collections",
    "Farmers reported a strong harvest despite a dry spring in the southern provinces",
    "The central bank left interest rates unchanged and signalled caution on inflation",
    "Researchers published results of a long study on sleep and memory in adults",
]
NK_NEWS = [
    (
        "North Korea fires {n} short-range ballistic missiles into East Sea, JCS says",
        "North Korea launched {n} short-range ballistic missiles from near Pyongyang, South Korea's Joint Chiefs of Staff said. Japan said they fell outside its exclusive economic zone.",
    ),
    (
        "US envoy urges Pyongyang to return to denuclearization talks",
        "The US special representative for North Korea said Washington was ready for dialogue without preconditions after meeting officials in Seoul.",
    ),
]
FILLER = (
    "Officials said further details would be published later in the week. Local residents told "
    "reporters that they had followed the developments closely. Analysts expect the decision to "
    "shape the debate in the coming months, while critics called for more transparency. "
)


def _item(feed: int, k: int, now: datetime) -> str:
    rng = random.Random(feed * 100_003 + k)
    if rng.random() < 0.02:
        title, summary = rng.choice(NK_NEWS)
        n = rng.choice(["two", "three", "four"])
        title, summary = title.format(n=n), summary.format(n=n) + f" Report {feed}-{k}."
    else:
        title = f"{rng.choice(TOPICS)} ({feed}-{k})"
        summary = " ".join(rng.choice(TOPICS) + "." for _ in range(3)) + " " + FILLER * 6
    published = now - timedelta(minutes=k * 7 + rng.randint(0, 5))
    return (
        f"<item><title>{escape(title)}</title><link>https://farm.test/{feed}/{k}</link>"
        f"<guid isPermaLink='false'>farm-{feed}-{k}</guid><pubDate>{format_datetime(published)}</pubDate>"
        f"<description>{escape(summary)}</description></item>"
    )


_ENTRY = re.compile(rb"<(item|entry)[\s>].*?</\1\s*>", re.S)


def _held_back(body: bytes, hold: int) -> bytes:
    """The feed with its first `hold` items or entries cut out, every other byte as it was."""
    spans = [m.span() for m in _ENTRY.finditer(body)][:hold]
    for start, end in reversed(spans):
        body = body[:start] + body[end:]
    return body


class _State:
    def __init__(
        self, feeds: int, items: int, slow: float, failing: float, real: bool = False
    ) -> None:
        self.feeds, self.items = feeds, items
        self.real: list[tuple[bytes, str]] = []
        self.hold = [0] * feeds  # real feeds: how many of the newest items are held back
        if real:
            from benchmarks.realfeeds import available

            self.real = [(f.body(), f.content_type) for f in available()]
            if not self.real:
                raise SystemExit("no real feeds cached: run `python -m benchmarks.realfeeds`")
            pick = random.Random(11)
            for i in range(feeds):
                count = len(_ENTRY.findall(self.real[i % len(self.real)][0]))
                self.hold[i] = min(pick.randint(1, 3), max(count - 1, 0))
        self.first = [
            0
        ] * feeds  # feed i lists items first[i] .. first[i] + items - 1, newest first
        self.bodies: dict[int, tuple[bytes, str, str]] = {}
        self.lock = threading.Lock()
        rng = random.Random(7)
        self.slow = set(rng.sample(range(feeds), int(feeds * slow)))
        self.failing = set(rng.sample(range(feeds), int(feeds * failing)))
        self.now = datetime.now(UTC)
        self.types: dict[int, str] = {}
        # (arrived, answered, status) of every feed request, epoch seconds: `/_log` (timelines)
        self.log: list[tuple[float, float, int]] = []
        for i in range(feeds):
            self._render(i)

    def _render(self, i: int) -> None:
        if self.real:
            source, kind = self.real[i % len(self.real)]
            body = _held_back(source, self.hold[i])
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            self.bodies[i] = (body, etag, formatdate(time.time(), usegmt=True))
            self.types[i] = kind
            return
        top = self.first[i] + self.items
        body = (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Farm feed {i}</title><link>https://farm.test/{i}</link><description>farm</description>"
            + "".join(_item(i, k, self.now) for k in range(top - 1, top - 1 - self.items, -1))
            + "</channel></rss>"
        ).encode()
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        self.bodies[i] = (body, etag, formatdate(time.time(), usegmt=True))

    def mutate(self, share: float, seed: int) -> int:
        rng = random.Random(seed)
        chosen = rng.sample(range(self.feeds), int(self.feeds * share))
        with self.lock:
            self.now = datetime.now(UTC)
            for i in chosen:
                step = rng.randint(1, 3)
                self.first[i] += step
                self.hold[i] = max(self.hold[i] - step, 0)
                self._render(i)
        return len(chosen)


def _serve(
    feeds: int,
    items: int,
    slow: float,
    failing: float,
    real: bool,
    port_out: mp.Queue,  # type: ignore[type-arg]
) -> None:
    state = _State(feeds, items, slow, failing, real)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def _send(
            self, status: int, body: bytes = b"", headers: dict[str, str] | None = None
        ) -> None:
            self.send_response(status)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body:
                self.wfile.write(body)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path == "/_mutate":
                q = parse_qs(parts.query)
                n = state.mutate(float(q["share"][0]), int(q.get("seed", ["1"])[0]))
                self._send(200, str(n).encode())
                return
            if parts.path == "/_log":
                self._send(200, json.dumps(state.log).encode())
                return
            arrived = time.time()
            status = self._feed(parts.path)
            state.log.append((arrived, time.time(), status))

        def _feed(self, path: str) -> int:
            try:
                i = int(path.strip("/").split(".")[0].removeprefix("feed"))
                body, etag, modified = state.bodies[i]
            except (ValueError, KeyError):
                self._send(404)
                return 404
            if i in state.failing:
                self._send(500, b"farm: failing on purpose")
                return 500
            if i in state.slow:
                time.sleep(1.5)
            if self.headers.get("If-None-Match") == etag:
                self._send(304, headers={"ETag": etag, "Last-Modified": modified})
                return 304
            self._send(
                200,
                body,
                {
                    "Content-Type": state.types.get(i, "application/rss+xml"),
                    "ETag": etag,
                    "Last-Modified": modified,
                },
            )
            return 200

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 1024

        def handle_error(self, request: object, client_address: object) -> None:
            pass

    server = Server(("127.0.0.1", 0), Handler)
    port_out.put(server.server_address[1])
    server.serve_forever()


class Farm:
    def __init__(
        self,
        feeds: int = 1000,
        items: int = 50,
        slow: float = 0.01,
        failing: float = 0.01,
        real: bool = False,
    ) -> None:
        self.feeds, self.items = feeds, items
        if real:
            from benchmarks.realfeeds import available

            if not available():  # say so here, not in the farm's process
                raise SystemExit("no real feeds cached: run `python -m benchmarks.realfeeds`")
        self._queue: mp.Queue = mp.Queue()  # type: ignore[type-arg]
        self._proc = mp.Process(
            target=_serve, args=(feeds, items, slow, failing, real, self._queue), daemon=True
        )
        self.port = 0

    def start(self) -> Farm:
        self._proc.start()
        self.port = self._queue.get(timeout=300)
        return self

    @property
    def pid(self) -> int:
        return self._proc.pid or 0

    def url(self, i: int) -> str:
        return f"http://127.0.0.1:{self.port}/feed{i}.xml"

    def mutate(self, share: float, seed: int = 1) -> int:
        with urlopen(
            f"http://127.0.0.1:{self.port}/_mutate?share={share}&seed={seed}", timeout=120
        ) as r:
            return int(r.read())

    def requests(self) -> list[tuple[float, float, int]]:
        """(arrived, answered, status) of every feed request so far, epoch seconds."""
        with urlopen(f"http://127.0.0.1:{self.port}/_log", timeout=120) as r:
            return [tuple(x) for x in json.loads(r.read())]  # type: ignore[misc]

    def stop(self) -> None:
        self._proc.terminate()
        self._proc.join(timeout=10)
