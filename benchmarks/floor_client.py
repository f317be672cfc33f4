"""The floor of a whole `run --once` over httpx: fetch every feed and keep its validators, nothing else.

    python -m benchmarks.floor_client DB PORT FEEDS cold|warm

`bench_farm --mode processes --systems newsbot,reader,floor` runs it beside newsbot and
`reader`, as a process of its own. It is the least any feed poller built on httpx has to do
in one run: start Python, import httpx and sqlite3, read the feeds' validators (warm), send
every feed's GET (conditional when warm) at newsbot's concurrency (20 in flight, in small
pools of 4 connections, as `bot.poll.fetch.FeedClients` does, since one big httpcore pool
costs about twice the CPU per request; a feed goes to the least busy pool when its own is
full), read the bodies, and write the validators (and, cold,
the bodies) to SQLite in one transaction. It does not parse, classify, cluster, post or keep
any state beyond that. It has no memory of which feeds were slow, so where the farm has slow
feeds (1.5 s answers) newsbot, which asks last run's slow feeds first, can end sooner; on a farm
without them newsbot cannot be faster than it, and floor/reader is the best ratio to `reader`
that a bot on this HTTP stack can reach.
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys

import httpx

IN_FLIGHT = 20
PER_POOL = 4


async def poll(
    urls: list[str], validators: dict[str, tuple[str | None, str | None]]
) -> list[tuple[str, str | None, str | None, bytes | None]]:
    pools = [
        httpx.AsyncClient(
            limits=httpx.Limits(max_connections=PER_POOL, max_keepalive_connections=PER_POOL),
            timeout=httpx.Timeout(30.0, connect=10.0),
        )
        for _ in range(IN_FLIGHT // PER_POOL)
    ]
    gate = asyncio.Semaphore(IN_FLIGHT)
    busy = [0] * len(pools)
    results: list[tuple[str, str | None, str | None, bytes | None]] = []

    async def one(n: int, url: str) -> None:
        etag, modified = validators.get(url, (None, None))
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if modified:
            headers["If-Modified-Since"] = modified
        async with gate:
            # a feed's own pool, unless a slow answer holds all its connections: then the least
            # busy one (as FeedClients does), so one slow feed does not queue the others
            k = n % len(pools)
            if busy[k] >= PER_POOL:
                k = min(range(len(pools)), key=busy.__getitem__)
            busy[k] += 1
            try:
                answer = await pools[k].get(url, headers=headers)
            except httpx.HTTPError:
                return
            finally:
                busy[k] -= 1
        if answer.status_code == 200:
            results.append(
                (
                    url,
                    answer.headers.get("etag"),
                    answer.headers.get("last-modified"),
                    answer.content,
                )
            )
        elif answer.status_code == 304:
            results.append((url, etag, modified, None))

    try:
        await asyncio.gather(*(one(n, url) for n, url in enumerate(urls)))
    finally:
        for client in pools:
            await client.aclose()
    return results


def main(argv: list[str]) -> int:
    db, port, feeds, mode = argv[0], argv[1], int(argv[2]), argv[3]
    conn = sqlite3.connect(db)
    conn.execute(
        "CREATE TABLE IF NOT EXISTS feeds "
        "(url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT, body BLOB)"
    )
    urls = [f"http://127.0.0.1:{port}/feed{i}.xml" for i in range(feeds)]
    validators: dict[str, tuple[str | None, str | None]] = {}
    if mode == "warm":
        for url, etag, modified in conn.execute("SELECT url, etag, last_modified FROM feeds"):
            validators[url] = (etag, modified)
    results = asyncio.run(poll(urls, validators))
    with conn:
        conn.executemany(
            "INSERT INTO feeds (url, etag, last_modified, body) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (url) DO UPDATE SET etag = excluded.etag, "
            "last_modified = excluded.last_modified, body = coalesce(excluded.body, feeds.body)",
            results,
        )
    conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
