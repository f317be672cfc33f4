"""Hot mode: while a high or critical story is fresh, the feeds that reported it and the feeds
marked hot = true are polled at bot.hot_interval; never sooner than the server's floor."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.poll.hot import HotBoard, HotPolicy, planned_next
from bot.service.app import build_app
from bot.service.config import load_config
from bot.store import FeedState, Store
from bot.tools.feedserver import FeedServer
from tests.conftest import DISTINCT_LAUNCHES, LAUNCH, ago, rss
from tests.test_pipeline import FakeTime

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
S = timedelta(seconds=1)
POLICY = HotPolicy(interval=30 * S, window=timedelta(minutes=20), severity="high")


def test_grave_means_at_or_above_the_hot_severity() -> None:
    assert [POLICY.grave(s) for s in ("normal", "high", "critical", None)] == [
        False,
        True,
        True,
        False,
    ]
    critical_only = HotPolicy(severity="critical")
    assert [critical_only.grave(s) for s in ("high", "critical")] == [False, True]
    off = HotPolicy(window=timedelta(0))
    assert not off.grave("critical")


def test_a_story_is_hot_for_its_window_after_its_last_grave_report() -> None:
    board = HotBoard()
    assert board.hot_feeds(T0, POLICY, ["flagged"]) == frozenset()  # no story: flags sleep
    board.note("s1", ["a"], T0)
    assert board.hot_feeds(T0, POLICY, ["flagged"]) == {"a", "flagged"}
    board.note("s1", ["b"], T0 + timedelta(minutes=15))  # a later report: fresh again
    later = T0 + timedelta(minutes=30)
    assert board.hot_feeds(later, POLICY, []) == {"a", "b"}
    board.prune(later, POLICY)
    assert "s1" in board.stories
    gone = T0 + timedelta(minutes=36)
    assert board.hot_feeds(gone, POLICY, ["flagged"]) == frozenset()
    board.prune(gone, POLICY)
    assert board.stories == {}


def test_hot_only_ever_brings_a_check_sooner() -> None:
    normal, hot = T0 + timedelta(minutes=5), T0 + 30 * S
    assert planned_next(normal, hot, hot=True) == hot
    assert planned_next(normal, hot, hot=False) == normal
    assert planned_next(T0 + 10 * S, hot, hot=True) == T0 + 10 * S


def test_the_store_hurries_feeds_but_not_past_their_floor_nor_leased_ones(
    database_url: str,
) -> None:
    store = Store.open(database_url)
    try:
        urls = [f"https://wire.test/{n}" for n in range(5)]
        store.sync_feeds([(u, f"Wire {n}") for n, u in enumerate(urls)], T0)
        store.claim_due(urls, T0, T0 + timedelta(minutes=5), "me")
        soon, floor, plain = T0 + 30 * S, T0 + 90 * S, T0 + timedelta(minutes=5)
        store.record_unchanged(urls[0], T0, plain)  # due later: hurried
        store.record_unchanged(urls[1], T0, plain)  # with a floor after `soon`: to the floor
        store.record_polite_many([(urls[1], floor)])
        store.record_unchanged(urls[2], T0, plain)  # its floor is the next check: stays
        store.record_polite_many([(urls[2], plain)])
        store.record_unchanged(urls[3], T0, T0 + 10 * S)  # due sooner anyway: stays
        # urls[4] is still leased (being polled): its poll decides
        assert store.hurry_feeds(urls, soon) == 2
        due = {s.url: s.next_check_at for s in store.feed_states()}
        assert [due[u] for u in urls] == [soon, floor, plain, T0 + 10 * S, plain]
    finally:
        store.close()


def _config(
    tmp_path: Path, feeds: dict[str, str], extra: str = "", hot: tuple[str, ...] = ()
) -> Path:
    path = tmp_path / "newsbot.toml"
    path.write_text(
        f'[bot]\ndatabase = "sqlite:///{tmp_path}/newsbot.db"\npoll_interval = "5m"\n'
        'jitter = 0\nallow_private_networks = true\nread_timeout = "5s"\nhot_interval = "30s"\n'
        f'hot_window = "20m"\n{extra}\n'
        + "".join(
            f'[[feeds]]\nname = "{n}"\nurl = "{u}"\nhot = {"true" if n in hot else "false"}\n\n'
            for n, u in feeds.items()
        )
        + '[[channels]]\nchannel = "C0ALERTS"\nlabels = ["missile-test"]\n',
        encoding="utf-8",
    )
    return path


def _waits(states: list[FeedState], now: datetime) -> dict[str, timedelta]:
    return {s.name: s.next_check_at - now for s in states}


def test_a_high_story_makes_its_feed_and_the_hot_feeds_poll_fast_for_a_while(
    tmp_path: Path, feeds: FeedServer, env: dict[str, str]
) -> None:
    cruise = {**DISTINCT_LAUNCHES[1], "published": ago(minutes=3)}  # cruise missiles: normal
    urls = {
        "Launch": feeds.set("/launch.xml", rss({**LAUNCH, "published": ago(minutes=5)})),
        "Watch": feeds.set("/watch.xml", rss(title="Watch")),  # hot = true
        "Quiet": feeds.set("/quiet.xml", rss(title="Quiet")),
        "Cruise": feeds.set("/cruise.xml", rss(cruise)),
    }
    config = _config(tmp_path, urls, hot=("Watch",))
    clock = FakeTime()
    t0 = clock.now

    async def scenario() -> list[dict[str, timedelta]]:
        app = build_app(load_config(str(config), env), clock=clock, sleep=clock.sleep)
        p = app.pipeline
        try:
            waits = []
            await p.poll_all()  # the launch story (high) is planned at t0
            await asyncio.gather(*p.start_due())  # a tick: the hot feeds are hurried
            waits.append(_waits(app.store.feed_states(), t0))
            clock.now = t0 + 31 * S
            await p.tick()  # the two hot feeds are due, polled, and due again in 30 s
            waits.append(_waits(app.store.feed_states(), clock.now))
            clock.now = t0 + timedelta(minutes=21)  # the story is no longer fresh
            await p.tick()
            waits.append(_waits(app.store.feed_states(), clock.now))
            return waits
        finally:
            await app.aclose()

    hot, again, cooled = asyncio.run(scenario())
    five = timedelta(minutes=5)
    assert hot == {"Launch": 30 * S, "Watch": 30 * S, "Quiet": five, "Cruise": five}
    assert again["Launch"] == again["Watch"] == 30 * S
    assert [h.status for h in feeds.hits("/launch.xml")] == [200, 304, 304]
    assert cooled == {"Launch": five, "Watch": five, "Quiet": five, "Cruise": five}


def test_hot_mode_never_polls_sooner_than_the_server_allows(
    tmp_path: Path, feeds: FeedServer, env: dict[str, str]
) -> None:
    url = feeds.set(
        "/launch.xml",
        rss({**LAUNCH, "published": ago(minutes=5)}),
        headers={"Cache-Control": "max-age=120"},
    )
    config = _config(tmp_path, {"Launch": url})
    clock = FakeTime()

    async def scenario() -> timedelta:
        app = build_app(load_config(str(config), env), clock=clock, sleep=clock.sleep)
        try:
            await app.pipeline.poll_all()
            await asyncio.gather(*app.pipeline.start_due())
            assert app.pipeline.hot.stories  # the story is hot
            return app.store.feed_states()[0].next_check_at - clock.now
        finally:
            await app.aclose()

    assert asyncio.run(scenario()) == 120 * S  # not 30 s: the server's floor wins
