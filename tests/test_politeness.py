"""Politeness: a feed is never polled sooner than its server asked (Cache-Control max-age,
Expires, RSS <ttl>), within bot.max_polite_delay; both parsing roads read <ttl> and hub links."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from bot.poll import feedxml
from bot.poll.parse import ParsedFeed, parse_feed
from bot.poll.polite import floor, freshness, polite_next, ttl_seconds
from bot.service.app import build_app
from bot.service.config import load_config
from bot.store import FeedState
from bot.tools.feedserver import FeedServer
from tests.conftest import LAUNCH, ago, rss
from tests.test_pipeline import FakeTime

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


# -- reading what the server asked ----------------------------------------------------------


@pytest.mark.parametrize(
    ("cache_control", "expires", "date", "age", "expected"),
    [
        ("max-age=300", None, None, None, 300.0),
        ("public, max-age=300, must-revalidate", None, None, None, 300.0),
        ("max-age=300", None, None, "120", 180.0),  # a cache held it for two minutes already
        ("max-age=60", None, None, "600", 0.0),
        ('max-age="90"', None, None, None, 90.0),
        ("s-maxage=900", None, None, None, None),  # for shared caches; newsbot is private
        ("s-maxage=900, max-age=30", None, None, None, 30.0),
        ("no-cache, max-age=300", None, None, None, None),
        ("no-store", "Tue, 01 Dec 2026 13:00:00 GMT", None, None, None),
        # max-age wins over Expires
        ("max-age=10", "Tue, 01 Dec 2026 13:00:00 GMT", None, None, 10.0),
        # Expires against the response's Date, else against now
        (None, "Tue, 01 Dec 2026 12:20:00 GMT", "Tue, 01 Dec 2026 12:10:00 GMT", None, 600.0),
        (None, "Tue, 01 Dec 2026 12:05:00 GMT", None, None, 300.0),
        (None, "Tue, 01 Dec 2026 11:00:00 GMT", None, None, 0.0),
        (None, "0", None, None, 0.0),  # an invalid Expires means already expired
        ("max-age=soon", None, None, None, None),
        (None, None, None, None, None),
    ],
)
def test_freshness_reads_cache_control_and_expires(
    cache_control: str | None,
    expires: str | None,
    date: str | None,
    age: str | None,
    expected: float | None,
) -> None:
    assert freshness(cache_control, expires, date=date, age=age, now=NOW) == expected


def test_ttl_is_minutes_and_the_floor_is_the_longer_ask() -> None:
    assert ttl_seconds("15") == 900
    assert ttl_seconds(" 60 ") == 3600
    assert [ttl_seconds(v) for v in (None, "", "soon", "-5", "1.5")] == [None] * 5
    assert floor(300.0, 900) == 900
    assert floor(1200.0, 900) == 1200.0
    assert floor(None, None) is None


def test_the_floor_moves_a_poll_later_never_sooner_and_is_capped() -> None:
    planned = NOW + 2 * MINUTE
    interval, cap = 2 * MINUTE, timedelta(hours=1)
    # no floor, or a floor sooner than the plan: the plan stands
    assert polite_next(NOW, planned, None, interval=interval, cap=cap) == (planned, None)
    assert polite_next(NOW, planned, 60, interval=interval, cap=cap) == (planned, NOW + MINUTE)
    # a longer floor moves it
    assert polite_next(NOW, planned, 600, interval=interval, cap=cap)[0] == NOW + 10 * MINUTE
    # a day is capped at max(interval, cap)
    day = 86400.0
    assert polite_next(NOW, planned, day, interval=interval, cap=cap)[0] == NOW + cap
    long_interval = timedelta(hours=3)
    assert polite_next(NOW, NOW + long_interval, day, interval=long_interval, cap=cap)[0] == (
        NOW + long_interval
    )


# -- both parsing roads agree on <ttl> and the feed's links ----------------------------------

RSS_TTL = (
    b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
    b'xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>Desk</title>'
    b"<link>https://desk.test/</link><ttl>15</ttl>"
    b'<atom:link rel="hub" href="https://hub.test/"/>'
    b'<atom:link rel="hub" href="https://hub2.test/push"/>'
    b'<atom:link rel="self" href="https://desk.test/feed.xml" type="application/rss+xml"/>'
    b"<item><title>North Korea fires a missile</title><link>https://desk.test/1</link>"
    b"<guid>https://desk.test/1</guid><pubDate>Tue, 01 Dec 2026 11:00:00 GMT</pubDate>"
    b"<description>Seoul said.</description></item></channel></rss>"
)
ATOM_HUB = (
    b'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
    b'<title>Desk</title><id>https://desk.test/</id><link rel="hub" href="https://hub.test/"/>'
    b'<link rel="self" href="https://desk.test/atom.xml"/><link href="https://desk.test/"/>'
    b"<updated>2026-12-01T11:00:00Z</updated>"
    b"<entry><title>North Korea fires a missile</title><id>https://desk.test/1</id>"
    b'<link href="https://desk.test/1"/><updated>2026-12-01T11:00:00Z</updated>'
    b"<summary>Seoul said.</summary></entry></feed>"
)


def _both(body: bytes, content_type: str) -> tuple[ParsedFeed, ParsedFeed]:
    fast, slow = (
        parse_feed(
            body,
            url="https://desk.test/feed",
            feed_name="Desk",
            now=NOW,
            content_type=content_type,
            fast=f,
        )
        for f in (True, False)
    )
    return fast, slow


def test_rss_ttl_and_hub_links_read_the_same_on_both_roads() -> None:
    assert feedxml.read(RSS_TTL, "application/rss+xml") is not None  # the fast road takes it
    fast, slow = _both(RSS_TTL, "application/rss+xml")
    assert fast == slow
    assert fast.ttl == 900
    assert fast.hubs == ("https://hub.test/", "https://hub2.test/push")
    assert fast.self_url == "https://desk.test/feed.xml"


def test_a_relative_hub_goes_to_feedparser_which_resolves_it() -> None:
    body = RSS_TTL.replace(b'href="https://hub2.test/push"', b'href="/push"')
    assert feedxml.read(body, "application/rss+xml") is None
    fast, slow = _both(body, "application/rss+xml")
    assert fast == slow
    assert fast.hubs == ("https://hub.test/", "https://desk.test/push")


def test_atom_hub_links_read_the_same_on_both_roads() -> None:
    assert feedxml.read(ATOM_HUB, "application/atom+xml") is not None
    fast, slow = _both(ATOM_HUB, "application/atom+xml")
    assert fast == slow
    assert (fast.ttl, fast.hubs, fast.self_url) == (
        None,
        ("https://hub.test/",),
        "https://desk.test/atom.xml",
    )


# -- the pipeline keeps to the floor ------------------------------------------------------------


def _config(tmp_path: Path, url: str, extra: str = "") -> Path:
    path = tmp_path / "newsbot.toml"
    path.write_text(
        f'[bot]\ndatabase = "sqlite:///{tmp_path}/newsbot.db"\npoll_interval = "1m"\n'
        f'jitter = 0\nallow_private_networks = true\nread_timeout = "5s"\n{extra}\n'
        f'[[feeds]]\nname = "Wire"\nurl = "{url}"\n\n'
        '[[channels]]\nchannel = "C0ALERTS"\nlabels = ["missile-test"]\n',
        encoding="utf-8",
    )
    return path


def _poll(config: Path, env: dict[str, str], clock: FakeTime, times: int = 1) -> list[FeedState]:
    """Poll every feed `times` times, a minute apart; the feed states after each poll."""

    async def scenario() -> list[FeedState]:
        app = build_app(load_config(str(config), env), clock=clock, sleep=clock.sleep)
        states = []
        try:
            for _ in range(times):
                await app.pipeline.poll_all()
                states.append(app.store.feed_states()[0])
                clock.now += MINUTE
            return states
        finally:
            await app.aclose()

    return asyncio.run(scenario())


def _wait(state: FeedState, clock: FakeTime, polls_ago: int = 1) -> timedelta:
    """How long after its poll the feed is next due."""
    return state.next_check_at - (clock.now - polls_ago * MINUTE)


def test_without_caching_headers_the_interval_rules(
    tmp_path: Path, feeds: FeedServer, env: dict[str, str]
) -> None:
    url = feeds.set("/wire.xml", rss({**LAUNCH, "published": ago(minutes=5)}))
    clock = FakeTime()
    (state,) = _poll(_config(tmp_path, url), env, clock)
    assert _wait(state, clock) == MINUTE
    assert state.polite_until is None and state.ttl is None


def test_max_age_holds_the_next_poll_back_on_200_and_on_304(
    tmp_path: Path, feeds: FeedServer, env: dict[str, str]
) -> None:
    url = feeds.set(
        "/wire.xml",
        rss({**LAUNCH, "published": ago(minutes=5)}),
        headers={"Cache-Control": "public, max-age=600"},
    )
    clock = FakeTime()
    first, second = _poll(_config(tmp_path, url), env, clock, times=2)
    assert [r.status for r in feeds.hits("/wire.xml")] == [200, 304]
    assert _wait(first, clock, polls_ago=2) == 10 * MINUTE
    assert _wait(second, clock) == 10 * MINUTE  # the 304 repeated the header: the floor moves
    assert second.polite_until == second.next_check_at


def test_a_server_asking_for_a_day_is_capped(
    tmp_path: Path, feeds: FeedServer, env: dict[str, str]
) -> None:
    url = feeds.set(
        "/wire.xml",
        rss({**LAUNCH, "published": ago(minutes=5)}),
        headers={"Cache-Control": "max-age=86400"},
    )
    clock = FakeTime()
    (state,) = _poll(_config(tmp_path, url), env, clock)
    assert _wait(state, clock) == timedelta(hours=1)  # bot.max_polite_delay's default
    (state,) = _poll(_config(tmp_path, url, 'max_polite_delay = "5m"'), env, clock)
    assert _wait(state, clock) == 5 * MINUTE


def test_expires_holds_the_next_poll_back(
    tmp_path: Path, feeds: FeedServer, env: dict[str, str]
) -> None:
    clock = FakeTime()
    url = feeds.set(
        "/wire.xml",
        rss({**LAUNCH, "published": ago(minutes=5)}),
        headers={"Expires": format_datetime(clock.now + 15 * MINUTE, usegmt=True)},
    )
    (state,) = _poll(_config(tmp_path, url), env, clock)
    # the header has whole seconds: within a second of 15 minutes
    assert 15 * MINUTE - timedelta(seconds=1) <= _wait(state, clock) <= 15 * MINUTE


def test_rss_ttl_holds_the_next_poll_back_and_is_kept_for_304s(
    tmp_path: Path, feeds: FeedServer, env: dict[str, str]
) -> None:
    body = rss({**LAUNCH, "published": ago(minutes=5)}).replace(
        "<description>test</description>", "<description>test</description><ttl>30</ttl>"
    )
    url = feeds.set("/wire.xml", body)
    clock = FakeTime()
    first, second = _poll(_config(tmp_path, url), env, clock, times=2)
    assert [r.status for r in feeds.hits("/wire.xml")] == [200, 304]
    assert first.ttl == 1800
    assert _wait(first, clock, polls_ago=2) == 30 * MINUTE
    # a 304 has no body to repeat the <ttl>: the stored one still holds
    assert _wait(second, clock) == 30 * MINUTE
