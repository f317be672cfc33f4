"""Another side's word on an event is an event of its own (issue 19).

The labelling rules (tests/realdata/LABELLING.md, rule 4) make a statement an event of its own,
apart from the launch or meeting it speaks of: another side's warning, threat or call about a
launch the North has announced (Japan threatening to shoot the rocket down, Seoul calling on
Pyongyang to drop it) is not a report of the announcement. Which side a headline speaks for is
its subject's (`Facts.voice`), or, when another side only tells of the North's act ("Japan says
North Korea plans ..."), the North's. The follow-ups of rule 5 still join. Headlines are
written for these tests.
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
