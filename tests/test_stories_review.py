"""Five defects a review of the diplomacy rounds found in bot/domain/stories.py and
bot/domain/cjk_facts.py (issue 19f), each pinned by the input that showed it. Invented headlines
only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain import cjk_facts
from bot.domain.stories import extract_facts
from bot.tools.evaluate import StoryExample, assign_stories

T0 = datetime(2023, 5, 2, 6, 0, tzinfo=UTC)


def _report(
    rid: str, title: str, hours: float, *, source: str = "a", labels: tuple[str, ...] = ()
) -> StoryExample:
    return StoryExample(rid, rid, source, T0 + timedelta(hours=hours), title, "", labels)


def _together(a: StoryExample, b: StoryExample) -> bool:
    story = assign_stories([a, b])
    return story[a.id] == story[b.id]


def test_a_shared_launch_area_does_not_join_two_launches_hours_apart() -> None:
    # Wonsan is where launches come from: naming it is no sign of the same launch
    first = _report("x", "North Korea fires missile from Wonsan", 0, labels=("missile-test",))
    later = _report(
        "y", "Seoul reports a launch off Wonsan coast", 17, source="b", labels=("missile-test",)
    )
    assert not _together(first, later)


def test_a_launch_beside_balloons_stays_a_launch() -> None:
    assert extract_facts("North Korea launches missile and balloons toward South", "").kind == (
        "launch"
    )
    # the balloon launch alone is still none
    assert extract_facts("North Korea launches balloons toward South", "").kind == "meeting"


def test_her_name_opening_the_headline_makes_it_her_statement() -> None:
    said = extract_facts("Kim Yo Jong says North has no interest in summit with Japan", "")
    colon = extract_facts("Kim Yo Jong: no interest in summit with Japan", "")
    assert said.speaker and colon.speaker
    said_r = "Kim Yo Jong says North has no interest in summit with Japan"
    a = _report("x", said_r, 0, labels=("diplomacy",))
    b = _report(
        "y", "Kim Yo Jong: no interest in summit with Japan", 1, source="b", labels=("diplomacy",)
    )
    assert _together(a, b)


def test_russia_is_not_read_from_words_that_merely_contain_its_character() -> None:
    assert "russia" not in cjk_facts.sides("金正恩氏、閲兵式で新型ICBMを披露")
    assert "russia" not in cjk_facts.sides("北朝鮮の計画が露呈")
    assert "russia" in cjk_facts.sides("露朝首脳会談を開催")
    assert "russia" in cjk_facts.sides("日露外相が会談")


def test_a_king_as_subject_is_not_wang_yi() -> None:
    assert "wang" not in cjk_facts.parties("태국 국왕이 방한")
    assert "wang" in cjk_facts.parties("왕이 외교부장 방북")
    assert "wang" in cjk_facts.parties("북한 외무상, 왕이 부장과 회담")
    assert "qiang" not in cjk_facts.parties("유리창 깨져")
    assert "qiang" in cjk_facts.parties("리창 총리 방북")


def test_a_test_while_the_un_debates_is_not_the_councils_story() -> None:
    assert extract_facts("North Korea tests new weapon while UN debates sanctions", "").kind != (
        "un"
    )
    assert extract_facts("Kim Jong Un oversees engine test ahead of UN meeting", "").kind != "un"
    assert extract_facts("North Korea slams US after UN meeting", "").kind != "un"
    # the Council as the later clause's subject still is
    assert (
        extract_facts("North Korea warns US while UN Security Council is to meet", "").kind == "un"
    )
    assert (
        extract_facts("China, Russia object as Security Council discusses North Korea", "").kind
        == "un"
    )
