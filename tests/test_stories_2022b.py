"""Events a story must not swallow, found on the third real set (2022b), and the follow-ups
that still join.

Issue 19 on the days of 2022 outside the 2022 set: a launch on New Year's Day joined the
story of the launch the day before (the leads dated them "Saturday" and "Sunday" without
"on"); a denial by the North joined an analysis of the ties it answers; an analysis of the
leader's clothes joined state media's claim on the leader's name alone. Each case has a
guard that a true follow-up still joins. Fixture headlines and leads are written for these
tests (none is a real outlet's).
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime

from bot.domain.stories import StoryIndex, extract_facts
from tests.test_stories_events import _story as story_at

T0 = datetime(2026, 6, 12, 23, 30, tzinfo=UTC)  # Saturday 08:30 in Seoul
TALKS = ("diplomacy",)

_story = functools.partial(story_at, start=T0)


def _saturday_launch(index: StoryIndex) -> str:
    first = _story(
        index,
        "a1",
        "North Korea fires ballistic missile as party meeting goes on",
        0,
        "Wire A",
        summary="North Korea fired at least one short-range ballistic missile Saturday, "
        "Seoul's military said.",
    )
    assert (
        _story(
            index,
            "a2",
            "Japan says North Korean missile fell outside its waters",
            1,
            "Wire B",
            summary="The missile North Korea launched into the sea Saturday came down outside "
            "Japan's exclusive economic zone, Tokyo said.",
        )
        == first
    )
    return first


def test_the_lead_gives_the_launch_day_without_on() -> None:
    facts = extract_facts(
        "North Korea fires missile",
        "Pyongyang fired a short-range ballistic missile toward its eastern waters Sunday.",
    )
    assert facts.days == {"sunday"}
    # the day of a statement, and a day before the launch, are not the launch's
    assert not extract_facts("Missile fired", "It was fired, officials said Sunday.").days
    assert not extract_facts("Missile fired", "It fired a missile, as last Sunday.").days


def test_the_next_days_launch_is_its_own_story() -> None:
    index = StoryIndex()
    first = _saturday_launch(index)
    again = _story(
        index,
        "b1",
        "North Korea greets the new month with a missile launch",
        22,
        "Wire C",
        summary="Pyongyang fired a short-range ballistic missile toward its eastern waters "
        "Sunday, a day after three others.",
    )
    assert again != first


def test_state_media_the_next_day_still_joins_the_launch() -> None:
    index = StoryIndex()
    first = _saturday_launch(index)
    assert (
        _story(
            index,
            "c1",
            "North Korea says it tested super-large rocket launchers",
            21,
            "Wire C",
            summary="State media said on Sunday the North fired three short-range ballistic "
            "missiles Saturday to check its launchers.",
        )
        == first
    )


def _ties(index: StoryIndex) -> str:
    return _story(
        index,
        "t1",
        "The war in Ukraine is drawing Moscow and Pyongyang closer",
        0,
        "Paper A",
        summary="Russia's need for shells and rockets from North Korea is bringing the two "
        "governments' military and diplomatic interests together.",
        labels=TALKS,
    )


def test_a_denial_is_its_own_event() -> None:
    assert "denial" in extract_facts("North Korea denies selling arms to Russia", "").acts
    index = StoryIndex()
    ties = _ties(index)
    denial = _story(
        index,
        "d1",
        "North Korea denies selling arms to Russia",
        22,
        "Wire B",
        summary="Pyongyang said it has never supplied Russia with artillery shells, days "
        "after Washington said it was shipping them covertly.",
        labels=TALKS,
    )
    assert denial != ties
    # another outlet's report of the denial joins it
    assert (
        _story(
            index,
            "d2",
            "Pyongyang denies shipping shells to Moscow, calls US claims a plot",
            24,
            "Wire C",
            summary="North Korea rejected US claims that it is sending artillery shells to "
            "Russia for its war in Ukraine.",
            labels=TALKS,
        )
        == denial
    )


def test_a_report_on_the_ties_still_joins_the_analysis() -> None:
    index = StoryIndex()
    ties = _ties(index)
    assert (
        _story(
            index,
            "t2",
            "Moscow and Pyongyang grow closer as the war in Ukraine drags on",
            5,
            "Paper B",
            summary="Russia wants shells and rockets from North Korea, and the two "
            "governments' military interests are converging.",
            labels=TALKS,
        )
        == ties
    )


def _undersea(index: StoryIndex) -> str:
    return _story(
        index,
        "u1",
        "North Korea says it is building undersea launch sites for nuclear arms",
        0,
        "Paper A",
        summary="Leader Kim Jong Un inspected the recent tests and vowed never to give up "
        "the arsenal.",
    )


def test_the_leaders_name_alone_joins_no_analysis() -> None:
    index = StoryIndex()
    claim = _undersea(index)
    coats = _story(
        index,
        "k1",
        "What Kim Jong Un's leather coats say about his plans",
        19,
        "Network B",
        summary="Kim Jong Un wears a new outfit at each of the recent weapons tests, and "
        "experts read a message in it.",
    )
    assert coats != claim


def test_a_report_of_the_claim_still_joins_it() -> None:
    index = StoryIndex()
    claim = _undersea(index)
    assert (
        _story(
            index,
            "u2",
            "Kim Jong Un vows to put nuclear arms in undersea launch sites",
            3,
            "Wire C",
            summary="State media said the leader inspected the sites and recent tests.",
        )
        == claim
    )
