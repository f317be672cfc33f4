"""Which reports are events of their own beside a launch, and which are the launch told again.

Fixture headlines are written for these tests (none is a real outlet's). Each case fails
without the rule it names in bot/domain/stories.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.stories import StoryIndex, fingerprint
from bot.models import Classification, Item

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
LAUNCH = ("missile-test",)


def _story(
    index: StoryIndex,
    key: str,
    title: str,
    hours: float,
    source: str,
    *,
    summary: str = "",
    batch: str = "",
    labels: tuple[str, ...] = LAUNCH,
    start: datetime = T0,
) -> str:
    """A report `hours` after `start` through the index as the pipeline sends it: joined to the
    story `assign` finds, or a story of its own; its story's id (other story tests use it too)."""
    when = start + timedelta(hours=hours)
    fp = fingerprint(key, title, summary, labels, when, source, batch=batch)
    item = Item(source, "", key, "", title, summary, when)
    match = index.assign(fp)
    if match is None:
        return index.create(fp, item, Classification(labels, {}, {}), when).id
    return index.join(match.story_id, fp, item, when).story.id


def _launch(index: StoryIndex) -> str:
    first = _story(index, "a1", "North Korea launches rocket carrying spy satellite", 0, "Wire A")
    assert (
        _story(
            index,
            "a2",
            "North Korea's spy satellite launch fails, rocket falls into sea",
            1,
            "Wire B",
        )
        == first
    )
    assert (
        _story(
            index,
            "a3",
            "Japan lifts alert after North Korean satellite rocket crashes",
            2,
            "Wire C",
        )
        == first
    )
    assert _story(index, "a4", "North Korea admits satellite launch failed", 4, "Wire D") == first
    return first


def test_a_statement_by_kim_yo_jong_about_the_launch_is_its_own_event() -> None:
    index = StoryIndex()
    launch = _launch(index)
    first = _story(
        index,
        "s1",
        "Kim Yo Jong slams US for criticism of failed satellite launch",
        22,
        "Wire E",
    )
    assert first != launch
    # her statement as other outlets tell it joins her statement, not the launch
    second = _story(
        index,
        "s2",
        "North Korean leader's sister accuses US of hypocrisy over satellite launch",
        23,
        "Wire F",
    )
    assert second == first


def test_a_pact_suspended_over_the_launch_is_its_own_event() -> None:
    index = StoryIndex()
    launch = _launch(index)
    measure = _story(
        index,
        "m1",
        "South Korea suspends part of military pact after North's satellite launch",
        8,
        "Wire E",
    )
    assert measure != launch


def test_a_notice_of_a_launch_and_the_launchers_word_a_day_later_are_two_events() -> None:
    index = StoryIndex()
    notice = _story(
        index, "n1", "North Korea notifies Japan it plans to launch a satellite", 0, "Wire A"
    )
    assert (
        _story(
            index,
            "n2",
            "North Korea tells Japan of plan to launch satellite next week",
            1,
            "Wire B",
        )
        == notice
    )
    statement = _story(
        index, "n3", "North Korea says it will launch its first spy satellite in June", 22, "Wire C"
    )
    assert statement != notice


def test_one_polls_launch_reports_hours_apart_in_other_words_are_one_launch() -> None:
    """A feed polled once a day brings the morning's flash and the evening's fuller report in
    one poll: the same launch told again joins (a burst of different headlines minutes apart
    stays apart: tests/test_stories_burst.py)."""
    index = StoryIndex()
    batch = "https://wire-a.test/rss@2026-03-02T23:00:00+00:00"
    first = _story(
        index,
        "p1",
        "North Korea fires ballistic missile into sea off east coast",
        0,
        "Wire A",
        batch=batch,
    )
    later = _story(
        index,
        "p2",
        "Missile from North Korea came down in waters near Japan",
        6,
        "Wire A",
        batch=batch,
    )
    assert later == first


def test_a_feature_about_something_else_does_not_take_launch_reports() -> None:
    """A video feed's clip of the day about something else (mislabelled by the classifier)
    founds a story: a clip of the launch that evening is not its."""
    index = StoryIndex()
    clip = _story(
        index, "f1", "WATCH: Zoo's red pandas enjoy their first snow day", 0, "Video desk"
    )
    launch = _story(
        index,
        "f2",
        "WATCH: North Korean state TV shows video of the missile launch",
        3,
        "Video desk 2",
    )
    assert launch != clip


def test_weapons_named_as_the_background_of_talks_do_not_split_the_talks() -> None:
    index = StoryIndex()
    talks = ("diplomacy",)

    def report(key: str, title: str, summary: str, hours: float, source: str) -> str:
        when = T0 + timedelta(hours=hours)
        fp = fingerprint(key, title, summary, talks, when, source)
        item = Item(source, "", key, "", title, summary, when)
        match = index.assign(fp)
        if match is None:
            return index.create(fp, item, Classification(talks, {}, {}), when).id
        return index.join(match.story_id, fp, item, when).story.id

    first = report(
        "t1",
        "Kim and Putin hold talks at Vostochny cosmodrome",
        "The leaders met as Washington warned of a deal for artillery shells.",
        0,
        "Wire A",
    )
    second = report(
        "t2",
        "Putin and Kim discuss military ties at Vostochny summit",
        "Putin said Russia would help North Korea build satellites.",
        2,
        "Wire B",
    )
    assert second == first


def test_another_sides_missile_is_not_the_norths_launch() -> None:
    """A South Korean missile that fails in a drill founds its own story; the North's launch
    hours later is not its (nor the reverse)."""
    index = StoryIndex()
    drill = _story(
        index,
        "o1",
        "South Korean missile malfunctions and crashes during drill with US",
        0,
        "Wire A",
    )
    launch = _story(
        index, "o2", "North Korea fires two short-range ballistic missiles into sea", 14, "Wire B"
    )
    assert launch != drill


def test_one_sides_warning_and_the_others_notice_a_day_later_are_two_events() -> None:
    index = StoryIndex()
    warning = _story(
        index,
        "w1",
        "South Korea warns North Korea to drop its spy satellite launch plan",
        0,
        "Wire A",
    )
    notice = _story(
        index,
        "w2",
        "North Korea notifies Japan of satellite launch window from Wednesday",
        18,
        "Wire B",
    )
    assert notice != warning


def test_a_reaction_after_the_named_launch_joins_that_launch() -> None:
    """A reaction a day on whose headline says which launch it follows ("after North Korea's
    ICBM launch") is that launch's, though it shares few words with its reports; an SRBM
    launch in between does not take it."""
    index = StoryIndex()
    icbm = _story(
        index,
        "i1",
        "North Korea fires ICBM into sea off east coast",
        0,
        "Wire A",
        summary="The missile flew for over an hour before splashing down, the joint chiefs said.",
    )
    assert (
        _story(
            index,
            "i2",
            "Japan says North Korean ICBM fell inside its waters",
            2,
            "Wire B",
            summary="Tokyo lodged a protest through embassy channels in Beijing.",
        )
        == icbm
    )
    srbm = _story(
        index, "r1", "North Korea launches two short-range missiles toward Yellow Sea", 20, "Wire C"
    )
    assert srbm != icbm
    reaction = _story(
        index,
        "x1",
        "Allied bombers stage flyover in show of force after North Korea's ICBM launch",
        27,
        "Wire D",
        summary="Strategic bombers flew escorted by fighter jets over the peninsula.",
    )
    assert reaction == icbm


def test_a_repost_hours_later_with_us_for_u_s_is_the_same_launch() -> None:
    """An aggregator posts a wire's launch headline again the next morning, with "US" and
    "S. Korea" where the first had "U.S." and "South Korea": a copy of that report, not a
    fresh launch (the dotted abbreviations are the same words)."""
    index = StoryIndex()
    launch = _story(
        index, "u1", "North Korea fires ballistic missile into sea off east coast", 0, "Wire A"
    )
    assert (
        _story(
            index,
            "u2",
            "North Korea fires missile as U.S., South Korea prepare for drills",
            4,
            "Hub",
        )
        == launch
    )
    repost = _story(
        index, "u3", "North Korea fires missile as US, S. Korea prepare for drills", 20, "Hub"
    )
    assert repost == launch


def test_the_measure_answering_a_launch_does_not_take_the_launchs_reactions() -> None:
    """A pact suspended over the launch is its own story; an explainer of the launch and a
    condemnation of it published while that story is fresh belong to the launch."""
    index = StoryIndex()
    launch = _launch(index)
    measure = _story(
        index,
        "m1",
        "South Korea suspends part of military pact after North's satellite launch",
        6,
        "Wire E",
    )
    assert measure != launch
    assert (
        _story(
            index,
            "m2",
            "Seoul suspends part of its military pact with the North",
            7,
            "Wire F",
        )
        == measure
    )
    explainer = _story(
        index, "m3", "What to know about North Korea's spy satellite launch", 8, "Wire G"
    )
    assert explainer == launch


def test_a_measure_over_a_planned_launch_is_not_the_notice_of_it() -> None:
    """A notice of a launch to come founds a story; one side's measure answering it (a pact
    suspended) is an event of its own, as it is beside the launch itself."""
    index = StoryIndex()
    notice = _story(
        index, "p1", "North Korea notifies Japan it plans to launch a satellite", 0, "Wire A"
    )
    assert (
        _story(
            index, "p2", "North Korea tells Japan of its plan to launch a satellite", 1, "Wire B"
        )
        == notice
    )
    measure = _story(
        index,
        "p3",
        "South Korea suspends military pact over North Korea's plan to launch a satellite",
        5,
        "Wire C",
    )
    assert measure != notice


def test_a_launch_headline_that_names_the_summit_founds_a_launch_story() -> None:
    """A launch report whose headline also names a summit ("fires missile as Kim prepares to
    meet Putin") carries the diplomacy label too; the next outlet's plain launch flash, an
    hour later with other words, is the same launch."""
    index = StoryIndex()
    both = ("missile-test", "diplomacy")
    when = T0
    title = "North Korea fires ballistic missile as Kim prepares to meet Putin"
    summary = "The launch came as Kim Jong Un headed to Russia for talks on arms sales."
    fp = fingerprint("s1", title, summary, both, when, "Wire A")
    first = index.create(
        fp, Item("Wire A", "", "s1", "", title, summary, when), Classification(both, {}, {}), when
    ).id
    flash = _story(
        index,
        "s2",
        "North Korea launches possible ballistic missile, Japan's defence ministry says",
        1,
        "Wire B",
        summary="Japan's defence ministry said on social media the missile had already landed.",
    )
    assert flash == first


def test_the_launchers_word_of_a_plan_joins_its_own_sides_story() -> None:
    """Two plan stories the same morning: the North's own announcement, and Japan readying
    its defences against the rocket. A further report of the North's announcement joins the
    North's story, not the neighbour's that happens to be nearer in time and as close in words."""
    index = StoryIndex()
    own = _story(
        index,
        "q1",
        "North Korea says it will launch its first spy satellite",
        0,
        "Wire A",
        summary="The spy satellite is to watch the drills of its rivals from orbit, the state "
        "news agency said.",
    )
    japan = _story(
        index,
        "q2",
        "Japan on standby to shoot down North Korean spy rocket",
        0.6,
        "Wire B",
        summary="Tokyo said the rocket could fly in June.",
    )
    assert japan != own
    later = _story(
        index, "q3", "North Korea says it will launch spy satellite in June", 2.5, "Wire C"
    )
    assert later == own


def test_one_statement_by_kim_yo_jong_told_in_other_words_is_one_story() -> None:
    """Her statement on the failed launch as one outlet heads it (what she attacks) and as
    the next does (what she promises): one statement, though the headlines share one word."""
    index = StoryIndex()
    launch = _launch(index)
    first = _story(
        index,
        "y1",
        "North Korean leader's sister slams US for criticizing failed satellite launch",
        20,
        "Wire E",
        summary="She called the criticism a double standard, in remarks carried by state media.",
    )
    assert first != launch
    second = _story(
        index,
        "y2",
        "Kim Yo Jong promises more spy satellite launches",
        21,
        "Wire F",
        summary="Pyongyang will keep trying until the satellite reaches orbit, she vowed.",
    )
    assert second == first


def test_the_launchers_word_in_a_plans_lead_joins_its_statement_a_day_on() -> None:
    """Issue 19w: "North Korea to launch satellite ..." with the lead "North Korea says it will
    launch ..." is the launcher's statement, reported by another outlet 15 hours on."""
    index = StoryIndex()
    statement = _story(
        index, "s1", "North Korea says it will launch its first spy satellite", 0, "Wire A"
    )
    later = _story(
        index,
        "s2",
        "North Korea to launch satellite to watch the allies' military drills",
        15,
        "Wire B",
        summary="North Korea says it will launch satellites to monitor the joint drills of the "
        "United States and South Korea.",
    )
    assert later == statement


def test_the_launchers_word_in_the_lead_stays_apart_from_the_notice_a_day_before() -> None:
    index = StoryIndex()
    notice = _story(
        index,
        "t1",
        "North Korea notifies Japan it plans to launch a satellite",
        0,
        "Wire A",
        summary="Japan's coast guard said it was told of a launch window of eleven days.",
    )
    statement = _story(
        index,
        "t2",
        "North Korea to launch its first spy satellite soon",
        22,
        "Wire C",
        summary="North Korea says it will launch its first military spy satellite in June.",
    )
    assert statement != notice


def test_guard_a_notice_whose_lead_gives_the_norths_words_is_still_the_notice() -> None:
    index = StoryIndex()
    notice = _story(
        index,
        "u1",
        "North Korea notifies Japan it plans to launch a satellite",
        0,
        "Wire A",
        summary="North Korea said it would launch a satellite within an eleven-day window, "
        "Japan's coast guard said.",
    )
    statement = _story(
        index, "u2", "North Korea says it will launch its first spy satellite in June", 22, "Wire C"
    )
    assert statement != notice
