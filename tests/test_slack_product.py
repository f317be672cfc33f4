"""Noise control on the Slack side: severity, mentions, storm mode, quiet hours, digests, limits.

The pipeline runs with an injected clock against the local feed server and the Slack stand-in
(driven by the real slack-sdk client), on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.delivery.format import BLOCKS_MAX, HEADER_MAX, SECTION_MAX, format_alert, format_digest
from bot.errors import ConfigError
from bot.models import Alert, Classification, DigestEntry, Item, StoryView
from bot.service.app import App, build_app
from bot.service.config import load_config
from bot.tools.feedserver import FeedServer
from tests.conftest import rss
from tests.peers import SlackStandIn

SEOUL_2330 = datetime(2026, 11, 20, 14, 30, tzinfo=UTC)  # 23:30 in Seoul (UTC+9)

ICBM = {
    "title": "North Korea fires ICBM that flies over Japan, prompting J-Alert warnings",
    "summary": "The intercontinental ballistic missile flew over northern Japan before landing "
    "in the Pacific, Tokyo said.",
}
CRUISE = {
    "title": "North Korea test-fires strategic cruise missiles over Yellow Sea",
    "summary": "Pyongyang launched several cruise missiles from a coastal site, state media said.",
}
ENVOY = {
    "title": "US envoy urges North Korea to return to talks",
    "summary": "The special representative said Washington was ready for dialogue with Pyongyang.",
}

# A second subject, for storms of clearly different stories (the North Korea clusterer would
# rightly join fifty launches of one week into fewer stories).
VOLCANO_PACK = """
[[packs]]
name = "volcano"
[packs.subject]
aliases = ["volcano"]
[[packs.topic]]
label = "eruption"
threshold = 2.0
needs_subject = true
[packs.topic.terms]
erupts = 3.0
"""
WORDS = (
    "amber basalt cedar delta ember fjord garnet harbor indigo juniper kestrel lagoon maple "
    "nectar onyx pewter quartz raven saffron tundra umber violet willow xenon yarrow zephyr "
    "alder birch cobalt dune estuary falcon glacier heron iris jasper kelp lichen marlin nettle "
    "orchid pine quill reef sorrel thistle upland vale wren yew zinc acacia bramble cinder"
).split()


class FakeTime:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def database(database_url: str) -> str:
    return database_url


def item(d: dict[str, str], n: int, published: datetime) -> dict[str, object]:
    return {**d, "link": f"https://wire.test/{n}", "guid": f"g{n}", "published": published}


def channel_toml(**keys: object) -> str:
    lines = ['[[channels]]\nchannel = "C0DESK"\nlabels = ["missile-test", "diplomacy"]']
    lines += [f"{k} = {json.dumps(v)}" for k, v in keys.items()]
    return "\n".join(lines) + "\n"


def scenario(
    config: Path, env: dict[str, str], clock: FakeTime, body: Callable[[App], Awaitable[None]]
) -> None:
    async def go() -> None:
        app = build_app(load_config(str(config), env), clock=clock, sleep=clock.sleep)
        try:
            await body(app)
        finally:
            await app.aclose()

    asyncio.run(go())


def texts(slack: SlackStandIn) -> list[str]:
    return [c.args["text"] for c in slack.posts()]


# -- severity and mentions -------------------------------------------------------------------


def test_severity_filters_by_channel_minimum_and_only_critical_alerts_mention(
    feeds: FeedServer, slack: SlackStandIn, write_config, env
) -> None:
    clock = FakeTime(SEOUL_2330)
    url = feeds.set("/w.xml", rss())
    config = write_config(
        {"Wire": url},
        channels=channel_toml(mention="here")
        + '[[channels]]\nchannel = "C0LOUD"\nlabels = ["missile-test", "diplomacy"]\n'
        'min_severity = "high"\n',
    )

    async def body(app: App) -> None:
        await app.pipeline.poll_all()  # first poll: empty feed
        published = clock.now - timedelta(minutes=3)
        feeds.set(
            "/w.xml",
            rss(item(ICBM, 1, published), item(CRUISE, 2, published), item(ENVOY, 3, published)),
        )
        await app.pipeline.poll_all()
        await app.deliverer.drain(timedelta(seconds=30))

    scenario(config, env, clock, body)
    desk = [c.args for c in slack.posts() if c.args["channel"] == "C0DESK"]
    loud = [c.args for c in slack.posts() if c.args["channel"] == "C0LOUD"]
    assert len(desk) == 3
    critical = [a for a in desk if "ICBM" in a["text"]]
    assert critical[0]["text"].startswith("<!here> ")
    assert "Critical" in json.dumps(critical[0]["blocks"])
    assert all("<!here>" not in a["text"] for a in desk if "ICBM" not in a["text"])
    assert "Normal" in json.dumps([a["blocks"] for a in desk if "cruise" in a["text"]])
    # min_severity = "high": the ICBM only (critical); the cruise missiles and the envoy are normal
    assert [("ICBM" in a["text"]) for a in loud] == [True]
    assert all("<!here>" not in a["text"] for a in loud)  # that channel did not ask for mentions


def test_feed_text_can_never_produce_a_mention(
    feeds: FeedServer, slack: SlackStandIn, write_config, env
) -> None:
    clock = FakeTime(SEOUL_2330)
    url = feeds.set("/w.xml", rss())
    config = write_config({"Wire": url}, channels=channel_toml(mention="none"))
    sneaky = {**ICBM, "title": "<!channel> <!here> North Korea fires ICBM over Japan"}

    async def body(app: App) -> None:
        await app.pipeline.poll_all()
        feeds.set("/w.xml", rss(item(sneaky, 1, clock.now - timedelta(minutes=1))))
        await app.pipeline.poll_all()
        await app.deliverer.drain(timedelta(seconds=30))

    scenario(config, env, clock, body)
    [post] = slack.posts()
    everything = post.args["text"] + json.dumps(post.args["blocks"])
    assert "<!channel>" not in everything and "<!here>" not in everything


# -- storm mode ------------------------------------------------------------------------------


def volcano(n: int, published: datetime) -> dict[str, object]:
    """A distinct eruption story: bar "volcano erupts", its words are its own (a synthetic
    storm of unrelated events, which the story clusterer must keep apart)."""
    rng = random.Random(n)
    words = [f"{w}{n}" for w in rng.sample(WORDS, 14)]
    return {
        "title": f"{words[0].capitalize()} volcano erupts near {' '.join(words[1:10])}",
        "summary": " ".join(words[10:]) + ".",
        "link": f"https://geo.test/{n}",
        "guid": f"v{n}",
        "published": published,
    }


def test_a_storm_of_fifty_stories_in_two_minutes_makes_at_most_six_messages_plus_edits(
    feeds: FeedServer, slack: SlackStandIn, write_config, env
) -> None:
    clock = FakeTime(datetime(2026, 11, 20, 3, 0, tzinfo=UTC))
    url = feeds.set("/geo.xml", rss())
    config = write_config(
        {"Geo": url},
        channels='[[channels]]\nchannel = "C0GEO"\nlabels = ["volcano:eruption"]\n'
        'storm_threshold = 5\nstorm_window = "10m"\n' + VOLCANO_PACK,
    )
    shown: list[dict[str, object]] = []

    async def body(app: App) -> None:
        await app.pipeline.poll_all()
        start = clock.now
        for burst in range(10):  # 5 new stories every 12 s: 50 in two minutes
            clock.now = start + timedelta(seconds=12 * burst)
            shown.extend(volcano(n, clock.now) for n in range(5 * burst, 5 * burst + 5))
            feeds.set("/geo.xml", rss(*shown))
            await app.pipeline.poll_all()
            await app.deliverer.deliver_due()
        await app.deliverer.drain(timedelta(seconds=30))
        # calm: eleven minutes later, one more eruption is posted on its own again
        clock.now = start + timedelta(minutes=13)
        shown.append(volcano(99, clock.now))
        feeds.set("/geo.xml", rss(*shown))
        await app.pipeline.poll_all()
        await app.deliverer.drain(timedelta(seconds=30))

    scenario(config, env, clock, body)
    posts = slack.posts()
    storm_posts = [p for p in posts if "Storm mode" in p.args["text"]]
    assert len(storm_posts) == 1
    assert len(posts) == 5 + 1 + 1  # five alerts, the storm summary, and the one after the calm
    edits = [c for c in slack.attempts("chat.update") if c.ok]
    assert 1 <= len(edits) <= 45
    final = edits[-1].args
    assert final["text"].startswith("Storm mode: 45 more stories")
    assert len(final["blocks"]) <= BLOCKS_MAX
    assert all(
        len(b["text"]["text"]) <= SECTION_MAX for b in final["blocks"] if b["type"] == "section"
    )
    assert volcano(99, clock.now)["title"] in posts[-1].args["text"]
    assert list(slack.posts_by_key().values()) == [1] * len(slack.posts_by_key())


def test_storm_mode_on_a_webhook_channel_degrades_to_separate_posts(
    feeds: FeedServer, slack: SlackStandIn, write_config, env
) -> None:
    clock = FakeTime(datetime(2026, 11, 20, 3, 0, tzinfo=UTC))
    url = feeds.set("/geo.xml", rss())
    config = write_config(
        {"Geo": url},
        channels='[[channels]]\nchannel = "#geo"\nlabels = ["volcano:eruption"]\n'
        'storm_threshold = 2\nwebhook_url_env = "GEO_HOOK"\n' + VOLCANO_PACK,
    )
    env = {**env, "GEO_HOOK": slack.webhook_url()}

    async def body(app: App) -> None:
        await app.pipeline.poll_all()
        feeds.set("/geo.xml", rss(*(volcano(n, clock.now) for n in range(6))))
        await app.pipeline.poll_all()
        await app.deliverer.drain(timedelta(seconds=30))

    scenario(config, env, clock, body)
    hooks = slack.attempts("webhook")
    assert len(hooks) == 6 and not any("Storm" in json.dumps(h.args) for h in hooks)


# -- quiet hours and digests ----------------------------------------------------------------


def test_quiet_hours_across_midnight_in_seoul_hold_all_but_critical_until_they_end(
    feeds: FeedServer, slack: SlackStandIn, write_config, env
) -> None:
    clock = FakeTime(SEOUL_2330)
    url = feeds.set("/w.xml", rss())
    config = write_config(
        {"Wire": url},
        channels=channel_toml(quiet_hours="22:00-07:00", timezone="Asia/Seoul", mention="here"),
    )
    seen: dict[str, int] = {}

    async def body(app: App) -> None:
        await app.pipeline.poll_all()
        published = clock.now - timedelta(minutes=2)
        feeds.set(
            "/w.xml",
            rss(item(CRUISE, 1, published), item(ENVOY, 2, published), item(ICBM, 3, published)),
        )
        await app.pipeline.poll_all()
        await app.deliverer.drain(timedelta(seconds=30))
        seen["night"] = len(slack.posts())
        clock.now = datetime(2026, 11, 20, 21, 59, tzinfo=UTC)  # 06:59 in Seoul, next morning
        await app.deliverer.deliver_due()
        seen["06:59"] = len(slack.posts())
        clock.now = datetime(2026, 11, 20, 22, 0, 1, tzinfo=UTC)  # 07:00:01 in Seoul
        await app.deliverer.drain(timedelta(seconds=30))
        seen["07:00"] = len(slack.posts())

    scenario(config, env, clock, body)
    assert seen == {"night": 1, "06:59": 1, "07:00": 2}
    night, morning = slack.posts()
    assert "ICBM" in night.args["text"] and night.args["text"].startswith("<!here>")
    assert morning.args["text"].startswith("Held during quiet hours: 2 stories")
    body_json = json.dumps(morning.args["blocks"])
    assert "cruise missiles" in body_json and "US envoy" in body_json
    assert "ICBM" not in body_json
    assert "KST" in body_json  # times in the channel's timezone
    assert "<!here>" not in morning.args["text"]


def test_a_daily_digest_lists_the_period_by_label_instead_of_posting_each(
    feeds: FeedServer, slack: SlackStandIn, write_config, env
) -> None:
    clock = FakeTime(datetime(2026, 11, 20, 1, 0, tzinfo=UTC))  # 10:00 in Seoul
    url = feeds.set("/w.xml", rss())
    config = write_config({"Wire": url}, channels=channel_toml(digest="daily 08:30 Asia/Seoul"))
    counts: list[int] = []

    async def body(app: App) -> None:
        await app.pipeline.poll_all()
        feeds.set("/w.xml", rss(item(CRUISE, 1, clock.now), item(ENVOY, 2, clock.now)))
        await app.pipeline.poll_all()
        await app.deliverer.drain(timedelta(seconds=30))
        counts.append(len(slack.posts()))
        clock.now = datetime(2026, 11, 20, 23, 29, tzinfo=UTC)  # 08:29 the next day in Seoul
        await app.deliverer.deliver_due()
        counts.append(len(slack.posts()))
        clock.now = datetime(2026, 11, 20, 23, 30, 5, tzinfo=UTC)
        await app.deliverer.drain(timedelta(seconds=30))
        counts.append(len(slack.posts()))
        await app.deliverer.drain(timedelta(seconds=30))  # released once, not again
        counts.append(len(slack.posts()))

    scenario(config, env, clock, body)
    assert counts == [0, 0, 1, 1]
    [digest] = slack.posts()
    assert digest.args["text"].startswith("Digest: 2 stories")
    blocks = digest.args["blocks"]
    assert blocks[0]["type"] == "header"
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert sections[0].startswith("*:handshake: Diplomacy*") and "US envoy" in sections[0]
    assert sections[1].startswith("*:rocket: Missile test*") and "cruise" in sections[1]


def test_replies_to_a_story_held_for_a_digest_are_not_threaded(
    feeds: FeedServer, slack: SlackStandIn, write_config, env
) -> None:
    clock = FakeTime(datetime(2026, 11, 20, 1, 0, tzinfo=UTC))
    first = feeds.set("/a.xml", rss())
    second = feeds.set("/b.xml", rss())
    config = write_config({"A": first, "B": second}, channels=channel_toml(digest="hourly"))

    async def body(app: App) -> None:
        await app.pipeline.poll_all()
        feeds.set("/a.xml", rss(item(CRUISE, 1, clock.now)))
        feeds.set("/b.xml", rss(item(CRUISE, 2, clock.now)))
        await app.pipeline.poll_all()
        clock.now += timedelta(hours=1)
        await app.deliverer.drain(timedelta(seconds=30))

    scenario(config, env, clock, body)
    [digest] = slack.posts()
    assert "Digest: 1 story" in digest.args["text"]
    assert not [c for c in slack.attempts("chat.update") if c.ok]


# -- configuration ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ({"timezone": "Asia/Pyongyan"}, 'channels[0].timezone: unknown timezone "Asia/Pyongyan"'),
        ({"digest": "daily 8h"}, 'channels[0].digest: "daily 8h" is not a digest schedule'),
        ({"digest": "daily 08:30 Mars/Olympus"}, 'unknown timezone "Mars/Olympus"'),
        ({"quiet_hours": "10pm-7am"}, 'channels[0].quiet_hours: "10pm-7am" is not a time range'),
        ({"min_severity": "urgent"}, 'channels[0].min_severity: "urgent" is not one of'),
        ({"mention": "everyone"}, 'channels[0].mention: "everyone" is not one of'),
        ({"storm_threshold": 0}, "channels[0].storm_threshold: must be at least 1"),
    ],
)
def test_bad_channel_settings_name_the_key_and_the_fix(
    tmp_path: Path, write_config, keys: dict[str, Any], message: str
) -> None:
    config = write_config({"W": "http://127.0.0.1:9/w.xml"}, channels=channel_toml(**keys))
    with pytest.raises(ConfigError) as e:
        load_config(str(config), {})
    assert message in str(e.value)


def test_bad_severity_rules_in_a_pack_are_reported(tmp_path: Path, write_config) -> None:
    pack = VOLCANO_PACK + (
        '[[packs.severity]]\nlevel = "extreme"\nlabel = "lava"\nfacts = ["icbm", "magma"]\n'
    )
    config = write_config(
        {"W": "http://127.0.0.1:9/w.xml"},
        channels='[[channels]]\nchannel = "C1"\nlabels = ["volcano:eruption"]\n' + pack,
    )
    with pytest.raises(ConfigError) as e:
        load_config(str(config), {})
    text = str(e.value)
    assert '"extreme" is not one of normal, high, critical' in text
    assert '"lava" is not a topic of this pack (eruption)' in text
    assert '"magma" is not a fact class' in text


# -- Slack's limits --------------------------------------------------------------------------


def test_messages_stay_within_slacks_limits_however_long_the_input() -> None:
    now = datetime(2026, 11, 20, tzinfo=UTC)
    big = Item(
        "Feed " * 100,
        "https://f.test/rss",
        "id",
        "https://f.test/" + "x" * 3000,
        "North Korea " * 400,
        "Missile. " * 2000,
        now,
    )
    story = StoryView(
        sources=tuple(f"Outlet {n}" for n in range(300)),
        first_seen=now,
        last_updated=now,
        facts=tuple(f"fact {n}" for n in range(200)),
    )
    c = Classification(("missile-test",), {}, {"missile-test": tuple(f"t{n}" for n in range(500))})
    message = format_alert(Alert("C1", big, ("missile-test",), c, story, "critical", "channel"))
    assert len(message.blocks) <= BLOCKS_MAX and len(message.text) <= 40000
    for block in message.blocks:
        for text in _texts(block):
            assert len(text) <= SECTION_MAX
    assert message.text.startswith("<!channel> ")
    entries = [
        DigestEntry(
            "missile-test", "high", "Headline " * 60, "https://w.test/" + str(n), "Source", now, 3
        )
        for n in range(500)
    ]
    digest = format_digest(entries, since=now, until=now)
    assert len(digest.blocks) <= BLOCKS_MAX and len(digest.text) <= 40000
    assert len(digest.blocks[0]["text"]["text"]) <= HEADER_MAX  # type: ignore[index]
    assert "more" in json.dumps(digest.blocks[-1])
    listed = sum(json.dumps(b).count("https://w.test/") for b in digest.blocks)
    hidden = int(json.dumps(digest.blocks[-1]).split("and ")[1].split(" more")[0])
    assert listed + hidden == 500


def _texts(block: object) -> list[str]:
    if isinstance(block, dict):
        out = [block["text"]] if isinstance(block.get("text"), str) else []
        return out + [t for v in block.values() for t in _texts(v)]
    if isinstance(block, list):
        return [t for v in block for t in _texts(v)]
    return []


def test_the_rendered_examples_in_docs_are_current() -> None:
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    result = subprocess.run(
        [sys.executable, str(root / "docs" / "make_examples.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    names = {p.name for p in (root / "docs" / "examples").glob("*.json")}
    documented = (root / "docs" / "messages.md").read_text()
    assert names and all(f"`{n}`" in documented for n in names)
