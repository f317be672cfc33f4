"""The pure stages: parse, dedupe keys, classify, route, format; and the scheduling arithmetic."""

from __future__ import annotations

import json
import random
import tomllib
from datetime import UTC, datetime, timedelta

import pytest

from bot.delivery.format import escape, format_alert, lead
from bot.delivery.policy import delivery_backoff
from bot.domain.classify import classify, load_pack
from bot.domain.dedupe import item_keys, normalise_title
from bot.domain.route import Router
from bot.errors import FeedParseError
from bot.models import Alert, Classification, Item
from bot.poll.parse import canonical_url, parse_feed, plain_text
from bot.service.config import ChannelConfig
from bot.service.pipeline import backoff, next_check
from bot.validate import Problems
from tests.conftest import DATA, RULES

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def packs():
    problems = Problems()
    pack = load_pack(tomllib.loads(RULES.read_text(encoding="utf-8")), problems)
    assert pack is not None, problems.items
    return [pack]


def test_seeds_as_feed_entries_get_both_labels(packs) -> None:
    parsed = parse_feed(
        (DATA / "seeds.xml").read_bytes(), url="https://seeds.test/rss", feed_name="Seeds", now=NOW
    )
    expected = json.loads((DATA / "seeds.expected.json").read_text())
    assert {i.item_id for i in parsed.items} == set(expected)
    for item in parsed.items:
        c = classify(packs, item.title, item.summary)
        assert sorted(c.labels) == sorted(expected[item.item_id]), (
            item.title,
            c.scores,
            c.evidence,
        )


def test_parse_normalises_entries() -> None:
    body = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
    <item><title>A &amp;amp; B</title><link>https://Example.ORG:443/a?utm_source=x&amp;id=7#top</link>
    <description>&lt;p&gt;One &lt;b&gt;bold&lt;/b&gt;&lt;script&gt;evil()&lt;/script&gt;   two&amp;nbsp;three&lt;/p&gt;</description>
    <pubDate>Sat, 21 Nov 2026 10:00:00 +0900</pubDate></item>
    <item><title>No link, no guid</title><description>text</description></item>
    <item><title>Future</title><link>https://example.org/f</link><pubDate>Sat, 21 Nov 2099 10:00:00 GMT</pubDate></item>
    </channel></rss>"""
    parsed = parse_feed(body, url="https://example.org/rss", feed_name="Ex", now=NOW)
    first, second, third = parsed.items
    assert first.title == "A & B"
    assert first.url == "https://example.org/a?id=7"
    assert first.item_id == first.url  # no guid: canonical link
    assert first.summary == "One bold two three"  # nbsp folded too
    assert first.published == datetime(2026, 11, 21, 1, 0, tzinfo=UTC) and first.dated
    assert second.item_id.startswith("sha1:") and second.url == ""
    assert third.published == NOW and not third.dated  # far-future date is not trusted


def test_parse_rejects_non_feeds_and_keeps_bozo_feeds_with_entries() -> None:
    with pytest.raises(FeedParseError, match="not a readable feed"):
        parse_feed(b"<html><body>maintenance", url="https://x.test/rss", feed_name="X", now=NOW)
    broken = b'<rss version="2.0"><channel><title>T</title><item><title>North &amp; South</title><link>https://x.test/1</link></item><item><title>unclosed & bad</title></item>'
    parsed = parse_feed(broken, url="https://x.test/rss", feed_name="X", now=NOW)
    assert parsed.problem and parsed.items


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        (
            "HTTPS://News.Example.com/a/b?utm_medium=rss&utm_campaign=x",
            "https://news.example.com/a/b",
        ),
        ("http://example.com:80/x?b=2&fbclid=zzz&a=1", "http://example.com/x?b=2&a=1"),
        ("https://example.com", "https://example.com/"),
        ("mailto:someone@example.com", "mailto:someone@example.com"),
    ],
)
def test_canonical_url(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical


def test_plain_text() -> None:
    assert (
        plain_text("Kim &amp; Moon&#39;s <i>summit</i>\n\n in  Panmunjom")
        == "Kim & Moon's summit in Panmunjom"
    )
    assert plain_text("AT&amp;T") == "AT&T"


def _item(
    title: str,
    *,
    url: str = "https://x.test/1",
    item_id: str = "1",
    feed: str = "https://x.test/rss",
) -> Item:
    return Item("X", feed, item_id, url, title, "", NOW)


def test_dedupe_keys() -> None:
    base = item_keys(_item("N. Korea fires missile"))
    assert len(base) == 3
    assert normalise_title("(LEAD) N. Korea fires missile") == normalise_title(
        "UPDATE 2: N. Korea Fires Missile!"
    )
    # same title in another feed is not the same item; the same URL with the same title is,
    # the same URL under other words is not (a feed cannot suppress another's report)
    other_feed = item_keys(
        _item(
            "N. Korea fires missile", item_id="9", url="https://y.test/9", feed="https://y.test/rss"
        )
    )
    assert not set(base) & set(other_feed)
    same_url = item_keys(
        _item("(LEAD) N. Korea Fires Missile", item_id="9", feed="https://y.test/rss")
    )
    assert set(base) & set(same_url)
    other_words = item_keys(_item("Weather: sunny", item_id="9", feed="https://y.test/rss"))
    assert not set(base) & set(other_words)


def test_classifier_explains_itself_and_ignores_look_alikes(packs) -> None:
    c = classify(
        packs, "North Korea test-fires ICBM", "The Hwasong-18 flew for 73 minutes, Japan said."
    )
    assert c.labels == ("missile-test",)
    assert "icbm" in c.evidence["missile-test"] and "hwasong #" in c.evidence["missile-test"]
    for title, summary in [
        (
            "Russia launches massive missile strikes on Kyiv",
            "Air defences shot down most of the cruise missiles.",
        ),
        ("SpaceX launches 23 Starlink satellites", "A Falcon 9 lifted off from Florida."),
        ("Sprinter banned after failed doping test", "The athlete will appeal."),
        (
            "Climbers reach Everest summit in record season",
            "Talks between guides and officials continue.",
        ),
    ]:
        assert classify(packs, title, summary).labels == (), title


def test_router_keywords_and_exclude_are_whole_word_and_case_insensitive() -> None:
    router = Router(
        [
            ChannelConfig("C1", ("missile-test",), keywords=("ICBM",)),
            ChannelConfig("C2", ("missile-test",), exclude=("cruise",)),
            ChannelConfig("C3", ("diplomacy",)),
        ]
    )
    c = Classification(("missile-test",), {}, {})
    assert router.route(Item("X", "f", "1", "", "North fires icbm", "", NOW), c) == [
        ("C1", ("missile-test",)),
        ("C2", ("missile-test",)),
    ]
    assert (
        router.route(Item("X", "f", "1", "", "North fires ICBMs and cruise missiles", "", NOW), c)
        == []
    )


def test_format_escapes_feed_text_and_stays_within_limits() -> None:
    item = Item(
        "Wire <b>",
        "f",
        "1",
        "https://x.test/a?q=1&r=<2>|x",
        "<!channel> " + "x" * 5000,
        "<@U1> said " * 500,
        NOW,
    )
    c = Classification(
        ("missile-test",), {"missile-test": 5.0}, {"missile-test": ("icbm", "not: spacex")}
    )
    message = format_alert(Alert("C1", item, ("missile-test",), c))
    payload = json.dumps(message.blocks) + message.text
    assert "<!channel>" not in payload and "<@U1>" not in payload
    assert "&lt;!channel&gt;" in payload
    assert "spacex" not in payload  # negative evidence is not shown as a reason
    for block in message.blocks:
        text = block.get("text") or block["elements"][0]  # type: ignore[index]
        assert len(text["text"]) <= 3000  # type: ignore[index]
    assert len(message.text) <= 3000
    assert escape("a&b<c>d") == "a&amp;b&lt;c&gt;d"


def test_lead_takes_up_to_three_sentences() -> None:
    text = "One. Two! Three? Four."
    assert lead(text) == "One. Two! Three?"


def test_schedule_arithmetic() -> None:
    rng = random.Random(1)
    interval = timedelta(minutes=2)
    for _ in range(100):
        n = next_check(NOW, interval, 0.1, rng)
        assert NOW + timedelta(seconds=108) <= n <= NOW + timedelta(seconds=132)
    assert backoff(NOW, interval, 1, None, timedelta(hours=1)) == NOW + interval
    assert backoff(NOW, interval, 3, None, timedelta(hours=1)) == NOW + interval * 4
    assert backoff(NOW, interval, 30, None, timedelta(hours=1)) == NOW + timedelta(hours=1)
    assert backoff(NOW, interval, 1, 900, timedelta(hours=1)) == NOW + timedelta(seconds=900)
    assert delivery_backoff(1) == timedelta(seconds=5)
    assert delivery_backoff(50) == timedelta(minutes=10)
