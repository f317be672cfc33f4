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
import os
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from bot import runlock
from bot.poll.fetch import FeedClients, Fetched, fetch
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
        client: httpx.AsyncClient,
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


@dataclass
class EarlyStart:
    http: FeedClients
    fetches: dict[str, Fetcher] = field(default_factory=dict)
    lock: int | None = None  # the runner lock file's descriptor, until handed to the store

    def release_lock(self) -> None:
        if self.lock is not None:
            os.close(self.lock)  # the store takes it next (Store.hold_sole_runner)
            self.lock = None

    async def cancel(self) -> None:
        """Stop requests nobody took (the start failed, or a feed was not polled)."""
        self.release_lock()
        tasks = [f.task for f in self.fetches.values() if isinstance(f, EarlyFetch)]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.fetches.clear()


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


def start(config: Config) -> EarlyStart:
    """Build the HTTP clients and, where the database allows it, start the first requests: the
    first feeds in the config's order (the order a fresh process polls them in), at most
    `max_concurrency` in all and `per_host_concurrency` per host."""
    early = EarlyStart(make_http(config))
    path = sqlite_file(config.bot.database)
    if path is None or not config.feeds:
        return early
    early.lock = _take_lock(path)
    if early.lock is None:
        return early
    validators = read_validators(path)
    if validators is None:
        early.release_lock()
        return early
    bot = config.bot
    options = fetch_options(config, datetime.now(UTC))
    hosts: dict[str, int] = {}
    for feed in config.feeds:
        if len(early.fetches) >= bot.max_concurrency:
            break
        host = urlsplit(feed.url).hostname or ""
        if hosts.get(host, 0) >= bot.per_host_concurrency or feed.url in early.fetches:
            continue
        hosts[host] = hosts.get(host, 0) + 1
        etag, modified = validators.get(feed.url, (None, None))
        task = asyncio.create_task(_get(early.http, feed.url, etag, modified, options))
        task.add_done_callback(_retrieve)
        early.fetches[feed.url] = EarlyFetch(etag, modified, task)
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


def _retrieve(task: asyncio.Task[Fetched]) -> None:
    """A request's error reaches the poll that takes it; one nobody took is not reported."""
    if not task.cancelled():
        task.exception()
