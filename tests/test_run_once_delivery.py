"""`run --once` sends alerts while its other feeds are polled (bot/service/cli.py): a fault of
that sending must not end the polls, nor flood the log; an interruption (Ctrl-C, SIGTERM) must
neither lose a send in flight nor leave the polls' records unwritten."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.errors import StoreError
from bot.service.app import build_app
from bot.service.cli import _deliver_while
from bot.service.config import load_config
from bot.store import Store
from bot.tools.feedserver import FeedServer
from tests.conftest import LAUNCH, ago, rss
from tests.peers import SlackStandIn

WIRE = rss({"title": "Council approves budget", "summary": "The city council met."})


class FailingOutbox:
    """The real store, except that looking for due messages fails the way `fault` says."""

    def __init__(self, store: Store, fault: Exception) -> None:
        self._store = store
        self._fault = fault
        self.looked = 0

    def due_deliveries(self, *args: Any, **kwargs: Any) -> Any:
        self.looked += 1
        raise self._fault

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


@pytest.mark.parametrize(
    "fault",
    [RuntimeError("a bug of ours"), StoreError("database is locked")],
    ids=["bug", "store"],
)
def test_a_delivery_fault_during_the_polls_is_logged_once_and_every_feed_is_polled(
    feeds: FeedServer,
    slack: SlackStandIn,
    write_config: Callable[..., Path],
    env: dict[str, str],
    caplog: pytest.LogCaptureFixture,
    fault: Exception,
) -> None:
    """The slow feed keeps the polls going for several DELIVER_EVERY rounds: sending fails at
    the first and is not tried again until the polls end; the drain then sends the alert."""
    urls = {
        "Wire": feeds.set("/wire.xml", rss(dict(LAUNCH, published=ago(minutes=5)))),
        "Slow": feeds.set("/slow.xml", WIRE, delay=1.5),
        "Quiet": feeds.set("/quiet.xml", WIRE),
    }
    config = load_config(str(write_config(urls, extra_bot="max_concurrency = 3")), env)

    async def go() -> tuple[list[str], int]:
        app = build_app(config)
        try:
            failing = FailingOutbox(app.store, fault)
            app.deliverer.store = failing  # type: ignore[assignment]
            polls = asyncio.ensure_future(app.pipeline.poll_all())
            await _deliver_while(app.deliverer, polls)
            outcomes = polls.result()
            app.deliverer.store = app.store  # the fault has passed: the drain sends
            stats = await app.deliverer.drain(config.bot.drain_timeout)
            return [o.status for o in outcomes], stats.sent + 100 * failing.looked
        finally:
            await app.aclose()

    with caplog.at_level(logging.INFO):
        statuses, counts = asyncio.run(go())
    assert statuses == ["new", "new", "new"]
    assert counts == 101  # looked once during the polls, then the drain sent the alert
    failed = [r for r in caplog.records if r.getMessage().startswith("delivery failed")]
    assert len(failed) == 1 and failed[0].exc_info is not None
    assert len(slack.posts()) == 1
