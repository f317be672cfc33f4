"""`run --once`: the first requests go out while the rest of the bot loads.

Loading the store (SQLAlchemy), the pipeline and Slack costs most of a second of CPU, and the
first poll's requests need none of it: only the feeds' URLs and the validators (ETag,
Last-Modified) of their last answers. This module needs nothing heavier than httpx and the
standard library. It reads the validators from the SQLite file, read-only, and starts the first
feeds' conditional GETs (within the global and per-host limits) before the pipeline is imported.

The store stays the one source of truth. The pipeline hands each feed's poll the validators the
store has for it (`EarlyFetch.__call__`). A request sent with the same ones stands. Otherwise it
is cancelled and the feed is fetched again. For PostgreSQL, a database URL other than a plain
`sqlite:///path`, or a file this process cannot read, nothing starts early and the bot starts
as before.

Two processes must not poll one SQLite file (`Store.hold_sole_runner`). So the early requests
start only after this module has taken that lock file's lock. It hands the lock back just before
the store takes it (`EarlyStart.release_lock`). When another newsbot holds it, nothing starts
early, and the store's own check says who holds it.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import json
import os
import sqlite3
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

from bot import runlock
from bot.poll.fetch import FeedClient, FeedClients, Fetched, fetch
from bot.poll.held import HeldBodies, Ticket
from bot.service.config import Config

Fetcher = Callable[..., Awaitable[Fetched]]


def make_http(config: Config) -> FeedClients:
    """The bot's HTTP clients, as the config says (the one place they are built)."""
    bot = config.bot
    return FeedClients(
        connect_timeout=bot.connect_timeout.total_seconds(),
        read_timeout=bot.read_timeout.total_seconds(),
        max_connections=bot.max_concurrency,
    )


def fetch_options(config: Config, now: datetime) -> dict[str, Any]:
    """`fetch`'s keyword arguments other than the URL and the validators."""
    bot = config.bot
    return {
        "max_bytes": bot.max_feed_bytes,
        "deadline": (bot.connect_timeout + bot.read_timeout).total_seconds(),
        "now": now,
        "max_redirects": bot.max_redirects,
        "allow_private": bot.allow_private_networks,
    }


@dataclass
class EarlyFetch:
    """A request already sent, with the validators it carried; called as `fetch` is."""

    etag: str | None
    last_modified: str | None
    task: asyncio.Task[Fetched]

    async def __call__(
        self,
        client: FeedClient,
        url: str,
        *,
        etag: str | None,
        last_modified: str | None,
        **options: Any,
    ) -> Fetched:
        if (etag, last_modified) == (self.etag, self.last_modified):
            return await self.task
        self.task.cancel()  # sent with other validators than the store has: ask again
        return await fetch(client, url, etag=etag, last_modified=last_modified, **options)


def _host(url: str) -> str:
    return urlsplit(url).hostname or ""


class Slots:
    """Requests in flight, in all and per host, within the config's bounds (max_concurrency,
    per_host_concurrency). The early requests hold them, and so does a request the pipeline
    sends while early ones are still out (`Gated`): the two together never exceed the bounds."""

    def __init__(self, total: int, per_host: int) -> None:
        self.total, self.per_host = total, per_host
        self.in_flight = 0
        self.hosts: Counter[str] = Counter()
        self._waiters: list[asyncio.Future[None]] = []

    def free(self, host: str) -> bool:
        return self.in_flight < self.total and self.hosts[host] < self.per_host

    def take(self, host: str) -> None:
        self.in_flight += 1
        self.hosts[host] += 1

    def give(self, host: str) -> None:
        self.in_flight -= 1
        self.hosts[host] -= 1
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def acquire(self, host: str) -> None:
        while not self.free(host):
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            await waiter
        self.take(host)


@dataclass
class Gated:
    """The pipeline's own request for a feed the early start had not reached when the pipeline
    took over (`EarlyStart.handover`): it waits for a slot while early requests are out."""

    slots: Slots
    took: dict[str, float]

    async def __call__(self, client: FeedClient, url: str, **options: Any) -> Fetched:
        host = _host(url)
        await self.slots.acquire(host)
        started = time.monotonic()
        try:
            return await fetch(client, url, **options)
        finally:
            self.took[url] = time.monotonic() - started
            self.slots.give(host)


@dataclass
class EarlyStart:
    """The early requests, sent in the config's order within the concurrency bounds. Each one
    answered starts the next until the pipeline takes over (`handover`), so a warm run's
    conditional GETs go on while the store and the pipeline load, not after."""

    http: FeedClients
    fetches: dict[str, Fetcher] = field(default_factory=dict)
    lock: int | None = None  # the runner lock file's descriptor, until handed to the store
    slots: Slots = field(default_factory=lambda: Slots(1, 1))
    # requests out and bodies (changed feeds) answered and not yet taken, within the bounds of
    # bot/poll/held.py: a cold run does not hold every feed in memory while loading
    held: HeldBodies = field(default_factory=lambda: HeldBodies.for_slots(1))
    validators: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    options: Callable[[], dict[str, Any]] = dict
    queues: dict[str, deque[tuple[int, str]]] = field(default_factory=dict)
    # (config position of its next feed, host) of every host with feeds left and a free slot
    ready: list[tuple[int, str]] = field(default_factory=list)
    stopped: bool = False
    active: bool = False  # requests were started early (a plain SQLite database)
    took: dict[str, float] = field(default_factory=dict)  # seconds each fetch took, by URL
    # called once, when the first answer with a body (a changed feed) comes in: `run --once`
    # starts the parsing workers then, while the rest of the bot is still loading
    on_body: Callable[[], None] | None = None

    def release_lock(self) -> None:
        if self.lock is not None:
            os.close(self.lock)  # the store takes it next (Store.hold_sole_runner)
            self.lock = None

    def queue(self, urls: list[str]) -> None:
        """Feeds to ask early, in this order (each URL once), then send the first ones."""
        self.active = True
        for position, url in enumerate(dict.fromkeys(urls)):
            self.queues.setdefault(_host(url), deque()).append((position, url))
        self.ready = [(q[0][0], host) for host, q in self.queues.items()]
        heapq.heapify(self.ready)
        self._fill()

    def _fill(self) -> None:
        slots, held = self.slots, self.held
        while self.ready and not self.stopped and slots.in_flight < slots.total and held.room():
            _, host = heapq.heappop(self.ready)
            left = self.queues[host]
            _, url = left.popleft()
            self._send(url, host)
            if left and slots.hosts[host] < slots.per_host:
                heapq.heappush(self.ready, (left[0][0], host))

    def _send(self, url: str, host: str) -> None:
        self.slots.take(host)
        ticket = self.held.take()
        etag, modified = self.validators.get(url, (None, None))
        task = asyncio.create_task(_get(self.http, url, etag, modified, self.options()))
        started = time.monotonic()
        task.add_done_callback(lambda done: self._answered(done, url, host, started, ticket))
        self.fetches[url] = EarlyFetch(etag, modified, task)

    def _answered(
        self, task: asyncio.Task[Fetched], url: str, host: str, started: float, ticket: Ticket
    ) -> None:
        """A request's error reaches the poll that takes it; one nobody took is not reported."""
        if task.cancelled():
            self.slots.give(host)
            self.held.leave(ticket)
            return
        self.took[url] = time.monotonic() - started
        body = task.result().body if task.exception() is None else None
        if body is None:
            self.held.leave(ticket)  # a 304 or an error holds nothing
        else:
            ticket.hold(len(body))  # held until the pipeline takes it
            hook, self.on_body = self.on_body, None
            if hook is not None:
                hook()
        self.slots.give(host)
        left = self.queues.get(host)
        if left and self.slots.hosts[host] == self.slots.per_host - 1:
            heapq.heappush(self.ready, (left[0][0], host))  # the host had no free slot before
        self._fill()

    def handover(self, urls: list[str]) -> None:
        """The pipeline polls from here on: no more early requests; a feed not asked yet is
        fetched by the pipeline, within the slots the early requests still out hold."""
        self.stopped = True
        gated = Gated(self.slots, self.took)
        for url in urls:
            self.fetches.setdefault(url, gated)

    def slowest(self) -> dict[str, float] | None:
        """The fetches of this run that took SLOW seconds or more (the MAX_SLOW slowest), for
        the store to keep (`Store.record_slow_feeds`); None when nothing started early."""
        if not self.active:
            return None
        slow = sorted(((s, url) for url, s in self.took.items() if s >= SLOW), reverse=True)
        return {url: s for s, url in slow[:MAX_SLOW]}

    async def cancel(self) -> None:
        """Stop requests nobody took (the start failed, or a feed was not polled)."""
        self.release_lock()
        self.stopped = True
        tasks = [f.task for f in self.fetches.values() if isinstance(f, EarlyFetch)]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.fetches.clear()


SLOW = 0.5  # seconds: a fetch that took longer starts first in the next run --once
MAX_SLOW = 100


def sqlite_file(database: str) -> str | None:
    """The file of a plain `sqlite:///path` URL; None for anything else (PostgreSQL, URI
    options, memory), which starts the usual way."""
    if not database.startswith("sqlite:///"):
        return None
    path = database.removeprefix("sqlite:///")
    if not path or "?" in path or path.startswith(("file:", ":memory:")):
        return None
    return path


def _take_lock(path: str) -> int | None:
    """The runner lock (`<database>.lock`, as Store.hold_sole_runner takes it), or None when
    another process holds it or it cannot be taken here."""
    try:
        return runlock.acquire(f"{path}.lock")
    except OSError:
        return None


def read_validators(path: str) -> dict[str, tuple[str | None, str | None]] | None:
    """(ETag, Last-Modified) by feed URL, read-only; {} for a database not created yet, None
    when the file cannot be read here (then nothing starts early)."""
    if not os.path.exists(path):
        return {}
    try:
        db = sqlite3.connect(f"file:{quote(os.path.abspath(path))}?mode=ro", uri=True, timeout=1)
        with contextlib.closing(db):
            rows = db.execute("SELECT url, etag, last_modified FROM feeds").fetchall()
    except sqlite3.Error:
        return None
    return {url: (etag, modified) for url, etag, modified in rows}


def read_slow_feeds(path: str) -> dict[str, float]:
    """Seconds the slow feeds' last fetches took (Store.record_slow_feeds), read-only; {} when
    there is no such note or it cannot be read (it only orders the requests)."""
    try:
        db = sqlite3.connect(f"file:{quote(os.path.abspath(path))}?mode=ro", uri=True, timeout=1)
        with contextlib.closing(db):
            row = db.execute("SELECT value FROM meta WHERE key = 'slow_feeds'").fetchone()
        data = json.loads(row[0]) if row else {}
    except (sqlite3.Error, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        url: float(s)
        for url, s in data.items()
        if isinstance(s, int | float) and not isinstance(s, bool)
    }


def start(config: Config, on_body: Callable[[], None] | None = None) -> EarlyStart:
    """Build the HTTP clients and, where the database allows it, start the first requests: the
    feeds in the config's order (the order a fresh process polls them in), those that were slow
    last time first, at most `max_concurrency` at a time and `per_host_concurrency` per host,
    each answer starting the next feed's request until the pipeline takes over. `on_body` is
    called at the first answer that brings a body (EarlyStart.on_body)."""
    bot = config.bot
    early = EarlyStart(
        make_http(config),
        slots=Slots(bot.max_concurrency, bot.per_host_concurrency),
        held=HeldBodies.for_slots(bot.max_concurrency),
        on_body=on_body,
    )
    path = sqlite_file(bot.database)
    if path is None or not config.feeds:
        return early
    early.lock = _take_lock(path)
    if early.lock is None:
        return early
    validators = read_validators(path)
    if validators is None:
        early.release_lock()
        return early
    early.validators = validators
    early.options = lambda: fetch_options(config, datetime.now(UTC))
    # the feeds that were slow last time first, the slowest first: each overlaps the others
    # instead of ending the run late; the rest in the config's order
    slow = read_slow_feeds(path) if validators else {}
    early.queue(sorted((feed.url for feed in config.feeds), key=lambda u: -slow.get(u, 0.0)))
    return early


async def _get(
    http: FeedClients,
    url: str,
    etag: str | None,
    last_modified: str | None,
    options: dict[str, Any],
) -> Fetched:
    with http.client_for(url) as client:
        return await fetch(client, url, etag=etag, last_modified=last_modified, **options)
