"""Bursts from one feed, same-source updates and per-report routing, through the real pipeline
(local feed server, real store, the Slack stand-in driven by slack-sdk).

Every fixture here is invented, in the project's own words.
"""

from __future__ import annotations

import json
from pathlib import Path

from bot.service.cli import main
from bot.tools.feedserver import FeedServer
from tests.conftest import ago, rss
from tests.peers import SlackStandIn

EMPTY = "<rss version='2.0'><channel><title>x</title></channel></rss>"
# Twenty different North Korea events one wire publishes within twenty minutes: launches of
# several classes, seas and counts, a satellite attempt, a nuclear test, and diplomacy.
BURST = [
    (
        "North Korea fires ICBM that lands in Japan's EEZ west of Hokkaido",
        "North Korea launched an intercontinental ballistic missile on Friday morning that flew for about 70 minutes, Japan's defence ministry said.",
    ),
    (
        "North Korea fires two short-range ballistic missiles into East Sea",
        "North Korea fired two short-range ballistic missiles from near Pyongyang toward the East Sea on Friday, South Korea's Joint Chiefs of Staff said. They flew about 350 km.",
    ),
    (
        "North Korea fires cruise missiles into the Yellow Sea",
        "North Korea launched several cruise missiles over the Yellow Sea on Friday afternoon, South Korea's military said.",
    ),
    (
        "North Korea test-fires submarine-launched ballistic missile off Sinpo",
        "North Korea fired what appeared to be a submarine-launched ballistic missile from waters near Sinpo on Friday, the South Korean military said.",
    ),
    (
        "North Korea launches rocket carrying military reconnaissance satellite",
        "North Korea launched a space launch vehicle southward on Friday night in its latest attempt to put a spy satellite into orbit, Seoul said.",
    ),
    (
        "North Korea conducts seventh nuclear test at Punggye-ri, seismic data show",
        "A magnitude 5.8 artificial earthquake was detected near the Punggye-ri nuclear test site on Friday, South Korea's weather agency said.",
    ),
    (
        "North Korea fires multiple rocket launcher shells near western border islands",
        "North Korea fired about 130 artillery rounds from multiple rocket launchers into the maritime buffer zone north of the western islands on Friday, the JCS said.",
    ),
    (
        "North Korea fires new hypersonic missile Hwasong-8 from Jagang",
        "North Korea said it test-fired the newly developed Hwasong-8, a missile carrying a detachable hypersonic gliding warhead.",
    ),
    (
        "North Korea fires three short-range ballistic missiles from Koksan",
        "North Korea fired three short-range ballistic missiles from the Koksan area on Friday evening, flying about 600 km, South Korea's military said.",
    ),
    (
        "North Korea fires ballistic missile over Japan, triggering J-Alert in Aomori",
        "North Korea launched an intermediate-range ballistic missile that passed over northern Japan on Friday and fell into the Pacific, the government said.",
    ),
    (
        "Kim Jong Un meets Putin in Vladivostok for summit on military cooperation",
        "North Korean leader Kim Jong Un held talks with Russian President Vladimir Putin in Vladivostok on Friday, state media said.",
    ),
    (
        "UN Security Council holds emergency meeting on North Korea sanctions",
        "The United Nations Security Council met on Friday to discuss enforcement of sanctions on North Korea, diplomats said.",
    ),
    (
        "US imposes new sanctions on North Korean officials over weapons programme",
        "The US Treasury imposed sanctions on three North Korean officials accused of procuring parts for the weapons programme.",
    ),
    (
        "Xi Jinping holds talks with Kim Jong Un in Beijing",
        "Chinese President Xi Jinping held talks with North Korean leader Kim Jong Un in Beijing on Friday, Chinese state media said.",
    ),
    (
        "Japan and North Korea hold secret talks in Mongolia on abductions",
        "Japanese and North Korean officials met in Ulaanbaatar for talks on the abduction issue, Kyodo reported on Friday.",
    ),
    (
        "South Korea and US envoys meet in Seoul on North Korea denuclearization talks",
        "Nuclear envoys of South Korea and the United States met in Seoul on Friday to discuss ways to resume denuclearization talks with North Korea.",
    ),
    (
        "Lavrov visits Pyongyang for talks with North Korean foreign minister Choe Son Hui",
        "Russian Foreign Minister Sergei Lavrov arrived in Pyongyang on Friday for talks with his North Korean counterpart.",
    ),
    (
        "Trump says he will meet Kim Jong Un at the DMZ",
        "US President Donald Trump said on Friday he would meet North Korean leader Kim Jong Un at the demilitarized zone this month.",
    ),
    (
        "North Korea fires short-range ballistic missile into the Yellow Sea",
        "North Korea fired one short-range ballistic missile toward the Yellow Sea on Friday night, the Joint Chiefs of Staff said. It flew about 250 km.",
    ),
    (
        "North Korea fires long-range cruise missiles from Nampo",
        "North Korea fired two long-range strategic cruise missiles from the Nampo area on Friday morning that flew for more than two hours, Seoul said.",
    ),
]
ONE_CHANNEL = (
    '[[channels]]\nchannel = "C0ALERTS"\nlabels = ["missile-test", "diplomacy"]\n'
    "storm_threshold = 100\n"
)


def _item(n: int, title: str, summary: str, minutes_ago: float, slug: str = "wire") -> dict:
    return {
        "title": title,
        "summary": summary,
        "link": f"https://{slug}.test/nk/{n}",
        "guid": f"{slug}-{n}",
        "published": ago(minutes=minutes_ago),
    }


def _run(config: Path, env: dict[str, str]) -> None:
    assert main(["run", "--once", "--config", str(config)], env) == 0


def _parents(slack: SlackStandIn, channel: str = "C0ALERTS") -> list[str]:
    return [
        p.args["text"]
        for p in slack.posts()
        if "thread_ts" not in p.args and p.args["channel"] == channel
    ]


def _replies(slack: SlackStandIn, channel: str = "C0ALERTS") -> list[str]:
    return [
        p.args["text"]
        for p in slack.posts()
        if "thread_ts" in p.args and p.args["channel"] == channel
    ]


def test_a_burst_of_twenty_events_from_one_feed_posts_every_one(
    feeds: FeedServer, slack: SlackStandIn, write_config, env
) -> None:
    url = feeds.set("/wire.xml", EMPTY)
    config = write_config({"Wire": url}, channels=ONE_CHANNEL)
    _run(config, env)  # the first poll of an empty feed
    feeds.set(
        "/wire.xml",
        rss(*(_item(n, t, s, minutes_ago=25 - n) for n, (t, s) in enumerate(BURST)), title="Wire"),
    )
    _run(config, env)  # one poll brings all twenty
    parents = _parents(slack)
    assert len(parents) == len(BURST), [p[:60] for p in parents]
    for title, _ in BURST:
        assert sum(title in p for p in parents) == 1, title
    assert _replies(slack) == []  # nothing joined another event's thread


def test_a_burst_spread_over_polls_minutes_apart_posts_every_one(
    feeds: FeedServer, slack: SlackStandIn, write_config, env
) -> None:
    """The same burst revealed five reports a poll: the same source's reports minutes apart
    are still different events."""
    url = feeds.set("/wire.xml", EMPTY)
    config = write_config({"Wire": url}, channels=ONE_CHANNEL)
    _run(config, env)
    shown = []
    for n, (title, summary) in enumerate(BURST):
        shown.append(_item(n, title, summary, minutes_ago=25 - n))
        if len(shown) % 5 == 0:
            feeds.set("/wire.xml", rss(*shown, title="Wire"))
            _run(config, env)
    assert len(_parents(slack)) == len(BURST)


def test_updates_and_near_duplicates_in_one_poll_join_and_say_what_changed(
    feeds: FeedServer, slack: SlackStandIn, write_config, env
) -> None:
    url = feeds.set("/yonhap.xml", EMPTY)
    config = write_config({"Yonhap": url}, channels=ONE_CHANNEL)
    _run(config, env)
    flash = _item(
        1,
        "(URGENT) N. Korea fires ballistic missile into East Sea: JCS",
        "North Korea fired a ballistic missile into the East Sea on Friday, the Joint Chiefs of Staff said.",
        minutes_ago=30,
        slug="yonhap",
    )
    lead = _item(
        2,
        "(LEAD) N. Korea fires 2 short-range ballistic missiles into East Sea: JCS",
        "North Korea fired two short-range ballistic missiles into the East Sea on Friday, the Joint Chiefs of Staff said, in its first launch in a month.",
        minutes_ago=20,
        slug="yonhap",
    )
    copy = _item(
        3,
        "N. Korea fires ballistic missile into East Sea, JCS says",
        "North Korea fired a ballistic missile into the East Sea on Friday, the Joint Chiefs of Staff said.",
        minutes_ago=15,
        slug="yonhap",
    )
    feeds.set("/yonhap.xml", rss(flash, lead, copy, title="Yonhap"))
    _run(config, env)
    assert len(_parents(slack)) == 1
    replies = _replies(slack)
    assert len(replies) == 2 and all(r.startswith("Update from Yonhap") for r in replies)
    assert any("SRBM" in r and "2 missiles" in r for r in replies)  # what the LEAD changed
    updates = [c for c in slack.attempts("chat.update") if c.ok]
    final = json.dumps(updates[-1].args["blocks"])
    assert "Updated by Yonhap" in final and "2 missiles" in final


def test_a_later_report_from_a_source_in_the_story_is_shown_in_the_thread(
    feeds: FeedServer, slack: SlackStandIn, write_config, env, capsys
) -> None:
    """A follow-up from the same outlet an hour and more later joins (it is the same launch),
    and is never absorbed silently: a reply says so, and `status` counts it."""
    url = feeds.set("/yonhap.xml", EMPTY)
    config = write_config({"Yonhap": url}, channels=ONE_CHANNEL)
    _run(config, env)
    first = _item(
        1,
        "N. Korea fires ballistic missile into East Sea: JCS",
        "North Korea fired a ballistic missile into the East Sea on Friday morning, the Joint Chiefs of Staff said.",
        minutes_ago=180,
        slug="yonhap",
    )
    feeds.set("/yonhap.xml", rss(first, title="Yonhap"))
    _run(config, env)
    later = _item(
        2,
        "N. Korean ballistic missile flew about 600 km before falling into East Sea: JCS",
        "The ballistic missile North Korea fired Friday morning flew about 600 km, the Joint Chiefs of Staff said.",
        minutes_ago=30,
        slug="yonhap",
    )
    feeds.set("/yonhap.xml", rss(later, first, title="Yonhap"))
    _run(config, env)
    assert len(_parents(slack)) == 1
    replies = _replies(slack)
    assert len(replies) == 1 and replies[0].startswith("Update from Yonhap (flew 600 km)")
    status_env = {k: v for k, v in env.items() if k != "SLACK_BOT_TOKEN"}
    capsys.readouterr()
    assert main(["status", "--json", "--config", str(config)], status_env) == 0
    stories = json.loads(capsys.readouterr().out)["stories"]
    assert stories == {"stories": 1, "reports_absorbed": 1}


def test_a_channel_whose_keywords_match_only_a_later_report_is_shown_that_report(
    feeds: FeedServer, slack: SlackStandIn, write_config, env
) -> None:
    urls = {"AP": feeds.set("/ap.xml", EMPTY), "Reuters": feeds.set("/reuters.xml", EMPTY)}
    channels = (
        '[[channels]]\nchannel = "C0ALL"\nlabels = ["missile-test", "diplomacy"]\n\n'
        '[[channels]]\nchannel = "C0HANOI"\nlabels = ["diplomacy"]\nkeywords = ["Hanoi"]\n'
    )
    config = write_config(urls, channels=channels)
    _run(config, env)
    feeds.set(
        "/ap.xml",
        rss(
            _item(
                1,
                "Trump and Kim open second summit with a dinner",
                "US President Donald Trump and North Korean leader Kim Jong Un opened their second summit with a dinner on Wednesday.",
                minutes_ago=40,
                slug="ap",
            ),
            title="AP",
        ),
    )
    _run(config, env)
    feeds.set(
        "/reuters.xml",
        rss(
            _item(
                1,
                "Trump, Kim hold summit talks in Hanoi",
                "US President Donald Trump and North Korean leader Kim Jong Un held summit talks in Hanoi on Wednesday.",
                minutes_ago=20,
                slug="reuters",
            ),
            title="Reuters",
        ),
    )
    _run(config, env)
    assert len(_parents(slack, "C0ALL")) == 1 and len(_replies(slack, "C0ALL")) == 1  # one story
    hanoi = _parents(slack, "C0HANOI")
    assert len(hanoi) == 1 and "Hanoi" in hanoi[0] and "dinner" not in hanoi[0]
    edits = [c for c in slack.attempts("chat.update") if c.ok]
    for edit in edits:
        if edit.args["channel"] != "C0HANOI":
            continue
        assert "Hanoi" in edit.args["text"]  # its edits keep the headline its filter matched


def test_a_burst_in_storm_mode_lists_every_event(
    feeds: FeedServer, slack: SlackStandIn, write_config, env
) -> None:
    """With the default storm threshold, the burst's first stories are posted and the rest are
    listed in the storm summary: each event reaches the channel once, none inside another's
    thread."""
    url = feeds.set("/wire.xml", EMPTY)
    config = write_config({"Wire": url})
    _run(config, env)
    feeds.set(
        "/wire.xml",
        rss(*(_item(n, t, s, minutes_ago=25 - n) for n, (t, s) in enumerate(BURST)), title="Wire"),
    )
    _run(config, env)
    parents = _parents(slack)
    summaries = [p for p in parents if p.startswith("Storm mode")]
    edits = [c.args["text"] for c in slack.attempts("chat.update") if c.ok]
    storm = (edits or summaries)[-1]  # the summary as last edited
    for title, _ in BURST:
        shown = sum(title in p for p in parents if not p.startswith("Storm mode"))
        shown += title in storm
        assert shown == 1, title
    assert _replies(slack) == []
