"""HTTP fetching against the local feed server: conditional GETs and connection reuse."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from bot.feedserver import FeedServer
from bot.fetch import Fetched, fetch, make_client
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
