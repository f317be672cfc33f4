"""`run --once` sends its first requests before the store and the pipeline are loaded
(bot/service/early.py), and the store still decides what was asked."""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import os
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.poll import held
from bot.service import early
from bot.service.cli import main
from bot.service.config import load_config
from bot.store import Store
from bot.tools.feedserver import FeedServer
from tests.conftest import LAUNCH, ago, rss
from tests.peers import SlackStandIn

WIRE_ITEM = {"title": "Council approves budget", "summary": "The city council met."}
WIRE = rss(WIRE_ITEM)


def test_the_first_request_goes_out_before_sqlalchemy_is_imported(
    feeds: FeedServer, write_config: Callable[..., Path], tmp_path: Path
) -> None:
    config = write_config({"Wire": feeds.set("/wire.xml", WIRE)})
    # the child notes, at its first connection to the feed server, which modules it has loaded
    child = textwrap.dedent(
        f"""
        import sys
        seen = []
        def hook(event, args):
            if event == "socket.connect" and not seen and args[1][1:2] == ({feeds.port},):
                seen.append("sqlalchemy" in sys.modules or "bot.service.pipeline" in sys.modules)
        sys.addaudithook(hook)
        from bot.service.cli import main
        code = main(["run", "--once", "--config", {str(config)!r}], {{}})
        print("loaded at first request:", seen)
        sys.exit(code)
        """
    )
    for _ in range(2):  # a new database, then one with the feed's validators
        done = subprocess.run(
            [sys.executable, "-c", child], capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        assert "loaded at first request: [False]" in done.stdout
    second = feeds.hits("/wire.xml")[1]
    assert second.status == 304 and "If-None-Match" in second.headers


def test_no_request_while_another_newsbot_holds_the_database(
    feeds: FeedServer,
    write_config: Callable[..., Path],
    tmp_path: Path,
    env: dict[str, str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = write_config({"Wire": feeds.set("/wire.xml", WIRE)})
    lock = os.open(tmp_path / "newsbot.db.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.write(lock, b"4242\n")
        assert main(["run", "--once", "--config", str(config)], env) == 1
    finally:
        os.close(lock)
    assert "another newsbot (pid 4242) is already running" in capsys.readouterr().err
    assert feeds.hits("/wire.xml") == []
    assert main(["run", "--once", "--config", str(config)], env) == 0  # free again


def test_a_request_sent_with_other_validators_than_the_store_has_is_sent_again(
    feeds: FeedServer, write_config: Callable[..., Path], tmp_path: Path, env: dict[str, str]
) -> None:
    url = feeds.set("/wire.xml", WIRE)
    config = load_config(str(write_config({"Wire": url})), env)

    async def poll_with(stored_etag: str | None) -> str:
        first = early.start(config)
        try:
            fetcher = first.fetches[url]
            assert isinstance(fetcher, early.EarlyFetch)
            await asyncio.wait([fetcher.task])  # answered before the pipeline asks for it
            with first.http.client_for(url) as client:
                fetched = await fetcher(
                    client,
                    url,
                    etag=stored_etag,
                    last_modified=None,
                    **early.fetch_options(config, datetime.now(UTC)),
                )
            return str(fetched.status)
        finally:
            await first.cancel()
            await first.http.aclose()

    # a new database: the early request asks without validators; the store agrees
    assert asyncio.run(poll_with(None)) == "200"
    assert len(feeds.hits("/wire.xml")) == 1
    # the store knows an ETag the early request did not carry: asked again, with it
    etag = '"' + hashlib.sha1(WIRE.encode()).hexdigest()[:16] + '"'
    assert asyncio.run(poll_with(etag)) == "304"
    hits = feeds.hits("/wire.xml")
    assert len(hits) == 3 and hits[2].headers.get("If-None-Match") == etag


def test_nothing_starts_early_for_a_database_it_cannot_read_as_plain_sqlite(
    tmp_path: Path,
) -> None:
    assert early.sqlite_file("postgresql://u@h/db") is None
    assert early.sqlite_file(f"sqlite:///file:{tmp_path}/x.db?mode=ro&uri=true") is None
    assert early.sqlite_file("sqlite:///:memory:") is None
    assert early.sqlite_file(f"sqlite:///{tmp_path}/x.db") == f"{tmp_path}/x.db"
    assert early.read_validators(str(tmp_path / "none.db")) == {}
    (tmp_path / "junk.db").write_bytes(b"not a database at all, not even close" * 100)
    assert early.read_validators(str(tmp_path / "junk.db")) is None
    Store.open(f"sqlite:///{tmp_path}/new.db").close()
    assert early.read_validators(str(tmp_path / "new.db")) == {}


def _in_flight_peak(feeds: FeedServer) -> Callable[[], int]:
    """Wraps the feed server's handler to count requests being answered at once."""
    handler = feeds.server.RequestHandlerClass
    state = {"now": 0, "peak": 0}
    lock = __import__("threading").Lock()
    answer = handler.do_GET  # type: ignore[attr-defined]

    def counted(self: object) -> None:
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
        try:
            answer(self)
        finally:
            with lock:
                state["now"] -= 1

    handler.do_GET = counted  # type: ignore[attr-defined]
    return lambda: state["peak"]


@pytest.mark.parametrize(("ahead", "asked"), [(held.AHEAD, 6), (2, 4)])
def test_early_requests_go_on_until_the_pipeline_takes_over_within_the_bounds(
    feeds: FeedServer,
    write_config: Callable[..., Path],
    env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    ahead: int,
    asked: int,
) -> None:
    """With room for two requests at a time, each answer starts the next feed's request: every
    feed is asked before any pipeline exists, never more than two at once. Changed feeds'
    bodies are held within the bounds of bot.poll.held: small ones all (a new database's run
    asks every feed while it loads), and with at most AHEAD x 2 polls under way, 4 of the 6."""
    monkeypatch.setattr(held, "AHEAD", ahead)
    peak = _in_flight_peak(feeds)
    urls = {f"Feed {i}": feeds.set(f"/f{i}.xml", WIRE, delay=0.05) for i in range(6)}
    path = write_config(urls, extra_bot="max_concurrency = 2")
    config = load_config(str(path), env)

    async def run() -> list[str]:
        first = early.start(config)
        try:
            for _ in range(400):  # the loop alone, no pipeline: bounded, not timed
                done = [u for u, f in first.fetches.items() if isinstance(f, early.EarlyFetch)]
                if len(done) == 6 and all(first.fetches[u].task.done() for u in done):  # type: ignore[attr-defined]
                    break
                await asyncio.sleep(0.01)
            return list(first.fetches)
        finally:
            await first.cancel()
            await first.http.aclose()

    cold = asyncio.run(run())
    assert cold == list(urls.values())[:asked]  # bodies held: past the bound, it stops
    assert main(["run", "--once", "--config", str(path)], env) == 0  # now every feed has an ETag
    before = len(feeds.requests)
    # 304s: every feed, in the config's order, but a feed the last run found slow goes first (on
    # a loaded machine one of these 50 ms answers can take over early.SLOW)
    slow = early.read_slow_feeds(early.sqlite_file(config.bot.database) or "")
    expected = sorted(urls.values(), key=lambda u: -slow.get(u, 0.0))
    assert asyncio.run(run()) == expected
    assert [r.status for r in feeds.requests[before:]] == [304] * 6
    assert peak() <= 2


def test_the_first_changed_body_calls_on_body_once_and_a_run_of_304s_never(
    feeds: FeedServer, write_config: Callable[..., Path], env: dict[str, str]
) -> None:
    """`run --once` starts its parsing workers from `on_body` (bot.poll.work.start_parse_workers),
    so they load while the store does: once at the first body of a new database's run, and not
    at all in a run where every feed answers 304, which needs no parser."""
    urls = {f"Feed {i}": feeds.set(f"/b{i}.xml", WIRE) for i in range(3)}
    path = write_config(urls)
    config = load_config(str(path), env)

    async def run() -> list[str]:
        calls: list[str] = []
        first = early.start(config, on_body=lambda: calls.append(f"{len(first.took)} answered"))
        try:
            for _ in range(400):  # bounded, not timed
                tasks = [f.task for f in first.fetches.values() if isinstance(f, early.EarlyFetch)]
                if len(tasks) == 3 and all(t.done() for t in tasks):
                    break
                await asyncio.sleep(0.01)
            return calls
        finally:
            await first.cancel()
            await first.http.aclose()

    assert asyncio.run(run()) == ["1 answered"]  # a new database: at the first body, once
    assert main(["run", "--once", "--config", str(path)], env) == 0
    before = len(feeds.requests)
    assert asyncio.run(run()) == []
    assert [r.status for r in feeds.requests[before:]] == [304] * 3


def test_a_run_once_with_parsing_workers_started_early_records_and_posts(
    feeds: FeedServer, write_config: Callable[..., Path], env: dict[str, str], slack: SlackStandIn
) -> None:
    """Two parsing workers started at the first body (the config asks for them, whatever the
    machine's cores) parse a new database's feeds, and the launch among them is posted once."""
    wire = feeds.set("/wire.xml", WIRE)
    launch = feeds.set("/launch.xml", rss(dict(LAUNCH, published=ago(minutes=5))))
    path = write_config({"Wire": wire, "Launch": launch}, extra_bot="parse_processes = 2")
    assert main(["run", "--once", "--config", str(path)], env) == 0
    assert len(slack.posts()) == 1 and "missile" in str(slack.posts()[0].args["text"])
    assert main(["run", "--once", "--config", str(path)], env) == 0  # 304s: nothing new
    assert len(slack.posts()) == 1


def test_a_feed_the_early_start_had_not_reached_waits_for_a_slot(
    feeds: FeedServer, write_config: Callable[..., Path], env: dict[str, str]
) -> None:
    """After the handover, the pipeline's own request for a feed waits while the early ones
    fill max_concurrency: the two together keep the bound."""
    peak = _in_flight_peak(feeds)
    slow = feeds.set("/slow.xml", WIRE, delay=0.3)
    other = feeds.set("/other.xml", WIRE)
    config = load_config(
        str(write_config({"Slow": slow, "Other": other}, extra_bot="max_concurrency = 1")), env
    )

    async def run() -> tuple[bool, str]:
        first = early.start(config)
        try:
            for _ in range(5):
                await asyncio.sleep(0)
            first.handover([slow, other])
            gated = first.fetches[other]
            assert isinstance(gated, early.Gated)
            with first.http.client_for(other) as client:
                fetched = await gated(
                    client,
                    other,
                    etag=None,
                    last_modified=None,
                    **early.fetch_options(config, datetime.now(UTC)),
                )
            slow_fetch = first.fetches[slow]
            assert isinstance(slow_fetch, early.EarlyFetch)
            return slow_fetch.task.done(), str(fetched.status)
        finally:
            await first.cancel()
            await first.http.aclose()

    slow_done_first, status = asyncio.run(run())
    assert status == "200" and slow_done_first
    assert peak() == 1


def test_a_feed_that_was_slow_is_asked_first_the_next_time(
    feeds: FeedServer, write_config: Callable[..., Path], env: dict[str, str]
) -> None:
    urls = {
        "Fast": feeds.set("/fast.xml", WIRE),
        "Also fast": feeds.set("/also.xml", WIRE),
        "Slow": feeds.set("/slow.xml", WIRE, delay=early.SLOW + 0.1),
    }
    path = write_config(urls, extra_bot="max_concurrency = 1")
    config = load_config(str(path), env)

    async def first_asked() -> str:
        first = early.start(config)
        try:
            return next(iter(first.fetches))
        finally:
            await first.cancel()
            await first.http.aclose()

    assert asyncio.run(first_asked()) == urls["Fast"]  # nothing known yet: the config's order
    assert main(["run", "--once", "--config", str(path)], env) == 0
    assert asyncio.run(first_asked()) == urls["Slow"]
    feeds.routes["/slow.xml"].delay = 0  # fast now: the next run forgets it
    assert main(["run", "--once", "--config", str(path)], env) == 0
    assert asyncio.run(first_asked()) == urls["Fast"]


def test_a_run_in_which_every_feed_answers_304_loads_no_parser_planner_story_or_slack_code(
    feeds: FeedServer, write_config: Callable[..., Path], env: dict[str, str], slack: SlackStandIn
) -> None:
    """With a bot token (so the Slack notifier is built), a run of a feed that answers 304 loads
    no parser, planner, story or Slack client code; the first run, which records the feed's
    entries, loads the parser and planner, and a later run in which the feed changed still
    parses it and posts its alert."""
    config = write_config({"Wire": feeds.set("/wire.xml", WIRE)})
    lazy = (
        "feedparser",
        "bot.poll.parse",
        "bot.poll.feedxml",
        "bot.plan.planner",
        "bot.domain.stories",
        "bot.domain.cjk_facts",
        "bot.domain.classify.engine",
        "sqlalchemy.dialects.postgresql",
        "slack_sdk",
    )
    child = textwrap.dedent(
        f"""
        import sys
        from bot.service.cli import main
        code = main(["run", "--once", "--config", {str(config)!r}], {env!r})
        print("loaded:", sorted(m for m in {lazy!r} if m in sys.modules))
        sys.exit(code)
        """
    )

    def run() -> str:
        done = subprocess.run(
            [sys.executable, "-c", child], capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.rsplit("loaded:", 1)[1].strip()

    first = run()  # a new database: the feed's entries are recorded, so parsed and planned
    assert "'bot.plan.planner'" in first and "'bot.poll.parse'" in first
    assert run() == "[]"  # the same feed again, with its validators: 304
    assert feeds.hits("/wire.xml")[1].status == 304
    assert not slack.posts()
    feeds.set("/wire.xml", rss(WIRE_ITEM, dict(LAUNCH, published=ago(minutes=5))))
    changed = run()
    assert "'bot.poll.parse'" in changed and "'slack_sdk'" in changed
    assert len(slack.posts()) == 1 and "missile" in str(slack.posts()[0].args["text"])


def test_run_once_posts_an_alert_while_other_feeds_are_still_being_fetched(
    feeds: FeedServer,
    slack: SlackStandIn,
    write_config: Callable[..., Path],
    env: dict[str, str],
    database: str,
) -> None:
    """The alerts a run queues go out while its other feeds are polled, as `newsbot run` sends
    them, not after the last poll: the slow feed here answers only once the launch alert has
    reached Slack (or after 20 s, which fails the test), and the run still ends with the alert
    sent exactly once, nothing queued and both feeds polled."""
    posted = threading.Event()
    handler = feeds.server.RequestHandlerClass
    answer = handler.do_GET  # type: ignore[attr-defined]
    waited: list[bool] = []

    def gated(self: Any) -> None:
        if self.path.startswith("/slow.xml"):
            waited.append(posted.wait(20))
        answer(self)

    handler.do_GET = gated  # type: ignore[attr-defined]

    def watch() -> None:
        for _ in range(400):  # bounded: the test fails by the gate's own wait, not here
            if slack.posts():
                posted.set()
                return
            time.sleep(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    urls = {
        "Wire": feeds.set("/wire.xml", rss(dict(LAUNCH, published=ago(minutes=5)))),
        "Slow": feeds.set("/slow.xml", WIRE),
    }
    path = write_config(urls, extra_bot="max_concurrency = 2")
    # the bot waits for the slow feed longer than the gate holds it
    path.write_text(path.read_text().replace('read_timeout = "5s"', 'read_timeout = "60s"'))
    assert main(["run", "--once", "--config", str(path)], env) == 0
    watcher.join(timeout=30)
    assert waited == [True]  # the slow feed was answered after the alert had been posted
    assert len(slack.posts()) == 1
    store = Store.open(database)
    try:
        assert store.outbox_counts().get("pending", 0) == 0
        assert [s.last_error for s in store.feed_states(list(urls.values()))] == [None, None]
    finally:
        store.close()
