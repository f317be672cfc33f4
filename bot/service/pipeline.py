"""One poll cycle, stage by stage, and the outbox's delivery loop.

    claim due feeds -> fetch (httpx) -> parse (feedparser) -> classify (rule packs)
      -> dedupe (seen keys) -> route (channels) -> format (Block Kit) -> outbox (store)
    outbox -> deliver (Slack or console), paced per channel, retried until Slack says ok

Pure stages do the deciding; this module only sequences them and does the I/O. Time comes from
the `clock` given to the constructor, and waiting goes through the `sleep` given to it.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import logging
import random
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from bot.delivery.format import (
    format_alert,
    format_digest,
    format_feed_health,
    format_reply,
    format_storm,
    local_time,
)
from bot.delivery.pacing import Pacer
from bot.delivery.slack import Notifier, Posted
from bot.domain.classify import classify
from bot.domain.route import Router
from bot.domain.severity import rank, severity_of
from bot.domain.stories import Joined, StoryIndex, StoryState, Tuning, fingerprint
from bot.errors import DeliveryError, FeedFetchError, FeedParseError, StoreError
from bot.kinds import is_alert, storm_update_key
from bot.models import Alert, Classification, Decision, DigestEntry, Item, Message
from bot.poll.fetch import MAX_RETRY_AFTER, FeedClients, Fetched, fetch
from bot.poll.work import parse_and_classify
from bot.service.commands import effective_channels
from bot.service.config import BotConfig, ChannelConfig, Config, FeedConfig
from bot.service.metrics import Metrics
from bot.store import (
    PARENT_FAILED,
    ChannelActivity,
    ChannelPrefs,
    Delivery,
    FeedState,
    HeldStory,
    IngestContext,
    IngestRequest,
    IngestResult,
    NewEntry,
    Outgoing,
    Parent,
    Store,
    StoryChanges,
    StoryWrite,
)
from bot.validate import format_duration

log = logging.getLogger("newsbot")

Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]
PRUNE_EVERY = timedelta(minutes=50)  # claimed cluster-wide; the job itself runs hourly
HEALTH_EVERY = timedelta(seconds=30)  # feed-health check, claimed cluster-wide
RECORD_BATCH = 50  # fetched feeds recorded in one transaction, at most
SENT_POSTS_KEPT = 10_000  # first posts remembered for their replies and edits
# fetch errors that say the host could not be reached at all (bot/poll/fetch.py's reasons)
UNREACHABLE = ("cannot resolve", "cannot connect", "timed out", "no complete response")
# a message Slack refuses with an error newsbot does not know is tried this often, then parked
# (5 s, 10 s ... apart: about ten minutes in all); its channel's other messages go on meanwhile
MAX_REFUSED_ATTEMPTS = 8
RECORD_WAIT = 0.02  # seconds a fetched feed waits for others being parsed to join its batch


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
        delay = max(delay, timedelta(seconds=min(retry_after, MAX_RETRY_AFTER)))
    return now + delay


def delivery_backoff(attempts: int) -> timedelta:
    """Wait before retrying a failed delivery: 5 s, 10 s, 20 s ... capped at 10 minutes."""
    delay: timedelta = timedelta(seconds=5) * (2 ** min(max(attempts - 1, 0), 10))
    return min(delay, timedelta(minutes=10))


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


def absorb(index: StoryIndex, changes: StoryChanges, router: Router | None = None) -> None:
    """Take stored story members and first posts into an in-memory index (at start, and what
    other replicas recorded since this one last looked).

    With the `router`, a channel whose first post came from a later member (the first report
    did not match its keywords) gets that member's headline back.
    """
    items: dict[str, list[tuple[Item, Classification]]] = {}
    for m in changes.members:
        item = Item(m.source, "", m.item_key, m.url, m.title, m.summary, m.published)
        c = Classification(m.labels, {}, {k: tuple(v) for k, v in m.evidence.items()})
        items.setdefault(m.story_key, []).append((item, c))
        fp = fingerprint(m.item_key, m.title, m.summary, m.labels, m.published, m.source)
        if m.story_key in index.stories:
            if all(f.key != m.item_key for f in index.stories[m.story_key].members):
                index.join(m.story_key, fp, item, m.published)
        elif m.item_key == m.story_key:
            index.create(fp, item, c, m.published)
    for story_key, channel in changes.channels:
        story = index.stories.get(story_key)
        if story is None:
            continue
        story.channels.add(channel)
        if router is None or channel in story.channel_headlines:
            continue
        for item, c in items.get(story_key, []):
            if channel in dict(router.route(item, c)):
                if item.item_id != story.headline.item_id:
                    story.channel_headlines[channel] = item
                break


def _item_row(text: dict[str, object], c: Classification) -> dict[str, object]:
    """The items row of a labelled entry: its text (see `_entry_text`) and classification."""
    row = {k: v for k, v in text.items() if k not in ("dated", "first_poll")}
    row["labels"] = json.dumps(
        {
            "labels": list(c.labels),
            "scores": dict(c.scores),
            "evidence": {k: list(v) for k, v in c.evidence.items()},
        }
    )
    return row


def _entry_text(item: Item, key: str, now: datetime, first_poll: bool) -> dict[str, object]:
    """The entries row: an entry's text, labelled or not, for `newsbot replay`."""
    return {
        "key": key,
        "feed_url": item.feed_url,
        "feed_name": item.feed_name,
        "item_id": item.item_id,
        "url": item.url,
        "title": item.title,
        "summary": item.summary,
        "published": item.published,
        "dated": int(item.dated),
        "first_poll": int(first_poll),
        "first_seen": now,
    }


class Pipeline:
    """Polls feeds into the store and drains the outbox. Collaborators are passed in."""

    def __init__(
        self,
        config: Config,
        *,
        store: Store,
        http: FeedClients,
        notifier: Notifier,
        clock: Clock,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
        owner: str = "newsbot",
        metrics: Metrics | None = None,
        parse_executor: Executor | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.http = http
        self.notifier = notifier
        self.clock = clock
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.owner = owner
        self.metrics = metrics or Metrics()
        self.parse_executor = parse_executor  # None: the loop's default thread pool
        self._took: dict[str, float] = {}  # seconds each feed's last fetch took (slowest first)
        # requests sent before the pipeline was built (bot/service/early.py), by feed URL
        self.early: dict[str, Callable[..., Awaitable[Fetched]]] = {}
        self._packs_in_workers = isinstance(parse_executor, ProcessPoolExecutor)
        self._prefs: dict[str, ChannelPrefs] = {}  # channel settings made from Slack
        self._mutes: set[tuple[str, str]] = set()  # (channel, story) muted from Slack
        self._apply(config)
        self._global = asyncio.Semaphore(config.bot.max_concurrency)
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._logged_problems: set[tuple[str, str]] = set()
        self.pacer = Pacer(config.slack.pace, config.slack.burst)
        self._paused: dict[str, datetime] = {}
        self._parents: dict[int, tuple[str | None, str | None]] = {}
        # first posts this process sent, by outbox key: "sent" is final, so their replies and
        # edits need not look them up (a bounded memo; another replica's posts are looked up)
        self._sent_posts: OrderedDict[str, Parent] = OrderedDict()
        self._warned: set[str] = set()
        self._unchanged: list[tuple[str, datetime, datetime]] = []
        # failed polls of the batch in progress: (feed, error, failures, next try, unreachable)
        self._failures: list[tuple[str, str, int, datetime, bool]] = []
        self._polls: set[asyncio.Task[PollOutcome]] = set()  # feed polls started by start_due
        self._refill: asyncio.Handle | None = None
        self._backlog = False  # the last claim took as many due feeds as it asked for
        # fetched feeds waiting to be recorded, with the futures their polls wait on
        self._to_record: list[tuple[IngestRequest, asyncio.Future[IngestResult]]] = []
        self._record_timer: asyncio.Handle | None = None
        self._parsing = 0  # polls whose bodies are being parsed now
        self._deliver_lock = asyncio.Lock()
        self.stories = StoryIndex(Tuning(window=config.bot.story_window))
        self._story_severity: dict[str, str] = {}  # open stories' highest severity so far
        self._stories_loaded = False
        self.last_tick: datetime | None = None
        self.stopping = False  # set on shutdown: finish the message in flight, start no other

    # -- polling ---------------------------------------------------------------------------

    def _apply(self, config: Config) -> None:
        self.config = config
        channels = effective_channels(config.channels, self._prefs)
        self.router = Router(channels)
        self._threads = {c.channel: c.threaded for c in channels}
        self._subscribed = {c.channel: set(c.labels) for c in channels}
        self._channels = {c.channel: c for c in channels}
        self._severity_rules = tuple(r for p in config.packs for r in p.severity)
        self._storm_lookback = max(
            (c.storm_window for c in channels), default=timedelta(minutes=10)
        )

    @property
    def channel_names(self) -> tuple[str, ...]:
        """The channels routed to: the config's and those subscribed from Slack."""
        return tuple(self._channels)

    @property
    def storm_lookback(self) -> timedelta:
        """How far back channels' recent alerts are read for storm mode."""
        return self._storm_lookback

    def refresh_slack_settings(self) -> None:
        """Take in what channels set with /newsbot (stored, so every replica sees it)."""
        prefs = self.store.channel_prefs()
        if prefs != self._prefs:
            self._prefs = prefs
            self._apply(self.config)
        self._mutes = set(self.store.mutes(self.clock()))

    def reconfigure(self, config: Config) -> list[str]:
        """Take a new, valid config while running; returns what needs a restart to apply."""
        needs_restart = [
            key
            for key in ("database", "http_port", "max_concurrency", "per_host_concurrency")
            if getattr(config.bot, key) != getattr(self.config.bot, key)
        ]
        if config.slack != self.config.slack:
            needs_restart.append("slack")
        packs_changed = config.packs != self.config.packs
        self._apply(config)
        if packs_changed and self._packs_in_workers:
            self._packs_in_workers = False  # the workers hold the old packs: classify here
        self.store.sync_feeds([(f.url, f.name) for f in config.feeds], self.clock())
        return needs_restart

    def sync_feeds(self) -> None:
        """Register configured feeds. At start a lone process (SQLite) takes back the feed leases
        it left; replicas sharing PostgreSQL leave each other's to expire. Message leases always
        run out first (their hold), so a send cut short is not repeated before it could land."""
        self.store.sync_feeds(
            [(f.url, f.name) for f in self.config.feeds],
            self.clock(),
            reclaim_all=not self.store.shared,
        )
        if not self._stories_loaded:  # the index is kept up to date once loaded
            self.load_stories()

    def load_stories(self) -> None:
        """Rebuild the in-memory story index from the store (at start, or after a failed write)."""
        now = self.clock()
        index = StoryIndex(self.stories.tuning)
        absorb(index, self.store.open_stories(now - self.config.bot.story_window), self.router)
        self.stories = index
        self._stories_loaded = True

    def check_feed_health(self) -> int:
        """Tell the ops channel, once, about feeds failing longer than feed_alert_after, and
        once more when they recover. Returns the number of messages queued."""
        ops = self.config.bot.ops_channel
        counts = self.store.outbox_counts()
        self.metrics.outbox_depth.set(counts.get("pending", 0))
        if not ops:
            return 0
        now = self.clock()
        limit = self.config.bot.feed_alert_after
        queued = 0
        names = {f.url for f in self.config.feeds}
        for state in self.store.feed_states():
            if state.url not in names:
                continue
            down = state.failing_since is not None and now - state.failing_since >= limit
            if down and not state.health_alerted:
                hours = int((now - state.failing_since).total_seconds() // 3600)  # type: ignore[operator]
                message = format_feed_health(
                    state.name, hours=hours, polls=state.failures, error=state.last_error
                )
                key = f"health:down:{state.url[:80]}:{state.failing_since:%Y%m%d%H%M}"
            elif state.health_alerted and state.failures == 0:
                message = format_feed_health(state.name)
                key = f"health:up:{state.url[:80]}:{now:%Y%m%d%H%M}"
            else:
                continue
            queued += self.store.queue_message(key[:160], ops, message, now)
            self.store.set_health_alerted(state.url, down)
        return queued

    def housekeeping(self) -> dict[str, int]:
        """Close stories past their window and prune old rows (an hourly job)."""
        now = self.clock()
        closed = self.stories.close_before(now - self.config.bot.story_window)
        for story_id in closed:
            self._story_severity.pop(story_id, None)
        pruned: dict[str, int] = {}
        if self.store.claim_job("prune", now, now + PRUNE_EVERY, self.owner):
            pruned = self.store.prune(now, self.config.bot.retention)  # one replica an hour
        pruned["stories_closed"] = len(closed)
        if any(pruned.values()):
            log.info("housekeeping: %s", ", ".join(f"{k} {v}" for k, v in pruned.items()))
        return pruned

    async def tick(self) -> list[PollOutcome]:
        """Start the due feeds (`start_due`) and wait for those polls (feeds started later, as
        slots free up, are not waited for). The scheduler does not wait: it calls `start_due`."""
        return list(await asyncio.gather(*self.start_due()))

    def start_due(self) -> list[asyncio.Task[PollOutcome]]:
        """Claim due feeds, up to `_poll_capacity` polls under way, and start each poll as a task
        of its own; returns at once. A slow feed holds only its own slot: the others are
        claimed again as soon as they are due, and each finished poll frees its slot for the
        next due feed (`_poll_finished`).

        Claims are leases, so replicas share a backlog (each claims what it can poll now); a
        lease expires if this process dies.
        """
        now = self.clock()
        self.last_tick = now
        self.metrics.last_tick.set(now.timestamp())
        self.refresh_slack_settings()
        started = self._claim_and_start()
        now = self.clock()
        bot = self.config.bot
        if self.store.claim_job("feed-health", now, now + max(bot.tick, HEALTH_EVERY), self.owner):
            self.check_feed_health()  # once per period across all replicas
        return started

    def _claim_and_start(self) -> list[asyncio.Task[PollOutcome]]:
        self._flush_unchanged()
        bot = self.config.bot
        by_url = {f.url: f for f in self.config.feeds}
        started: list[asyncio.Task[PollOutcome]] = []
        while not self.stopping:
            free = self._poll_capacity() - len(self._polls)
            if free <= 0:
                break
            now = self.clock()
            limit = min(bot.claim_batch, free)
            claimed = self.store.claim_due(
                list(by_url), now, now + bot.lease, self.owner, limit=limit
            )
            for state in sorted(claimed, key=lambda s: -self._took.get(s.url, 0.0)):
                task = asyncio.create_task(self._poll_limited(by_url[state.url], state))
                self._polls.add(task)
                task.add_done_callback(self._poll_finished)
                started.append(task)
            # fewer claimed than asked: nothing else is due, so slots freed before the next
            # tick need not ask the database again
            self._backlog = len(claimed) == limit
            if not self._backlog:
                break
        return started

    def _poll_capacity(self) -> int:
        """Polls started and not finished, at most: `claim_batch` (or `max_concurrency` if more).
        More than can fetch at once, so that feeds of a busy host, queued for its per-host
        limit, leave room for other hosts' feeds; the semaphores still cap what fetches."""
        return max(self.config.bot.claim_batch, self.config.bot.max_concurrency)

    def _poll_finished(self, task: asyncio.Task[PollOutcome]) -> None:
        self._polls.discard(task)
        if not task.cancelled() and (e := task.exception()) is not None:
            log.error("a feed poll failed: %s", e, exc_info=e)
        # 304s are recorded, and freed slots refilled, once per turn of the loop, not per poll
        if self._refill is None and not self.stopping:
            self._refill = asyncio.get_running_loop().call_soon(self._refill_slots)

    def _refill_slots(self) -> None:
        self._refill = None
        try:
            if self._backlog and len(self._polls) <= self._poll_capacity() * 3 // 4:
                self._claim_and_start()
            elif len(self._unchanged) >= RECORD_BATCH or not self._polls:
                self._flush_unchanged()  # else with more 304s, or at the next tick
        except StoreError as e:  # the next tick tries again
            log.error("could not claim due feeds: %s", e)

    def _flush_unchanged(self) -> None:
        unchanged, self._unchanged = self._unchanged, []
        if unchanged:
            self.store.record_unchanged_many(unchanged)

    def polls_in_flight(self) -> set[asyncio.Task[PollOutcome]]:
        return set(self._polls)

    async def poll_all(self) -> list[PollOutcome]:
        """Poll every configured feed once, due or not (`run --once`)."""
        self.sync_feeds()
        self.refresh_slack_settings()
        states = {s.url: s for s in self.store.feed_states([f.url for f in self.config.feeds])}
        return await self._poll_many([(f, states[f.url]) for f in self.config.feeds])

    async def _poll_many(self, work: Sequence[tuple[FeedConfig, FeedState]]) -> list[PollOutcome]:
        if not work:
            return []
        # Slowest first: a feed that took seconds last time, started last, would hold up the
        # whole batch by that much; started first, it overlaps with the fast ones.
        order = sorted(range(len(work)), key=lambda n: -self._took.get(work[n][0].url, 0.0))
        try:
            done = await asyncio.gather(*(self._poll_limited(*work[n]) for n in order))
            by_position = dict(zip(order, done, strict=True))
            return [by_position[n] for n in range(len(work))]
        finally:
            self._flush_unchanged()
            self._log_failures(len(work))

    async def _poll_limited(self, feed: FeedConfig, state: FeedState) -> PollOutcome:
        host = urlsplit(feed.url).hostname or ""
        host_limit = self._hosts.setdefault(
            host, asyncio.Semaphore(self.config.bot.per_host_concurrency)
        )
        async with self._global, host_limit:
            try:
                outcome = await self.poll_feed(feed, state)
            except StoreError as e:
                log.error("feed %r: could not record the poll: %s", feed.name, e)
                outcome = PollOutcome(feed.name, "error", error=str(e))
            except Exception as e:
                # a fault of ours that this feed's input set off: the feed is marked failed (so
                # `status` shows it and its lease is released), the others carry on
                log.exception("feed %r: unexpected error while polling", feed.name)
                outcome = self._failed(
                    feed,
                    state,
                    FeedFetchError(feed.url, f"internal error: {type(e).__name__}: {e}"),
                    self.config.interval_for(feed),
                )
        m = self.metrics
        m.polls.labels(
            feed.name, {"new": "200", "unchanged": "304"}.get(outcome.status, "error")
        ).inc()
        m.feed_failures.labels(feed.name).set(
            state.failures + 1 if outcome.status == "error" else 0
        )
        if outcome.status != "error":
            m.feed_last_success.labels(feed.name).set(self.clock().timestamp())
        if outcome.items:
            m.items_parsed.labels(feed.name).inc(outcome.items)
        return outcome

    async def poll_feed(self, feed: FeedConfig, state: FeedState) -> PollOutcome:
        """Fetch, parse, classify and record one feed. Never raises for feed problems."""
        bot = self.config.bot
        interval = self.config.interval_for(feed)
        now = self.clock()
        try:
            with self.http.client_for(feed.url) as client:
                fetched = await self.early.pop(feed.url, fetch)(
                    client,
                    feed.url,
                    etag=state.etag,
                    last_modified=state.last_modified,
                    max_bytes=bot.max_feed_bytes,
                    deadline=(bot.connect_timeout + bot.read_timeout).total_seconds(),
                    now=now,
                    max_redirects=bot.max_redirects,
                    allow_private=bot.allow_private_networks,
                )
            started, now = now, self.clock()
            self._took[feed.url] = (now - started).total_seconds()
            if fetched.body is None:
                # 304s are recorded together at the end of the batch (one transaction, not
                # one per feed); if that write is lost, the feed is simply polled again
                self._unchanged.append(
                    (feed.url, now, next_check(now, interval, bot.jitter, self.rng))
                )
                return PollOutcome(feed.name, "unchanged")
            body_hash = hashlib.sha256(fetched.body).hexdigest()
            if body_hash == state.body_hash:
                self.store.record_unchanged(
                    feed.url, now, next_check(now, interval, bot.jitter, self.rng)
                )
                return PollOutcome(feed.name, "unchanged")
            self._parsing += 1
            try:
                parsed, keys, classifications = await asyncio.get_running_loop().run_in_executor(
                    self.parse_executor,
                    functools.partial(
                        parse_and_classify,
                        fetched.body,
                        url=feed.url,
                        feed_name=feed.name,
                        now=now,
                        content_type=fetched.content_type,
                        # worker processes hold the packs already; a thread is given them
                        packs=None if self._packs_in_workers else self.config.packs,
                        classify_items=state.first_success_at is None,
                    ),
                )
            finally:
                self._parsing -= 1
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
        # The store runs `planned` under its story lock, in the transaction that records the
        # result, so no other replica assigns stories meanwhile; `_record_batch` runs the plans
        # of a batch one after the other without awaiting, so no other poll of this process does.

        def planned(ctx: IngestContext) -> list[NewEntry]:
            absorb(self.stories, ctx.changes, self.router)  # what other replicas recorded
            return self.plan(
                parsed.items,
                keys,
                now=now,
                first_poll=first_poll,
                known=ctx.known,
                classified=classifications,
                activity=ctx.activity,
            )

        result = await self._record(
            IngestRequest(
                feed.url,
                now,
                next_check(now, interval, bot.jitter, self.rng),
                etag=fetched.etag,
                last_modified=fetched.last_modified,
                body_hash=body_hash,
                keys=[k for ks in keys for k in ks],
                plan=planned,
                titles_since=now - bot.story_window,
                activity_since=now - self._storm_lookback,
            )
        )
        if first_poll:
            log.info(
                "feed %r: first poll, %d entries recorded; only those newer than backfill=%s may alert",
                feed.name,
                len(parsed.items),
                format_duration(bot.backfill),
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

    async def _record(self, request: IngestRequest) -> IngestResult:
        """Record a fetched feed together with the others fetched meanwhile (group commit).

        While other feeds are being parsed, the first of a batch waits up to RECORD_WAIT for
        them to join it; with none being parsed, or RECORD_BATCH waiting, the batch is written
        on the loop's next turn. One transaction per batch instead of per feed saves a commit,
        a story-lock round and a catch-up per feed, and writes each shared index page once.
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[IngestResult] = loop.create_future()
        self._to_record.append((request, future))
        if len(self._to_record) >= RECORD_BATCH or not self._parsing:
            # full, or no other feed is being parsed to join it: write now
            if self._record_timer is not None:
                self._record_timer.cancel()
            self._record_timer = loop.call_soon(self._record_batch)
        elif self._record_timer is None:
            self._record_timer = loop.call_later(RECORD_WAIT, self._record_batch)
        return await future

    def _record_batch(self) -> None:
        batch, self._to_record = self._to_record, []
        self._record_timer = None
        try:
            if not self._stories_loaded:
                self.load_stories()
            for i in range(0, len(batch), RECORD_BATCH):
                part = batch[i : i + RECORD_BATCH]
                try:
                    results = self.store.ingest_many([r for r, _ in part])
                    self.metrics.record_batch.observe(len(part))
                except Exception as e:
                    self.load_stories()  # forget the assignments that were not recorded
                    if len(part) == 1:
                        self._not_recorded(*part[0], e)
                        continue
                    # one feed at a time, so one that cannot be recorded costs only its poll
                    for request, future in part:
                        try:
                            result = self.store.ingest_many([request])[0]
                        except Exception as alone:
                            self.load_stories()
                            self._not_recorded(request, future, alone)
                        else:
                            self.metrics.record_batch.observe(1)
                            if not future.done():
                                future.set_result(result)
                    continue
                for (_, future), result in zip(part, results, strict=True):
                    if not future.done():
                        future.set_result(result)
        except Exception as e:  # the store is unusable: every poll waiting here is told
            for request, future in batch:
                self._not_recorded(request, future, e)

    @staticmethod
    def _not_recorded(
        request: IngestRequest, future: asyncio.Future[IngestResult], e: Exception
    ) -> None:
        if future.done():
            return
        if not isinstance(e, StoreError):  # a fault of ours, not the database's: keep the trace
            log.error("recording %s failed", request.url, exc_info=e)
            e = StoreError(f"recording failed: {e!r}")
        future.set_exception(e)

    def plan(
        self,
        items: Sequence[Item],
        item_keys_: Sequence[tuple[str, ...]],
        *,
        now: datetime,
        first_poll: bool,
        known: set[str],
        classified: Sequence[Classification] | None = None,
        activity: Callable[[], dict[str, ChannelActivity]] | None = None,
    ) -> list[NewEntry]:
        """Classify, dedupe, assign to stories, route and format: what the store should record.

        `item_keys_[n]` are the dedupe keys of `items[n]`, computed once by the caller;
        `activity()` gives each channel's recent alerts (storm mode), updated as alerts are planned.
        """
        recent: list[dict[str, ChannelActivity]] = []

        def channel_activity() -> dict[str, ChannelActivity]:
            """Read once, and only if some story is to be posted."""
            if not recent:
                recent.append({} if activity is None else activity())
            return recent[0]

        backfill_from = now - self.config.bot.backfill
        oldest_alertable = now - self.config.bot.retention + timedelta(days=1)
        entries: list[NewEntry] = []
        batch: set[str] = set()
        # reports of one poll of one feed: two of them are two events unless one is a
        # near-duplicate or an update of the other
        poll = f"{items[0].feed_url}@{now.isoformat()}" if items else ""
        for n, item in enumerate(items):
            keys = item_keys_[n]
            repeat = any(k in known or k in batch for k in keys)
            batch.update(keys)
            if repeat:
                entries.append(NewEntry(keys=keys))
                continue
            c = (
                classified[n]
                if classified is not None
                else classify(self.config.packs, item.title, item.summary, explain=False)
            )
            text = _entry_text(item, keys[0], now, first_poll)
            if not c.labels:
                entries.append(NewEntry(keys=keys, text=text))
                continue
            if first_poll:
                may_alert = (
                    self.config.bot.backfill > timedelta(0)
                    and item.dated
                    and item.published >= backfill_from
                )
            else:
                may_alert = not item.dated or item.published >= oldest_alertable
            fp = fingerprint(
                keys[0],
                item.title,
                item.summary,
                c.labels,
                item.published,
                item.feed_name,
                batch=poll,
            )
            decided = self.router.decide(item, c)
            decisions: dict[str, Decision] = {d.channel: d for d, _labels in decided}
            # routing is per report: the channels this report's text and labels are for
            wants = {d.channel: labels for d, labels in decided if d.route}
            if not may_alert:
                for channel in wants:
                    decisions[channel] = _too_old(channel, item, first_poll, self.config.bot)
            routes = wants if may_alert else {}
            match = self.stories.assign(fp)
            outgoing: list[Outgoing] = []
            for label in c.labels:
                self.metrics.items_classified.labels(label).inc()
            if match is None:
                story = self.stories.create(fp, item, c, now)
                self.metrics.stories_created.inc()
            else:
                joined = self.stories.join(match.story_id, fp, item, now)
                story = joined.story
            # a story's severity only rises: a later, vaguer report does not lower it
            severity = max(
                self._severity(story, item),
                self._story_severity.get(story.id, "normal"),
                key=rank,
            )
            # a report too old to alert (or undated, on a feed's first poll) joins its story
            # silently: no reply, no edit, and the story's severity stays as it was (its
            # `routes` are empty, so it opens no post either)
            if may_alert:
                self._story_severity[story.id] = severity
            if may_alert and match is not None:
                for channel in sorted(story.channels):
                    if channel in decisions and decisions[channel].route:
                        decisions[channel] = _in_story(
                            decisions[channel],
                            story,
                            joined,
                            threaded=self._threads.get(channel, True),
                            muted=(channel, story.id) in self._mutes,
                        )
                self._joined(joined, item, severity, wants, outgoing)
            for channel in sorted(set(routes) - story.channels):
                wanted = self._channels.get(channel)
                if wanted is not None and rank(severity) < rank(wanted.min_severity):
                    decisions[channel] = Decision(
                        channel,
                        False,
                        f"{decisions[channel].reason}, but its severity {severity} is below the "
                        f"channel's min_severity {wanted.min_severity}",
                        "min_severity",
                    )
                    continue  # below the channel's minimum; a later, graver report may post
                if (channel, story.id) in self._mutes:
                    decisions[channel] = _muted(channel, story)
                    continue
                story.channels.add(channel)
                if match is not None:
                    # the first report did not reach this channel: this one heads its post
                    story.channel_headlines[channel] = item
                first = self._first_post(story, item, channel, severity, now, channel_activity())
                outgoing += first
                decisions[channel] = _posted(decisions[channel], first, wanted, severity)
            self._count_drops(item, decisions.values())
            entries.append(
                NewEntry(
                    keys=keys,
                    item=_item_row(text, c),
                    text=text,
                    severity=severity if may_alert else None,
                    decisions=tuple(decisions.values()),
                    story=self._story_write(story),
                    outgoing=tuple(outgoing),
                )
            )
        return entries

    def _count_drops(self, item: Item, decisions: Iterable[Decision]) -> None:
        """Count, and log at debug, every channel that dropped this labelled item."""
        for d in decisions:
            if d.drop is None:
                continue
            self.metrics.items_dropped.labels(d.channel, d.drop).inc()
            log.debug(
                "not for %s (%s): %r: %s",
                d.channel,
                d.drop,
                item.title[:120],
                d.reason,
                extra={"channel": d.channel, "feed": item.feed_name},
            )

    @staticmethod
    def _story_write(story: StoryState) -> StoryWrite:
        return StoryWrite(
            key=story.id,
            labels=tuple(sorted(story.labels)),
            first_published=story.first_published,
            sources=len(story.sources),
            members=len(story.members),
        )

    def _joined(
        self,
        joined: Joined,
        item: Item,
        severity: str,
        wants: dict[str, tuple[str, ...]],
        outgoing: list[Outgoing],
    ) -> None:
        """A report joined a story: a thread reply where its channel takes this report (a
        further report from a source already in the story says "Update from"), and the parent
        edited when the sources or the facts changed. Nothing joins unseen but by a channel's
        choice (threads = false, muted), which the absorbed-reports metric counts."""
        story = joined.story
        shown = False
        for channel in sorted(story.channels):
            if not self._threads.get(channel, True):
                continue  # threads = false: later reports are absorbed silently
            if (channel, story.id) in self._mutes:
                continue  # muted from Slack: no replies or edits there
            if channel in wants:
                again = not joined.new_source
                tz = cfg.timezone if (cfg := self._channels.get(channel)) else "UTC"
                reply = format_reply(item, tz, again=again, added=joined.added)
                outgoing.append(Outgoing("reply", channel, reply))
                shown = True
            if joined.new_source or joined.adds_facts:
                message = self._parent(story, channel, severity)
                outgoing.append(Outgoing("update", channel, message, severity))
        how = "reply" if shown else "silent"
        source = "new" if joined.new_source else "already-in-story"
        self.metrics.reports_absorbed.labels(source, how).inc()

    def _severity(self, story: StoryState, item: Item) -> str:
        """The pack's severity rules applied to the story's facts and to the text of its
        headline and of this report."""
        text = f"{story.headline.title}\n{story.headline.summary}\n{item.title}\n{item.summary}"
        return severity_of(self._severity_rules, story.labels, story.facts.classes, text)

    def _first_post(
        self,
        story: StoryState,
        item: Item,
        channel: str,
        severity: str,
        now: datetime,
        activity: dict[str, ChannelActivity],
    ) -> list[Outgoing]:
        """A story's first message in a channel: posted now, held for a digest or the end of
        quiet hours, or listed in the channel's storm summary. Critical alerts are posted now."""
        message = self._parent(story, channel, severity)
        cfg = self._channels.get(channel)
        if cfg is None or severity == "critical":
            activity.setdefault(channel, ChannelActivity()).alerts.append(now)
            return [Outgoing("post", channel, message, severity)]
        release = release_at(cfg, now)
        if release is not None:
            return [Outgoing("post", channel, message, severity, "held", release)]
        a = activity.setdefault(channel, ChannelActivity())
        recent = sum(1 for t in a.alerts if t > now - cfg.storm_window)
        a.alerts.append(now)
        if recent < cfg.storm_threshold or cfg.webhook_url is not None:
            return [Outgoing("post", channel, message, severity)]  # webhooks cannot edit
        head = story.channel_headlines.get(channel, story.headline)
        entry = DigestEntry(
            label=sorted(story.labels)[0] if story.labels else "",
            severity=severity,
            title=head.title,
            url=head.url,
            source=head.feed_name,
            published=head.published,
            sources=len(story.sources),
        )
        new_storm = (
            a.storm_key is None or a.storm_last is None or a.storm_last <= now - cfg.storm_window
        )
        if new_storm:
            a.storm_key = f"storm:{channel}:{now:%Y%m%dT%H%M%S.%f}"
            a.storm_started, a.storm_entries = now, []
        assert a.storm_key is not None
        a.storm_entries.append(entry)
        a.storm_last = now
        summary = format_storm(
            a.storm_entries,
            started=a.storm_started or now,
            window=cfg.storm_window,
            timezone=cfg.timezone,
        )
        listed = Outgoing("post", channel, message, severity, "stormed", parent=a.storm_key)
        if new_storm:
            # the summary first: a storm's listed stories come after it in the outbox
            return [Outgoing("post", channel, summary, key=a.storm_key), listed]
        edit_key = storm_update_key(a.storm_key, len(a.storm_entries))
        return [listed, Outgoing("update", channel, summary, key=edit_key, parent=a.storm_key)]

    def _compose_digest(self, channel: str, held: list[HeldStory]) -> Message:
        cfg = self._channels.get(channel)
        tz = cfg.timezone if cfg else "UTC"
        why = "Digest" if cfg is None or cfg.digest.on else "Held during quiet hours"
        return format_digest(
            [h.entry for h in held],
            since=min(h.held_at for h in held),
            until=self.clock(),
            timezone=tz,
            why=why,
        )

    def _parent(self, story: StoryState, channel: str, severity: str = "normal") -> Message:
        """The story's parent message for a channel, as it stands now."""
        wanted = self._subscribed.get(channel, set())
        labels = tuple(
            lb for lb in self.config.labels if lb in story.labels and lb in wanted
        ) or tuple(sorted(story.labels))
        cfg = self._channels.get(channel)
        alert = Alert(
            channel=channel,
            item=story.channel_headlines.get(channel, story.headline),
            labels=labels,
            classification=story.classification,
            story=story.view(),
            severity=severity,
            mention=cfg.mention if cfg else "none",
            timezone=cfg.timezone if cfg else "UTC",
        )
        return format_alert(alert)

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
        if getattr(e, "blocked", False):
            if (feed.url, "blocked") not in self._logged_problems:
                self._logged_problems.add((feed.url, "blocked"))
                log.error("feed %r refused: %s", feed.name, e.reason, extra={"feed": feed.name})
        else:  # logged when the batch is done: whether any feed could be reached changes it
            unreachable = isinstance(e, FeedFetchError) and e.reason.startswith(UNREACHABLE)
            self._failures.append((feed.name, str(e), failures, when, unreachable))
        return PollOutcome(feed.name, "error", error=e.reason)

    def _log_failures(self, polled: int) -> None:
        """One warning per failed feed. When no feed of several could be reached at all, the
        network is the likely cause, not the URLs: one error says so and the lines do not
        blame the URL."""
        failures, self._failures = self._failures, []
        nowhere = polled > 1 and len(failures) == polled and all(f[4] for f in failures)
        if nowhere:
            log.error(
                "none of the %d feeds could be reached (%s); check this machine's network, DNS "
                "and proxy settings: the feed URLs are probably fine",
                polled,
                failures[0][1],
            )
        for name, error, count, when, _unreachable in failures:
            log.warning(
                "feed %r failed (%s); failure %d in a row, next try at %s.%s",
                name,
                error,
                count,
                when.strftime("%H:%M:%S UTC"),
                "" if nowhere else f" Check the URL in {self.config.path} or remove the feed.",
                extra={"feed": name},
            )

    # -- delivery --------------------------------------------------------------------------

    async def deliver_due(self, deadline: datetime | None = None) -> DeliveryStats:
        """Send every alert that is due, paced per channel; failures are rescheduled, not lost.
        With a `deadline`, no send starts after it (one in flight ends within slack.timeout)."""
        async with self._deliver_lock:
            stats = DeliveryStats()
            self.store.release_held(self.clock(), self._compose_digest)
            while True:
                if self.stopping:
                    return stats
                now = self.clock()
                if deadline is not None and now >= deadline:
                    return stats
                waiting = [c for c, until in self._paused.items() if until > now]
                batch = self.store.due_deliveries(now, skip_channels=waiting)
                if not batch:
                    return stats
                for d in batch:
                    if self.stopping:
                        return stats
                    now = self.clock()
                    if self._paused.get(d.channel, now) > now:
                        continue
                    if d.kind != "post" and not self._parent_ready(d, now):
                        continue
                    wait = self.pacer.wait(d.channel, now)
                    if deadline is not None and now + timedelta(seconds=wait) >= deadline:
                        return stats
                    if wait > 0:
                        await self.sleep(wait)
                    # held for at most a history look-up and a send; if this process dies,
                    # another replica takes the message over when the claim runs out
                    hold = 2 * self.config.slack.timeout + timedelta(seconds=15)
                    if not self.store.claim_delivery(d, now, now + hold, self.owner):
                        continue  # another replica has it
                    try:
                        posted = await asyncio.to_thread(self._send, d)
                    except DeliveryError as e:
                        now = self.clock()
                        self.pacer.spend(d.channel, now)
                        self._delivery_failed(d, d.attempts + 1, e, now, stats)
                        continue
                    now = self.clock()
                    self.pacer.spend(d.channel, now)
                    self.store.mark_sent(d.id, now, posted[0], posted[1])
                    if d.kind == "post":
                        self._sent_posts[d.key] = Parent("sent", posted[0], posted[1])
                        if len(self._sent_posts) > SENT_POSTS_KEPT:
                            self._sent_posts.popitem(last=False)
                    stats.sent += 1
                    self.metrics.messages.labels("sent", d.kind).inc()
                    if is_alert(d.key):  # a story's alert, not an edit or a digest
                        self.metrics.alerts.labels("sent").inc()
                    if d.kind == "post" and d.published is not None:
                        self.metrics.delay.observe(max(0.0, (now - d.published).total_seconds()))

    def _already_posted(self, d: Delivery, channel: str, thread_ts: str | None) -> Posted | None:
        try:
            found = self.notifier.find(
                channel, d.key, d.created_at.timestamp(), thread_ts=thread_ts
            )
        except DeliveryError as e:
            if not e.permanent:
                raise
            if "history" not in self._warned:
                self._warned.add("history")
                log.warning(
                    "cannot check whether an interrupted message reached %s (%s); posting it again. "
                    "Give the Slack app the channels:history and groups:history scopes so that a "
                    "crash can never cause a duplicate.",
                    channel,
                    e.reason,
                )
            return None
        if found is not None:
            log.info(
                "message %s had reached %s before the interruption; not posting it again",
                d.key,
                channel,
            )
        return found

    def _parent_ready(self, d: Delivery, now: datetime) -> bool:
        """A reply or edit waits for its story's first post; if that failed, so does it."""
        parent = self._sent_posts.get(d.parent_key or "") or self.store.parent(d.parent_key or "")
        if parent is None or parent.status == "failed":
            self.store.mark_failed(d.id, PARENT_FAILED)
            return False
        if parent.status in ("held", "digested", "stormed"):
            self.store.mark_skipped(
                d.id, f"the story is in a {parent.status} listing, not a thread"
            )
            return False
        if parent.status != "sent":
            self.store.postpone(d.id, now + timedelta(seconds=2))
            return False
        self._parents[d.id] = (parent.slack_ts, parent.slack_channel)
        return True

    def _send(self, d: Delivery) -> tuple[str | None, str | None]:
        """One Slack call for one outbox row (runs in a worker thread).

        A row whose earlier attempt may have reached Slack (the process died mid-send, or Slack
        timed out) is first looked for in the channel, by the key in its metadata, so that it
        is not posted twice.
        """
        if d.kind == "post":
            found = self._already_posted(d, d.channel, None) if d.in_flight else None
            posted = found or self.notifier.post(d.channel, d.message, key=d.key)
            return posted.ts, posted.channel_id
        ts, channel_id = self._parents.pop(d.id, (None, None))
        if ts is None:
            return None, None  # nothing to thread on or edit (the parent went to the console)
        if d.kind == "reply":
            channel = channel_id or d.channel
            found = self._already_posted(d, channel, ts) if d.in_flight else None
            posted = found or self.notifier.post(channel, d.message, thread_ts=ts, key=d.key)
            return posted.ts, posted.channel_id
        self.notifier.update(channel_id or d.channel, ts, d.message)
        return ts, channel_id

    def _delivery_failed(
        self,
        d: Delivery,
        attempts: int,
        e: DeliveryError,
        now: datetime,
        stats: DeliveryStats,
    ) -> None:
        delivery_id, channel = d.id, d.channel
        alert = is_alert(d.key)
        if not e.hold_channel and attempts >= MAX_REFUSED_ATTEMPTS:
            e = DeliveryError(
                channel,
                f"{e.reason}; Slack refused it {attempts} times, so it is parked",
                permanent=True,
            )
        stats.errors.append(str(e))
        if e.permanent:
            self.store.mark_failed(delivery_id, e.reason)
            stats.failed += 1
            self.metrics.messages.labels("failed", d.kind).inc()
            if alert:
                self.metrics.alerts.labels("failed").inc()
            log.error("alert for %s parked, not retried: %s", channel, e.reason)
            return
        if e.retry_after is not None:
            when = now + timedelta(seconds=e.retry_after)
        else:
            when = now + delivery_backoff(attempts)
        if e.hold_channel:  # Slack is limiting or failing: the channel's other messages wait too
            self._paused[channel] = when
        self.store.mark_retry(delivery_id, when, e.reason, maybe_sent=e.maybe_sent)
        stats.retried += 1
        self.metrics.messages.labels("retried", d.kind).inc()
        if alert:
            self.metrics.alerts.labels("retried").inc()
        if e.rate_limited:
            stats.rate_limited += 1
            self.metrics.slack_429.labels(channel).inc()
            log.warning(
                "Slack rate-limited %s; holding its alerts until %s",
                channel,
                when.strftime("%H:%M:%S UTC"),
            )
        elif e.token_error:
            log.error(
                "%s; retrying at %s",
                e.reason,
                when.strftime("%H:%M:%S UTC"),
                extra={"channel": channel},
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
        """Deliver until the outbox is empty, or `timeout` has passed, or nothing left can be
        sent before it ends (the next retry, a channel's pause or a lease falls after it)."""
        total = DeliveryStats()
        deadline = self.clock() + timeout
        while True:
            stats = await self.deliver_due(deadline)
            for name in ("sent", "retried", "failed", "rate_limited"):
                setattr(total, name, getattr(total, name) + getattr(stats, name))
            total.errors.extend(stats.errors)
            now = self.clock()
            upcoming = self.next_send_at()
            if upcoming is None or upcoming > deadline or now >= deadline or self.stopping:
                return total
            # never sooner than the next message can go: no retry faster than its back-off
            await self.sleep(max(0.0, (upcoming - now).total_seconds()) + 0.01)

    def next_send_at(self) -> datetime | None:
        """When the next pending message may be sent: its retry time, its lease's end, or the
        end of its channel's pause, whichever is latest."""
        times = [
            max(when, self._paused.get(channel, when))
            for channel, when in self.store.next_delivery_by_channel().items()
        ]
        return min(times, default=None)


def _too_old(channel: str, item: Item, first_poll: bool, bot: BotConfig) -> Decision:
    if first_poll:
        reason = (
            "the feed's first poll: entries are recorded, and only those dated within "
            f"backfill = {format_duration(bot.backfill)} may alert"
        )
        return Decision(channel, False, reason, "backfill")
    reason = f"published more than retention = {format_duration(bot.retention)} ago"
    return Decision(channel, False, reason, "too_old")


def _in_story(
    was: Decision, story: StoryState, joined: Joined, *, threaded: bool, muted: bool
) -> Decision:
    """A report of a story the channel already has: a thread reply and an edit, not an alert."""
    if muted:
        return _muted(was.channel, story)
    head = f'{was.reason}; its story ("{story.headline.title[:100]}") is already posted here'
    if not threaded:
        return Decision(
            was.channel, False, f"{head}, and with threads = false later reports are absorbed"
        )
    if joined.new_source:
        return Decision(was.channel, True, f"{head}: this report goes to its thread and updates it")
    return Decision(
        was.channel,
        True,
        f"{head}: a further report from a source already in it, posted in its thread as an update",
    )


def _muted(channel: str, story: StoryState) -> Decision:
    reason = (
        f'its story ("{story.headline.title[:100]}") is muted in this channel from Slack '
        "(/newsbot mute)"
    )
    return Decision(channel, False, reason, "muted")


def _posted(
    was: Decision, first: Sequence[Outgoing], cfg: ChannelConfig | None, severity: str
) -> Decision:
    """How a story's first message in a channel goes out: now, held, or in a storm summary."""
    post = next(o for o in first if o.key is None or is_alert(o.key))
    if post.status == "held" and cfg is not None and post.release_at is not None:
        when = local_time(post.release_at, cfg.timezone)
        if cfg.digest.on:
            how = f"held for the channel's {cfg.digest.kind} digest, sent {when}"
        else:
            how = f"held for quiet hours, until {when}"
    elif post.status == "stormed" and cfg is not None:
        how = (
            f"storm mode: more than {cfg.storm_threshold} alerts within "
            f"{format_duration(cfg.storm_window)}, so it is listed in the storm summary"
        )
    elif severity == "critical":
        how = "posted now (critical: no digest, quiet hours or storm holds it)"
    else:
        how = f"posted now (severity {severity})"
    return Decision(was.channel, True, f"{was.reason}: {how}")


def release_at(channel: ChannelConfig, now: datetime) -> datetime | None:
    """When a below-critical story for `channel` may go out, if not now: its next digest, or
    the end of its quiet hours (a digest due inside quiet hours waits for their end)."""
    release = channel.digest.next_after(now) if channel.digest.on else None
    quiet = channel.quiet_hours
    if quiet is not None and quiet.active(release or now):
        release = quiet.ends_after(release or now)
    return release
