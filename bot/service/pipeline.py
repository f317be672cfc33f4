"""One poll cycle, stage by stage, into the outbox (delivery is `bot.delivery.outbox`).

    claim due feeds -> fetch (httpx) -> parse + classify (worker) -> group commit
      -> ingest session (store: story lock, catch-up, known keys, channel activity)
      -> plan (bot/plan/planner.py, pure: dedupe, stories, severity, route, format)
      -> record (store: entries, stories, outbox rows, feed state; one transaction)

Pure stages do the deciding; this module only sequences them and does the I/O. Time comes from
the `clock` given to the constructor, and waiting goes through the `sleep` given to it.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from bot.domain.classify.pack import story_labels
from bot.errors import FeedFetchError, FeedParseError, StoreError
from bot.kinds import OutboxStatus, health_key
from bot.models import Classification, Message
from bot.plan.intents import NewEntry, OpenStories, Plan, Poll, Reads, Settings
from bot.poll import polite
from bot.poll.fetch import MAX_RETRY_AFTER, FeedClients, Fetched, fetch
from bot.poll.held import HeldBodies, Ticket
from bot.poll.hot import HotBoard, HotPolicy, planned_next
from bot.poll.websub import link_header
from bot.service.commands import effective_channels
from bot.service.config import Config, FeedConfig
from bot.service.early import fetch_options
from bot.service.metrics import Metrics
from bot.store import (
    ChannelPrefs,
    FeedState,
    FeedWrite,
    HeldStory,
    IngestResult,
    PollingStore,
)
from bot.validate import format_duration

if TYPE_CHECKING:
    from bot.domain.stories import StoryIndex

# The planner and the story code (bot/plan/planner.py, bot/domain/stories.py) are imported when
# the first entries are recorded: a run in which every feed answers 304 never needs them, and
# the story code compiles its expressions at import.

log = logging.getLogger("newsbot")

Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]
PRUNE_EVERY = timedelta(minutes=50)  # claimed cluster-wide; the job itself runs hourly
HEALTH_EVERY = timedelta(seconds=30)  # feed-health check, claimed cluster-wide
RECORD_BATCH = 50  # fetched feeds recorded in one transaction, at most
# fetch errors that say the host could not be reached at all (bot/poll/fetch.py's reasons)
UNREACHABLE = ("cannot resolve", "cannot connect", "timed out", "no complete response")
RECORD_WAIT = 0.02  # seconds a fetched feed waits for other polls under way to join its batch


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


@dataclass
class PollOutcome:
    feed: str
    status: str  # "new" | "unchanged" | "error"
    items: int = 0
    new_items: int = 0
    alerts: int = 0
    error: str | None = None


@dataclass(frozen=True)
class Polled:
    """A fetched and parsed feed waiting to be recorded (see `Pipeline._record`)."""

    feed: FeedWrite
    poll: Poll
    titles_since: datetime  # a title key counts as seen only if seen since then


class Pipeline:
    """Polls feeds into the store's outbox. Collaborators are passed in."""

    def __init__(
        self,
        config: Config,
        *,
        store: PollingStore,
        http: FeedClients,
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
        self._mutes: frozenset[tuple[str, str]] = frozenset()  # (channel, story) muted in Slack
        self._apply(config)
        # requests in flight (all, and per host: `_fetch_slot`), and polls under way
        self._global = asyncio.Semaphore(config.bot.max_concurrency)
        self._hosts: dict[str, asyncio.Semaphore] = {}
        # polls under way, fetching or holding a body until it is recorded (bot/poll/held.py)
        self._under_way = HeldBodies.for_slots(config.bot.max_concurrency)
        self._logged_problems: set[tuple[str, str]] = set()
        self._unchanged: list[tuple[str, datetime, datetime]] = []
        # failed polls of the batch in progress: (feed, error, failures, next try, unreachable)
        self._failures: list[tuple[str, str, int, datetime, bool]] = []
        self._polls: set[asyncio.Task[PollOutcome]] = set()  # feed polls started by start_due
        self._refill: asyncio.Handle | None = None
        self._backlog = False  # the last claim took as many due feeds as it asked for
        # fetched feeds waiting to be recorded, with the futures their polls wait on
        self._to_record: list[tuple[Polled, asyncio.Future[IngestResult]]] = []
        self._record_timer: asyncio.Handle | None = None
        self._parsing = 0  # polls whose bodies are being parsed now
        # the open stories' index is made on first use, from the config it was started with
        self._story_tuning = (config.bot.story_window, story_labels(config.packs))
        self._open: OpenStories | None = None  # built on first use (`open`)
        self._stories_loaded = False
        self.last_tick: datetime | None = None
        # latency: fresh grave stories (hot mode), and floors of feeds polled without a new body
        self.hot = HotBoard()
        self._polite: list[tuple[str, datetime | None]] = []
        # told of the WebSub hubs a poll found (bot/service/websub.py sets it)
        self.on_hubs: Callable[[FeedConfig, tuple[str, ...], str | None], None] | None = None
        self.stopping = False  # set on shutdown: finish the message in flight, start no other

    # -- polling ---------------------------------------------------------------------------

    def _apply(self, config: Config) -> None:
        self.config = config
        channels = effective_channels(config.channels, self._prefs)
        self.settings = Settings.of(config, channels, frozenset(self._mutes))

    @property
    def channel_names(self) -> tuple[str, ...]:
        """The channels routed to: the config's and those subscribed from Slack."""
        return tuple(self.settings.channels)

    @property
    def open(self) -> OpenStories:
        """The open stories (and each one's highest severity so far), as the planner sees them;
        empty until `load_stories` fills it."""
        if self._open is None:
            from bot.domain.stories import StoryIndex, Tuning

            window, labels = self._story_tuning
            self._open = OpenStories(StoryIndex(Tuning(window=window, labels=labels)))
        return self._open

    @open.setter
    def open(self, stories: OpenStories) -> None:
        self._open = stories

    @property
    def stories(self) -> StoryIndex:
        """The open stories' index."""
        return self.open.index

    def refresh_slack_settings(self) -> None:
        """Take in what channels set with /newsbot (stored, so every replica sees it)."""
        prefs = self.store.channel_prefs()
        if prefs != self._prefs:
            self._prefs = prefs
            self._apply(self.config)
        mutes = frozenset(self.store.mutes(self.clock()))
        if mutes != self._mutes:
            self._mutes = mutes
            self.settings = replace(self.settings, mutes=mutes)

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
        run out first (their hold), so a send cut short is not repeated before it could land.

        The story index is not loaded here but by the first batch of new entries to record
        (`_record_batch`): a run in which every feed answers 304 never needs it, and rebuilding
        it (fingerprinting every open story's reports) was a fifth of a warm `run --once`."""
        self.store.sync_feeds(
            [(f.url, f.name) for f in self.config.feeds],
            self.clock(),
            reclaim_all=not self.store.shared,
        )

    def load_stories(self) -> None:
        """Rebuild the in-memory story index from the store (at start, or after a failed write)."""
        from bot.domain.stories import StoryIndex
        from bot.plan.planner import absorb

        now = self.clock()
        stories = OpenStories(StoryIndex(self.open.index.tuning))
        changes = self.store.open_stories(now - self.config.bot.story_window)
        absorb(stories, changes, self.settings.router)
        self.open = stories
        self._stories_loaded = True

    def check_feed_health(self) -> int:
        """Tell the ops channel, once, about feeds failing longer than feed_alert_after, and
        once more when they recover. Returns the number of messages queued."""
        ops = self.config.bot.ops_channel
        counts = self.store.outbox_counts()
        self.metrics.outbox_depth.set(counts.get(OutboxStatus.PENDING, 0))
        if not ops:
            return 0
        now = self.clock()
        limit = self.config.bot.feed_alert_after
        queued = 0
        names = {f.url for f in self.config.feeds}
        for state in self.store.feed_states():
            if state.url not in names:
                continue
            since = state.failing_since
            down = since is not None and now - since >= limit
            if since is not None and down and not state.health_alerted:
                from bot.delivery.format import format_feed_health

                hours = int((now - since).total_seconds() // 3600)
                message = format_feed_health(
                    state.name, hours=hours, polls=state.failures, error=state.last_error
                )
                key = health_key(state.url, down=True, since=since)
            elif state.health_alerted and state.failures == 0:
                from bot.delivery.format import format_feed_health

                message = format_feed_health(state.name)
                key = health_key(state.url, down=False, since=now)
            else:
                continue
            queued += self.store.queue_message(key, ops, message, now)
            self.store.set_health_alerted(state.url, down)
        return queued

    def housekeeping(self) -> dict[str, int]:
        """Close stories past their window and prune old rows (an hourly job)."""
        now = self.clock()
        closed = self.open.index.close_before(now - self.config.bot.story_window)
        for story_id in closed:
            self.open.severity.pop(story_id, None)
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
        self._hurry_hot(now)
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
        floors, self._polite = self._polite, []
        if floors:
            self.store.record_polite_many(floors)

    def flush_unchanged(self) -> None:
        """Write the 304s still waiting in the batch (at shutdown: polls that ended after
        `stopping` was set schedule no refill, so nothing else would write them)."""
        try:
            self._flush_unchanged()
        except StoreError as e:
            log.warning("%s; those feeds are simply polled again at the next start", e)

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

    @contextlib.asynccontextmanager
    async def _fetch_slot(self, url: str) -> AsyncIterator[None]:
        """One request in flight, within `max_concurrency` and `per_host_concurrency`: held
        while the request is out, given back when its body has arrived."""
        host = urlsplit(url).hostname or ""
        host_limit = self._hosts.setdefault(
            host, asyncio.Semaphore(self.config.bot.per_host_concurrency)
        )
        async with self._global, host_limit:
            yield

    async def _poll_limited(self, feed: FeedConfig, state: FeedState) -> PollOutcome:
        # under way from before its request until its body is recorded: what bounds the bodies
        # held; the request itself takes a fetch slot only while it is out (poll_feed)
        ticket = await self._under_way.enter()
        try:
            outcome = await self.poll_feed(feed, state, ticket=ticket)
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
        finally:
            self._under_way.leave(ticket)
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

    async def poll_feed(
        self,
        feed: FeedConfig,
        state: FeedState,
        pushed: Fetched | None = None,
        *,
        ticket: Ticket | None = None,
    ) -> PollOutcome:
        """Fetch, parse, classify and record one feed. Never raises for feed problems.
        `pushed`: content a WebSub hub pushed (bot/service/websub.py), taken as this poll's.
        `ticket`: the poll's place among those under way, which counts its body."""
        bot = self.config.bot
        interval = self.config.interval_for(feed)
        now = self.clock()
        try:
            if pushed is not None:
                fetched = pushed
            else:
                async with self._fetch_slot(feed.url):
                    now = self.clock()  # the request's own time, not its wait for a slot
                    with self.http.client_for(feed.url) as client:
                        fetched = await self.early.pop(feed.url, fetch)(
                            client,
                            feed.url,
                            etag=state.etag,
                            last_modified=state.last_modified,
                            **fetch_options(self.config, now),
                        )
            started, now = now, self.clock()
            self._took[feed.url] = (now - started).total_seconds()
            if fetched.body is None:
                # 304s are recorded together at the end of the batch (one transaction, not
                # one per feed); if that write is lost, the feed is simply polled again
                when, until = self._next_check(feed, now, fetched, state.ttl)
                self._unchanged.append((feed.url, now, when))
                if until is not None or state.polite_until is not None:
                    self._polite.append((feed.url, until))
                return PollOutcome(feed.name, "unchanged")
            if ticket is not None:
                ticket.hold(len(fetched.body))
            body_hash = hashlib.sha256(fetched.body).hexdigest()
            if body_hash == state.body_hash:
                when, until = self._next_check(feed, now, fetched, state.ttl)
                self.store.record_unchanged(feed.url, now, when)
                if until is not None or state.polite_until is not None:
                    self.store.record_polite_many([(feed.url, until)])
                return PollOutcome(feed.name, "unchanged")
            from bot.poll.work import parse_and_classify  # not loaded by a run of unchanged feeds

            self._parsing += 1
            try:
                (
                    parsed,
                    keys,
                    classifications,
                    fingerprints,
                ) = await asyncio.get_running_loop().run_in_executor(
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
        when, until = self._next_check(feed, now, fetched, parsed.ttl)
        result = await self._record(
            Polled(
                FeedWrite(
                    feed.url,
                    now,
                    when,
                    etag=fetched.etag,
                    last_modified=fetched.last_modified,
                    body_hash=body_hash,
                    polite_until=until,
                    ttl=parsed.ttl,
                ),
                Poll(parsed.items, keys, now, first_poll, classifications, fingerprints),
                titles_since=now - bot.title_window,
            )
        )
        self._note_hot(feed, result.entries, now)
        if self.on_hubs is not None and pushed is None:
            header_hubs, header_self = link_header(fetched.link)
            hubs = tuple(dict.fromkeys(parsed.hubs + header_hubs))
            if hubs:
                self.on_hubs(feed, hubs, parsed.self_url or header_self)
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

    # -- latency: politeness and hot mode (bot/poll/polite.py, bot/poll/hot.py) -------------

    @property
    def hot_policy(self) -> HotPolicy:
        bot = self.config.bot
        return HotPolicy(bot.hot_interval, bot.hot_window, bot.hot_severity)

    def _next_check(
        self, feed: FeedConfig, now: datetime, fetched: Fetched, ttl: int | None
    ) -> tuple[datetime, datetime | None]:
        """(next check, polite_until) after a successful poll: the interval (or the hot
        interval, while the feed is hot), then never sooner than the server's floor."""
        bot = self.config.bot
        interval = self.config.interval_for(feed)
        normal = next_check(now, interval, bot.jitter, self.rng)
        policy = self.hot_policy
        hot = bool(self.hot.stories) and feed.url in self.hot.hot_feeds(
            now, policy, self._flagged_hot()
        )
        if hot:
            normal = planned_next(
                normal, next_check(now, policy.interval, bot.jitter, self.rng), hot
            )
        return polite.polite_next(
            now,
            normal,
            polite.floor(fetched.fresh_for, ttl),
            interval=interval,
            cap=bot.max_polite_delay,
        )

    def _flagged_hot(self) -> list[str]:
        return [f.url for f in self.config.feeds if f.hot]

    def _note_hot(self, feed: FeedConfig, entries: Sequence[NewEntry], now: datetime) -> None:
        """Grave reports just recorded make their story hot: the feeds that reported it (this
        one and the story's other sources) are polled at the hot interval for a while."""
        policy = self.hot_policy
        urls: dict[str, str] = {}
        for entry in entries:
            if entry.story is None or not policy.grave(entry.severity):
                continue
            urls = urls or {f.name: f.url for f in self.config.feeds}
            story = self.stories.stories.get(entry.story.key)
            sources = story.sources if story is not None else []
            feeds = {feed.url, *(urls[s] for s in sources if s in urls)}
            self.hot.note(entry.story.key, feeds, now)

    def _hurry_hot(self, now: datetime) -> None:
        """Bring the hot feeds' next checks to within the hot interval (never before their
        server's floor). One UPDATE per tick while a grave story is fresh; the store keeps the
        schedule, so any replica may do the poll."""
        if not self.hot.stories:
            return
        policy = self.hot_policy
        self.hot.prune(now, policy)
        feeds = self.hot.hot_feeds(now, policy, self._flagged_hot())
        if feeds:
            moved = self.store.hurry_feeds(sorted(feeds), now + policy.interval)
            if moved:
                log.debug("hot mode: %d feeds brought forward", moved)

    async def _record(self, request: Polled) -> IngestResult:
        """Record a fetched feed together with the others fetched meanwhile (group commit).

        While other polls are under way (fetching, or being parsed), the first of a batch
        waits up to RECORD_WAIT for them to join it; with every poll under way already waiting
        here, or RECORD_BATCH waiting, the batch is written on the loop's next turn. One
        transaction per batch instead of per feed saves a commit, a story-lock round and a
        catch-up per feed, and writes each shared index page once.
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[IngestResult] = loop.create_future()
        self._to_record.append((request, future))
        if len(self._to_record) >= RECORD_BATCH or self._nothing_to_join():
            # full, or no other poll could join it: write now
            if self._record_timer is not None:
                self._record_timer.cancel()
            self._record_timer = loop.call_soon(self._record_batch)
        elif self._record_timer is None:
            self._record_timer = loop.call_later(RECORD_WAIT, self._record_batch)
        return await future

    def _nothing_to_join(self) -> bool:
        """No poll under way could still join the batch: none is being parsed, and every one
        under way (a ticket of `_under_way`) is one of those waiting to be recorded. A poll
        without a ticket (a pushed body, a test's direct call) counts as waiting on its own."""
        return not self._parsing and self._under_way.polls <= len(self._to_record)

    def _record_batch(self) -> None:
        batch, self._to_record = self._to_record, []
        self._record_timer = None
        try:
            if not self._stories_loaded:
                self.load_stories()
            for i in range(0, len(batch), RECORD_BATCH):
                part = batch[i : i + RECORD_BATCH]
                try:
                    results = self._ingest([r for r, _ in part])
                    self.metrics.record_batch.observe(len(part))
                except Exception as e:
                    self.load_stories()  # forget the assignments that were not recorded
                    if len(part) == 1:
                        self._not_recorded(*part[0], e)
                        continue
                    # one feed at a time, so one that cannot be recorded costs only its poll
                    for request, future in part:
                        try:
                            result = self._ingest([request])[0]
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
    def _not_recorded(request: Polled, future: asyncio.Future[IngestResult], e: Exception) -> None:
        if future.done():
            return
        if not isinstance(e, StoreError):  # a fault of ours, not the database's: keep the trace
            log.error("recording %s failed", request.feed.url, exc_info=e)
            e = StoreError(f"recording failed: {e!r}")
        future.set_exception(e)

    def _ingest(self, batch: Sequence[Polled]) -> list[IngestResult]:
        """Record fetched feeds in one ingest session: for each, the store's reads, the pure
        plan over them, and the store's writes. The session holds the story lock, so no other
        replica assigns stories meanwhile; nothing here awaits, so no other poll of this
        process does. If the session fails, the caller reloads the open stories."""
        from bot.plan.planner import absorb, classify_new, needs_activity, plan

        settings = self.settings
        results: list[IngestResult | None] = [None] * len(batch)
        with self.store.ingest_session() as tx:
            absorb(self.open, tx.changes, settings.router)  # what other replicas recorded
            for n in _earliest_news_first(batch, tx.known):
                fetched = batch[n]
                poll = fetched.poll
                known = tx.known([k for ks in poll.keys for k in ks], fetched.titles_since)
                poll = classify_new(poll, known, settings)
                activity = (
                    tx.activity(poll.now - settings.storm_lookback)
                    if needs_activity(poll, known)
                    else None
                )
                planned = plan(poll, Reads(known, activity), self.open, settings)
                self._count(planned)
                result = tx.record(fetched.feed, known, planned.entries)
                results[n] = replace(result, entries=planned.entries)
        return [r for r in results if r is not None]

    def _count(self, planned: Plan) -> None:
        """A plan's counts into the metrics; each drop is logged at debug."""
        m = self.metrics
        for label, n in planned.labelled.items():
            m.items_classified.labels(label).inc(n)
        if planned.stories_created:
            m.stories_created.inc(planned.stories_created)
        for (source, how), n in planned.absorbed.items():
            m.reports_absorbed.labels(source, how).inc(n)
        for item, d in planned.dropped:
            m.items_dropped.labels(d.channel, d.drop).inc()
            log.debug(
                "not for %s (%s): %r: %s",
                d.channel,
                d.drop,
                item.title[:120],
                d.reason,
                extra={"channel": d.channel, "feed": item.feed_name},
            )

    def compose_digest(self, channel: str, held: Sequence[HeldStory]) -> Message:
        """A channel's held stories -> the digest that replaces them (pure, under the current
        settings); the deliverer releases them from the store."""
        from bot.plan.planner import digest_message

        entries = [(h.entry, h.held_at) for h in held]
        return digest_message(entries, channel, self.settings, self.clock())

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


def _earliest_news_first(
    batch: Sequence[Polled], known: Callable[[Sequence[str], datetime], frozenset[str]]
) -> list[int]:
    """The order to plan a batch in: the poll whose earliest news was published first goes
    first, so when several outlets' reports of one event are recorded together, the story is
    headed by the report that said it first (a Korean flash before the English wire that
    followed it), not by whichever poll happened to finish first. "News" is what may head a
    story: a poll's entries not seen before this batch that have a label (every entry, when the
    workers did not classify them). Polls without any go last, in their order. The order only
    matters when two polls or more may head stories, so only then are their keys looked up."""
    candidates = [n for n, p in enumerate(batch) if _may_head(p.poll)]
    if len(candidates) < 2:
        return list(range(len(batch)))
    far = datetime.max.replace(tzinfo=UTC)

    def first_news(n: int) -> datetime:
        if n not in candidates:
            return far
        poll = batch[n].poll
        seen = known([k for ks in poll.keys for k in ks], batch[n].titles_since)
        labelled: Sequence[Classification | None] = poll.classified or [None] * len(poll.items)
        fresh = [
            item.published
            for item, keys, c in zip(poll.items, poll.keys, labelled, strict=True)
            if seen.isdisjoint(keys) and (c is None or c.labels)
        ]
        return min(fresh, default=far)

    return sorted(range(len(batch)), key=lambda n: (first_news(n), n))


def _may_head(poll: Poll) -> bool:
    """Whether a poll has an entry that may start a story (known only when it was classified)."""
    return poll.classified is None or any(c.labels for c in poll.classified)
