"""A fetch slot bounds the request, not the poll: while fetched bodies wait to be parsed and
recorded, the next feeds' requests go out, within `max_concurrency` requests in flight and
`UNDER_WAY` x `max_concurrency` polls under way (the bodies held)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bot.service import pipeline
from bot.service.app import build_app
from bot.service.config import load_config
from bot.tools.feedserver import FeedServer
from tests.conftest import rss


def test_requests_go_on_while_earlier_bodies_wait_to_be_parsed(
    feeds: FeedServer, write_config: Callable[..., Path], env: dict[str, str]
) -> None:
    """max_concurrency = 2 and the one parsing thread held busy: the bot still fetches
    UNDER_WAY x 2 feeds, never more than 2 requests at once, and starts no further request
    while those bodies wait; once parsing goes on, every feed is parsed and recorded."""
    total, limit = 8, 2
    under_way = pipeline.UNDER_WAY * limit
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
