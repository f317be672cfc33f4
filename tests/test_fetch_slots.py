"""A fetch slot bounds the request, not the poll: while fetched bodies wait to be parsed and
recorded, the next feeds' requests go out, within `max_concurrency` requests in flight and the
bounds of `bot.poll.held` on the polls under way (the bodies held): `UNDER_WAY` x
`max_concurrency` of them whatever their size, up to `AHEAD` x `max_concurrency` while their
bodies come to under `BUDGET` bytes."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from bot.poll import held
from bot.service.app import build_app
from bot.service.config import load_config
from bot.tools.feedserver import FeedServer
from tests.conftest import rss


@pytest.mark.parametrize(
    ("ahead", "budget", "under_way"),
    [
        (25, held.BUDGET, 8),  # small bodies: every feed is asked while none is parsed
        (3, held.BUDGET, 6),  # at most AHEAD x 2 polls under way
        (25, 1, 4),  # bodies over the budget: the UNDER_WAY x 2 floor alone
    ],
)
def test_requests_go_on_while_earlier_bodies_wait_to_be_parsed(
    feeds: FeedServer,
    write_config: Callable[..., Path],
    env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    ahead: int,
    budget: int,
    under_way: int,
) -> None:
    """max_concurrency = 2 and the one parsing thread held busy: the bot still fetches as many
    feeds as the bounds on the bodies held allow, never more than 2 requests at once, and starts
    no further request while those bodies wait; once parsing goes on, every feed is parsed and
    recorded."""
    total, limit = 8, 2
    monkeypatch.setattr(held, "AHEAD", ahead)
    monkeypatch.setattr(held, "BUDGET", budget)
    urls = {
        f"Wire {n}": feeds.set(
            f"/wire{n}.xml",
            rss({"title": f"Harbour ferry timetable {n} revised", "summary": "New times."}),
            delay=0.05,
        )
        for n in range(total)
    }
    config = write_config(
        urls,
        extra_bot=f"max_concurrency = {limit}\nper_host_concurrency = {limit}\nparse_processes = 0",
    )
    handler = feeds.server.RequestHandlerClass
    answer = handler.do_GET  # type: ignore[attr-defined]
    lock = threading.Lock()
    in_flight, peak = [0], [0]

    def counted(self: Any) -> None:
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        try:
            answer(self)
        finally:
            with lock:
                in_flight[0] -= 1

    handler.do_GET = counted  # type: ignore[attr-defined]
    gate = threading.Event()

    async def scenario() -> tuple[int, list[str]]:
        app = build_app(load_config(str(config), env))
        parser = ThreadPoolExecutor(max_workers=1)
        parser.submit(gate.wait, 30)  # the one parsing thread is busy until the gate opens
        app.pipeline.parse_executor = parser
        try:
            polls = asyncio.ensure_future(app.pipeline.poll_all())
            for _ in range(500):  # bounded: wait for the requests the bounds allow
                if len(feeds.requests) >= under_way:
                    break
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.3)  # room for a request the bound should not allow
            fetched_while_waiting = len(feeds.requests)
            gate.set()
            outcomes = await polls
            return fetched_while_waiting, [o.status for o in outcomes]
        finally:
            gate.set()
            await app.aclose()

    fetched_while_waiting, statuses = asyncio.run(scenario())
    assert fetched_while_waiting == under_way
    assert peak[0] <= limit
    assert statuses == ["new"] * total
    assert len(feeds.requests) == total
