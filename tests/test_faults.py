"""Faults of a flaky or broken Slack, against the Slack stand-in (real slack-sdk client).

One message Slack refuses must not hold back its channel; an answer after which the post may be
in the channel (5xx, a reset connection, a timeout) is looked for before it is posted again; a
malformed "success" never marks a message sent; `run --once` ends within drain_timeout in every
fault, says what is still queued and why, and exits non-zero.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.delivery.outbox import DeliveryStats
from bot.service.app import App, build_app
from bot.service.cli import EXIT_UNDELIVERED, main
from bot.service.config import load_config
from bot.store import Store
from bot.tools.feedserver import FeedServer
from tests.conftest import DISTINCT_LAUNCHES, LAUNCH, ago, rss
from tests.peers import Failure, SlackStandIn

ALERTS = [LAUNCH, *DISTINCT_LAUNCHES]  # four different stories: four posts to one channel


class VirtualTime:
    """The pipeline's clock and sleep: waiting advances the clock at once instead of taking time,
    so back-offs of seconds cost nothing. Starts at the real time (Slack's ts are real time)."""

    def __init__(self) -> None:
        self.offset = 0.0
        self.slept: list[float] = []

    def clock(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.offset)

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.offset += seconds
        await asyncio.sleep(0)


def poll_and_drain(
    config: Path, env: dict[str, str], drain: timedelta, time: VirtualTime
) -> tuple[DeliveryStats, dict[str, int]]:
    async def go() -> tuple[DeliveryStats, dict[str, int]]:
        app = build_app(load_config(str(config), env), clock=time.clock, sleep=time.sleep)
        try:
            await app.pipeline.poll_all()
            stats = await app.deliverer.drain(drain)
            return stats, app.store.outbox_counts()
        finally:
            await app.aclose()

    return asyncio.run(go())


def _alerts_feed(feeds: FeedServer) -> str:
    return feeds.set("/wire.xml", rss(*({**a, "published": ago(minutes=5)} for a in ALERTS)))


def test_an_unknown_error_on_one_message_does_not_hold_back_its_channel(
    feeds: FeedServer, slack: SlackStandIn, write_config, env
) -> None:
    config = write_config({"Wire": _alerts_feed(feeds)})
    slack.fail_next(Failure(error="invalid_arguments"))  # the first message is refused
    time = VirtualTime()

    async def first_pass() -> DeliveryStats:
        app = build_app(load_config(str(config), env), clock=time.clock, sleep=time.sleep)
        try:
            await app.pipeline.poll_all()
            return await app.deliverer.deliver_due()
        finally:
            await app.aclose()

    stats = asyncio.run(first_pass())
    # the other three went out at once, in the same pass, not after the refused one's back-off
    assert stats.sent == 3 and stats.retried == 1
    assert len(slack.posts()) == 3


def test_a_message_slack_keeps_refusing_is_parked_after_a_bounded_number_of_tries(
    feeds: FeedServer, slack: SlackStandIn, write_config, database, env
) -> None:
    url = feeds.set("/wire.xml", rss({**LAUNCH, "published": ago(minutes=5)}))
    config = write_config({"Wire": url})
    slack.fail_next(*[Failure(error="invalid_arguments")] * 50)
    time = VirtualTime()
    stats, counts = poll_and_drain(config, env, timedelta(hours=1), time)
    assert counts == {"failed": 1}
    attempts = slack.attempts()
    assert 2 < len(attempts) <= 10  # retried with back-off, then parked: never a hot loop
    assert min(time.slept) >= 4.9  # no retry sooner than its back-off
    assert "invalid_arguments" in stats.errors[-1] and "parked" in stats.errors[-1]


@pytest.mark.parametrize(
    "failure",
    [
        Failure(status=500, body="<html>upstream error</html>", accept=True),
        Failure(status=503, error="service_unavailable", accept=True),
        Failure(error="fatal_error", accept=True),
        Failure(reset=True, accept=True),
    ],
    ids=["500-after-posting", "503-after-posting", "fatal_error-after-posting", "reset-after"],
)
def test_an_answer_that_may_follow_a_post_is_looked_up_before_a_retry(
    feeds: FeedServer, slack: SlackStandIn, write_config, env, failure: Failure
) -> None:
    config = write_config({"Wire": _alerts_feed(feeds)})
    slack.fail_next(failure, failure)  # the first two posts reach the channel, then fail
    _stats, counts = poll_and_drain(config, env, timedelta(minutes=5), VirtualTime())
    assert counts == {"sent": len(ALERTS)}
    copies = slack.posts_by_key()
    assert len(copies) == len(ALERTS) and set(copies.values()) == {1}, copies
    assert slack.attempts("conversations.history")  # looked, found, not posted again


def _story_feeds(feeds: FeedServer) -> dict[str, str]:
    """One launch from two outlets: a post, then a thread reply and an edit of the post."""
    first = {**LAUNCH, "published": ago(minutes=20)}
    second = {
        "title": "North Korea launches short-range ballistic missile, Seoul says",
        "summary": "North Korea launched a short-range ballistic missile from near Pyongyang "
        "on Tuesday, South Korea's military said. It flew about 350 km.",
        "link": "https://other.test/nk/1",
        "guid": "other-1",
        "published": ago(minutes=10),
    }
    return {
        "Wire": feeds.set("/wire.xml", rss(first)),
        "Other": feeds.set("/other.xml", rss(second, title="Other Wire")),
    }


@pytest.mark.parametrize(
    "body", ['{"ok": true}', '{"ok": true, "channel": "C0ALERTS"}', '"ok"', "[]"]
)
def test_a_malformed_success_never_marks_a_message_sent(
    feeds: FeedServer, slack: SlackStandIn, write_config, env, body: str
) -> None:
    config = write_config(_story_feeds(feeds))
    malformed = Failure(status=200, body=body, headers={"Content-Type": "application/json"})
    slack.fail_next(malformed)  # the story's first post
    stats, counts = poll_and_drain(config, env, timedelta(minutes=5), VirtualTime())
    assert counts == {"sent": 3}
    [parent] = [m for m in slack.messages["C0ALERTS"] if m["thread_ts"] is None]
    replies = [m for m in slack.messages["C0ALERTS"] if m["thread_ts"] == parent["ts"]]
    assert len(replies) == 1  # the reply really went into the parent's thread
    [edit] = [c for c in slack.attempts("chat.update") if c.ok]
    assert edit.args["ts"] == parent["ts"]
    assert stats.retried == 1


# -- run --once is bounded in every fault (issue 15, item 3) ---------------------------------


def run_once(config: Path, env: dict[str, str]) -> int:
    return main(["run", "--once", "--config", str(config)], env)


@pytest.mark.parametrize("error", ["invalid_auth", "token_revoked"])
def test_run_once_with_a_refused_token_stops_and_says_why(
    feeds: FeedServer,
    slack: SlackStandIn,
    write_config,
    database,
    env,
    caplog: pytest.LogCaptureFixture,
    error: str,
) -> None:
    config = write_config({"Wire": _alerts_feed(feeds)}, drain="2s")
    slack.fail_next(*[Failure(error=error)] * 100)
    caplog.set_level(logging.INFO)
    assert run_once(config, env) == EXIT_UNDELIVERED
    assert len(slack.attempts()) == 1  # one try; the channel then waits for the token's fix
    assert "4 messages could not be delivered" in caplog.text
    assert f"4 for C0ALERTS: Slack said {error}" in caplog.text
    store = Store.open(database)
    assert store.outbox_counts() == {"pending": 4}
    store.close()


def test_a_refused_token_pauses_every_channel_not_only_the_one_that_met_it(
    feeds: FeedServer, slack: SlackStandIn, write_config, env
) -> None:
    url = feeds.set("/wire.xml", rss({**LAUNCH, "published": ago(minutes=5)}))
    two = "".join(
        f'[[channels]]\nchannel = "{c}"\nlabels = ["missile-test"]\n\n' for c in ("C0A", "C0B")
    )
    config = write_config({"Wire": url}, channels=two)
    slack.fail_next(*[Failure(error="invalid_auth")] * 10)
    stats, counts = poll_and_drain(config, env, timedelta(minutes=1), VirtualTime())
    # the token is the problem, not the channel: the second channel is not tried in vain
    assert len(slack.attempts()) == 1
    assert counts == {"pending": 2} and stats.retried == 1 and stats.failed == 0


def test_run_once_with_slack_down_stops_after_drain_timeout(
    feeds: FeedServer, write_config, env, caplog: pytest.LogCaptureFixture
) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/api/"
    config = write_config({"Wire": _alerts_feed(feeds)}, drain="2s")
    assert run_once(config, {**env, "NEWSBOT_SLACK_API_URL": dead}) == EXIT_UNDELIVERED
    assert "4 messages could not be delivered within drain_timeout (2s)" in caplog.text
    assert "cannot reach Slack" in caplog.text


def test_run_once_with_slack_answering_5xx_retries_only_at_its_back_off(
    feeds: FeedServer, slack: SlackStandIn, write_config, env, caplog: pytest.LogCaptureFixture
) -> None:
    config = write_config({"Wire": _alerts_feed(feeds)}, drain="7s")
    slack.fail_next(*[Failure(status=502, body="<html>bad gateway</html>")] * 100)
    assert run_once(config, env) == EXIT_UNDELIVERED
    calls = slack.calls  # a post, then (it may have gone through) a look-up after 5 s
    assert [c.method for c in calls] == ["chat.postMessage", "conversations.history"]
    assert calls[1].at - calls[0].at >= 4.9  # no retry before its back-off: never a spin
    assert "Slack is having trouble (HTTP 502)" in caplog.text


def test_run_once_with_a_slow_slack_stops_starting_sends_at_drain_timeout(
    feeds: FeedServer, slack: SlackStandIn, write_config, env, caplog: pytest.LogCaptureFixture
) -> None:
    config = write_config({"Wire": _alerts_feed(feeds)}, drain="1s")
    slack.delay = 1.5  # every answer takes longer than the whole drain
    assert run_once(config, env) == EXIT_UNDELIVERED
    assert len(slack.attempts()) == 1  # the one in flight at the deadline; no other started
    assert "3 messages could not be delivered" in caplog.text
    assert "3 for C0ALERTS: not tried before drain_timeout ended" in caplog.text


# -- restart while a send is in flight (SQLite, one process) ---------------------------------


def test_a_restart_waits_for_the_hold_of_a_send_cut_short_then_finds_it(
    feeds: FeedServer, slack: SlackStandIn, write_config, env
) -> None:
    """A process killed mid-send leaves its message leased. The next start must not send it at
    once (a slow Slack may still post the first request): it waits for the hold, then finds the
    late post in the channel by its key and does not post it again."""
    from slack_sdk import WebClient

    url = feeds.set("/wire.xml", rss({**LAUNCH, "published": ago(minutes=5)}))
    config = write_config({"Wire": url})
    time = VirtualTime()

    async def killed_mid_send() -> str:
        app = build_app(load_config(str(config), env), clock=time.clock, sleep=time.sleep)
        try:
            await app.pipeline.poll_all()
            [d] = app.store.due_deliveries(time.clock())
            hold = 2 * app.config.slack.timeout + timedelta(seconds=15)
            assert app.store.claim_delivery(d, time.clock(), time.clock() + hold, "killed:1")
            return d.key
        finally:
            await app.aclose()

    key = asyncio.run(killed_mid_send())

    async def restarted(drain: timedelta) -> DeliveryStats:
        app = build_app(load_config(str(config), env), clock=time.clock, sleep=time.sleep)
        try:
            app.pipeline.sync_feeds()
            return await app.deliverer.drain(drain)
        finally:
            await app.aclose()

    stats = asyncio.run(restarted(timedelta(seconds=10)))
    assert stats.sent == 0 and slack.calls == []  # held: not sent at once
    # meanwhile the slow Slack finishes the killed process's request
    WebClient(token="xoxb-test-token", base_url=slack.url).chat_postMessage(
        channel="C0ALERTS",
        text="late",
        metadata={"event_type": "newsbot_message", "event_payload": {"key": key}},
    )
    stats = asyncio.run(restarted(timedelta(minutes=5)))  # the hold (75 s) runs out in here
    assert stats.sent == 1
    assert slack.posts_by_key() == {key: 1}  # found, not posted twice


def test_a_url_listed_first_under_other_words_does_not_suppress_a_report(
    feeds: FeedServer, slack: SlackStandIn, write_config, env
) -> None:
    """Dedupe poisoning: a feed lists an article URL under an unrelated title first; another
    feed's launch report at that URL must still alert."""
    url = "https://wire.test/nk/launch-77?utm_source=rss"
    decoy = {
        "title": "Weather: sunny in Seoul",
        "summary": "Clear skies.",
        "link": url,
        "guid": "w",
    }
    report = {**LAUNCH, "link": url.split("?")[0], "guid": "r", "published": ago(minutes=2)}
    poisoner = feeds.set("/poison.xml", rss({**decoy, "published": ago(minutes=9)}))
    wire = feeds.set("/wire.xml", rss(title="Wire"))
    config = write_config({"Poisoner": poisoner, "Wire": wire})
    assert run_once(config, env) == 0
    feeds.set("/wire.xml", rss(report, title="Wire"))
    assert run_once(config, env) == 0
    [post] = slack.posts()
    assert "North Korea fires ballistic missile" in post.args["text"]


def test_an_undated_entry_of_a_new_feed_joins_its_story_silently(
    feeds: FeedServer, slack: SlackStandIn, write_config, env
) -> None:
    """A feed's first poll alerts nothing older than backfill, and an undated entry cannot be
    shown to be newer: it may join a story, but posts no reply and no edit, and does not raise
    the story's severity."""
    wire = feeds.set("/wire.xml", rss({**LAUNCH, "published": ago(minutes=30)}))
    config = write_config({"Wire": wire})
    assert run_once(config, env) == 0
    [post] = slack.posts()
    undated = {
        "title": "North Korea fires ballistic missile into East Sea; J-Alert tells residents "
        "to take shelter",
        "summary": LAUNCH["summary"],
        "link": "https://late.test/nk/1",
        "guid": "late-1",
    }
    late = feeds.set("/late.xml", rss(undated, title="Late Wire"))
    config = write_config({"Wire": wire, "Late": late})
    assert run_once(config, env) == 0
    assert slack.posts() == [post]  # no thread reply
    assert slack.attempts("chat.update") == []  # and no edit


# -- smaller findings ------------------------------------------------------------------------


def test_console_mode_prints_no_terminal_control_codes(
    feeds: FeedServer, write_config, env, capsys: pytest.CaptureFixture[str]
) -> None:
    hostile = {
        **LAUNCH,
        "title": "North Korea fires \x1b[2J\x1b]0;owned\x07ballistic missile\x9b31m, JCS says",
        "published": ago(minutes=5),
    }
    url = feeds.set("/wire.xml", rss(hostile).encode("utf-8"))
    config = write_config({"Wire": url})
    console = {k: v for k, v in env.items() if k != "SLACK_BOT_TOKEN"}
    assert run_once(config, console) == 0
    out = capsys.readouterr().out
    assert "ballistic missile" in out
    assert not any((ord(ch) < 32 and ch not in "\n\t") or 0x7F <= ord(ch) <= 0x9F for ch in out)


def test_missing_history_scope_names_the_history_scope(
    feeds: FeedServer, slack: SlackStandIn, write_config, env, caplog: pytest.LogCaptureFixture
) -> None:
    config = write_config({"Wire": _alerts_feed(feeds)})
    slack.history_error = "missing_scope"
    slack.fail_next(Failure(status=500, body="<html>oops</html>", accept=True))
    poll_and_drain(config, env, timedelta(minutes=5), VirtualTime())
    [warning] = [r.getMessage() for r in caplog.records if "cannot check" in r.getMessage()]
    assert "channels:history" in warning.split("posting it again")[0]
    assert "chat:write" not in warning


def test_an_oversized_request_line_to_the_health_port_gets_an_answer_not_a_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from bot.service.metrics import Metrics
    from bot.service.web import HealthServer

    async def go() -> bytes:
        server = HealthServer(Metrics(), lambda: (True, "ready"))
        port = await server.start("127.0.0.1", 0)
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n")
            await writer.drain()
            answer = await reader.read()
            writer.close()
            return answer
        finally:
            await server.stop()

    caplog.set_level(logging.DEBUG)
    answer = asyncio.run(go())
    assert answer.startswith(b"HTTP/1.1 431")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text


def test_a_second_run_on_one_sqlite_file_is_refused_with_a_message(
    feeds: FeedServer, write_config, env, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import subprocess
    import sys
    import time as clock

    config = write_config({"Wire": _alerts_feed(feeds)})
    env = {**env, "NEWSBOT_HTTP_PORT": "0"}
    first = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--config", str(config)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        lock = tmp_path / "newsbot.db.lock"
        for _ in range(300):  # until the first holds the lock (its pid is in the file)
            if lock.exists() and lock.read_text().strip() == str(first.pid):
                break
            clock.sleep(0.1)
        assert main(["run", "--once", "--config", str(config)], env) == 1
        err = capsys.readouterr().err
        assert f"another newsbot (pid {first.pid}) is already running" in err
        assert "PostgreSQL" in err
        second = subprocess.run(
            [sys.executable, "-m", "bot", "run", "--config", str(config)],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 1 and "already running" in second.stderr
    finally:
        first.terminate()
        first.wait(timeout=30)
    assert main(["run", "--once", "--config", str(config)], env) == 0  # free again


@contextlib.asynccontextmanager
async def _running(config: Path, env: dict[str, str]) -> AsyncIterator[App]:
    """The bot as `newsbot run` runs it (the scheduler's loop), stopped and closed on exit."""
    from bot.service.scheduler import run_forever

    app = build_app(load_config(str(config), {**env, "NEWSBOT_HTTP_PORT": "0"}))
    stop = asyncio.Event()
    runner = asyncio.create_task(run_forever(app, stop=stop))
    try:
        yield app
    finally:
        stop.set()
        await runner
        await app.aclose()


def test_one_slow_feed_holds_only_itself(
    feeds: FeedServer, write_config, env, database: str
) -> None:
    """The scheduler starts each poll on its own: while one feed trickles for seconds, the others
    are polled at their own interval, and the tick goes on (readiness stays true)."""
    slow = feeds.set("/slow.xml", rss(title="Slow"), delay=30)  # cut at connect + read timeout
    fast = {f"Fast {n}": feeds.set(f"/fast{n}.xml", rss(title=f"Fast {n}")) for n in range(3)}
    config = write_config(
        {"Slow": slow, **fast}, extra_bot='poll_interval = "1s"\ntick = "1s"\nshutdown_grace = "1s"'
    )
    config.write_text(config.read_text().replace('read_timeout = "5s"', 'read_timeout = "8s"'))
    ticks: list[datetime] = []

    async def go() -> None:
        async with _running(config, env) as app:
            for _ in range(400):  # until the slow feed's first poll has ended
                await asyncio.sleep(0.05)
                if app.pipeline.last_tick is not None:
                    ticks.append(app.pipeline.last_tick)
                states = {s.name: s for s in app.store.feed_states()}
                if states.get("Slow") and states["Slow"].failures:
                    break

    asyncio.run(go())
    assert len(feeds.hits("/slow.xml")) <= 1  # (a request is logged once it is answered)
    for n in range(3):
        # polled every second or so meanwhile, not once per slow round
        assert len(feeds.hits(f"/fast{n}.xml")) >= 3, [
            len(feeds.hits(f"/fast{k}.xml")) for k in range(3)
        ]
    assert len(set(ticks)) >= 3  # the tick kept running while the slow feed was in flight


def test_feed_warnings_do_not_print_url_passwords(
    feeds: FeedServer, write_config, env, capsys: pytest.CaptureFixture[str]
) -> None:
    """A feed URL with credentials in it fails; the warning, through the bot's log handler,
    names the feed without the password or a secret query value."""
    url = feeds.url("/missing.xml").replace("http://", "http://reader:hunter2@") + "?token=t0k"
    config = write_config({"Private": url})
    run_once(config, env)
    text = capsys.readouterr().err
    assert "'Private' failed" in text and "reader:***@" in text
    assert "hunter2" not in text and "t0k" not in text


def test_a_huge_retry_after_from_slack_is_honoured_only_up_to_its_bound(
    feeds: FeedServer, slack: SlackStandIn, write_config, env
) -> None:
    from bot.delivery.policy import RETRY_AFTER_MAX as MAX_SLACK_RETRY_AFTER

    url = feeds.set("/wire.xml", rss({**LAUNCH, "published": ago(minutes=5)}))
    config = write_config({"Wire": url})
    huge = Failure(status=429, error="ratelimited", headers={"Retry-After": "99999999999999"})
    slack.fail_next(huge)
    time = VirtualTime()
    stats, counts = poll_and_drain(config, env, timedelta(hours=1), time)
    assert counts == {"sent": 1} and stats.rate_limited == 1
    assert MAX_SLACK_RETRY_AFTER - 1 <= max(time.slept) <= MAX_SLACK_RETRY_AFTER + 1


def test_unchanged_polls_that_end_during_shutdown_are_recorded(
    feeds: FeedServer, write_config, env, database: str
) -> None:
    """A feed answers 304 while another poll is still in flight, and the bot is told to stop at
    that moment: the 304 waits in the batch of unchanged feeds (it is written 50 at a time, when
    no poll is left, or at the next tick), and shutdown writes it before the process ends, so the
    feed's last success and next check are not lost."""
    slow = feeds.set("/slow.xml", rss(title="Slow"))
    fast = feeds.set("/fast.xml", rss(title="Fast"))
    config = write_config(
        {"Slow": slow, "Fast": fast},
        extra_bot='poll_interval = "1s"\ntick = "1s"\nshutdown_grace = "10s"',
    )
    seen: dict[str, datetime | None] = {}

    async def go() -> None:
        async with _running(config, env) as app:
            for _ in range(400):  # both feeds' first polls (200) are recorded
                await asyncio.sleep(0.02)
                states = {s.name: s for s in app.store.feed_states()}
                if all(states.get(n) and states[n].last_success_at for n in ("Slow", "Fast")):
                    break
            seen["first"] = {s.name: s for s in app.store.feed_states()}["Fast"].last_success_at
            feeds.set("/slow.xml", rss(title="Slow"), delay=1.5)  # the next slow poll lingers
            hits = len(feeds.hits("/fast.xml"))
            for _ in range(400):  # the fast feed's next poll: a 304, while the slow one waits
                await asyncio.sleep(0.01)
                if len(feeds.hits("/fast.xml")) > hits and app.pipeline.polls_in_flight():
                    break

    asyncio.run(go())
    store = Store.open(database)
    try:
        fast_state = {s.name: s for s in store.feed_states()}["Fast"]
    finally:
        store.close()
    assert fast_state.last_success_at is not None and seen["first"] is not None
    assert fast_state.last_success_at > seen["first"]  # the 304 at shutdown was written
