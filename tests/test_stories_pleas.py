"""Round 19aa: what another side's word about a launch to come does, and the summit's ranking.

A threat to shoot a rocket down and a call on the North to drop the launch, by one government on
one day, are two statements (LABELLING.md rule 4), as two meetings' acts are two events. Fixture
headlines and leads are written for these tests (none is a real outlet's).
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime

from bot.domain.stories import StoryIndex, compatible, extract_facts
from tests.test_stories_events import _story as story_at

T0 = datetime(2026, 6, 9, 1, 0, tzinfo=UTC)  # a Tuesday

_story = functools.partial(story_at, start=T0)
BOTH = ("missile-test", "diplomacy")


def test_the_word_acts_of_a_plan_headline() -> None:
    def pleas(title: str) -> set[str]:
        return set(extract_facts(title, "").pleas)

    assert pleas("Tokyo threatens to shoot down North Korean rocket over its territory") == {
        "threat"
    }
    assert pleas("Japan puts interceptors on standby ahead of North Korean satellite launch") == {
        "threat"
    }
    assert pleas("Japan urges North Korea to cancel planned satellite launch") == {"call"}
    assert pleas("Tokyo calls on Pyongyang to abandon rocket launch") == {"call"}
    # a warning that tells the other side what to do is a call; one of what is to come is not
    assert pleas("Seoul warns Pyongyang to halt satellite launch plan") == {"call"}
    assert pleas("Japan warns North Korea may launch satellite within days") == {"warning"}
    # a headline may do two: it shares the threat with a threat's report
    assert {"threat"} <= pleas("Japan warns it will shoot down any North Korean rocket debris")


def test_a_threat_of_ones_own_is_a_plan() -> None:
    # "may take destructive measures": Japan's act to come, as "could take military action" is
    facts = extract_facts(
        "Tokyo may take 'destructive measures' as North Korea readies satellite",
        "Japan's defence minister ordered the forces to prepare.",
    )
    assert facts.kind == "plan"
    assert facts.pleas == {"threat"}


def test_one_sides_threat_and_its_call_are_two_plans() -> None:
    threat = extract_facts("Tokyo threatens to shoot down North Korean rocket", "")
    call = extract_facts("Japan urges North Korea to cancel planned satellite launch", "")
    assert threat.voice == call.voice == "japan"
    assert not compatible(threat, call)


def test_japans_threat_does_not_join_its_call_to_drop_the_launch() -> None:
    index = StoryIndex()
    call = _story(
        index,
        "c1",
        "Japan urges North Korea to cancel planned satellite launch",
        0,
        "Wire A",
        summary="Tokyo asked Pyongyang to give up the launch it announced for next week.",
        labels=BOTH,
    )
    threat = _story(
        index,
        "t1",
        "Japan threatens to shoot down North Korean satellite rocket",
        4,
        "Wire B",
        summary="Japan ordered its forces to shoot down the rocket if it falls on its territory.",
    )
    assert threat != call
    # guard: a second outlet's report of the same threat still joins the threat
    again = _story(
        index,
        "t2",
        "Japan on standby to shoot down North Korean satellite rocket",
        7,
        "Wire C",
        summary="Japan put its missile defences on standby to shoot down the rocket.",
    )
    assert again == threat
    # and a second outlet's report of the call joins the call
    urged = _story(
        index,
        "c2",
        "Tokyo calls on Pyongyang to abandon satellite launch plan",
        5,
        "Wire D",
        summary="Japan called on North Korea to give up the launch.",
        labels=BOTH,
    )
    assert urged == call


def test_a_threat_headline_without_a_launch_word_still_joins_the_threat() -> None:
    # guard: the threat told as "destructive measures" (no launch word in its own clause) and as
    # a shooting down are one threat
    index = StoryIndex()
    first = _story(
        index,
        "d1",
        "Japan may take 'destructive measures' after North Korea announces satellite launch",
        0,
        "Wire A",
        summary="Japan's defence minister ordered the military to destroy the rocket if it "
        "threatens Japanese territory.",
    )
    second = _story(
        index,
        "d2",
        "Japan threatens to shoot down any North Korean rocket entering its territory",
        5,
        "Wire B",
        summary="The military was ordered to shoot down the rocket if it threatens Japanese "
        "territory, the defence minister said.",
    )
    assert second == first


def test_an_explainers_present_tense_dates_no_meeting() -> None:
    # "Putin and Kim meet, but why?": a question about the visit, not a report that they met
    assert extract_facts("Putin and Kim Jong Un meet, but why?", "").stage != "held"
    assert extract_facts("Explainer: Xi and Kim meet in Beijing. What is at stake?", "").stage != (
        "held"
    )
    # guard: words that say plainly the meeting took place still date it, in a feature too
    assert extract_facts("WATCH: Kim Jong Un meets Putin at Russian spaceport", "").stage == "held"
    assert extract_facts("Photos: When Xi Jinping met Kim Jong Un", "").stage == "held"
    assert extract_facts("Kim and Putin meet at remote Russian cosmodrome", "").stage == "held"


def _trip_then_summit(index: StoryIndex) -> tuple[str, str]:
    """Kim's train journey to Russia on day one, an explainer of it a day on (too late to join
    the journey's story were it read as the talks held), and the talks the next morning: the
    story of the journey and the summit's."""
    dip = ("diplomacy",)
    trip = _story(
        index,
        "r1",
        "Kim Jong Un heading to Russia to meet Putin, officials say",
        0,
        "Wire A",
        summary="North Korea's leader left Pyongyang by armoured train for talks with Putin.",
        labels=dip,
    )
    assert (
        _story(
            index,
            "r2",
            "Kim Jong Un's armoured train crosses into Russia ahead of Putin talks",
            8,
            "Wire B",
            summary="The train carrying the North Korean leader crossed the border for talks.",
            labels=dip,
        )
        == trip
    )
    _story(
        index,
        "r3",
        "Putin and Kim Jong Un meet, but why?",
        29,
        "Wire C",
        summary="The North Korean leader's train is on its way to the Russian far east for talks "
        "with Putin.",
        labels=dip,
    )
    summit = _story(
        index,
        "s1",
        "Putin meets Kim Jong Un for talks at Vostochny cosmodrome",
        43,
        "Wire D",
        summary="Putin welcomed Kim Jong Un at the Vostochny cosmodrome for talks on Wednesday.",
        labels=dip,
    )
    return trip, summit


def test_the_summit_does_not_join_the_trips_story_through_its_explainer() -> None:
    index = StoryIndex()
    trip, summit = _trip_then_summit(index)
    assert summit != trip
    assert summit == "s1"  # no story of the journey holds it, the explainer's neither


def test_the_summits_own_reports_and_the_next_day_account_join_it() -> None:
    # guard: the summit's own reports join each other, and state media's account the next day
    dip = ("diplomacy",)
    index = StoryIndex()
    _trip, summit = _trip_then_summit(index)
    assert (
        _story(
            index,
            "s2",
            "Kim and Putin hold talks at Russian spaceport, discuss military cooperation",
            44,
            "Wire E",
            summary="Putin and Kim Jong Un held talks at the Vostochny cosmodrome on Wednesday.",
            labels=dip,
        )
        == summit
    )
    assert (
        _story(
            index,
            "s3",
            "North Korean state media says Kim and Putin held talks at Vostochny cosmodrome",
            62,
            "Wire F",
            summary="KCNA said on Thursday that Kim Jong Un met Putin at the Vostochny cosmodrome.",
            labels=dip,
        )
        == summit
    )


def test_what_reads_as_a_threat_or_a_call() -> None:
    # review of round 19aa: the noun "threat" is no threat, a press conference and a passive
    # "pressed to" no call, and "warns of ... response to" tells nobody what to do
    assert "threat" not in extract_facts("Japan calls North Korea's launch plan a threat", "").pleas
    assert not extract_facts("Japan holds press conference to respond to the plan", "").pleas
    assert not extract_facts("Japan pressed to respond to North Korea launch plan", "").pleas
    firm = extract_facts("Japan warns of firm response to North Korea satellite launch plan", "")
    assert firm.pleas == {"warning"}
    # so two warnings of one plan, worded two ways, stay one statement
    soon = extract_facts("Japan warns North Korea may launch satellite soon", "")
    assert compatible(firm, soon)
    # guards: a warning that tells the North what to do is a call, and the threat and the call
    # of round 19aa are still two
    assert extract_facts("Japan warns North Korea not to launch satellite", "").pleas == {"call"}
    threat = extract_facts("Tokyo threatens to shoot down North Korean rocket", "")
    call = extract_facts("Japan urges North Korea to cancel planned satellite launch", "")
    assert not compatible(threat, call)


def test_a_question_after_the_news_does_not_make_the_headline_an_analysis() -> None:
    # "Kim and Putin hold summit: what did they agree?" reports the summit, then asks
    assert extract_facts("Kim and Putin hold summit: what did they agree?", "").stage == "held"
    assert extract_facts("Kim and Putin discuss arms deal. What comes next?", "").stage == "held"
    # guard: the round's own case, a question of the headline's first clause
    assert extract_facts("Putin and Kim meet, but why?", "").stage == ""
