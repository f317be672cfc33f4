"""The pipeline with injected clock and sleep, against the local feed server and Slack stand-in."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.service.app import build_app
from bot.service.config import load_config
from bot.store import Store
from bot.store import schema as t
from bot.tools.feedserver import FeedServer
from tests.conftest import DISTINCT_LAUNCHES, LAUNCH, ago, outlet_rss, rss
from tests.peers import SlackStandIn


class FakeTime:
    """A clock that moves only when the code under test sleeps (or the test advances it)."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)
        self.sleeps: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def database(database_url: str) -> str:
    """These tests run once on SQLite and once on PostgreSQL."""
    return database_url


def _app(config: Path, env: dict[str, str], clock: FakeTime):
    return build_app(load_config(str(config), env), clock=clock, sleep=clock.sleep)


def test_unchanged_body_without_etag_is_not_parsed_again(
    feeds: FeedServer, write_config, env
) -> None:
    url = feeds.set("/wire.xml", rss({**LAUNCH, "published": ago(minutes=5)}), etag=False)
    config = write_config({"Wire": url})
    clock = FakeTime()

    async def scenario() -> list[str]:
        app = _app(config, env, clock)
        try:
            first = await app.pipeline.poll_all()
            second = await app.pipeline.poll_all()
            return [first[0].status, second[0].status]
        finally:
            await app.aclose()

    assert asyncio.run(scenario()) == ["new", "unchanged"]
    assert [r.status for r in feeds.hits("/wire.xml")] == [200, 200]  # no 304 possible here


def test_feed_429_retry_after_is_honoured_and_failures_back_off(
    feeds: FeedServer, write_config, env
) -> None:
    limited = feeds.set(
        "/limited.xml", "slow down", status=429, headers={"Retry-After": "900"}, etag=False
    )
    broken = feeds.set("/broken.xml", "oops", status=500, etag=False)
    config = write_config({"Limited": limited, "Broken": broken})
    clock = FakeTime()

    async def scenario():
        app = _app(config, env, clock)
        try:
            await app.pipeline.poll_all()
            await app.pipeline.poll_all()
            return {s.name: s for s in app.store.feed_states()}
        finally:
            await app.aclose()

    states = asyncio.run(scenario())
    assert states["Limited"].next_check_at >= clock.now + timedelta(seconds=899)
    assert states["Limited"].last_error == "HTTP 429 Too Many Requests"
    broken_state = states["Broken"]
    assert broken_state.failures == 2
    # second consecutive failure: twice the 2-minute interval
    assert broken_state.next_check_at == clock.now + timedelta(minutes=4)


def test_oversize_body_is_refused(feeds: FeedServer, write_config, env) -> None:
    url = feeds.set("/huge.xml", b"<rss>" + b"x" * 300_000 + b"</rss>")
    config = write_config({"Huge": url}, extra_bot="max_feed_bytes = 100000")
    clock = FakeTime()

    async def scenario():
        app = _app(config, env, clock)
        try:
            return await app.pipeline.poll_all()
        finally:
            await app.aclose()

    [outcome] = asyncio.run(scenario())
    assert outcome.status == "error" and "exceeds the 100000-byte cap" in (outcome.error or "")


def test_deliveries_are_paced_per_channel(
    feeds: FeedServer, slack: SlackStandIn, write_config, env
) -> None:
    items = [{**launch, "published": ago(minutes=2)} for launch in DISTINCT_LAUNCHES]
    url = feeds.set("/wire.xml", rss(*items))
    channels = (
        '[[channels]]\nchannel = "C1"\nlabels = ["missile-test"]\n\n'
        '[[channels]]\nchannel = "C2"\nlabels = ["missile-test"]\n'
    )
    config = write_config({"Wire": url}, channels=channels)
    config.write_text(config.read_text().replace('pace = "0s"', 'pace = "1s"\nburst = 1'))
    clock = FakeTime()
    start = clock.now

    async def scenario():
        app = _app(config, env, clock)
        try:
            await app.pipeline.poll_all()
            return await app.deliverer.drain(timedelta(seconds=30))
        finally:
            await app.aclose()

    stats = asyncio.run(scenario())
    assert stats.sent == 6 and len(slack.posts()) == 6
    # three posts per channel need two 1-second gaps; the channels interleave, so the
    # whole drain takes 2 s of (fake) time, not 4 s and not 0 s
    assert clock.sleeps == [1.0, 1.0]
    assert clock.now - start == timedelta(seconds=2)
    per_channel = [c.args["channel"] for c in slack.posts()]
    assert per_channel == ["C1", "C2"] * 3


def test_feed_health_alerts_once_when_down_and_once_when_recovered(
    feeds: FeedServer, slack: SlackStandIn, write_config, env
) -> None:
    url = feeds.set("/flaky.xml", "down", status=503, etag=False)
    config = write_config(
        {"Flaky": url}, extra_bot='ops_channel = "C0OPS"\nfeed_alert_after = "1h"'
    )
    clock = FakeTime()

    async def scenario() -> None:
        app = _app(config, env, clock)
        try:
            p = app.pipeline
            await p.poll_all()
            assert p.check_feed_health() == 0  # failing, but not for an hour yet
            clock.now += timedelta(minutes=61)
            await p.poll_all()
            assert p.check_feed_health() == 1
            clock.now += timedelta(minutes=30)
            await p.poll_all()
            assert p.check_feed_health() == 0  # told once
            feeds.set("/flaky.xml", rss({**LAUNCH, "published": clock.now}))
            await p.poll_all()
            assert p.check_feed_health() == 1  # recovered
            assert p.check_feed_health() == 0
            await app.deliverer.drain(timedelta(seconds=5))
        finally:
            await app.aclose()

    asyncio.run(scenario())
    ops = [c.args["text"] for c in slack.posts() if c.args["channel"] == "C0OPS"]
    assert len(ops) == 2
    assert "Flaky" in ops[0] and "failed" in ops[0] and "HTTP 503" in ops[0]
    assert "working again" in ops[1]


def test_a_channel_may_get_a_small_burst_then_one_message_a_second(
    feeds: FeedServer, slack: SlackStandIn, write_config, env
) -> None:
    """Posts, replies and edits share one bucket per channel: 3 at once, then 1 per second."""
    items = [{**launch, "published": ago(minutes=2)} for launch in DISTINCT_LAUNCHES]
    first = feeds.set("/a.xml", rss(*items))
    second = feeds.set(
        "/b.xml", rss(*[{**i, "guid": f"{i['guid']}-b", "link": f"{i['link']}-b"} for i in items])
    )
    config = write_config({"A": first, "B": second})
    config.write_text(config.read_text().replace('pace = "0s"', 'pace = "1s"\nburst = 3'))
    clock = FakeTime()

    async def scenario():
        app = _app(config, env, clock)
        try:
            await app.pipeline.poll_all()
            return await app.deliverer.drain(timedelta(seconds=60))
        finally:
            await app.aclose()

    stats = asyncio.run(scenario())
    sent = stats.sent  # 3 posts + 3 replies + 3 parent edits, all to C0ALERTS
    assert sent == 9
    assert len(clock.sleeps) == sent - 3 and all(0.99 <= s <= 1.0 for s in clock.sleeps)


def _refuse_seen_rows_of(app, url: str) -> None:  # type: ignore[no-untyped-def]
    """A real fault in the database itself: a trigger that fails any insert of one feed's keys."""
    with app.pipeline.store.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql(
                "CREATE TRIGGER refuse BEFORE INSERT ON seen"
                f" WHEN NEW.feed_url = '{url}' BEGIN SELECT RAISE(ABORT, 'disk says no'); END"
            )
        else:
            conn.exec_driver_sql(
                "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS"
                " $$ BEGIN RAISE EXCEPTION 'disk says no'; END $$"
            )
            conn.exec_driver_sql(
                "CREATE TRIGGER refuse BEFORE INSERT ON seen FOR EACH ROW"
                f" WHEN (NEW.feed_url = '{url}') EXECUTE FUNCTION refuse()"
            )


def _allow_seen_rows(app) -> None:  # type: ignore[no-untyped-def]
    with app.pipeline.store.engine.begin() as conn:
        conn.exec_driver_sql(
            "DROP TRIGGER refuse"
            if conn.dialect.name == "sqlite"
            else "DROP TRIGGER refuse ON seen; DROP FUNCTION refuse()"
        )


def _requests(app, urls: list[str]):  # type: ignore[no-untyped-def]
    """One fetched feed per URL, each with one new entry (not a story) keyed k<n>."""
    from bot.models import Item
    from bot.plan.intents import Poll
    from bot.service.pipeline import Polled
    from bot.store import FeedWrite

    now = datetime.now(UTC)
    return [
        Polled(
            FeedWrite(
                url,
                now,
                now + timedelta(minutes=2),
                etag=None,
                last_modified=None,
                body_hash=f"h{n}",
            ),
            Poll(
                [Item(f"F{n}", url, f"id{n}", f"{url}#{n}", "Tram line opens", "", now)],
                [(f"k{n}",)],
                now,
                first_poll=False,
            ),
            titles_since=now - timedelta(hours=36),
        )
        for n, url in enumerate(urls)
    ]


def _record_together(feeds: FeedServer, write_config, env, refuse: int | None = None):  # type: ignore[no-untyped-def]
    """Three fetched feeds handed to the pipeline's writer at once (as three polls finishing
    together would); the database refuses feed `refuse`, if given."""
    urls = [feeds.set(f"/{n}.xml", rss(LAUNCH)) for n in range(3)]
    config = write_config({f"F{n}": u for n, u in enumerate(urls)})

    async def scenario():  # type: ignore[no-untyped-def]
        app = _app(config, env, FakeTime())
        try:
            app.pipeline.sync_feeds()
            if refuse is not None:
                _refuse_seen_rows_of(app, urls[refuse])
            results = await asyncio.gather(
                *(app.pipeline._record(r) for r in _requests(app, urls)), return_exceptions=True
            )
            return app, results
        finally:
            await app.aclose()

    app, results = asyncio.run(scenario())
    return app, urls, results


def test_feeds_parsed_together_are_recorded_in_one_transaction(
    feeds: FeedServer, write_config, env
) -> None:
    app, urls, results = _record_together(feeds, write_config, env)
    assert [r.new_items for r in results] == [1, 1, 1]
    registry = app.pipeline.metrics.registry
    assert registry.get_sample_value("newsbot_record_batch_feeds_count") == 1
    assert registry.get_sample_value("newsbot_record_batch_feeds_sum") == 3
    assert {s.url: s.body_hash for s in app.pipeline.store.feed_states()} == {
        urls[0]: "h0",
        urls[1]: "h1",
        urls[2]: "h2",
    }


def test_a_batch_waits_for_polls_still_under_way_and_for_nothing_else(
    feeds: FeedServer, write_config, env, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first fetched feed of a batch waits for the other polls under way to join it; once
    every poll under way is waiting to be recorded (or a lone poll is the only one), the batch
    is written on the loop's next turn, not after RECORD_WAIT (made 10 s here so that a write
    that waited for it could not finish within the test's 5 s bound)."""
    from bot.service import pipeline

    monkeypatch.setattr(pipeline, "RECORD_WAIT", 10.0)
    urls = [feeds.set(f"/{n}.xml", rss(LAUNCH)) for n in range(3)]
    config = write_config({f"F{n}": u for n, u in enumerate(urls)})

    async def scenario():  # type: ignore[no-untyped-def]
        app = _app(config, env, FakeTime())
        try:
            p = app.pipeline
            p.sync_feeds()
            first, second, lone = _requests(app, urls)
            tickets = [p._under_way.take(), p._under_way.take()]  # two polls under way
            waiting = asyncio.create_task(p._record(first))
            for _ in range(5):
                await asyncio.sleep(0)
            assert not waiting.done()  # the other poll may still bring a body
            both = await asyncio.wait_for(asyncio.gather(waiting, p._record(second)), 5)
            for ticket in tickets:
                p._under_way.leave(ticket)
            ticket = p._under_way.take()  # a poll alone: nothing could join its batch
            alone = await asyncio.wait_for(p._record(lone), 5)
            p._under_way.leave(ticket)
            return app, both, alone
        finally:
            await app.aclose()

    app, both, alone = asyncio.run(scenario())
    assert [r.new_items for r in both] == [1, 1] and alone.new_items == 1
    registry = app.pipeline.metrics.registry
    assert registry.get_sample_value("newsbot_record_batch_feeds_count") == 2
    assert registry.get_sample_value("newsbot_record_batch_feeds_sum") == 3


def test_a_feed_that_cannot_be_recorded_costs_only_its_own_poll_not_its_batchs(
    feeds: FeedServer, write_config, env
) -> None:
    from bot.errors import StoreError

    app, urls, results = _record_together(feeds, write_config, env, refuse=1)
    assert isinstance(results[1], StoreError) and "disk says no" in str(results[1])
    assert [r.new_items for r in (results[0], results[2])] == [1, 1]
    states = {s.url: s.body_hash for s in app.pipeline.store.feed_states()}
    assert states == {urls[0]: "h0", urls[1]: None, urls[2]: "h2"}  # the failed one: polled again
    registry = app.pipeline.metrics.registry  # the batch failed; each feed was then tried alone
    assert registry.get_sample_value("newsbot_record_batch_feeds_count") == 2


def test_a_broken_write_for_one_feed_does_not_stop_the_others_alerts(
    feeds: FeedServer, slack: SlackStandIn, write_config, env
) -> None:
    """End to end: three feeds polled together, one of which the database refuses to record.
    The other two alert; the third alerts on the next poll once the database accepts it."""
    urls = {
        f"Wire{n}": feeds.set(
            f"/w{n}.xml", rss({**DISTINCT_LAUNCHES[n], "published": ago(minutes=2)})
        )
        for n in range(3)
    }
    config = write_config(urls)
    clock = FakeTime()

    async def scenario():  # type: ignore[no-untyped-def]
        app = _app(config, env, clock)
        try:
            app.pipeline.sync_feeds()
            _refuse_seen_rows_of(app, urls["Wire1"])
            first = await app.pipeline.poll_all()
            await app.deliverer.drain(timedelta(seconds=10))
            posted_first = len(slack.posts())
            _allow_seen_rows(app)
            second = await app.pipeline.poll_all()
            await app.deliverer.drain(timedelta(seconds=10))
            return first, posted_first, second
        finally:
            await app.aclose()

    first, posted_first, second = asyncio.run(scenario())
    assert [o.status for o in first] == ["new", "error", "new"]
    assert "disk says no" in (first[1].error or "")
    assert posted_first == 2
    assert [o.status for o in second] == ["unchanged", "new", "unchanged"]
    posts = slack.posts()
    assert len(posts) == 3
    assert str(DISTINCT_LAUNCHES[1]["title"]) in str(posts[-1].args)


def _yonhap_launch() -> str:
    """Yonhap's first report of a launch, 20 minutes ago."""
    return outlet_rss(
        "Yonhap",
        "N. Korea fires ballistic missile into East Sea: JCS",
        "North Korea fired a ballistic missile into the East Sea on Tuesday morning, "
        "South Korea's Joint Chiefs of Staff said.",
        20,
    )


def _ap_follow_up() -> str:
    """AP's plainer report of the same launch, 5 minutes ago."""
    return outlet_rss(
        "AP",
        "North Korea test-fires ballistic missile toward its eastern waters",
        "North Korea test-fired a ballistic missile toward its eastern waters on Tuesday, "
        "South Korea's military said.",
        5,
    )


def test_a_storys_severity_survives_a_restart(
    feeds: FeedServer, slack: SlackStandIn, write_config, env
) -> None:
    """A report raises its story to critical; after a restart a further, plainer report edits
    the alert as critical still (the story's severity is stored on it, not kept in memory)."""
    empty = "<rss version='2.0'><channel><title>x</title></channel></rss>"
    urls = {name: feeds.set(f"/{name}.xml", empty) for name in ("Yonhap", "Kyodo", "AP")}
    config = write_config(urls)
    clock = FakeTime()
    feeds.set("/Yonhap.xml", _yonhap_launch())

    async def run(then: list[tuple[str, str]]) -> None:
        app = _app(config, env, clock)
        try:
            for path, body in [("", ""), *then]:
                if path:
                    feeds.set(path, body)
                await app.pipeline.poll_all()
                await app.deliverer.drain(timedelta(seconds=10))
        finally:
            await app.aclose()

    shelter = outlet_rss(
        "Kyodo",
        "N. Korea fires ballistic missile; Japan tells residents to take shelter",
        "Japan's government issued a J-Alert after North Korea fired a ballistic missile into "
        "the East Sea on Tuesday, telling residents to take shelter.",
        10,
    )
    plain = _ap_follow_up()
    asyncio.run(run([("/Kyodo.xml", shelter)]))
    asyncio.run(run([("/AP.xml", plain)]))  # a restart: a new pipeline over the same database
    store = Store.open(load_config(str(config), env).bot.database)
    try:
        with store.engine.connect() as conn:
            edits = conn.execute(
                select(t.outbox.c.payload)
                .where(t.outbox.c.kind == "update")
                .order_by(t.outbox.c.id)
            ).scalars()
            severities = [json.loads(p)["severity"] for p in edits]
            stored = conn.execute(select(t.stories.c.severity)).scalars().all()
    finally:
        store.close()
    assert len([p for p in slack.posts() if "thread_ts" not in p.args]) == 1  # one story
    assert severities == ["critical", "critical"]
    assert stored == ["critical"]


def test_a_restart_that_finds_every_feed_unchanged_does_not_rebuild_the_story_index(
    feeds: FeedServer, slack: SlackStandIn, write_config, env
) -> None:
    """A warm run (every feed 304) needs no story index, so it is not rebuilt from the store;
    the first new report afterwards loads it and joins the story recorded before the restart
    (one alert, not two)."""
    empty = "<rss version='2.0'><channel><title>x</title></channel></rss>"
    urls = {name: feeds.set(f"/{name}.xml", empty) for name in ("Yonhap", "AP")}
    config = write_config(urls)
    clock = FakeTime()
    feeds.set("/Yonhap.xml", _yonhap_launch())

    async def first_run() -> None:
        app = _app(config, env, clock)
        try:
            await app.pipeline.poll_all()
            await app.deliverer.drain(timedelta(seconds=10))
        finally:
            await app.aclose()

    async def restart() -> tuple[list[str], bool, bool]:
        app = _app(config, env, clock)
        try:
            warm = await app.pipeline.poll_all()
            loaded_when_warm = app.pipeline._stories_loaded
            feeds.set("/AP.xml", _ap_follow_up())
            clock.now += timedelta(hours=1)  # both feeds due again
            await app.pipeline.poll_all()
            await app.deliverer.drain(timedelta(seconds=10))
            return [o.status for o in warm], loaded_when_warm, app.pipeline._stories_loaded
        finally:
            await app.aclose()

    asyncio.run(first_run())
    statuses, loaded_when_warm, loaded_after = asyncio.run(restart())
    assert statuses == ["unchanged", "unchanged"]
    assert not loaded_when_warm
    assert loaded_after
    assert len([p for p in slack.posts() if "thread_ts" not in p.args]) == 1  # joined, one story


@pytest.mark.parametrize("in_workers", [False, True], ids=["classified-here", "in-workers"])
def test_reports_recorded_together_are_headed_by_the_one_published_first(
    feeds: FeedServer, write_config, env, in_workers: bool
) -> None:
    """Three outlets' reports of one launch reach the writer in one batch, the English wire
    first; the Korean flash was published minutes before it, so the alert is headed by the
    Korean report and the others reply in its thread (issue 20: the first to say it is
    posted first), whatever order the polls finished in, and whether the parse workers
    classified the entries or the writer does."""
    from bot.domain.classify import classify
    from bot.models import Item
    from bot.plan.intents import Poll
    from bot.service.pipeline import Polled
    from bot.store import FeedWrite

    reports = [  # (feed, title, minutes before now), in the order the polls finished
        ("Wire", "North Korea fires ballistic missile into East Sea, Seoul says", 2),
        ("Yonhap KR", '[속보] 합참 "북한, 동해상으로 탄도미사일 발사"', 9),
        ("NHK", "北朝鮮 弾道ミサイルの可能性があるもの発射 防衛省", 5),
    ]
    urls = {name: feeds.set(f"/{n}.xml", rss(LAUNCH)) for n, (name, _, _) in enumerate(reports)}
    config = write_config(urls)
    packs = load_config(str(config), env).packs
    now = datetime.now(UTC)

    def polled(n: int, name: str, title: str, minutes: int) -> Polled:
        url = urls[name]
        published = now - timedelta(minutes=minutes)
        item = Item(name, url, f"id{n}", f"{url}#{n}", title, "", published)
        return Polled(
            FeedWrite(url, now, now + timedelta(minutes=2), None, None, f"h{n}"),
            Poll(
                [item],
                [(f"k{n}",)],
                now,
                first_poll=False,
                classified=[classify(packs, title, "")] if in_workers else None,
            ),
            titles_since=now - timedelta(hours=36),
        )

    async def scenario():  # type: ignore[no-untyped-def]
        app = _app(config, env, FakeTime())
        try:
            app.pipeline.sync_feeds()
            batch = [polled(n, *r) for n, r in enumerate(reports)]
            results = await asyncio.gather(*(app.pipeline._record(p) for p in batch))
            return app, results
        finally:
            await app.aclose()

    app, results = asyncio.run(scenario())
    assert [r.new_items for r in results] == [1, 1, 1]  # each poll still gets its own result
    rows = app.store.outbox_rows(["pending"])
    posts = [r for r in rows if r.kind == "post"]
    assert len(posts) == 1, [r.text for r in rows]
    assert "합참" in posts[0].text, posts[0].text
    assert sum(r.kind == "reply" for r in rows) == 2
