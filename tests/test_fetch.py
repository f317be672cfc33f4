"""HTTP fetching against the local feed server: conditional GETs and connection reuse."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime

from bot.poll.fetch import FeedClients, Fetched, fetch, make_client
from bot.service.app import build_app
from bot.service.config import load_config
from bot.tools.feedserver import FeedServer
from tests.conftest import LAUNCH, ago, rss


def _fetch_three_times(url: str) -> list[Fetched]:
    async def go() -> list[Fetched]:
        client = make_client(connect_timeout=5, read_timeout=5, max_connections=4)
        results: list[Fetched] = []
        etag = None
        try:
            for _ in range(3):
                got = await fetch(
                    client,
                    url,
                    etag=etag,
                    last_modified=None,
                    max_bytes=1 << 20,
                    deadline=10,
                    now=datetime.now(UTC),
                    allow_private=True,
                )
                etag = got.etag
                results.append(got)
        finally:
            await client.aclose()
        return results

    return asyncio.run(go())


def test_304_answers_keep_the_connection_for_the_next_poll(feeds: FeedServer) -> None:
    """An unread 304 made httpcore drop the connection, so every poll of an unchanged feed paid
    for a new connection (and, over https, a TLS handshake). All three polls share one."""
    url = feeds.set("/wire.xml", rss({**LAUNCH, "published": ago(minutes=5)}))
    first, second, third = _fetch_three_times(url)
    assert first.status == 200 and first.body
    assert second.status == 304 and third.status == 304
    assert second.body is None and second.etag == first.etag
    hits = feeds.hits("/wire.xml")
    assert [h.status for h in hits] == [200, 304, 304]
    assert len({h.client for h in hits}) == 1, [h.client for h in hits]


def test_a_feed_keeps_its_client_unless_that_client_is_full() -> None:
    clients = FeedClients(connect_timeout=5, read_timeout=5, max_connections=8)
    assert len(clients.clients) == 2 and clients.per == 4
    url = "https://wire.test/a.xml"
    with clients.client_for(url) as first, clients.client_for(url) as again:
        assert again is first  # the same pool, so the same keep-alive connection
    with contextlib.ExitStack() as stack:
        busy = [stack.enter_context(clients.client_for(url)) for _ in range(4)]
        assert all(c is first for c in busy)
        with clients.client_for(url) as spill:
            assert spill is not first  # full: the feed does not queue behind the four
    with clients.client_for(url) as back:
        assert back is first
    asyncio.run(clients.aclose())


def test_the_slowest_feed_is_started_first_next_time(feeds: FeedServer, write_config, env) -> None:
    """Started last, a feed that takes seconds holds up its whole batch by that much."""
    urls = {
        f"Wire {n}": feeds.set(f"/w{n}.xml", rss({**LAUNCH, "link": f"https://w.test/{n}"}))
        for n in range(5)
    }
    feeds.set("/w4.xml", feeds.routes["/w4.xml"].body, delay=0.4)
    config = write_config(urls, extra_bot="max_concurrency = 1\nper_host_concurrency = 1")

    async def go() -> None:
        app = build_app(load_config(str(config), env))
        try:
            await app.pipeline.poll_all()
            await app.pipeline.poll_all()
        finally:
            await app.aclose()

    asyncio.run(go())
    order = [r.path for r in feeds.requests]
    assert order[:5] == [f"/w{n}.xml" for n in range(5)]  # first cycle: config order
    assert order[5] == "/w4.xml" and sorted(order[5:]) == order[:5]


def test_requests_carry_the_bots_headers_and_the_cookies_a_server_set(feeds: FeedServer) -> None:
    """The feed clients send what an httpx.AsyncClient sent: its default headers with the bot's
    User-Agent and encodings, and back the cookies the server set."""
    url = feeds.set(
        "/wire.xml", rss({**LAUNCH, "published": ago(minutes=5)}), headers={"Set-Cookie": "s=1"}
    )
    _fetch_three_times(url)
    first, second, third = feeds.hits("/wire.xml")
    for hit in (first, second, third):
        assert hit.headers["User-Agent"].startswith("newsbot/")
        assert hit.headers["Accept"] == "*/*" and hit.headers["Connection"] == "keep-alive"
        assert hit.headers["Accept-Encoding"] == "gzip, deflate"
    assert "Cookie" not in first.headers
    assert second.headers["Cookie"] == third.headers["Cookie"] == "s=1"
    assert second.headers["If-None-Match"] == third.headers["If-None-Match"]
