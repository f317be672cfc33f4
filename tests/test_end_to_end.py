"""`newsbot run --once` against a local feed server and the Slack stand-in (real slack-sdk)."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from bot.service.cli import EXIT_UNDELIVERED, main
from bot.store import Store
from bot.tools.feedserver import FeedServer
from tests.conftest import LAUNCH, NOISE, ago, rss
from tests.peers import Failure, SlackStandIn


@pytest.fixture
def database(database_url: str) -> str:
    """These tests run once on SQLite and once on PostgreSQL."""
    return database_url


def run_once(config: Path, env: dict[str, str]) -> int:
    return main(["run", "--once", "--config", str(config)], env)


def test_new_item_posted_once_with_blocks_and_second_run_posts_nothing(
    feeds: FeedServer, slack: SlackStandIn, write_config, env
) -> None:
    url = feeds.set(
        "/wire.xml",
        rss({**LAUNCH, "published": ago(minutes=5)}, {**NOISE, "published": ago(minutes=3)}),
    )
    config = write_config({"Test Wire": url})

    assert run_once(config, env) == 0
    posts = slack.posts()
    assert len(posts) == 1
    args = posts[0].args
    assert args["channel"] == "C0ALERTS"
    assert args["unfurl_links"] is False and args["unfurl_media"] is False
    assert posts[0].token == "xoxb-test-token"
    blocks = json.dumps(args["blocks"])
    assert "Missile test" in blocks
    assert (
        "<https://wire.test/nk/launch-1|North Korea fires ballistic missile" in blocks
    )  # utm_ removed
    assert "Test Wire" in blocks
    assert "ballistic missile" in blocks.split("Why:")[1]  # evidence shown
    assert "North Korea fires ballistic missile" in args["text"]

    assert run_once(config, env) == 0
    assert len(slack.posts()) == 1
    second = feeds.hits("/wire.xml")[-1]
    assert second.status == 304 and second.headers.get("If-None-Match")


def test_crash_after_outbox_write_posts_exactly_once_on_restart(
    feeds: FeedServer, slack: SlackStandIn, write_config, database, env
) -> None:
    """Simulate a crash between 'written to the outbox' and 'sent': poll, then stop dead."""
    import asyncio

    from bot.service.app import build_app
    from bot.service.config import load_config

    url = feeds.set("/wire.xml", rss({**LAUNCH, "published": ago(minutes=5)}))
    config_path = write_config({"Test Wire": url})

    async def poll_without_delivering() -> None:
        app = build_app(load_config(str(config_path), env))
        outcomes = await app.pipeline.poll_all()
        assert outcomes[0].alerts == 1
        await app.aclose()  # the process "dies" here: nothing was delivered

    asyncio.run(poll_without_delivering())
    assert slack.posts() == []
    store = Store.open(database)
    assert store.outbox_counts() == {"pending": 1}
    store.close()

    assert run_once(config_path, env) == 0  # restart
    assert len(slack.posts()) == 1
    assert run_once(config_path, env) == 0
    assert len(slack.posts()) == 1


def test_malformed_feed_is_reported_and_other_feeds_still_alert(
    feeds: FeedServer, slack: SlackStandIn, write_config, env, caplog: pytest.LogCaptureFixture
) -> None:
    good = feeds.set("/good.xml", rss({**LAUNCH, "published": ago(minutes=5)}))
    bad = feeds.set(
        "/bad.xml", "<html><body><h1>Maintenance</h1><p>back soon", content_type="text/html"
    )
    missing = feeds.url("/missing.xml")
    config = write_config({"Broken Feed": bad, "Good Feed": good, "Gone Feed": missing})

    assert run_once(config, env) == 0
    assert len(slack.posts()) == 1
    text = caplog.text
    assert "'Broken Feed' failed" in text and "not a readable feed" in text
    assert "'Gone Feed' failed" in text and "HTTP 404" in text


def test_no_feed_reachable_exits_non_zero(write_config, env) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = write_config({"Nowhere": f"http://127.0.0.1:{port}/feed.xml"})
    assert run_once(config, env) == 1


def test_slack_429_with_retry_after_is_retried(
    feeds: FeedServer, slack: SlackStandIn, write_config, env
) -> None:
    url = feeds.set("/wire.xml", rss({**LAUNCH, "published": ago(minutes=5)}))
    config = write_config({"Test Wire": url})
    slack.fail_next(Failure(status=429, error="ratelimited", headers={"Retry-After": "1"}))

    assert run_once(config, env) == 0
    attempts = slack.attempts()
    assert [c.status for c in attempts] == [429, 200]
    assert len(slack.posts()) == 1


@pytest.mark.parametrize(
    "failure",
    [
        Failure(status=500, body="<html>Internal Server Error</html>"),
        Failure(status=503, error="service_unavailable"),
    ],
    ids=["http-500-html", "http-503"],
)
def test_slack_down_keeps_alert_queued_and_a_later_run_sends_it(
    feeds: FeedServer, slack: SlackStandIn, write_config, database, env, failure: Failure
) -> None:
    url = feeds.set("/wire.xml", rss({**LAUNCH, "published": ago(minutes=5)}))
    config = write_config({"Test Wire": url}, drain="1s")
    slack.fail_next(*[failure] * 5)

    assert run_once(config, env) == EXIT_UNDELIVERED
    assert slack.posts() == []
    store = Store.open(database)
    assert store.outbox_counts() == {"pending": 1}
    store.close()

    slack.failures.clear()
    # the retry is scheduled a few seconds out; a later run with a healthy Slack sends it once
    config = write_config({"Test Wire": url}, drain="30s")
    assert run_once(config, env) == 0
    assert len(slack.posts()) == 1


def test_slack_connection_refused_keeps_alert_queued(
    feeds: FeedServer, slack: SlackStandIn, write_config, env
) -> None:
    url = feeds.set("/wire.xml", rss({**LAUNCH, "published": ago(minutes=5)}))
    config = write_config({"Test Wire": url}, drain="1s")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/api/"
    assert run_once(config, {**env, "NEWSBOT_SLACK_API_URL": dead}) == EXIT_UNDELIVERED
    config = write_config({"Test Wire": url}, drain="30s")
    assert run_once(config, env) == 0
    assert len(slack.posts()) == 1


def test_permanent_slack_error_parks_the_alert_with_a_clear_log(
    feeds: FeedServer,
    slack: SlackStandIn,
    write_config,
    database,
    env,
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = feeds.set("/wire.xml", rss({**LAUNCH, "published": ago(minutes=5)}))
    config = write_config({"Test Wire": url})
    slack.fail_next(Failure(error="not_in_channel"))
    assert run_once(config, env) == 0
    assert len(slack.attempts()) == 1  # not retried in a hot loop
    assert "not_in_channel" in caplog.text and "/invite" in caplog.text
    store = Store.open(database)
    assert store.outbox_counts() == {"failed": 1}
    store.close()


def test_title_with_slack_mentions_is_escaped(
    feeds: FeedServer, slack: SlackStandIn, write_config, env
) -> None:
    hostile = {
        **LAUNCH,
        "title": "<!channel> North Korea fires ballistic missile <@U123> <#C999> & more",
        "summary": "<!here> Pyongyang launched a ballistic missile, <!everyone> said the JCS.",
        "published": ago(minutes=5),
    }
    url = feeds.set("/wire.xml", rss(hostile))
    config = write_config({"Test Wire": url})
    assert run_once(config, env) == 0
    [post] = slack.posts()
    payload = json.dumps(post.args["blocks"]) + post.args["text"]
    for needle in ("<!channel>", "<!here>", "<!everyone>", "<@U123>", "<#C999>"):
        assert needle not in payload
    assert "&lt;@U123&gt;" in payload and "&amp; more" in payload


def test_first_run_backfill_is_silent_and_later_items_alert(
    feeds: FeedServer, slack: SlackStandIn, write_config, env
) -> None:
    old = {**LAUNCH, "published": ago(days=2)}
    url = feeds.set("/wire.xml", rss(old))
    config = write_config({"Test Wire": url}, backfill="6h")
    assert run_once(config, env) == 0
    assert slack.posts() == []

    fresh = {
        "title": "North Korea test-fires cruise missiles off west coast",
        "summary": "Pyongyang fired several cruise missiles over the Yellow Sea, the military said.",
        "link": "https://wire.test/nk/cruise",
        "guid": "wire-cruise",
        "published": ago(minutes=1),
    }
    feeds.set("/wire.xml", rss(fresh, old))
    assert run_once(config, env) == 0
    [post] = slack.posts()
    assert "cruise missiles" in post.args["text"]


def test_backfill_zero_means_nothing_from_the_first_poll_alerts(
    feeds: FeedServer, slack: SlackStandIn, write_config, env
) -> None:
    url = feeds.set("/wire.xml", rss({**LAUNCH, "published": ago(minutes=1)}))
    config = write_config({"Test Wire": url}, backfill="0s")
    assert run_once(config, env) == 0
    assert slack.posts() == []


def test_republished_entry_with_new_date_or_tweaked_title_does_not_alert_again(
    feeds: FeedServer, slack: SlackStandIn, write_config, env
) -> None:
    url = feeds.set("/wire.xml", rss({**LAUNCH, "published": ago(minutes=5)}))
    config = write_config({"Test Wire": url})
    assert run_once(config, env) == 0
    # same guid, new date and an edited title
    feeds.set(
        "/wire.xml",
        rss({**LAUNCH, "title": "UPDATE 2: " + LAUNCH["title"], "published": ago(minutes=1)}),
    )
    assert run_once(config, env) == 0
    # new guid and tracking-laden link, same article
    feeds.set(
        "/wire.xml",
        rss(
            {
                **LAUNCH,
                "guid": "wire-launch-1-v2",
                "link": LAUNCH["link"] + "&utm_campaign=x",
                "published": ago(minutes=1),
            }
        ),
    )
    assert run_once(config, env) == 0
    # new guid, new link, same headline with a "(LEAD)" marker
    feeds.set(
        "/wire.xml",
        rss(
            {
                **LAUNCH,
                "guid": "v3",
                "link": "https://wire.test/nk/v3",
                "title": "(LEAD) " + LAUNCH["title"].upper(),
                "published": ago(minutes=1),
            }
        ),
    )
    assert run_once(config, env) == 0
    assert len(slack.posts()) == 1


def test_keywords_and_exclude_narrow_routing(
    feeds: FeedServer, slack: SlackStandIn, write_config, env
) -> None:
    diplomacy = {
        "title": "US envoy urges North Korea to return to talks",
        "summary": "The special representative said Washington is open to dialogue without preconditions.",
        "link": "https://wire.test/nk/talks",
        "guid": "talks-1",
        "published": ago(minutes=2),
    }
    url = feeds.set("/wire.xml", rss({**LAUNCH, "published": ago(minutes=3)}, diplomacy))
    channels = (
        '[[channels]]\nchannel = "C0ICBM"\nlabels = ["missile-test"]\nkeywords = ["ICBM", "short-range"]\n\n'
        '[[channels]]\nchannel = "C0DIPLO"\nlabels = ["diplomacy"]\nexclude = ["envoy"]\n\n'
        '[[channels]]\nchannel = "C0ALL"\nlabels = ["missile-test", "diplomacy"]\n'
    )
    config = write_config({"Test Wire": url}, channels=channels)
    assert run_once(config, env) == 0
    by_channel: dict[str, int] = {}
    for post in slack.posts():
        by_channel[post.args["channel"]] = by_channel.get(post.args["channel"], 0) + 1
    assert by_channel == {"C0ICBM": 1, "C0ALL": 2}


def test_console_mode_prints_alerts_without_a_token(
    feeds: FeedServer,
    write_config,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = feeds.set(
        "/wire.xml",
        rss({**LAUNCH, "published": ago(minutes=5)}, {**NOISE, "published": ago(minutes=3)}),
    )
    config = write_config({"Test Wire": url})
    assert run_once(config, {"PATH": "/usr/bin:/bin"}) == 0
    out = capsys.readouterr().out
    assert out.count("alert for C0ALERTS") == 1
    assert "North Korea fires ballistic missile into East Sea" in out
    assert "https://wire.test/nk/launch-1" in out
    assert "console mode" in caplog.text


def test_bad_token_holds_alerts_instead_of_parking_them(
    feeds: FeedServer,
    slack: SlackStandIn,
    write_config,
    database,
    env,
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = feeds.set("/wire.xml", rss({**LAUNCH, "published": ago(minutes=5)}))
    config = write_config({"Test Wire": url}, drain="1s")
    slack.fail_next(Failure(error="invalid_auth"))
    assert run_once(config, env) == EXIT_UNDELIVERED
    assert len(slack.attempts()) == 1  # no hot loop
    assert "invalid_auth" in caplog.text and "held" in caplog.text
    store = Store.open(database)
    assert store.outbox_counts() == {"pending": 1}  # kept, to go out once the token is fixed
    store.close()
