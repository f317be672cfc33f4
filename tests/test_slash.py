"""/newsbot through Bolt's own request handling, as its Socket Mode adapter hands a command over.

A command arrives as Bolt's Socket Mode adapter delivers it (a BoltRequest with mode
"socket_mode"); Bolt's middleware runs for real (auth.test goes to the Slack stand-in), our
listener acknowledges with the reply, and the effect is checked end to end: what the pipeline
then posts to the Slack stand-in.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from slack_bolt import App as BoltApp
from slack_bolt.request import BoltRequest

from bot.service.app import App, build_app
from bot.service.config import load_config
from bot.service.slash import make_bolt_app
from bot.tools.feedserver import FeedServer
from tests.conftest import rss
from tests.peers import SlackStandIn
from tests.test_slack_product import CRUISE, ENVOY, ICBM, FakeTime, item

CHANNELS = (
    '[[channels]]\nchannel = "C0DESK"\nlabels = ["missile-test"]\n\n'
    '[[channels]]\nchannel = "C0OTHER"\nlabels = ["missile-test"]\n'
)


@pytest.fixture
def database(database_url: str) -> str:
    return database_url


def command(bolt: BoltApp, channel: str, text: str) -> str:
    body = {
        "command": "/newsbot",
        "text": text,
        "channel_id": channel,
        "user_id": "U0ANALYST",
        "team_id": "T0TEST",
        "api_app_id": "A0NEWSBOT",
        "token": "verification-token-unused-in-socket-mode",
        "trigger_id": "1.2.3",
        "response_url": "http://127.0.0.1:9/response",
    }
    response = bolt.dispatch(BoltRequest(body=body, mode="socket_mode"))
    assert response.status == 200, response.body
    import json

    payload = json.loads(response.body)
    assert payload["response_type"] == "ephemeral"
    return str(payload["text"])


def run(
    config: Path,
    env: dict[str, str],
    clock: FakeTime,
    body: Callable[[App, BoltApp], Awaitable[None]],
) -> None:
    async def go() -> None:
        app = build_app(load_config(str(config), env), clock=clock, sleep=clock.sleep)
        bolt = make_bolt_app(app.config, app.store, clock)
        try:
            await body(app, bolt)
        finally:
            await app.aclose()

    asyncio.run(go())


def test_help_and_unknown_commands(
    feeds: FeedServer, slack: SlackStandIn, write_config, env
) -> None:
    config = write_config({"W": feeds.set("/w.xml", rss())}, channels=CHANNELS)
    clock = FakeTime(datetime(2026, 11, 20, 3, 0, tzinfo=UTC))
    replies: list[str] = []

    async def body(app: App, bolt: BoltApp) -> None:
        replies.append(command(bolt, "C0DESK", ""))
        replies.append(command(bolt, "C0DESK", "launch everything"))
        replies.append(command(bolt, "C0DESK", "subscribe weather"))

    run(config, env, clock, body)
    assert "`subscribe <label>`" in replies[0] and "`mute <story link> [duration]`" in replies[0]
    assert replies[1].startswith("Unknown command `launch`")
    assert "No label `weather`" in replies[2] and "`diplomacy`" in replies[2]


def test_subscribe_from_slack_layers_over_the_config_and_stays_in_its_channel(
    feeds: FeedServer, slack: SlackStandIn, write_config, env
) -> None:
    url = feeds.set("/w.xml", rss())
    config = write_config({"W": url}, channels=CHANNELS)
    clock = FakeTime(datetime(2026, 11, 20, 3, 0, tzinfo=UTC))
    replies: dict[str, str] = {}

    async def body(app: App, bolt: BoltApp) -> None:
        await app.pipeline.poll_all()
        replies["sub"] = command(bolt, "C0DESK", "subscribe diplomacy")
        replies["again"] = command(bolt, "C0DESK", "subscribe diplomacy")
        replies["new"] = command(bolt, "C0NEW", "subscribe diplomacy")
        replies["config"] = command(bolt, "C0DESK", "unsubscribe missile-test")
        replies["status"] = command(bolt, "C0DESK", "status")
        feeds.set("/w.xml", rss(item(ENVOY, 1, clock.now)))
        await app.pipeline.poll_all()
        await app.deliverer.drain(timedelta(seconds=30))
        replies["unsub"] = command(bolt, "C0NEW", "unsubscribe diplomacy")
        replies["status_new"] = command(bolt, "C0NEW", "status")

    run(config, env, clock, body)
    assert replies["sub"].startswith("Subscribed this channel to `diplomacy`")
    assert replies["again"] == "This channel already gets `diplomacy` alerts."
    assert "set for this channel in the config file" in replies["config"]
    assert "`diplomacy` (from Slack)" in replies["status"] and "`missile-test`" in replies["status"]
    # the envoy story went to the two channels that subscribed from Slack, not to C0OTHER
    assert sorted(p.args["channel"] for p in slack.posts()) == ["C0DESK", "C0NEW"]
    assert replies["unsub"] == "Unsubscribed this channel from `diplomacy`."
    assert "*Labels*: none" in replies["status_new"]
    assert "*Last alert here*: 2026-11-20 03:00 UTC" in replies["status_new"]


def test_keywords_narrow_a_channel_and_can_be_listed_and_removed(
    feeds: FeedServer, slack: SlackStandIn, write_config, env
) -> None:
    url = feeds.set("/w.xml", rss())
    config = write_config({"W": url}, channels=CHANNELS)
    clock = FakeTime(datetime(2026, 11, 20, 3, 0, tzinfo=UTC))
    replies: list[str] = []

    async def body(app: App, bolt: BoltApp) -> None:
        await app.pipeline.poll_all()
        replies.append(command(bolt, "C0DESK", "keywords add ICBM"))
        replies.append(command(bolt, "C0DESK", "keywords list"))
        feeds.set("/w.xml", rss(item(CRUISE, 1, clock.now), item(ICBM, 2, clock.now)))
        await app.pipeline.poll_all()
        await app.deliverer.drain(timedelta(seconds=30))
        replies.append(command(bolt, "C0DESK", "keywords remove ICBM"))
        replies.append(command(bolt, "C0DESK", "keywords remove ICBM"))

    run(config, env, clock, body)
    assert replies[0] == replies[1] == "*Keywords* (an alert must mention one): `ICBM` (from Slack)"
    desk = [p.args["text"] for p in slack.posts() if p.args["channel"] == "C0DESK"]
    other = [p.args["text"] for p in slack.posts() if p.args["channel"] == "C0OTHER"]
    assert len(desk) == 1 and "ICBM" in desk[0]
    assert len(other) == 2  # the keyword was set in C0DESK only
    assert replies[2].startswith("*Keywords*: none")
    assert replies[3] == "`ICBM` is not a keyword added here."


def test_mute_stops_replies_and_edits_for_a_story_in_that_channel_only(
    feeds: FeedServer, slack: SlackStandIn, write_config, env
) -> None:
    first = feeds.set("/a.xml", rss())
    second = feeds.set("/b.xml", rss())
    config = write_config({"A": first, "B": second}, channels=CHANNELS)
    clock = FakeTime(datetime(2026, 11, 20, 3, 0, tzinfo=UTC))
    replies: list[str] = []

    async def body(app: App, bolt: BoltApp) -> None:
        await app.pipeline.poll_all()
        feeds.set("/a.xml", rss(item(CRUISE, 1, clock.now)))
        await app.pipeline.poll_all()
        await app.deliverer.drain(timedelta(seconds=30))
        replies.append(command(bolt, "C0DESK", "mute <https://wire.test/1?utm_source=x> 6h"))
        replies.append(command(bolt, "C0DESK", "mute https://nowhere.test/x"))
        replies.append(command(bolt, "C0DESK", "mute https://wire.test/1 soon"))
        clock.now += timedelta(minutes=5)
        feeds.set(
            "/b.xml", rss(item({**CRUISE, "title": CRUISE["title"] + ", KCNA says"}, 2, clock.now))
        )
        await app.pipeline.poll_all()
        await app.deliverer.drain(timedelta(seconds=30))

    run(config, env, clock, body)
    assert replies[0].startswith("Muted *North Korea test-fires strategic cruise missiles")
    assert "until 2026-11-20 09:00 UTC" in replies[0]
    assert replies[1].startswith("No story I alerted on has that link")
    assert "is not a duration" in replies[2]
    threaded = [p.args["channel"] for p in slack.posts() if "thread_ts" in p.args]
    assert threaded == ["C0OTHER"]  # the second outlet's report: a reply in the other channel only
