"""The outbox's delivery loop: due messages -> Slack (or the console), paced per channel.

    release held (digests, quiet hours) -> due rows -> parent ready? -> pace -> claim -> send
      -> sent: mark it, remember a first post for its thread
      -> failed: DeliveryPolicy.decide -> park | retry at | rate limited | look first | pause all

The loop does the I/O (store, notifier, sleep) and keeps the process's state (channel pauses,
the pacer, first posts already sent); every decision about a failure is the policy's.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.delivery.policy import (
    DeliveryPolicy,
    LookBeforeResend,
    Outcome,
    Park,
    PauseAll,
    RateLimited,
    RetryAt,
)
from bot.delivery.slack import Notifier, Posted
from bot.errors import DeliveryError
from bot.kinds import MessageKind, OutboxStatus, is_alert
from bot.models import Message
from bot.store import PARENT_FAILED, Delivery, DeliveryStore, HeldStory, Parent

if TYPE_CHECKING:
    from bot.service.metrics import Metrics

log = logging.getLogger("newsbot")

Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]
ComposeDigest = Callable[[str, Sequence[HeldStory]], Message]
RETRIED = "retried"  # the metrics' label for a rescheduled message (not an outbox status)
SENT_POSTS_KEPT = 10_000  # first posts remembered for their replies and edits
# a reply or edit whose first post is in one of these is folded into a listing, not threaded
LISTED = (OutboxStatus.HELD, OutboxStatus.DIGESTED, OutboxStatus.STORMED)


@dataclass
class DeliveryStats:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    rate_limited: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: DeliveryStats) -> None:
        self.sent += other.sent
        self.retried += other.retried
        self.failed += other.failed
        self.rate_limited += other.rate_limited
        self.errors.extend(other.errors)


class Deliverer:
    """Sends what the outbox holds; failures are rescheduled or parked, never lost."""

    def __init__(
        self,
        *,
        store: DeliveryStore,
        notifier: Notifier,
        clock: Clock,
        policy: DeliveryPolicy,
        compose_digest: ComposeDigest,
        metrics: Metrics,
        sleep: Sleep = asyncio.sleep,
        owner: str = "newsbot",
    ) -> None:
        self.store = store
        self.notifier = notifier
        self.clock = clock
        self.policy = policy
        self.compose_digest = compose_digest  # a channel's held stories -> its digest message
        self.sleep = sleep
        self.metrics = metrics
        self.owner = owner
        self.pacer = policy.pacer()
        self._paused: dict[str, datetime] = {}  # channels held by Slack's answers, until when
        self._paused_all: datetime | None = None  # every channel, after the token was refused
        # first posts this process sent, by outbox key: "sent" is final, so their replies and
        # edits need not look them up (a bounded memo; another replica's posts are looked up)
        self._sent_posts: OrderedDict[str, Parent] = OrderedDict()
        self._warned: set[str] = set()
        self._lock = asyncio.Lock()
        self.stopping = False  # set on shutdown: finish the message in flight, start no other

    def _pause_ends(self, channel: str, now: datetime) -> datetime:
        """When `channel` may be sent to again (`now` if it is not held)."""
        return max(self._paused.get(channel, now), self._paused_all or now)

    def _release_held(self) -> None:
        """Held stories whose time has come: per channel, one digest (composed by the caller's
        `compose_digest`, a pure function) replaces them, in one store transaction."""
        with self.store.releasing(self.clock()) as release:
            for channel, held in release.held.items():
                release.digest(channel, self.compose_digest(channel, held))

    async def deliver_due(self, deadline: datetime | None = None) -> DeliveryStats:
        """Send every alert that is due, paced per channel; failures are rescheduled, not lost.
        With a `deadline`, no send starts after it (one in flight ends within slack.timeout)."""
        async with self._lock:
            stats = DeliveryStats()
            self._release_held()
            while True:
                if self.stopping:
                    return stats
                now = self.clock()
                if deadline is not None and now >= deadline:
                    return stats
                if self._paused_all is not None and self._paused_all > now:
                    return stats
                waiting = [c for c, until in self._paused.items() if until > now]
                batch = self.store.due_deliveries(now, skip_channels=waiting)
                if not batch:
                    return stats
                for d in batch:
                    if self.stopping:
                        return stats
                    now = self.clock()
                    if self._pause_ends(d.channel, now) > now:
                        continue
                    if not await self._deliver_one(d, now, deadline, stats):
                        return stats

    async def _deliver_one(
        self, d: Delivery, now: datetime, deadline: datetime | None, stats: DeliveryStats
    ) -> bool:
        """One due row; False when the deadline leaves no time to send it."""
        parent: tuple[str | None, str | None] = (None, None)
        if d.kind != MessageKind.POST:
            ready = self._parent_ready(d, now)
            if ready is None:
                return True
            parent = ready
        wait = self.pacer.wait(d.channel, now)
        if deadline is not None and now + timedelta(seconds=wait) >= deadline:
            return False
        if wait > 0:
            await self.sleep(wait)
        if not self.store.claim_delivery(d, now, now + self.policy.claim_hold, self.owner):
            return True  # another replica has it
        try:
            posted = await asyncio.to_thread(self._send, d, parent)
        except DeliveryError as e:
            now = self.clock()
            self.pacer.spend(d.channel, now)
            outcome = self.policy.decide(e.failure, d.attempts + 1, now)
            self._failed(d, d.attempts + 1, e.channel, outcome, stats)
            return True
        now = self.clock()
        self.pacer.spend(d.channel, now)
        self.store.mark_sent(d.id, now, posted[0], posted[1])
        if d.kind == MessageKind.POST:
            self._sent_posts[d.key] = Parent(OutboxStatus.SENT, posted[0], posted[1])
            if len(self._sent_posts) > SENT_POSTS_KEPT:
                self._sent_posts.popitem(last=False)
        stats.sent += 1
        self.metrics.messages.labels(OutboxStatus.SENT, d.kind).inc()
        if is_alert(d.key):  # a story's alert, not an edit or a digest
            self.metrics.alerts.labels(OutboxStatus.SENT).inc()
        if d.kind == MessageKind.POST and d.published is not None:
            self.metrics.delay.observe(max(0.0, (now - d.published).total_seconds()))
        return True

    def _already_posted(self, d: Delivery, channel: str, thread_ts: str | None) -> Posted | None:
        try:
            found = self.notifier.find(
                channel, d.key, d.created_at.timestamp(), thread_ts=thread_ts
            )
        except DeliveryError as e:
            if not self.policy.may_fall_back(e.failure):
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

    def _parent_ready(self, d: Delivery, now: datetime) -> tuple[str | None, str | None] | None:
        """A reply or edit waits for its story's first post; if that failed, so does it.
        Returns the first post's (ts, channel id) once it is sent, else None."""
        parent = self._sent_posts.get(d.parent_key or "") or self.store.parent(d.parent_key or "")
        if parent is None or parent.status == OutboxStatus.FAILED:
            self.store.mark_failed(d.id, PARENT_FAILED)
            return None
        if parent.status in LISTED:
            self.store.mark_skipped(
                d.id, f"the story is in a {parent.status} listing, not a thread"
            )
            return None
        if parent.status != OutboxStatus.SENT:
            self.store.postpone(d.id, now + self.policy.parent_wait)
            return None
        return parent.slack_ts, parent.slack_channel

    def _send(
        self, d: Delivery, parent: tuple[str | None, str | None]
    ) -> tuple[str | None, str | None]:
        """One Slack call for one outbox row (runs in a worker thread).

        A row whose earlier attempt may have reached Slack (the process died mid-send, or Slack
        timed out) is first looked for in the channel, by the key in its metadata, so that it
        is not posted twice.
        """
        if d.kind == MessageKind.POST:
            found = self._already_posted(d, d.channel, None) if d.in_flight else None
            posted = found or self.notifier.post(d.channel, d.message, key=d.key)
            return posted.ts, posted.channel_id
        ts, channel_id = parent
        if ts is None:
            return None, None  # nothing to thread on or edit (the parent went to the console)
        if d.kind == MessageKind.REPLY:
            channel = channel_id or d.channel
            found = self._already_posted(d, channel, ts) if d.in_flight else None
            posted = found or self.notifier.post(channel, d.message, thread_ts=ts, key=d.key)
            return posted.ts, posted.channel_id
        self.notifier.update(channel_id or d.channel, ts, d.message)
        return ts, channel_id

    def _failed(
        self, d: Delivery, attempts: int, channel: str, outcome: Outcome, stats: DeliveryStats
    ) -> None:
        """Act on the policy's answer to a failed send: park it, or reschedule it."""
        stats.errors.append(f"channel {channel}: {outcome.reason}")
        alert = is_alert(d.key)
        if isinstance(outcome, Park):
            self.store.mark_failed(d.id, outcome.reason)
            stats.failed += 1
            self.metrics.messages.labels(OutboxStatus.FAILED, d.kind).inc()
            if alert:
                self.metrics.alerts.labels(OutboxStatus.FAILED).inc()
            log.error("alert for %s parked, not retried: %s", d.channel, outcome.reason)
            return
        when = outcome.until if isinstance(outcome, RateLimited | PauseAll) else outcome.when
        if not isinstance(outcome, RetryAt) or outcome.hold_channel:
            # Slack is limiting or failing: the channel's other messages wait too
            self._paused[d.channel] = when
        if isinstance(outcome, PauseAll):
            self._paused_all = when  # and so does every other channel
        self.store.mark_retry(
            d.id, when, outcome.reason, maybe_sent=isinstance(outcome, LookBeforeResend)
        )
        stats.retried += 1
        self.metrics.messages.labels(RETRIED, d.kind).inc()
        if alert:
            self.metrics.alerts.labels(RETRIED).inc()
        at = when.strftime("%H:%M:%S UTC")
        if isinstance(outcome, RateLimited):
            stats.rate_limited += 1
            self.metrics.slack_429.labels(d.channel).inc()
            log.warning("Slack rate-limited %s; holding its alerts until %s", d.channel, at)
        elif isinstance(outcome, PauseAll):
            log.error("%s; retrying at %s", outcome.reason, at, extra={"channel": d.channel})
        else:
            log.warning(
                "could not deliver to %s (%s); alert kept in the outbox, retry %d at %s",
                d.channel,
                outcome.reason,
                attempts,
                at,
            )

    async def drain(self, timeout: timedelta) -> DeliveryStats:
        """Deliver until the outbox is empty, or `timeout` has passed, or nothing left can be
        sent before it ends (the next retry, a channel's pause or a lease falls after it)."""
        total = DeliveryStats()
        deadline = self.clock() + timeout
        while True:
            total.add(await self.deliver_due(deadline))
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
            self._pause_ends(channel, when)
            for channel, when in self.store.next_delivery_by_channel().items()
        ]
        return min(times, default=None)
