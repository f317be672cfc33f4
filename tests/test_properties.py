"""Property-based tests (Hypothesis) of the pure stages: any input, no crash, invariants hold."""

from __future__ import annotations

import json
import math
import re
import tomllib
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.delivery.format import format_alert, format_reply
from bot.domain.classify import classify, load_pack
from bot.domain.stories import StoryIndex, _outvoted, compatible, extract_facts, fingerprint
from bot.errors import FeedParseError
from bot.models import Alert, Classification, Item, StoryView
from bot.poll.parse import canonical_url, parse_feed, plain_text
from bot.validate import Problems
from tests.conftest import DATA, RULES

PACK = load_pack(tomllib.loads(RULES.read_text(encoding="utf-8")), Problems())
NOW = datetime(2026, 11, 22, tzinfo=UTC)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MENTION = re.compile(r"<[!@#]")
texts = st.text(max_size=3000)
nasty = st.one_of(
    texts,
    st.sampled_from(
        [
            "<!channel>",
            "<!here|here>",
            "<@U123>",
            "<#C1|x>",
            "&lt;!everyone&gt;",
            "<!subteam^S1>",
            "*_~`",
            "|",
            ">",
        ]
    ),
    st.lists(
        st.sampled_from(
            ["<!channel>", "North Korea", "ICBM", "<@U1>", "&", "<", ">", "|", "\n", "x" * 500]
        ),
        max_size=40,
    ).map("".join),
)


@SETTINGS
@given(texts)
def test_plain_text_is_folded_and_never_fails(text: str) -> None:
    out = plain_text(text)
    assert out == out.strip() and "  " not in out and "\n" not in out


_HOSTS = st.from_regex(r"[a-z0-9][a-z0-9.-]{0,12}[a-z0-9]|[a-z0-9]", fullmatch=True)
_PATHS = st.text(alphabet="/abcXYZ09-_.~%;:@!$&'()*+,=[]\\ \t\n?#é", max_size=20)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["http", "https", "HTTP", "ftp"]), _HOSTS, _PATHS)
def test_canonical_url_takes_its_shortcut_only_where_urllib_reads_it_the_same(
    scheme: str, host: str, path: str
) -> None:
    from bot.poll.parse import _canonical

    url = f"{scheme}://{host}{path}".strip()
    assert canonical_url(url) == _canonical(url)


@settings(max_examples=400)
@given(
    st.sampled_from(["", "Tue, ", "tue, ", "Xyz, ", "Tuesday, "]),
    st.integers(0, 32),
    st.sampled_from(["Jan", "dec", "Dex", "May"]),
    st.integers(0, 2100),
    st.integers(0, 25),
    st.integers(0, 61),
    st.sampled_from(["+0000", "-0000", "GMT", "UT", "Z", "gmt", "EST", "+2400", "-0530", "+0099"]),
)
def test_the_plain_rfc822_reading_agrees_with_email_utils(
    name: str, day: int, month: str, year: int, hour: int, second: int, zone: str
) -> None:
    import email.utils

    from bot.poll.feedxml import _plain_rfc822, _utc

    value = f"{name}{day:02d} {month} {year:04d} {hour:02d}:07:{second:02d} {zone}"
    fast = _plain_rfc822(value)
    if fast is None:
        return
    when = email.utils.parsedate_to_datetime(value)
    assert when.tzinfo is not None and _utc(when) == fast and fast.tzinfo is UTC


@SETTINGS
@given(st.text(max_size=300))
def test_canonical_url_is_idempotent(url: str) -> None:
    once = canonical_url(url)
    assert canonical_url(once) == once


@SETTINGS
@given(
    st.binary(max_size=4000)
    | texts.map(
        lambda t: f"<rss><channel><item><title>{t}</title></item></channel></rss>".encode(
            "utf-8", "surrogatepass"
        )
    )
)
def test_parse_any_bytes_gives_items_or_a_feed_parse_error(body: bytes) -> None:
    try:
        parsed = parse_feed(body, url="https://x.test/rss", feed_name="X", now=NOW)
    except FeedParseError:
        return
    for item in parsed.items:
        assert len(item.title) <= 1000 and len(item.summary) <= 5000
        assert item.published.tzinfo is not None and item.published <= NOW + timedelta(days=1)


@SETTINGS
@given(nasty, nasty)
def test_classification_is_total_and_deterministic(title: str, summary: str) -> None:
    a = classify([PACK], title, summary)
    b = classify([PACK], title, summary)
    assert a == b
    assert set(a.labels) <= {"missile-test", "diplomacy"}
    assert all(math.isfinite(s) for s in a.scores.values())


@SETTINGS
@given(nasty, nasty, nasty, st.text(max_size=200), st.lists(nasty, max_size=12))
def test_slack_messages_stay_within_limits_and_never_mention(
    title: str, summary: str, source: str, url: str, evidence: list[str]
) -> None:
    item = Item(source, "f", "1", url, title, summary, NOW)
    c = Classification(("missile-test",), {"missile-test": 5.0}, {"missile-test": tuple(evidence)})
    view = StoryView(tuple(evidence) or ("A",), NOW, NOW, tuple(evidence[:3]), item)
    for message in (
        format_alert(Alert("C1", item, ("missile-test",), c, view)),
        format_reply(item),
    ):
        payload = json.dumps(message.blocks)
        assert len(message.blocks) <= 50 and len(message.text) <= 40_000
        for block in message.blocks:
            texts_ = (
                [block["text"]["text"]]
                if "text" in block
                else [e["text"] for e in block["elements"]]
            )  # type: ignore[index, union-attr]
            assert all(len(t) <= 3000 for t in texts_)
        assert not MENTION.search(json.loads(payload).__repr__() + message.text)


words = st.sampled_from(
    [
        "North Korea",
        "fires",
        "ICBM",
        "cruise missile",
        "two",
        "three",
        "Hwasong-18",
        "talks",
        "Trump",
        "Putin",
        "Hanoi",
        "summit",
        "UN Security Council",
        "again",
        "after",
        "SRBM",
    ]
)


@SETTINGS
@given(
    st.lists(
        st.tuples(
            st.lists(words, max_size=10).map(" ".join),
            st.lists(words, max_size=14).map(" ".join),
            st.integers(0, 72),
            st.sampled_from([("missile-test",), ("diplomacy",), ("diplomacy", "missile-test")]),
        ),
        max_size=25,
    )
)
@example(  # found by CI: a launch flash joining a launch story founded with diplomacy too
    [
        ("fires Trump", "", 0, ("diplomacy", "missile-test")),
        ("fires", "Putin", 0, ("missile-test",)),
    ]
)
def test_story_assignment_never_merges_contradictions(
    reports: list[tuple[str, str, int, tuple[str, ...]]],
) -> None:
    index = StoryIndex()
    for i, (title, summary, hours, labels) in enumerate(reports):
        when = NOW + timedelta(hours=hours)
        fp = fingerprint(f"k{i}", title, summary, labels, when, f"s{i % 3}")
        match = index.assign(fp)
        item = Item(f"s{i % 3}", "", f"k{i}", "", title, summary, when)
        if match is None:
            index.create(fp, item, Classification(labels, {}, {}), when)
            continue
        story = index.stories[match.story_id]
        # launch reports are compared as launches (parties and venues are their background),
        # also against a launch story whose founding headline carried diplomacy too ("fires
        # missile as Kim prepares to meet Putin")
        launch = (
            fp.labels == frozenset({"missile-test"})
            and "missile-test" in story.founding_labels
            and fp.facts.kind == story.facts.kind == "launch"
        )
        # the one exception: a launch report's class that one source of the story contradicts
        # is taken as a correction (bot.domain.stories._outvoted)
        assert compatible(fp.facts, story.facts, diplomacy=not launch) or (
            launch and _outvoted(fp, story)
        )
        assert fp.labels & story.labels
        assert abs(fp.published - story.first_published) <= index.tuning.window
        index.join(match.story_id, fp, item, when)


def test_contradicting_facts_examples() -> None:
    assert not compatible(
        extract_facts("fires ICBM", ""), extract_facts("fires cruise missile", "")
    )


def _vocabulary() -> list[str]:
    assert PACK is not None
    phrases = [p.display for p in (*PACK.aliases, *PACK.contextual, *PACK.not_contextual)]
    phrases += [p.display for p in PACK.context]
    for topic in PACK.topics:
        phrases += [p.display for p, _w in topic.terms]
        for rule in topic.near:
            phrases += [p.display for p in (*rule.first, *rule.second)]
    words = sorted({w for p in phrases for w in p.replace("#", "17").replace("*", "big").split()})
    return phrases + words + [w.upper() for w in words[:40]] + [w.title() for w in words]


VOCABULARY = _vocabulary()
news_like = st.lists(
    st.one_of(
        st.sampled_from(VOCABULARY),
        st.sampled_from(["the", "said", "on", "Monday", "officials", "Seoul's", "N.", "U.S."]),
        st.sampled_from([".", ",", ";", "!", "?", "-", "\u2014", "'s", "\n", "\u00e9t\u00e9"]),
        st.text(max_size=8),
    ),
    max_size=60,
).map(" ".join)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(news_like, news_like)
def test_the_quick_subject_check_never_changes_a_label(title: str, summary: str) -> None:
    """classify(explain=False) skips a pack when no subject phrase has all its words in the
    text; that must give the same labels as the full pass, and for a labelled item the same
    scores and evidence."""
    full = classify([PACK], title, summary)
    quick = classify([PACK], title, summary, explain=False)
    assert quick.labels == full.labels
    if full.labels:
        assert quick == full
    else:
        assert set(quick.scores) == set(full.scores)


def test_the_quick_subject_check_agrees_on_the_labelled_examples() -> None:
    checked = labelled = 0
    for name in ("classify_dev.jsonl", "classify_holdout.jsonl"):
        for line in (DATA / name).read_text().splitlines():
            ex = json.loads(line)
            full = classify([PACK], ex["title"], ex["summary"])
            quick = classify([PACK], ex["title"], ex["summary"], explain=False)
            assert quick.labels == full.labels, ex["id"]
            checked += 1
            labelled += bool(full.labels)
    assert checked == 540 and labelled > 100


def test_the_quick_subject_check_is_off_for_a_topic_that_needs_no_subject() -> None:
    data = tomllib.loads(RULES.read_text(encoding="utf-8"))
    data["topic"][0]["needs_subject"] = False
    pack = load_pack(data, Problems())
    assert pack is not None and pack.subject_words is None
    assert PACK is not None and PACK.subject_words is not None
    text = "Iran test-fires a ballistic missile into the sea"
    assert classify([pack], text, "", explain=False) == classify([pack], text, "")
