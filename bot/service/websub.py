"""WebSub subscriber: subscribes to the hubs feeds name, answers the hubs' verifications, takes
pushes on the callback into the pipeline, renews leases. The decisions are bot/poll/websub.py's.

Only where `bot.public_url` is set (hubs must reach the callback, /websub/<token> on the
health server's port). Polling goes on at each feed's interval whatever the subscription's
state: a push counts as a poll (the next poll is one interval after it), so a healthy
subscription relaxes polling by itself, and a hub that goes quiet costs at most one interval.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Coroutine, Mapping
from datetime import timedelta
from typing import Any

import httpx

from bot.errors import FeedFetchError, StoreError
from bot.poll import websub as ws
from bot.poll.fetch import USER_AGENT, Fetched, check_url
from bot.service.config import FeedConfig
from bot.service.pipeline import Pipeline
from bot.store import WebSubStore

log = logging.getLogger("newsbot")
RENEW_EVERY = timedelta(minutes=1)


class WebSub:
    """The subscriber side of WebSub for one process (subscriptions live in the store, so a
    hub's verification or push may reach any replica)."""

    def __init__(
        self, pipeline: Pipeline, store: WebSubStore, client: httpx.AsyncClient | None = None
    ) -> None:
        self.pipeline = pipeline
        self.store = store
        self.client = client or httpx.AsyncClient(
            timeout=httpx.Timeout(15.0, connect=5.0),
            headers={"User-Agent": USER_AGENT},
            trust_env=False,
            follow_redirects=False,
        )
        self._asked: dict[str, tuple[str, str]] = {}  # feed url -> (hub, topic), this process
        self._tasks: set[asyncio.Task[bool]] = set()
        pipeline.on_hubs = self.discovered

    @property
    def _bot(self) -> Any:
        return self.pipeline.config.bot

    def _feeds(self) -> dict[str, FeedConfig]:
        return {f.url: f for f in self.pipeline.config.feeds}

    # -- subscribing -----------------------------------------------------------------------

    def discovered(self, feed: FeedConfig, hubs: tuple[str, ...], self_url: str | None) -> None:
        """A poll found hubs for `feed`: subscribe at the first, unless already done."""
        if not hubs or not self._bot.public_url:
            return
        hub, topic = hubs[0], self_url or feed.url
        if self._asked.get(feed.url) == (hub, topic):
            return
        self._asked[feed.url] = (hub, topic)
        sub = self.store.subscription_of(feed.url)
        now = self.pipeline.clock()
        if (
            sub is not None
            and (sub.hub, sub.topic) == (hub, topic)
            and not ws.renewal_due(sub, now)
        ):
            return
        self._spawn(self.subscribe(feed, hub, topic))

    def _spawn(self, work: Coroutine[Any, Any, bool]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def settle(self) -> None:
        """Wait for the subscription requests under way (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def subscribe(self, feed: FeedConfig, hub: str, topic: str) -> bool:
        """Ask `hub` to push `topic` to our callback; True when the hub accepted the request
        (it verifies with a GET on the callback before the subscription is active)."""
        bot = self._bot
        now = self.pipeline.clock()
        sub = self.store.request_subscription(
            feed.url,
            hub,
            topic,
            # random: the callback's name says nothing a stranger could work out (a renewal
            # keeps the first request's token and secret)
            token=secrets.token_urlsafe(18),
            secret=secrets.token_hex(32),
            now=now,
        )
        form = ws.subscribe_form(
            topic=topic,
            callback=ws.callback_url(bot.public_url, sub.token),
            secret=sub.secret,
            lease=bot.websub_lease,
        )
        try:
            await check_url(hub, allow_private=bot.allow_private_networks)
            response = await self.client.post(hub, data=form)
        except FeedFetchError as e:
            return self._refused(feed, hub, e.reason)
        except httpx.HTTPError as e:
            return self._refused(feed, hub, f"{type(e).__name__}: {e}")
        if response.status_code not in (200, 202, 204):
            return self._refused(feed, hub, f"HTTP {response.status_code}")
        log.info("feed %r: asked the WebSub hub %s to push %s", feed.name, hub, topic)
        return True

    def _refused(self, feed: FeedConfig, hub: str, reason: str) -> bool:
        log.warning(
            "feed %r: the WebSub hub %s did not take the subscription (%s); polling goes on",
            feed.name,
            hub,
            reason,
            extra={"feed": feed.name},
        )
        self.store.subscription_failed(feed.url, "failed", reason)
        return False

    async def renew_due(self) -> int:
        """(Re)subscribe where a lease is nearly over, a request went unverified or a refusal
        is old enough; once a minute across replicas. Returns the requests sent."""
        now = self.pipeline.clock()
        if not self._bot.public_url or not self.store.claim_job(
            "websub-renew", now, now + RENEW_EVERY, self.pipeline.owner
        ):
            return 0
        feeds = self._feeds()
        sent = 0
        for sub in self.store.subscriptions():
            feed = feeds.get(sub.feed_url)
            if feed is not None and ws.renewal_due(sub, now):
                await self.subscribe(feed, sub.hub, sub.topic)
                sent += 1
        return sent

    # -- the callback ----------------------------------------------------------------------

    def verify(self, token: str, params: Mapping[str, str]) -> tuple[int, str]:
        """The hub's GET: echo the challenge for a subscription we asked for."""
        now = self.pipeline.clock()
        try:
            sub = self.store.subscription(token)
            answer = ws.verify_intent(sub, params, now, self._bot.websub_lease)
            if sub is not None and answer.verified_until is not None:
                self.store.subscription_verified(sub.feed_url, answer.verified_until)
                log.info("WebSub: %s verified for %s", sub.topic, answer.verified_until - now)
            if sub is not None and answer.denied is not None:
                self.store.subscription_failed(sub.feed_url, "denied", answer.denied)
                log.warning("WebSub: the hub denied %s (%s)", sub.topic, answer.denied)
        except StoreError as e:
            log.error("WebSub verification not recorded: %s", e)
            return 503, "try again\n"
        return answer.status, answer.body

    async def push(self, token: str, headers: Mapping[str, str], body: bytes) -> tuple[int, str]:
        """A hub's POST: new content for a feed, parsed and recorded as a poll's would be.
        Unsigned or badly signed content is ignored (and answered 2xx, as the spec asks)."""
        now = self.pipeline.clock()
        try:
            sub = self.store.subscription(token)
            feed = None if sub is None else self._feeds().get(sub.feed_url)
            if sub is None or feed is None:
                return 410, "no such subscription\n"  # a hub stops pushing on 410
            if not ws.signature_ok(sub.secret, body, headers.get("x-hub-signature")):
                log.warning(
                    "feed %r: a WebSub push from %s is not signed with the subscription's "
                    "secret; ignored",
                    feed.name,
                    sub.hub,
                    extra={"feed": feed.name},
                )
                self.pipeline.metrics.websub_pushes.labels(feed.name, "bad-signature").inc()
                return 202, "ignored\n"
            self.store.subscription_pushed(feed.url, now)
            (state,) = self.store.feed_states([feed.url])
            left = (state.polite_until - now).total_seconds() if state.polite_until else None
            pushed = Fetched(
                200,
                body,
                state.etag,
                state.last_modified,
                headers.get("content-type"),
                feed.url,
                fresh_for=None if left is None else max(0.0, left),
            )
            outcome = await self.pipeline.poll_feed(feed, state, pushed=pushed)
        except StoreError as e:
            log.error("WebSub push not recorded: %s", e)
            return 503, "try again\n"
        self.pipeline.metrics.websub_pushes.labels(feed.name, outcome.status).inc()
        log.info(
            "feed %r: WebSub push, %d new entries, %d alerts",
            feed.name,
            outcome.new_items,
            outcome.alerts,
            extra={"feed": feed.name},
        )
        return 202, "accepted\n"

    async def aclose(self) -> None:
        await self.settle()
        await self.client.aclose()
