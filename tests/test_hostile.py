"""Hostile feeds and servers: nothing crashes, memory and time stay bounded, nothing leaks."""

from __future__ import annotations

import asyncio
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from bot.errors import FeedFetchError
from bot.poll.fetch import MAX_RETRY_AFTER, FeedClient, address_problem, fetch, make_client
from bot.poll.parse import parse_feed
from bot.service.app import build_app
from bot.service.config import load_config
from bot.store import Store
from bot.tools.feedserver import FeedServer
from tests.conftest import LAUNCH, ago, rss
from tests.hostile import HOSTILE_ANSWERS, HostileServer

NOW = datetime(2026, 11, 22, tzinfo=UTC)


@pytest.fixture
def hostile() -> Iterator[HostileServer]:
    server = HostileServer()
    yield server
    server.close()


def _poll(config: Path, env: dict[str, str]):  # type: ignore[no-untyped-def]
    async def go():  # type: ignore[no-untyped-def]
        app = build_app(load_config(str(config), env))
        try:
            return await app.pipeline.poll_all()
        finally:
            await app.aclose()

    return asyncio.run(go())


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY a "lol">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
 <!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
 <!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">
 <!ENTITY i "&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;">
]>
<rss version="2.0"><channel><title>laughs</title>
<item><title>&i;</title><link>https://x.test/1</link><description>North Korea fires missile</description></item>
</channel></rss>"""


def test_billion_laughs_is_not_expanded() -> None:
    start = time.monotonic()
    try:
        parsed = parse_feed(BILLION_LAUGHS, url="https://x.test/rss", feed_name="X", now=NOW)
    except Exception as e:  # a refusal is fine; an explosion is not
        assert type(e).__name__ == "FeedParseError"
        return
    assert time.monotonic() - start < 5
    assert all(len(i.title) <= 1000 for i in parsed.items)  # never 10^9 "lol"s


def test_external_entities_are_not_fetched_or_read(feeds: FeedServer) -> None:
    secret = feeds.set("/secret.txt", "TOPSECRET-FROM-THE-INSIDE")
    body = f"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY file SYSTEM "file:///etc/hostname">
 <!ENTITY net SYSTEM "{secret}">
]>
<rss version="2.0"><channel><title>xxe</title>
<item><title>A &file; B &net; C</title><link>https://x.test/1</link><description>x</description></item>
</channel></rss>""".encode()
    hostname = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").exists() else "\0"
    try:
        parsed = parse_feed(body, url="https://x.test/rss", feed_name="X", now=NOW)
        text = " ".join(i.title + i.summary for i in parsed.items)
        assert "TOPSECRET" not in text and (not hostname or hostname not in text)
    except Exception as e:
        assert type(e).__name__ == "FeedParseError"
    assert feeds.hits("/secret.txt") == []


def _cases(feeds: FeedServer) -> dict[str, str]:
    big = [
        {"title": f"Item {i}", "summary": "text", "link": f"https://x.test/{i}", "guid": f"g{i}"}
        for i in range(10_000)
    ]
    return {
        "html": feeds.set(
            "/html",
            "<!doctype html><html><body><h1>Not a feed</h1></body></html>",
            content_type="text/html",
        ),
        "no-content-type": feeds.set(
            "/nocontent", rss({**LAUNCH, "published": ago(minutes=1)}), content_type=""
        ),
        "wrong-content-type": feeds.set(
            "/wrongtype",
            rss({**LAUNCH, "guid": "w", "published": ago(minutes=1)}),
            content_type="image/png",
        ),
        "invalid-utf8": feeds.set(
            "/badutf8", rss({**LAUNCH, "guid": "u"}).encode().replace(b"fires", b"fi\xff\xferes")
        ),
        "misdeclared": feeds.set(
            "/latin",
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
            "<item><title>Caf\xe9 North Korea fires missile</title></item></channel></rss>".encode(
                "latin-1"
            ),
        ),
        "no-title-no-link": feeds.set(
            "/bare",
            '<rss version="2.0"><channel><title>t</title><item><description>only text</description></item><item></item></channel></rss>',
        ),
        "ten-thousand": feeds.set("/big", rss(*big)),
        "dates": feeds.set(
            "/dates",
            '<rss version="2.0"><channel><title>t</title>'
            "<item><title>Future</title><guid>f</guid><pubDate>Sat, 01 Jan 9999 00:00:00 GMT</pubDate></item>"
            "<item><title>Past</title><guid>p</guid><pubDate>Mon, 01 Jan 1900 00:00:00 GMT</pubDate></item>"
            "<item><title>Garbage</title><guid>g</guid><pubDate>yesterday-ish</pubDate></item>"
            "</channel></rss>",
        ),
        "enormous-title": feeds.set(
            "/title",
            rss({"title": "North Korea " * 200_000, "summary": "x" * 500_000, "guid": "t"}),
        ),
    }


def test_hostile_feeds_go_through_the_whole_pipe(feeds: FeedServer, write_config, env) -> None:
    urls = _cases(feeds)
    config = write_config(urls, backfill="3650d", extra_bot='retention = "4000d"')
    outcomes = {o.feed: o for o in _poll(config, env)}
    assert set(outcomes) == set(urls)
    assert outcomes["html"].status == "error"
    for name in (
        "no-content-type",
        "wrong-content-type",
        "invalid-utf8",
        "misdeclared",
        "no-title-no-link",
        "dates",
        "enormous-title",
    ):
        assert outcomes[name].status == "new", (name, outcomes[name])
    assert outcomes["ten-thousand"].items == 10_000


def test_hostile_servers_are_cut_off(hostile: HostileServer, write_config, env) -> None:
    urls = {
        "endless": hostile.url("/endless"),
        "huge-declared": hostile.url("/huge-declared"),
        "trickle": hostile.url("/trickle"),
        "gzip-bomb": hostile.url("/gzip-bomb"),
        "redirect-loop": hostile.url("/loop1"),
    }
    config = write_config(urls, extra_bot="max_feed_bytes = 1048576")
    config.write_text(config.read_text().replace('read_timeout = "5s"', 'read_timeout = "3s"'))
    start = time.monotonic()
    outcomes = {o.feed: o for o in _poll(config, env)}
    assert time.monotonic() - start < 20  # the trickling server is cut at connect + read
    assert all(o.status == "error" for o in outcomes.values()), outcomes
    assert "cap" in (outcomes["endless"].error or "")
    assert hostile.bytes_sent["/endless"] < 64 * 1024 * 1024  # stopped reading, not drained
    assert "exceeds" in (outcomes["huge-declared"].error or "")
    assert "within" in (outcomes["trickle"].error or "")
    assert "cap" in (outcomes["gzip-bomb"].error or "")  # decompressed size is what counts
    assert "redirects" in (outcomes["redirect-loop"].error or "")


def test_server_supplied_values_fail_only_their_feed_and_show_in_status(
    hostile: HostileServer, write_config, env, database: str
) -> None:
    """Huge or far-future Retry-After, redirects to javascript: or to a port past 65535: each
    is a failed poll with its reason in `status`, and no wait longer than MAX_RETRY_AFTER."""
    urls = {path.strip("/"): hostile.url(path) for path in HOSTILE_ANSWERS}
    config = write_config(urls)
    before = datetime.now(UTC)
    outcomes = {o.feed: o for o in _poll(config, env)}
    assert {name: o.status for name, o in outcomes.items()} == dict.fromkeys(urls, "error")
    assert "URL" in (outcomes["to-javascript"].error or "")
    assert "not a valid URL" in (outcomes["to-bad-port"].error or "")
    store = Store.open(database)
    try:
        states = {s.name: s for s in store.feed_states()}
    finally:
        store.close()
    limit = before + timedelta(seconds=MAX_RETRY_AFTER + 60)
    for name, state in states.items():
        assert state.last_error and state.failures == 1, name
        assert state.next_check_at <= limit, (name, state.next_check_at)
    assert states["retry-huge"].next_check_at >= before + timedelta(hours=5)  # honoured, capped


@pytest.mark.parametrize("path", ["/gzip-gzip", "/gzip-bomb"])
def test_a_compressed_body_is_cut_at_the_cap_while_it_is_decoded(
    hostile: HostileServer, path: str
) -> None:
    """The cap bounds memory, not just the result: a stacked-gzip body of a few KB (200 MB
    inside) and a single-layer bomb peak at a small multiple of the cap, never at the bomb."""
    cap = 1024 * 1024

    async def go() -> int:
        client = make_client(connect_timeout=5, read_timeout=30, max_connections=1)
        tracemalloc.start()
        try:
            with pytest.raises(FeedFetchError, match="cap"):
                await fetch(
                    client,
                    hostile.url(path),
                    etag=None,
                    last_modified=None,
                    max_bytes=cap,
                    deadline=60,
                    now=NOW,
                    allow_private=True,
                )
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
            await client.aclose()

    if path == "/gzip-gzip":
        assert hostile.stacked_size() < 4096
    peak = asyncio.run(go())
    assert peak < 4 * cap, f"peak {peak / 2**20:.1f} MB while decoding"


@pytest.mark.parametrize(
    ("address", "refused"),
    [
        ("127.0.0.1", True),
        ("::1", True),
        ("10.1.2.3", True),
        ("172.16.0.1", True),
        ("192.168.1.1", True),
        ("169.254.169.254", True),
        ("fe80::1", True),
        ("fc00::1", True),
        ("::ffff:127.0.0.1", True),
        ("0.0.0.0", True),
        ("224.0.0.1", True),
        ("100.100.100.200", True),  # a cloud metadata address in shared space
        ("100.64.0.1", True),
        ("192.0.0.8", True),
        ("198.18.0.1", True),
        ("2002:a9fe:a9fe::", True),  # 6to4 of 169.254.169.254
        ("2002:0a00:0001::1", True),  # 6to4 of 10.0.0.1
        ("2001:0:4136:e378:8000:63bf:f5ff:fffe", True),  # Teredo, client 10.0.0.1
        ("64:ff9b::a9fe:a9fe", True),  # NAT64 of 169.254.169.254
        ("2002:5db8:d822::1", False),  # 6to4 of a public address
        ("93.184.216.34", False),
        ("2606:4700::1111", False),
    ],
)
def test_address_guard(address: str, refused: bool) -> None:
    assert (address_problem(address) is not None) == refused


@pytest.mark.parametrize(
    "url",
    ["http://100.100.100.200/latest/meta-data/", "http://[2002:a9fe:a9fe::]/", "http://192.0.0.8/"],
)
def test_special_purpose_addresses_are_refused_before_any_connection(url: str) -> None:
    """Address literals need no lookup; the guard refuses them before a socket is opened, so
    nothing is sent anywhere (the client's transport would fail the test if it were used)."""

    def no_traffic(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"a request was made to {request.url}")

    async def go() -> None:
        async with FeedClient(transport=httpx.MockTransport(no_traffic)) as client:
            with pytest.raises(FeedFetchError, match="refused") as e:
                await fetch(
                    client, url, etag=None, last_modified=None, max_bytes=1024, deadline=5, now=NOW
                )
            assert e.value.blocked

    asyncio.run(go())


def test_private_networks_are_refused_by_default(
    feeds: FeedServer, hostile: HostileServer, write_config, env, caplog: pytest.LogCaptureFixture
) -> None:
    url = feeds.set("/wire.xml", rss({**LAUNCH, "published": ago(minutes=1)}))
    config = write_config(
        {"Local": url, "Redirector": hostile.url("/to-metadata"), "Ftp": "http://127.0.0.1:1/x"}
    )
    config.write_text(config.read_text().replace("allow_private_networks = true\n", ""))
    env = {k: v for k, v in env.items() if k != "NEWSBOT_ALLOW_PRIVATE_NETWORKS"}
    outcomes = {o.feed: o for o in _poll(config, env)}
    assert all(o.status == "error" for o in outcomes.values())
    assert feeds.hits("/wire.xml") == []  # refused before any request
    assert "loopback" in (outcomes["Local"].error or "")
    assert (
        "NEWSBOT_ALLOW_PRIVATE_NETWORKS=1" in caplog.text
        and "allow_private_networks" in caplog.text
    )
    # the environment switch lifts it, and a redirect to the metadata address is still checked
    outcomes = {o.feed: o for o in _poll(config, {**env, "NEWSBOT_ALLOW_PRIVATE_NETWORKS": "1"})}
    assert outcomes["Local"].status == "new"


def test_redirect_to_metadata_is_refused_on_the_hop(hostile: HostileServer) -> None:
    """With loopback allowed for the first hop only, the redirect's target is checked again."""
    from bot.poll.fetch import check_url

    asyncio.run(check_url(hostile.url("/to-metadata"), allow_private=True))
    with pytest.raises(Exception, match="link-local"):
        asyncio.run(check_url("http://169.254.169.254/latest/meta-data/", allow_private=False))
    with pytest.raises(Exception, match="only http and https"):
        asyncio.run(check_url("file:///etc/passwd", allow_private=True))
