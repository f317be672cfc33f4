"""The planner over typed inputs: no HTTP, no SQL, no clock (bot/plan/planner.py).

Each test builds `Settings` from a config text, a `Poll` of items, the `Reads` a store would give
(known keys, channel activity) and `OpenStories`, and checks the `Plan`'s entries and messages.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from bot.domain.dedupe import item_keys
from bot.domain.stories import StoryIndex, Tuning
from bot.kinds import MessageKind, OutboxStatus, Severity
from bot.models import Item
from bot.plan.intents import ChannelActivity, OpenStories, Plan, Poll, Reads, Settings
from bot.plan.planner import classify_new, needs_activity, plan
from bot.service.config import parse_config
from tests.conftest import RULES

NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)  # 12:00 in Seoul
LAUNCH = (
    "North Korea fires ballistic missile into the East Sea",
    "Seoul's Joint Chiefs of Staff said the missile was launched from near Pyongyang.",
)
LAUNCH_AGAIN = (
    "North Korea launches ballistic missile toward the East Sea, Seoul says",
    "The Joint Chiefs of Staff said the ballistic missile was fired from near Pyongyang.",
)
ICBM = (
    "North Korea fires ICBM that flies over Japan, prompting J-Alert warnings",
    "The intercontinental ballistic missile flew over northern Japan, Tokyo said.",
)
ENVOY = (
    "US envoy urges North Korea to return to talks",
    "The special representative said Washington was ready for dialogue with Pyongyang.",
)
SHELTER = (  # critical by a phrase of the pack's, not by a fact the story keeps
    "N. Korea fires ballistic missile; Japan tells residents to take shelter",
    "Japan issued a J-Alert after North Korea fired a ballistic missile into the East Sea.",
)
NOISE = ("City council approves budget for new tram line", "The vote passed after a debate.")
ALERTS = '[[channels]]\nchannel = "C0ALERTS"\nlabels = ["missile-test", "diplomacy"]\n'


def settings(
    channels: str = ALERTS,
    *,
    backfill: str = "6h",
    mutes: frozenset[tuple[str, str]] = frozenset(),
) -> Settings:
    text = (
        f'[bot]\ndatabase = "sqlite:///unused.db"\nbackfill = "{backfill}"\nrules = ["{RULES}"]\n'
        '[[feeds]]\nname = "Wire"\nurl = "https://wire.test/rss"\n\n' + channels
    )
    config = parse_config(text, "planner.toml", {"SLACK_BOT_TOKEN": "xoxb-test"})
    return Settings.of(config, config.channels, mutes)


def item(
    text: tuple[str, str], n: int = 1, *, source: str = "Wire", ago: timedelta = timedelta(0)
) -> Item:
    title, summary = text
    return Item(
        source,
        f"https://{source.lower()}.test/rss",
        f"{source}-{n}",
        f"https://{source.lower()}.test/{n}",
        title,
        summary,
        NOW - ago - timedelta(minutes=5),
    )


def fresh() -> OpenStories:
    return OpenStories(StoryIndex(Tuning(window=timedelta(hours=36))))


def run(
    s: Settings,
    items: list[Item],
    stories: OpenStories | None = None,
    *,
    now: datetime = NOW,
    known: frozenset[str] = frozenset(),
    activity: Mapping[str, ChannelActivity] | None = None,
    first_poll: bool = False,
) -> Plan:
    poll = classify_new(Poll(items, [item_keys(i) for i in items], now, first_poll), known, s)
    if activity is None and needs_activity(poll, known):
        activity = {}
    return plan(poll, Reads(known, activity), stories or fresh(), s)


def messages(p: Plan) -> list[tuple[str, str, str]]:
    return [(o.kind, o.channel, o.status) for e in p.entries for o in e.outgoing]


def test_a_first_report_is_one_post_per_channel_with_its_story_written() -> None:
    p = run(settings(), [item(LAUNCH)])
    [entry] = p.entries
    assert messages(p) == [("post", "C0ALERTS", "pending")]
    assert entry.story is not None and entry.story.key == entry.keys[0]
    assert entry.story.labels == ("missile-test",) and entry.story.members == 1
    assert entry.severity == Severity.HIGH == entry.story.severity  # "ballistic missile"
    assert p.stories_created == 1 and p.labelled == {"missile-test": 1}
    assert p.activity["C0ALERTS"].alerts == (NOW,)


def test_unlabelled_and_repeated_entries_queue_nothing_and_need_no_activity() -> None:
    s = settings()
    noise, launch = item(NOISE, 1), item(LAUNCH, 2)
    known = frozenset(item_keys(launch))
    poll = classify_new(
        Poll([noise, launch], [item_keys(noise), item_keys(launch)], NOW, False), known, s
    )
    assert not needs_activity(poll, known)
    p = plan(poll, Reads(known, None), fresh(), s)
    assert messages(p) == []
    assert p.entries[0].text is not None and p.entries[0].item is None  # recorded for replay
    assert p.entries[1].text is None  # a repeat: only its keys
    assert p.stories_created == 0


def test_a_later_report_of_the_story_replies_in_its_thread_and_edits_the_alert() -> None:
    s, stories = settings(), fresh()
    run(s, [item(LAUNCH, 1, source="Yonhap")], stories)
    later = run(s, [item(LAUNCH_AGAIN, 2, source="Kyodo")], stories, now=NOW + timedelta(minutes=4))
    assert messages(later) == [("reply", "C0ALERTS", "pending"), ("update", "C0ALERTS", "pending")]
    [entry] = later.entries
    assert entry.story is not None and entry.story.members == 2 and entry.story.sources == 2
    assert "goes to its thread and updates it" in entry.decisions[0].reason
    assert later.absorbed == {("new", "reply"): 1}
    assert later.stories_created == 0


def test_a_graver_report_raises_the_storys_severity_and_a_vaguer_one_does_not_lower_it() -> None:
    s, stories = settings(), fresh()
    first = run(s, [item(LAUNCH, 1, source="Yonhap")], stories)
    story = first.entries[0].keys[0]
    assert stories.severity == {story: Severity.HIGH}
    grave = run(s, [item(SHELTER, 2, source="Kyodo")], stories, now=NOW + timedelta(minutes=3))
    [entry] = grave.entries
    assert entry.story is not None and entry.story.key == story  # it joined the launch
    [update] = [o for o in entry.outgoing if o.kind == MessageKind.UPDATE]
    assert update.severity == Severity.CRITICAL == entry.story.severity
    vague = run(s, [item(LAUNCH_AGAIN, 3, source="AP")], stories, now=NOW + timedelta(minutes=6))
    [entry] = vague.entries
    assert entry.story is not None and entry.story.severity == Severity.CRITICAL
    assert {o.severity for o in entry.outgoing if o.kind == MessageKind.UPDATE} == {
        Severity.CRITICAL
    }
    assert stories.severity == {story: Severity.CRITICAL}


def test_a_stored_severity_is_kept_after_a_restart() -> None:
    """Open stories rebuilt with their stored severity plan as if nothing had restarted."""
    s = settings()
    before = fresh()
    run(s, [item(LAUNCH, 1, source="Yonhap")], before)
    [story] = before.severity
    # a restart: the same index, but the severity comes from the store (critical, say)
    after = OpenStories(before.index, {story: Severity.CRITICAL})
    later = run(s, [item(LAUNCH_AGAIN, 2, source="Kyodo")], after, now=NOW + timedelta(minutes=4))
    [update] = [o for o in later.entries[0].outgoing if o.kind == MessageKind.UPDATE]
    assert update.severity == Severity.CRITICAL
    assert later.entries[0].story is not None
    assert later.entries[0].story.severity == Severity.CRITICAL


def test_a_muted_story_gets_no_replies_or_edits_and_the_drop_is_counted() -> None:
    stories = fresh()
    run(settings(), [item(LAUNCH, 1, source="Yonhap")], stories)
    [story] = stories.index.stories
    muted = settings(mutes=frozenset({("C0ALERTS", story)}))
    later = run(
        muted, [item(LAUNCH_AGAIN, 2, source="Kyodo")], stories, now=NOW + timedelta(minutes=4)
    )
    assert messages(later) == []
    [(_, drop)] = later.dropped
    assert drop.drop == "muted" and "/newsbot mute" in drop.reason
    assert later.absorbed == {("new", "silent"): 1}


def test_reports_too_old_or_outside_backfill_join_silently_and_count_as_drops() -> None:
    s = settings(backfill="1h")
    old = run(s, [item(LAUNCH, ago=timedelta(days=40))])
    assert messages(old) == [] and [d.drop for _, d in old.dropped] == ["too_old"]
    assert old.entries[0].severity is None and old.entries[0].story is not None
    assert old.entries[0].story.severity is None  # the stored severity is left as it was
    first = run(s, [item(LAUNCH, ago=timedelta(hours=3))], first_poll=True)
    assert messages(first) == [] and [d.drop for _, d in first.dropped] == ["backfill"]
    recent = run(s, [item(LAUNCH, ago=timedelta(minutes=10))], first_poll=True)
    assert messages(recent) == [("post", "C0ALERTS", "pending")]


def test_quiet_hours_and_digests_hold_below_critical_posts_until_their_release() -> None:
    quiet = settings(
        '[[channels]]\nchannel = "C0NIGHT"\nlabels = ["missile-test"]\n'
        'quiet_hours = "10:00-14:00"\ntimezone = "Asia/Seoul"\n'
    )
    held = run(quiet, [item(LAUNCH)])
    [post] = held.entries[0].outgoing
    assert post.status == OutboxStatus.HELD
    assert post.release_at == datetime(2026, 11, 20, 5, 0, tzinfo=UTC)  # 14:00 in Seoul
    assert "held for quiet hours" in held.entries[0].decisions[0].reason
    assert held.activity == {}  # a held post is no alert for storm mode
    critical = run(quiet, [item(ICBM)])
    assert messages(critical) == [("post", "C0NIGHT", "pending")]
    digest = settings(
        '[[channels]]\nchannel = "C0DIGEST"\nlabels = ["missile-test"]\ndigest = "hourly"\n'
    )
    [post] = run(digest, [item(LAUNCH)]).entries[0].outgoing
    assert post.status == OutboxStatus.HELD and post.release_at == NOW + timedelta(hours=1)


def test_a_storm_folds_further_stories_into_one_summary_post_that_is_edited() -> None:
    s = settings(
        '[[channels]]\nchannel = "C0STORM"\nlabels = ["missile-test", "diplomacy"]\n'
        'storm_threshold = 2\nstorm_window = "10m"\n'
    )
    busy = {
        "C0STORM": ChannelActivity(alerts=(NOW - timedelta(minutes=2), NOW - timedelta(minutes=1)))
    }
    p = run(s, [item(LAUNCH)], activity=busy)
    [summary, listed] = p.entries[0].outgoing
    assert summary.key is not None and summary.key.startswith("storm:C0STORM:")
    assert (listed.status, listed.parent) == (OutboxStatus.STORMED, summary.key)
    assert "storm mode" in p.entries[0].decisions[0].reason
    storm = p.activity["C0STORM"]
    assert storm.storm_key == summary.key and len(storm.storm_entries) == 1
    # the next story in the storm: listed, and the summary edited, not posted again
    q = run(s, [item(ENVOY, 2)], now=NOW + timedelta(minutes=1), activity=p.activity)
    [listed2, edit] = q.entries[0].outgoing
    assert (listed2.status, listed2.parent) == (OutboxStatus.STORMED, summary.key)
    assert edit.kind == MessageKind.UPDATE and edit.parent == summary.key
    assert len(q.activity["C0STORM"].storm_entries) == 2
    # a quiet channel is not in a storm
    calm = run(s, [item(LAUNCH)], activity={})
    assert messages(calm) == [("post", "C0STORM", "pending")]


def test_routing_is_per_channel_labels_keywords_and_minimum_severity() -> None:
    s = settings(
        '[[channels]]\nchannel = "C0LAUNCH"\nlabels = ["missile-test"]\n\n'
        '[[channels]]\nchannel = "C0TALKS"\nlabels = ["diplomacy"]\n\n'
        '[[channels]]\nchannel = "C0GRAVE"\nlabels = ["missile-test"]\nmin_severity = "critical"\n\n'
        '[[channels]]\nchannel = "C0JAPAN"\nlabels = ["missile-test"]\nkeywords = ["Japan"]\n'
    )
    launch = run(s, [item(LAUNCH)])
    assert sorted(c for _, c, _ in messages(launch)) == ["C0LAUNCH"]
    drops = {d.channel: d.drop for _, d in launch.dropped}
    assert drops == {"C0GRAVE": "min_severity", "C0JAPAN": "keywords"}
    icbm = run(s, [item(ICBM)])
    assert sorted(c for _, c, _ in messages(icbm)) == ["C0GRAVE", "C0JAPAN", "C0LAUNCH"]
    envoy = run(s, [item(ENVOY)])
    assert [c for _, c, _ in messages(envoy)] == ["C0TALKS"]


def test_the_plan_does_not_read_activity_it_was_not_given() -> None:
    """A poll that may post must be given the channels' activity (the store reads it)."""
    s = settings()
    poll = classify_new(Poll([item(LAUNCH)], [item_keys(item(LAUNCH))], NOW, False), frozenset(), s)
    assert needs_activity(poll, frozenset())
    try:
        plan(poll, Reads(frozenset(), None), fresh(), s)
    except ValueError as e:
        assert "needs the channels' activity" in str(e)
    else:
        raise AssertionError("planned a post without the channels' activity")


def _worker_poll(s: Settings, *texts: tuple[str, str]) -> Poll:
    """A first poll as the parse workers make it (bot/poll/work.py): classified, fingerprinted."""
    from bot.poll.work import parse_and_classify
    from tests.conftest import rss

    body = rss(
        *(
            {"title": t, "summary": d, "guid": f"g{n}", "published": NOW - timedelta(minutes=5)}
            for n, (t, d) in enumerate(texts)
        )
    ).encode()
    parsed, keys, classified, fingerprints = parse_and_classify(
        body,
        url="https://wire.test/rss",
        feed_name="Wire",
        now=NOW,
        content_type=None,
        packs=s.packs,
    )
    return Poll(parsed.items, keys, NOW, True, classified, fingerprints)


def test_the_parse_workers_fingerprint_the_labelled_items_as_the_planner_would() -> None:
    from bot.domain.stories import fingerprint

    poll = _worker_poll(settings(), LAUNCH, NOISE, ENVOY)
    assert poll.classified is not None and poll.fingerprints is not None
    assert [bool(c.labels) for c in poll.classified] == [True, False, True]
    for it, keys, c, fp in zip(
        poll.items, poll.keys, poll.classified, poll.fingerprints, strict=True
    ):
        made = fingerprint(
            keys[0],
            it.title,
            it.summary,
            c.labels,
            it.published,
            it.feed_name,
            batch=f"{it.feed_url}@{NOW.isoformat()}",
        )
        assert fp == (made if c.labels else None)


def test_the_planner_takes_the_fingerprint_the_worker_made() -> None:
    from dataclasses import replace

    s = settings(backfill="6h")
    poll = _worker_poll(s, LAUNCH)
    assert poll.fingerprints is not None and poll.fingerprints[0] is not None
    carried = replace(poll.fingerprints[0], batch="made by the worker")
    stories = fresh()
    p = plan(replace(poll, fingerprints=[carried]), Reads(frozenset(), {}), stories, s)
    story = p.entries[0].story
    assert story is not None
    assert [m.batch for m in stories.index.stories[story.key].members] == ["made by the worker"]
    # without one, the planner makes it itself
    stories = fresh()
    p = plan(replace(poll, fingerprints=None), Reads(frozenset(), {}), stories, s)
    key = p.entries[0].story.key  # type: ignore[union-attr]
    assert [m.batch for m in stories.index.stories[key].members] == [
        f"https://wire.test/rss@{NOW.isoformat()}"
    ]
