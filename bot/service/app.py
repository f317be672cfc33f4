"""The one wiring point: config + clock + HTTP client + store + notifier -> the pipeline (polls
into the outbox) and the deliverer (outbox to Slack)."""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TextIO

from bot.delivery.outbox import Deliverer
from bot.delivery.policy import DeliveryPolicy
from bot.delivery.slack import (
    ChannelNotifier,
    ConsoleNotifier,
    Notifier,
    SlackNotifier,
    WebhookNotifier,
)
from bot.poll.fetch import FeedClients
from bot.poll.work import make_parse_executor
from bot.service.config import Config
from bot.service.early import make_http
from bot.service.metrics import Metrics
from bot.service.pipeline import Clock, Pipeline, Sleep
from bot.store import Store

log = logging.getLogger("newsbot")


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class App:
    config: Config
    store: Store
    http: FeedClients
    notifier: Notifier
    pipeline: Pipeline
    deliverer: Deliverer

    async def aclose(self) -> None:
        await self.http.aclose()
        self.store.close()
        if self.pipeline.parse_executor is not None:
            # wait for the workers to exit (they are idle or finishing one bounded parse), so
            # nothing is left for the interpreter's exit hook to join
            executor = self.pipeline.parse_executor
            await asyncio.get_running_loop().run_in_executor(
                None, lambda: executor.shutdown(wait=True, cancel_futures=True)
            )


def build_app(
    config: Config,
    *,
    clock: Clock = utc_now,
    http: FeedClients | None = None,
    store: Store | None = None,
    notifier: Notifier | None = None,
    sleep: Sleep | None = None,
    rng: random.Random | None = None,
    stdout: TextIO | None = None,
    metrics: Metrics | None = None,
    parse_executor: ProcessPoolExecutor | None = None,
) -> App:
    """Build the app from config; anything passed in replaces the default collaborator (a
    `parse_executor` already started: `run --once` starts its workers early)."""
    bot = config.bot
    if store is None:
        store = Store.open(bot.database)
    if http is None:
        http = make_http(config)
    if notifier is None:
        notifier = make_notifier(config, stdout)
    executor = parse_executor or make_parse_executor(bot.parse_processes, config.packs)
    metrics = metrics or Metrics()
    owner = f"{socket.gethostname()}:{os.getpid()}"
    pipeline = Pipeline(
        config,
        store=store,
        http=http,
        clock=clock,
        sleep=sleep or asyncio.sleep,
        rng=rng,
        owner=owner,
        metrics=metrics,
        parse_executor=executor,
    )
    deliverer = Deliverer(
        store=store,
        notifier=notifier,
        clock=clock,
        policy=DeliveryPolicy.from_config(config),
        compose_digest=pipeline.compose_digest,
        metrics=metrics,
        sleep=sleep or asyncio.sleep,
        owner=owner,
    )
    return App(
        config=config,
        store=store,
        http=http,
        notifier=notifier,
        pipeline=pipeline,
        deliverer=deliverer,
    )


def make_notifier(config: Config, stdout: TextIO | None = None) -> Notifier:
    webhooks = {
        c.channel: WebhookNotifier(c.webhook_url, timeout=config.slack.timeout.total_seconds())
        for c in config.channels
        if c.webhook_url
    }
    default = _default_notifier(config, stdout, needed=len(webhooks) < len(config.channels))
    return ChannelNotifier(default, webhooks) if webhooks else default


def _default_notifier(config: Config, stdout: TextIO | None, *, needed: bool) -> Notifier:
    if config.slack.token:
        return SlackNotifier(
            config.slack.token, config.slack.api_url, timeout=config.slack.timeout.total_seconds()
        )
    if not needed:
        return ConsoleNotifier(stdout)
    log.warning(
        "console mode: SLACK_BOT_TOKEN is not set, so alerts are printed here instead of posted "
        "to Slack. Set SLACK_BOT_TOKEN (see README, 'Connecting to Slack') to post them."
    )
    return ConsoleNotifier(stdout)
