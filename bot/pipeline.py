"""One poll cycle, stage by stage, and the outbox's delivery loop.

    claim due feeds -> fetch (httpx) -> parse (feedparser) -> classify (rule packs)
      -> dedupe (seen keys) -> route (channels) -> format (Block Kit) -> outbox (store)
    outbox -> deliver (Slack or console), paced per channel, retried until Slack says ok

Pure stages do the deciding; this module only sequences them and does the I/O. Time comes from
the `clock` given to the constructor, and waiting goes through the `sleep` given to it.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import httpx

from bot.classify import classify
from bot.config import Config, FeedConfig
from bot.dedupe import item_keys
from bot.errors import DeliveryError, FeedFetchError, FeedParseError, StoreError
from bot.fetch import fetch
from bot.format import format_alert
from bot.models import Alert, Classification, Item
from bot.parse import parse_feed
from bot.route import Router
from bot.slack import Notifier
from bot.store import FeedState, NewEntry, Store

log = logging.getLogger("newsbot")

Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]
LEASE = timedelta(minutes=10)


def next_check(now: datetime, interval: timedelta, jitter: float, rng: random.Random) -> datetime:
    """The next poll: one interval on, spread by +-jitter so feeds do not move in lockstep."""
    spread = 1.0 + rng.uniform(-jitter, jitter) if jitter else 1.0
    result: datetime = now + interval * spread
    return result


def backoff(
    now: datetime,
    interval: timedelta,
    failures: int,
    retry_after: float | None,
    max_backoff: timedelta,
) -> datetime:
    """After the n-th consecutive failure: interval x 2^(n-1), capped, never before Retry-After."""
    grown: timedelta = interval * (2 ** min(max(failures - 1, 0), 20))
    delay = min(grown, max(max_backoff, interval))
    if retry_after is not None:
        delay = max(delay, timedelta(seconds=retry_after))
    return now + delay


def delivery_backoff(attempts: int) -> timedelta:
    """Wait before retrying a failed delivery: 5 s, 10 s, 20 s ... capped at 10 minutes."""
    delay: timedelta = timedelta(seconds=5) * (2 ** min(max(attempts - 1, 0), 10))
    return min(delay, timedelta(minutes=10))


def alert_key(channel: str, item_key: str) -> str:
    return f"{item_key}:{channel}"[:120]


@dataclass
class PollOutcome:
    feed: str
    status: str  # "new" | "unchanged" | "error"
    items: int = 0
    new_items: int = 0
    alerts: int = 0
    error: str | None = None


@dataclass
class DeliveryStats:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    rate_limited: int = 0
    errors: list[str] = field(default_factory=list)


def _item_row(item: Item, key: str, c: Classification, now: datetime) -> dict[str, object]:
    return {
        "key": key,
        "feed_url": item.feed_url,
        "feed_name": item.feed_name,
        "item_id": item.item_id,
        "url": item.url,
        "title": item.title,
        "summary": item.summary,
        "published": item.published,
        "labels": json.dumps(
            {
                "labels": list(c.labels),
                "scores": dict(c.scores),
                "evidence": {k: list(v) for k, v in c.evidence.items()},
            }
        ),
        "first_seen": now,
    }


def plan_entries(
    items: Sequence[Item],
    config: Config,
    router: Router,
    *,
    now: datetime,
    first_poll: bool,
) -> list[NewEntry]:
    """Classify, route and format each item (pure): what the store should record for it."""
    backfill_from = now - config.bot.backfill
    entries = []
    for item in items:
        keys = item_keys(item)
        c = classify(config.packs, item.title, item.summary)
        if not c.labels:
            entries.append(NewEntry(keys=keys, item=None, alerts=()))
            continue
        may_alert = not first_poll or (
            config.bot.backfill > timedelta(0) and item.dated and item.published >= backfill_from
        )
        alerts = []
        if may_alert:
            for channel, labels in router.route(item, c):
                alert = Alert(
                    channel=channel,
                    key=alert_key(channel, keys[0]),
                    item=item,
                    labels=labels,
                    classification=c,
                )
                alerts.append((alert.key, channel, format_alert(alert)))
        entries.append(
            NewEntry(keys=keys, item=_item_row(item, keys[0], c, now), alerts=tuple(alerts))
        )
    return entries


class Pipeline:
    """Polls feeds into the store and drains the outbox. Collaborators are passed in."""

    def __init__(
        self,
        config: Config,
        *,
        store: Store,
        http: httpx.AsyncClient,
        notifier: Notifier,
        clock: Clock,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
        owner: str = "newsbot",
    ) -> None:
        self.config = config
        self.store = store
        self.http = http
        self.notifier = notifier
        self.clock = clock
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.owner = owner
        self.router = Router(config.channels)
        self._global = asyncio.Semaphore(config.bot.max_concurrency)
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._logged_problems: set[tuple[str, str]] = set()
        self._last_post: dict[str, datetime] = {}
        self._paused: dict[str, datetime] = {}
        self._deliver_lock = asyncio.Lock()
        self.last_tick: datetime | None = None

    # -- polling ---------------------------------------------------------------------------

    def sync_feeds(self) -> None:
        """Register configured feeds; at start a lone process takes back its old leases."""
        self.store.sync_feeds(
            [(f.url, f.name) for f in self.config.feeds], self.clock(), reclaim_all=True
        )

    async def tick(self) -> list[PollOutcome]:
        """Claim the feeds now due and poll them concurrently."""
        now = self.clock()
        self.last_tick = now
        by_url = {f.url: f for f in self.config.feeds}
        claimed = self.store.claim_due(list(by_url), now, now + LEASE, self.owner)
        return await self._poll_many([(by_url[s.url], s) for s in claimed])

    async def poll_all(self) -> list[PollOutcome]:
        """Poll every configured feed once, due or not (`run --once`)."""
        self.sync_feeds()
        states = {s.url: s for s in self.store.feed_states([f.url for f in self.config.feeds])}
        return await self._poll_many([(f, states[f.url]) for f in self.config.feeds])

    async def _poll_many(self, work: Sequence[tuple[FeedConfig, FeedState]]) -> list[PollOutcome]:
        if not work:
            return []
        return list(await asyncio.gather(*(self._poll_limited(f, s) for f, s in work)))

    async def _poll_limited(self, feed: FeedConfig, state: FeedState) -> PollOutcome:
        host = urlsplit(feed.url).hostname or ""
        host_limit = self._hosts.setdefault(
            host, asyncio.Semaphore(self.config.bot.per_host_concurrency)
        )
        async with self._global, host_limit:
            try:
                return await self.poll_feed(feed, state)
            except StoreError as e:
                log.error("feed %r: could not record the poll: %s", feed.name, e)
                return PollOutcome(feed.name, "error", error=str(e))

    async def poll_feed(self, feed: FeedConfig, state: FeedState) -> PollOutcome:
        """Fetch, parse, classify and record one feed. Never raises for feed problems."""
        bot = self.config.bot
        interval = self.config.interval_for(feed)
        now = self.clock()
        try:
            fetched = await fetch(
                self.http,
                feed.url,
                etag=state.etag,
                last_modified=state.last_modified,
                max_bytes=bot.max_feed_bytes,
                deadline=(bot.connect_timeout + bot.read_timeout).total_seconds(),
                now=now,
            )
            now = self.clock()
            if fetched.body is None:
                self.store.record_unchanged(
                    feed.url, now, next_check(now, interval, bot.jitter, self.rng)
                )
                return PollOutcome(feed.name, "unchanged")
            body_hash = hashlib.sha256(fetched.body).hexdigest()
            if body_hash == state.body_hash:
                self.store.record_unchanged(
                    feed.url, now, next_check(now, interval, bot.jitter, self.rng)
                )
                return PollOutcome(feed.name, "unchanged")
            parsed = await asyncio.to_thread(
                parse_feed,
                fetched.body,
                url=feed.url,
                feed_name=feed.name,
                now=now,
                content_type=fetched.content_type,
            )
        except (FeedFetchError, FeedParseError) as e:
            return self._failed(feed, state, e, interval)
        if parsed.problem and (feed.url, parsed.problem) not in self._logged_problems:
            self._logged_problems.add((feed.url, parsed.problem))
            log.warning(
                "feed %r (%s) is not well-formed but yielded %d entries; using them. Reason: %s",
                feed.name,
                feed.url,
                len(parsed.items),
                parsed.problem,
            )
        first_poll = state.first_success_at is None
        entries = plan_entries(
            parsed.items, self.config, self.router, now=now, first_poll=first_poll
        )
        result = self.store.ingest(
            feed.url,
            now,
            next_check(now, interval, bot.jitter, self.rng),
            etag=fetched.etag,
            last_modified=fetched.last_modified,
            body_hash=body_hash,
            entries=entries,
        )
        if first_poll:
            log.info(
                "feed %r: first poll, %d entries recorded; only those newer than backfill=%s may alert",
                feed.name,
                len(parsed.items),
                bot.backfill,
            )
        if state.failures:
            log.info("feed %r recovered after %d failed polls", feed.name, state.failures)
        return PollOutcome(
            feed.name,
            "new",
            items=len(parsed.items),
            new_items=result.new_items,
            alerts=result.alerts_queued,
        )

    def _failed(
        self,
        feed: FeedConfig,
        state: FeedState,
        e: FeedFetchError | FeedParseError,
        interval: timedelta,
    ) -> PollOutcome:
        now = self.clock()
        failures = state.failures + 1
        retry_after = e.retry_after if isinstance(e, FeedFetchError) else None
        when = backoff(now, interval, failures, retry_after, self.config.bot.max_backoff)
        self.store.record_failure(feed.url, now, str(e.reason), when)
        log.warning(
            "feed %r failed (%s); failure %d in a row, next try at %s. Check the URL in %s or remove the feed.",
            feed.name,
            e,
            failures,
            when.strftime("%H:%M:%S UTC"),
            self.config.path,
        )
        return PollOutcome(feed.name, "error", error=e.reason)

    # -- delivery --------------------------------------------------------------------------

    async def deliver_due(self) -> DeliveryStats:
        """Send every alert that is due, paced per channel; failures are rescheduled, not lost."""
        async with self._deliver_lock:
            stats = DeliveryStats()
            pace = self.config.slack.pace
            while True:
                now = self.clock()
                batch = self.store.due_deliveries(now)
                batch = [d for d in batch if self._paused.get(d.channel, now) <= now]
                if not batch:
                    return stats
                for d in batch:
                    now = self.clock()
                    if self._paused.get(d.channel, now) > now:
                        continue
                    last = self._last_post.get(d.channel)
                    if last is not None and pace:
                        wait = (last + pace - now).total_seconds()
                        if wait > 0:
                            await self.sleep(wait)
                    self.store.mark_attempt(d.id)
                    try:
                        ts = await asyncio.to_thread(self.notifier.post, d.channel, d.message)
                    except DeliveryError as e:
                        now = self.clock()
                        self._last_post[d.channel] = now
                        self._delivery_failed(d.id, d.attempts + 1, d.channel, e, now, stats)
                        continue
                    now = self.clock()
                    self._last_post[d.channel] = now
                    self.store.mark_sent(d.id, now, ts)
                    stats.sent += 1

    def _delivery_failed(
        self,
        delivery_id: int,
        attempts: int,
        channel: str,
        e: DeliveryError,
        now: datetime,
        stats: DeliveryStats,
    ) -> None:
        stats.errors.append(str(e))
        if e.permanent:
            self.store.mark_failed(delivery_id, e.reason)
            stats.failed += 1
            log.error("alert for %s parked, not retried: %s", channel, e.reason)
            return
        if e.retry_after is not None:
            when = now + timedelta(seconds=e.retry_after)
        else:
            when = now + delivery_backoff(attempts)
        self._paused[channel] = when
        self.store.mark_retry(delivery_id, when, e.reason)
        stats.retried += 1
        if e.rate_limited:
            stats.rate_limited += 1
            log.warning(
                "Slack rate-limited %s; holding its alerts until %s",
                channel,
                when.strftime("%H:%M:%S UTC"),
            )
        else:
            log.warning(
                "could not deliver to %s (%s); alert kept in the outbox, retry %d at %s",
                channel,
                e.reason,
                attempts,
                when.strftime("%H:%M:%S UTC"),
            )

    async def drain(self, timeout: timedelta) -> DeliveryStats:
        """Deliver until the outbox is empty or the next retry falls after `timeout`."""
        total = DeliveryStats()
        deadline = self.clock() + timeout
        while True:
            stats = await self.deliver_due()
            for name in ("sent", "retried", "failed", "rate_limited"):
                setattr(total, name, getattr(total, name) + getattr(stats, name))
            total.errors.extend(stats.errors)
            upcoming = self.store.next_delivery_at()
            now = self.clock()
            if upcoming is None or upcoming > deadline:
                return total
            await self.sleep(max(0.0, (upcoming - now).total_seconds()) + 0.01)
