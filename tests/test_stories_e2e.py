"""One story, one alert: ten outlets, one post and nine thread replies, against real peers."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.service.cli import main
from bot.store import Store
from bot.store import schema as t
from bot.tools.feedserver import FeedServer
from tests.conftest import outlet_rss
from tests.peers import SlackStandIn

# One launch, told ten ways (outlet, title, lead). Invented, in the project's own words.
OUTLETS = [
    (
        "Yonhap",
        "(URGENT) N. Korea fires ballistic missile into East Sea: JCS",
        "North Korea fired an unidentified ballistic missile into the East Sea on Tuesday morning, South Korea's Joint Chiefs of Staff said.",
    ),
    (
        "Reuters",
        "North Korea launches ballistic missile, South Korea's military says",
        "North Korea launched a ballistic missile off its east coast on Tuesday, South Korea's military said, its first launch in a month.",
    ),
    (
        "AP",
        "North Korea test-fires ballistic missile toward its eastern waters",
        "North Korea test-fired a ballistic missile toward its eastern waters on Tuesday, South Korea's military said.",
    ),
    (
        "NHK",
        "North Korea launches what appears to be ballistic missile, Japan says",
        "Japan's Defense Ministry says North Korea launched what appears to be a ballistic missile. It is believed to have fallen outside Japan's exclusive economic zone.",
    ),
    (
        "Kyodo",
        "N. Korea fires ballistic missile, lands outside Japan's EEZ",
        "North Korea fired a ballistic missile on Tuesday that landed outside Japan's exclusive economic zone, the Japanese government said.",
    ),
    (
        "AFP",
        "North Korea fires ballistic missile in latest launch",
        "Pyongyang fired a ballistic missile on Tuesday, Seoul's military said, as the nuclear-armed North pressed on with its weapons testing.",
    ),
    (
        "Korea Herald",
        "NK fires ballistic missile toward East Sea",
        "North Korea launched a ballistic missile toward the East Sea on Tuesday, according to the Joint Chiefs of Staff in Seoul.",
    ),
    (
        "BBC",
        "North Korea fires ballistic missile off east coast",
        "North Korea has fired a ballistic missile off its east coast, South Korea's military says, the latest in a series of launches.",
    ),
    (
        "CNN",
        "North Korea launches ballistic missile, Seoul says",
        "North Korea launched a ballistic missile on Tuesday, South Korea's Joint Chiefs of Staff said, in Pyongyang's first test in weeks.",
    ),
    (
        "NK News",
        "North Korea fires one short-range ballistic missile into East Sea",
        "North Korea fired one short-range ballistic missile from near Pyongyang into the East Sea on Tuesday morning, the JCS said, flying about 600 km.",
    ),
]


@pytest.fixture
def database(database_url: str) -> str:
    """These tests run once on SQLite and once on PostgreSQL."""
    return database_url


def _run(config: Path, env: dict[str, str]) -> None:
    assert main(["run", "--once", "--config", str(config)], env) == 0


def test_ten_outlets_make_one_post_nine_replies_and_parent_updates(
    feeds: FeedServer, slack: SlackStandIn, write_config, database, env
) -> None:
    urls = {}
    for i, (outlet, _title, _lead) in enumerate(OUTLETS):
        urls[outlet] = feeds.set(
            f"/{i}.xml", "<rss version='2.0'><channel><title>x</title></channel></rss>"
        )
    config = write_config(urls)
    _run(config, env)  # first poll of empty feeds: nothing to say
    for i, (outlet, title, lead) in enumerate(OUTLETS):
        feeds.set(f"/{i}.xml", outlet_rss(outlet, title, lead, minutes_ago=30 - i))
    _run(config, env)

    posts = slack.posts()
    parents = [p for p in posts if "thread_ts" not in p.args]
    replies = [p for p in posts if "thread_ts" in p.args]
    updates = [c for c in slack.attempts("chat.update") if c.ok]
    assert len(parents) == 1
    assert len(replies) == 9
    parent_ts = {c.args.get("ts") for c in updates} | {p.args["thread_ts"] for p in replies}
    assert len(parent_ts) == 1  # every reply and edit goes to the one parent
    assert all("Also reported by" in r.args["text"] for r in replies)
    assert len(updates) >= 1
    final = json.dumps(updates[-1].args["blocks"])
    assert "Reported by 10 sources" in final
    assert "SRBM" in final  # NK News added the class: the parent's facts now show it

    # a second launch two days later, worded alike, is a new story. The clock cannot move, so
    # the first story's reports are moved two days into the past instead.
    db = Store.open(database)
    with db.engine.begin() as conn:
        for column in (t.stories.c.first_published, t.items.c.published, t.seen.c.last_seen):
            rows = conn.execute(select(column.table.primary_key.columns[0], column)).all()
            for key, when in rows:
                conn.execute(
                    update(column.table)
                    .where(column.table.primary_key.columns[0] == key)
                    .values({column.name: when - timedelta(days=2)})
                )
    db.close()
    feeds.set(
        "/0.xml",
        outlet_rss(
            "Yonhap",
            "(URGENT) N. Korea fires ballistic missile into East Sea: JCS",
            "North Korea fired a ballistic missile into the East Sea on Thursday, the Joint Chiefs of Staff said.",
            minutes_ago=1,
            n=2,
        ),
    )
    _run(config, env)
    parents = [p for p in slack.posts() if "thread_ts" not in p.args]
    assert len(parents) == 2


def test_threads_false_absorbs_later_reports_and_restart_continues_the_thread(
    feeds: FeedServer, slack: SlackStandIn, write_config, env
) -> None:
    urls = {
        outlet: feeds.set(f"/{i}.xml", outlet_rss(outlet, title, lead, minutes_ago=20 - i))
        for i, (outlet, title, lead) in enumerate(OUTLETS[:2])
    }
    urls["AP"] = feeds.set("/2.xml", "<rss version='2.0'><channel><title>x</title></channel></rss>")
    channels = (
        '[[channels]]\nchannel = "C0THREADS"\nlabels = ["missile-test"]\n\n'
        '[[channels]]\nchannel = "C0QUIET"\nlabels = ["missile-test"]\nthreads = false\n'
    )
    config = write_config(urls, channels=channels)
    _run(config, env)
    by_channel = {}
    for p in slack.posts():
        by_channel.setdefault(p.args["channel"], []).append(p)
    assert len(by_channel["C0THREADS"]) == 2  # the post and one reply
    assert len(by_channel["C0QUIET"]) == 1  # the post only

    # restart (a new process run) and a third outlet reports: the same thread continues
    outlet, title, lead = OUTLETS[2]
    feeds.set("/2.xml", outlet_rss(outlet, title, lead, minutes_ago=5))
    _run(config, env)
    threads = [p for p in slack.posts() if p.args["channel"] == "C0THREADS"]
    assert len(threads) == 3
    assert len({p.args["thread_ts"] for p in threads[1:]}) == 1
    assert [p for p in slack.posts() if p.args["channel"] == "C0QUIET"] == by_channel["C0QUIET"]


def test_incoming_webhook_channel_gets_the_first_report_only(
    feeds: FeedServer, slack: SlackStandIn, write_config, env
) -> None:
    urls = {
        outlet: feeds.set(f"/{i}.xml", outlet_rss(outlet, title, lead, minutes_ago=20 - i))
        for i, (outlet, title, lead) in enumerate(OUTLETS[:3])
    }
    channels = (
        '[[channels]]\nchannel = "C0BOT"\nlabels = ["missile-test"]\n\n'
        '[[channels]]\nchannel = "desk-webhook"\nlabels = ["missile-test"]\nwebhook_url_env = "DESK_WEBHOOK"\n'
    )
    config = write_config(urls, channels=channels)
    env = {**env, "DESK_WEBHOOK": slack.webhook_url()}
    _run(config, env)
    hooks = [c for c in slack.calls if c.method == "webhook"]
    assert len(hooks) == 1 and hooks[0].ok
    assert hooks[0].args["blocks"] and hooks[0].args["unfurl_links"] is False
    bot_posts = [p for p in slack.posts() if p.args["channel"] == "C0BOT"]
    assert len(bot_posts) == 3  # the post and two replies
    assert all(c.args.get("channel") != "desk-webhook" for c in slack.attempts("chat.update"))


def test_webhook_env_missing_is_a_config_error(write_config, feeds: FeedServer, capsys) -> None:
    channels = '[[channels]]\nchannel = "desk"\nlabels = ["missile-test"]\nwebhook_url_env = "NOPE_WEBHOOK"\n'
    config = write_config({"W": feeds.url("/w.xml")}, channels=channels)
    assert main(["check-config", "--config", str(config)], {}) == 2
    err = capsys.readouterr().err
    assert "channels[0].webhook_url_env" in err and "NOPE_WEBHOOK is not set" in err
