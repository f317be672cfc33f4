"""Another side's word on an event is an event of its own (issue 19).

The labelling rules (tests/realdata/LABELLING.md, rule 4) make a statement an event of its own,
apart from the launch or meeting it speaks of: another side's warning, threat or call about a
launch the North has announced (Japan threatening to shoot the rocket down, Seoul calling on
Pyongyang to drop it) is not a report of the announcement. Which side a headline speaks for is
its subject's (`Facts.voice`), or, when another side only tells of the North's act ("Japan says
North Korea plans ..."), the North's. Likewise a diplomacy event holds its participants'
remarks, and a third side's warning, threat or statement about a visit (`Facts.says`, a side
the visit's headline does not name) is its own event, as are two sides' statements. The
follow-ups of rule 5 still join. Headlines are written for these tests.
"""

from __future__ import annotations

import pytest

from bot.domain.stories import StoryIndex, extract_facts
from tests.test_stories_events import _story


def _notice(index: StoryIndex) -> str:
    first = _story(
        index, "n1", "North Korea tells Japan it will launch a satellite within days", 0, "Wire A"
    )
    assert (
        _story(index, "n2", "North Korea notifies Japan of satellite launch window", 1, "Paper B")
        == first
    )
    return first


@pytest.mark.parametrize(
    "title",
    [
        "Japan vows to intercept any North Korean rocket that crosses its territory",
        "Tokyo puts missile defences on standby to shoot down North Korean satellite rocket",
        "Seoul urges Pyongyang to call off planned satellite launch",
        "South Korea warns North Korea against going ahead with satellite launch",
    ],
)
def test_another_sides_warning_about_a_notified_launch_is_its_own_event(title: str) -> None:
    index = StoryIndex()
    notice = _notice(index)
    assert _story(index, "w1", title, 3, "Paper C") != notice


def test_the_voice_is_the_side_told_of_when_another_side_only_tells_it() -> None:
    told = extract_facts("Japan says North Korea plans to launch a satellite next week", "")
    warned = extract_facts("Japan warns North Korea against launching a satellite", "")
    assert (told.kind, told.voice) == ("plan", "nk")
    assert (warned.kind, warned.voice) == ("plan", "japan")


def test_a_neighbour_telling_of_the_notice_still_joins_it() -> None:
    """Guard: "Japan says North Korea plans ..." is the notice as Japan tells it, and a second
    outlet's report of the notice hours later joins too (rule 5)."""
    index = StoryIndex()
    notice = _notice(index)
    told = "Japan says North Korea plans to launch a satellite within days"
    assert _story(index, "n3", told, 2, "Paper C") == notice
    later = "North Korea informs Japan it plans satellite launch in coming days"
    assert _story(index, "n4", later, 6, "Paper D") == notice


def test_two_outlets_reporting_one_warning_share_a_story() -> None:
    """Guard: the warning is one event for the outlets that report it."""
    index = StoryIndex()
    notice = _notice(index)
    warning = _story(
        index, "w1", "Japan threatens to shoot down North Korean satellite rocket", 3, "Paper C"
    )
    again = _story(
        index, "w2", "Japan ready to shoot down North Korean rocket if it nears territory", 5, "D"
    )
    assert warning != notice
    assert again == warning


def test_the_launch_still_gets_its_condemnation() -> None:
    """Guard: a condemnation of a launch made is that launch's report (rule 2)."""
    index = StoryIndex()
    launch = _story(index, "l1", "North Korea launches rocket carrying satellite", 0, "Wire A")
    assert _story(index, "l2", "Japan condemns North Korea's satellite launch", 2, "B") == launch


DIPLOMACY = ("diplomacy",)


def _visit(index: StoryIndex) -> str:
    first = _story(
        index,
        "v1",
        "Kim Jong Un heads to Russia by train for talks with Putin",
        0,
        "Wire A",
        labels=DIPLOMACY,
    )
    second = _story(
        index,
        "v2",
        "Kremlin confirms Putin will meet Kim Jong Un in Vladivostok",
        2,
        "Paper B",
        labels=DIPLOMACY,
    )
    assert second == first
    return first


@pytest.mark.parametrize(
    "title",
    [
        "South Korea warns Putin against arms deal with Kim Jong Un",
        "Seoul expresses regret over Putin's welcome for Kim Jong Un",
        "US threatens sanctions if Kim sells shells to Putin",
        "Japan urges Russia not to supply Kim Jong Un with missile technology",
    ],
)
def test_a_third_sides_word_on_a_visit_is_its_own_event(title: str) -> None:
    """Rule 4: a diplomacy event holds its participants' remarks; a third side's warning,
    threat or statement about it is a statement of its own."""
    index = StoryIndex()
    visit = _visit(index)
    assert _story(index, "t1", title, 5, "Paper C", labels=DIPLOMACY) != visit


def test_a_visit_report_does_not_join_a_third_sides_statement_that_came_first() -> None:
    index = StoryIndex()
    said = _story(
        index,
        "t1",
        "Harris says a Putin meeting with Kim Jong Un would be a mistake",
        0,
        "Paper C",
        labels=DIPLOMACY,
    )
    trip = _story(
        index,
        "v1",
        "Kim Jong Un heads to Russia by train for talks with Putin",
        3,
        "Wire A",
        labels=DIPLOMACY,
    )
    assert trip != said


def test_two_sides_statements_on_one_summit_are_two_events() -> None:
    """Seoul's warning to Putin and the US's warning of more sanctions a day later: two sides'
    words, two events (a threat of sanctions is a measure of its own, rule 3)."""
    index = StoryIndex()
    seoul = _story(
        index,
        "t1",
        "South Korea warns Putin over arms talks with Kim Jong Un",
        0,
        "Paper C",
        labels=DIPLOMACY,
    )
    us = _story(
        index,
        "t2",
        "Kim Jong Un's pledge to Putin draws US threat of sanctions",
        20,
        "Paper D",
        labels=DIPLOMACY,
    )
    assert us != seoul
    assert "sanctions" in extract_facts("US threatens sanctions over arms for Russia", "").acts


def test_the_participants_remarks_still_join_the_visit() -> None:
    """Guard: the host's and the visitor's words are the visit's (rule 4), and so is a report
    attributed to a third side that tells of the visit ("..., Seoul says")."""
    index = StoryIndex()
    visit = _visit(index)
    host = "Putin says Russia will deepen military ties with Kim Jong Un's North Korea"
    assert _story(index, "p1", host, 5, "Paper C", labels=DIPLOMACY) == visit
    told = "Kim Jong Un crosses into Russia for talks with Putin, Seoul says"
    assert _story(index, "p2", told, 6, "Paper D", labels=DIPLOMACY) == visit


def test_a_reaction_naming_the_other_sides_act_still_joins_it() -> None:
    """Guard: "US condemns North Korea's troop deployment" answers the deployment by name."""
    index = StoryIndex()
    troops = _story(
        index,
        "d1",
        "North Korea deploys troops to Russia, Seoul's spy agency says",
        0,
        "Wire A",
        labels=DIPLOMACY,
    )
    reaction = "US condemns North Korea's troop deployment to Russia"
    assert _story(index, "d2", reaction, 3, "Paper B", labels=DIPLOMACY) == troops


def test_the_council_meeting_and_the_norths_next_day_report_still_join_the_launch() -> None:
    """Guard (rule 5): state media's next-day account and the Security Council meeting about
    the launch, where other sides speak, are the launch's follow-ups."""
    index = StoryIndex()
    launch = _story(index, "l1", "North Korea fires ICBM into the sea off Japan", 0, "Wire A")
    assert _story(index, "l2", "North Korea launches long-range missile, Japan says", 1, "B") == (
        launch
    )
    account = "North Korea says Kim Jong Un oversaw test of new ICBM"
    assert _story(index, "l3", account, 20, "Paper C") == launch
    council = "US warns of consequences at UN Security Council meeting on North Korea's ICBM launch"
    assert _story(index, "l4", council, 40, "Paper D") == launch
