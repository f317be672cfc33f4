"""Follow-ups that join the launch they follow, and the other events that stay apart.

Issue 19, point 4: state media's next-day account of a launch, the Council meeting about it,
a second outlet's report hours later join the launch's story. Each join needs positive evidence
of the same event; each case has a guard that another launch or meeting stays apart. Fixture
headlines and leads are written for these tests (none is a real outlet's).
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime

from bot.domain.stories import StoryIndex
from tests.test_stories_events import _story as story_at

T0 = datetime(2026, 4, 7, 22, 0, tzinfo=UTC)  # a Tuesday, 07:00 in Seoul on Wednesday
LAUNCH = ("missile-test",)
BOTH = ("missile-test", "diplomacy")


_story = functools.partial(story_at, start=T0)


def _icbm(index: StoryIndex) -> str:
    first = _story(
        index,
        "i1",
        "North Korea fires long-range ballistic missile into East Sea, Seoul says",
        0,
        "Wire A",
        summary="South Korea's military said the North fired an ICBM from near Pyongyang.",
    )
    for n, (title, hours) in enumerate(
        [
            ("Japan says North Korean ICBM fell inside its exclusive economic zone", 1.5),
            ("North Korea launches ICBM in first test of the year", 3),
            ("US condemns North Korea's ICBM launch", 8),
        ]
    ):
        assert _story(index, f"i{n + 2}", title, hours, f"Wire {'BCD'[n]}") == first
    return first


def test_the_launchers_own_account_in_the_lead_joins_the_launch_a_day_and_a_half_on() -> None:
    index = StoryIndex()
    launch = _icbm(index)
    # the headline reads like a fresh launch; its lead is the North's word of the launch
    late = _story(
        index,
        "k1",
        "North Korea launches new solid-fuel ICBM",
        38,
        "Wire E",
        summary="North Korea said that it launched a new solid-fuel intercontinental ballistic "
        "missile for the first time. The test was overseen by its leader.",
    )
    assert late == launch


def test_a_fresh_launch_report_a_day_and_a_half_on_is_still_another_launch() -> None:
    index = StoryIndex()
    launch = _icbm(index)
    fresh = _story(
        index,
        "n1",
        "North Korea launches ICBM toward East Sea",
        38,
        "Wire E",
        summary="South Korea's military said North Korea fired an intercontinental ballistic "
        "missile on Thursday morning.",
    )
    assert fresh != launch


def _srbms(index: StoryIndex, hours: float) -> str:
    first = _story(
        index,
        "s1",
        "North Korea fires two short-range ballistic missiles, Seoul says",
        hours,
        "Wire A",
        summary="South Korea's military said the North fired two SRBMs into the Yellow Sea.",
    )
    second = _story(
        index,
        "s2",
        "North Korea launches two short-range missiles toward Yellow Sea",
        hours + 1,
        "Wire B",
    )
    assert second == first
    return first


COUNCIL = "Security Council to meet in emergency session over North Korea's latest missile launch"


def test_a_council_meeting_about_the_latest_launch_joins_that_launch() -> None:
    index = StoryIndex()
    launch = _icbm(index)
    council = _story(
        index,
        "u1",
        COUNCIL,
        40,
        "Wire F",
        summary="Diplomats said the fifteen members would convene behind closed doors.",
        labels=BOTH,
    )
    assert council == launch


def test_the_latest_launch_is_the_launch_story_begun_last() -> None:
    index = StoryIndex()
    srbms = _srbms(index, -30)
    launch = _icbm(index)
    assert srbms != launch
    council = _story(index, "u1", COUNCIL, 20, "Wire F", labels=BOTH)
    assert council == launch


def test_a_council_meeting_that_names_no_launch_stays_apart() -> None:
    index = StoryIndex()
    launch = _icbm(index)
    vote = _story(
        index,
        "u2",
        "Security Council fails to renew panel monitoring North Korea sanctions",
        30,
        "Wire F",
        labels=BOTH,
    )
    assert vote != launch


def _satellite(index: StoryIndex) -> str:
    first = _story(
        index,
        "t1",
        "North Korea launches rocket carrying military spy satellite",
        0,
        "Wire A",
    )
    for n, (title, hours) in enumerate(
        [
            ("North Korea says spy satellite placed into orbit", 4),
            ("Japan issues missile alert as North Korea fires satellite rocket", 1),
            ("North Korea claims spy satellite sent images of US bases", 20),
        ]
    ):
        assert _story(index, f"t{n + 2}", title, hours, f"Wire {'BCD'[n]}") == first
    return first


def test_how_the_launch_was_made_possible_joins_the_launch_two_days_on() -> None:
    index = StoryIndex()
    launch = _satellite(index)
    # "to launch" here is no plan: the launch was made, the report says how
    helped = _story(
        index,
        "h1",
        "Seoul says foreign engineers likely enabled North Korea to launch its spy satellite",
        46,
        "Wire E",
    )
    assert helped == launch


def test_a_promise_to_help_launch_satellites_stays_apart_from_the_launch() -> None:
    index = StoryIndex()
    launch = _satellite(index)
    promise = _story(
        index,
        "h2",
        "Moscow promises to help North Korea launch more spy satellites",
        30,
        "Wire E",
    )
    assert promise != launch


DIPLOMACY = ("diplomacy",)


def _trip(index: StoryIndex) -> str:
    first = _story(
        index,
        "v1",
        "Kim Jong Un heads to Moscow by armoured train for talks with Putin",
        0,
        "Wire A",
        labels=DIPLOMACY,
    )
    for n, (title, hours) in enumerate(
        [
            ("Kremlin confirms Kim Jong Un will visit Russia for talks with Putin", 1),
            ("North Korea's Kim travels to Russia to meet Putin, state media say", 2),
        ]
    ):
        assert _story(index, f"v{n + 2}", title, hours, f"Wire {'BC'[n]}", labels=DIPLOMACY) == (
            first
        )
    return first


def _explainer_then_news(index: StoryIndex, trip: str) -> None:
    explainer = _story(
        index, "x1", "Explainer: why Kim is going to Russia", 5, "Wire D", labels=DIPLOMACY
    )
    assert explainer == trip
    # the same outlet's news report minutes later: not a second event of its burst
    news = _story(
        index,
        "x2",
        "Kim Jong Un's train crosses into Russia ahead of talks with Putin",
        5.2,
        "Wire D",
        labels=DIPLOMACY,
    )
    assert news == trip


def test_an_outlets_news_report_joins_the_story_its_own_explainer_is_in() -> None:
    index = StoryIndex()
    _explainer_then_news(index, _trip(index))


SPACEPORT = "Putin to host Kim Jong Un at far eastern spaceport, Kremlin says"


def test_an_outlets_two_news_reports_within_the_hour_stay_two_events_beside_its_explainer() -> None:
    index = StoryIndex()
    trip = _trip(index)
    _explainer_then_news(index, trip)
    # from the outlet whose news report came minutes before, it is taken as another event
    # (when in doubt, post); from another outlet it joins the trip
    assert _story(index, "y3", SPACEPORT, 5.5, "Wire D", labels=DIPLOMACY) != trip
    assert _story(index, "y4", SPACEPORT, 5.6, "Wire E", labels=DIPLOMACY) == trip


def test_an_aside_about_someone_does_not_make_an_arrival_a_launch_plan() -> None:
    index = StoryIndex()
    trip = _trip(index)
    # "who ... will share satellite technology" is about Putin; the headline's act is the
    # arrival, a stage of the trip a day and a half on (read as a plan to launch a satellite,
    # it gave no stage and stayed out of the trip's story)
    arrival = _story(
        index,
        "r1",
        "Kim Jong Un arrives in Russia for talks with Putin - who he hopes will share "
        "satellite technology",
        38,
        "Wire E",
        labels=DIPLOMACY,
    )
    assert arrival == trip


def test_a_launch_headline_with_an_aside_is_still_a_launch() -> None:
    index = StoryIndex()
    trip = _trip(index)
    launch = _story(
        index,
        "r2",
        "North Korea fires ballistic missile, which lands outside Japan's waters",
        6,
        "Wire E",
        labels=BOTH,
    )
    assert launch != trip
