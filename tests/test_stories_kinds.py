"""Events of another kind that a story must not swallow, and the follow-ups that still join.

Issue 19 on the second 2023 set: a warning that the North could act around a summit took the
summit's reports; the White House's warnings about arms talks took a sanctions report; a cruise
missile launch took the test of an underwater attack drone. Each is a kind of event or act that
differs from the story's; each case has a guard that a true follow-up still joins. Fixture
headlines and leads are written for these tests (none is a real outlet's).
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime

from bot.domain.stories import StoryIndex, extract_facts
from tests.test_stories_events import _story as story_at

T0 = datetime(2026, 6, 9, 6, 0, tzinfo=UTC)  # a Tuesday
LAUNCH = ("missile-test",)
TALKS = ("diplomacy",)


_story = functools.partial(story_at, start=T0)


def _warning(index: StoryIndex) -> str:
    return _story(
        index,
        "w1",
        "North Korea could take military action around weekend summit, Seoul's spies say",
        0,
        "Wire A",
        summary="Pyongyang may launch an ICBM or a reconnaissance satellite while the leaders "
        "meet at Camp David, lawmakers were told.",
        labels=TALKS,
    )


def test_a_warning_of_military_action_around_a_summit_is_a_plan() -> None:
    facts = extract_facts(
        "North Korea could take military action around weekend summit, Seoul's spies say", ""
    )
    assert facts.kind == "plan"


def test_the_summit_does_not_join_the_warning_about_it() -> None:
    index = StoryIndex()
    warning = _warning(index)
    summit = _story(
        index,
        "s1",
        "Leaders of US, Japan and South Korea gather at Camp David for first joint summit",
        5,
        "Wire B",
        summary="The three leaders will discuss security cooperation against China and "
        "North Korea at the presidential retreat.",
        labels=TALKS,
    )
    assert summit != warning
    held = _story(
        index,
        "s2",
        "Biden hosts Japanese and South Korean leaders at Camp David summit",
        9,
        "Wire C",
        summary="President Biden welcomed the leaders of Japan and South Korea to Camp David "
        "for talks on North Korea and China.",
        labels=TALKS,
    )
    assert held != warning


def test_a_leaders_promise_at_the_talks_still_joins_the_talks() -> None:
    # guard: a plan the summit's own leader makes is the summit's report
    index = StoryIndex()
    talks = _story(
        index,
        "p1",
        "Putin and Kim meet at Far East spaceport for talks",
        0,
        "Wire A",
        summary="Vladimir Putin received Kim Jong Un at the cosmodrome for talks on Tuesday.",
        labels=TALKS,
    )
    promise = _story(
        index,
        "p2",
        "Putin promises to help North Korea launch its satellites",
        3,
        "Wire B",
        summary="Vladimir Putin told Kim Jong Un at their talks on Tuesday that Russia would "
        "help build satellites.",
        labels=TALKS,
    )
    assert promise == talks


def _arms_talks(index: StoryIndex) -> str:
    first = _story(
        index,
        "a1",
        "White House warns arms talks between Russia and North Korea are advancing",
        0,
        "Wire A",
        summary="The US says Moscow is seeking artillery ammunition from Pyongyang, the "
        "National Security Council said on Wednesday.",
        labels=TALKS,
    )
    assert (
        _story(
            index,
            "a2",
            "US says Russia and North Korea arms talks are actively advancing",
            2,
            "Wire B",
            summary="Talks on an arms deal between Moscow and Pyongyang are moving forward, "
            "Washington said.",
            labels=TALKS,
        )
        == first
    )
    return first


def test_sanctions_are_not_the_statements_story() -> None:
    index = StoryIndex()
    talks = _arms_talks(index)
    sanctions = _story(
        index,
        "x1",
        "U.S. sanctions Slovak arms broker over alleged deals with North Korea and Russia",
        30,
        "Wire C",
        summary="Washington said the broker sought to arrange arms transfers between Moscow "
        "and Pyongyang, as it warned Russia again over the talks.",
        labels=TALKS,
    )
    assert sanctions != talks
    assert (
        "sanctions"
        in extract_facts(
            "U.S. sanctions Slovak arms broker over alleged deals with North Korea and Russia", ""
        ).acts
    )


def test_a_further_statement_on_the_arms_talks_still_joins() -> None:
    index = StoryIndex()
    talks = _arms_talks(index)
    more = _story(
        index,
        "a3",
        "Russia, North Korea arms talks advancing, US National Security Council says",
        7,
        "Wire C",
        summary="The talks on an arms deal between Moscow and Pyongyang are actively "
        "advancing, a US spokesman said.",
        labels=TALKS,
    )
    assert more == talks


def _cruise(index: StoryIndex) -> str:
    first = _story(
        index,
        "c1",
        "North Korea fires several cruise missiles into the Yellow Sea, Seoul says",
        0,
        "Wire A",
        summary="South Korea's military said it detected the cruise missiles on Wednesday.",
    )
    assert (
        _story(
            index,
            "c2",
            "North Korea tests new strategic cruise missiles as allied drills go on",
            3,
            "Wire B",
        )
        == first
    )
    return first


def test_an_underwater_drone_test_is_not_the_cruise_missile_launch() -> None:
    index = StoryIndex()
    cruise = _cruise(index)
    drone = _story(
        index,
        "d1",
        "North Korea tests new underwater nuclear attack drone",
        30,
        "Wire C",
        summary="The strategic weapon was tested as allied drills went on, state media said.",
    )
    assert drone != cruise
    assert (
        "drone"
        in extract_facts("North Korea tests new underwater nuclear attack drone", "").classes
    )


def test_a_later_report_of_the_cruise_launch_still_joins() -> None:
    index = StoryIndex()
    cruise = _cruise(index)
    later = _story(
        index,
        "c3",
        "North Korea says it tested strategic cruise missiles",
        20,
        "Wire C",
        summary="State media said the cruise missiles flew for more than two hours.",
    )
    assert later == cruise


def _slcm(index: StoryIndex) -> str:
    first = _story(
        index,
        "m1",
        "North Korea test-fires two cruise missiles from a submarine",
        0,
        "Wire A",
        summary="State media said the submarine-launched cruise missiles hit a target off "
        "the east coast on Sunday.",
    )
    assert (
        _story(
            index,
            "m2",
            "North Korea fires 2 missiles from submarine as allied drills begin",
            4,
            "Wire B",
            summary="The two sea-launched cruise missiles flew for over two hours.",
        )
        == first
    )
    return first


def test_a_submarine_launched_cruise_missile_is_no_slbm() -> None:
    facts = extract_facts(
        "North Korea test-fires cruise missiles from a submarine",
        "The submarine-launched cruise missiles flew for two hours.",
    )
    assert "cruise" in facts.classes and "slbm" not in facts.classes
    # guard: a submarine-launched ballistic missile still is one
    slbm = extract_facts("North Korea fires submarine-launched ballistic missile", "")
    assert "slbm" in slbm.classes


def test_submarine_launched_names_the_platform_not_a_ballistic_class() -> None:
    """Issue 19 (round 19y, fact audit): "tests submarine-launched missile" says what the
    missile was fired from, not that it was ballistic; a first flash worded so, and the
    state media account of cruise missiles fired from a submarine a little later, are one
    launch. SLBM needs "ballistic" or "SLBM"."""
    flash = extract_facts("North Korea tests submarine-launched missile, Seoul says", "")
    assert "slbm" not in flash.classes and flash.platforms == {"submarine"}
    sea = extract_facts("North Korea fires sea-launched missile off its east coast", "")
    assert "slbm" not in sea.classes
    # guard: the words that do name the class still give it
    for title in (
        "North Korea fires submarine-launched ballistic missile off Sinpo",
        "North Korea test-fires SLBM from new submarine",
        "North Korea fires sea-launched strategic ballistic missile",
    ):
        assert "slbm" in extract_facts(title, "").classes, title
    # and one story: the flash, then the cruise missiles from the submarine
    index = StoryIndex()
    first = _story(
        index, "s1", "North Korea tests submarine-launched missile, Seoul says", 0, "Wire A"
    )
    assert (
        _story(
            index,
            "s2",
            "North Korea launches two cruise missiles from submarine",
            3,
            "Wire B",
            summary="State media said two cruise missiles were fired from a submarine.",
        )
        == first
    )


def test_a_submarine_launched_ballistic_missile_stays_apart_from_cruise_missiles() -> None:
    """Guard for the round 19y rule: a report saying "submarine-launched ballistic missile"
    still keeps apart a launch of cruise missiles the same morning."""
    index = StoryIndex()
    first = _story(
        index,
        "b1",
        "North Korea fires submarine-launched ballistic missile, Seoul says",
        0,
        "Wire A",
    )
    assert (
        _story(index, "b2", "North Korea launches two cruise missiles from a warship", 3, "Wire B")
        != first
    )


def test_ballistic_missiles_a_day_on_do_not_join_the_submarine_cruise_launch() -> None:
    index = StoryIndex()
    slcm = _slcm(index)
    srbm = _story(
        index,
        "b1",
        "North Korea fires two ballistic missiles off its east coast",
        26,
        "Wire C",
        summary="The two missiles hit a target off the coast, Seoul said.",
    )
    assert srbm != slcm


def test_a_second_test_in_three_days_is_another_launch() -> None:
    index = StoryIndex()
    slcm = _slcm(index)
    second = _story(
        index,
        "b2",
        "North Korea fires two missiles, second test in three days",
        26,
        "Wire C",
    )
    assert second != slcm
    assert extract_facts("North Korea fires two missiles, second test in three days", "").repeat


def test_the_submarine_launch_confirmed_the_next_day_still_joins() -> None:
    index = StoryIndex()
    slcm = _slcm(index)
    later = _story(
        index,
        "m3",
        "North Korea launches two cruise missiles from submarine, state media says",
        14,
        "Wire C",
        summary="The cruise missiles were fired from a submarine off the east coast.",
    )
    assert later == slcm


def test_a_late_report_naming_the_submarine_joins_the_submarine_launch() -> None:
    # 19 hours on, with no class nor count: the platform it was fired from is the shared fact
    index = StoryIndex()
    slcm = _slcm(index)
    late = _story(
        index,
        "m4",
        "North Korea test fires missiles from submarine amid allied military drills",
        19,
        "Wire D",
        summary="North Korea fired missiles from a submarine off its east coast on Sunday.",
    )
    assert late == slcm
    assert extract_facts("North Korea fires missiles from submarine", "").platforms == {"submarine"}
    # guard: "training" is no train
    assert not extract_facts("North Korea fires missile amid joint training", "").platforms


def _srbm(index: StoryIndex) -> str:
    first = _story(
        index,
        "r1",
        "North Korea fires short-range ballistic missile into the sea, Seoul says",
        0,
        "Wire A",
        summary="The missile flew about 800 km on Sunday, the Joint Chiefs of Staff said.",
    )
    assert (
        _story(
            index,
            "r2",
            "North Korea launches ballistic missile as allied drills go on",
            2,
            "Wire B",
        )
        == first
    )
    return first


def test_another_set_of_missiles_days_on_is_another_launch_whatever_it_quotes() -> None:
    # "calls for" reads as a reaction; "another" says it is a further launch
    index = StoryIndex()
    srbm = _srbm(index)
    other = _story(
        index,
        "r3",
        "North Korea launches another set of missiles amid US calls for talks",
        60,
        "Wire C",
        summary="North Korea launched yet another round of missiles as allied drills went on.",
    )
    assert other != srbm


def test_another_launch_does_not_join_the_councils_meeting_on_the_last_one() -> None:
    # the launch story has closed (72 hours); the Council's, begun later, is still open
    index = StoryIndex()
    _srbm(index)
    council = _story(
        index,
        "u1",
        "US, China and Russia clash over North Korea's missile launches at UN meeting",
        50,
        "Wire C",
        labels=("diplomacy", "missile-test"),
    )
    other = _story(
        index,
        "u2",
        "North Korea launches another set of missiles amid US calls for UN action",
        80,
        "Wire D",
        summary="The launch came as the Security Council met over the missile launch.",
    )
    assert other != council


def test_the_launchers_later_word_on_the_launch_still_joins_it() -> None:
    # guard: a follow-up without "another" still joins, a day and a half on
    index = StoryIndex()
    srbm = _srbm(index)
    later = _story(
        index,
        "r4",
        "North Korea says its ballistic missile launch was a warning to allied drills",
        40,
        "Wire C",
        summary="State media said the short-range ballistic missile flew 800 km on Sunday.",
    )
    assert later == srbm
