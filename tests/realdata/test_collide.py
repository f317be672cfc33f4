"""The collision replay (tests/realdata/collide.py): distinct events moved to overlap in time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.tools.evaluate import StoryExample, assign_stories, score_stories
from tests.realdata import read_set
from tests.realdata.collide import (
    by_event,
    collide_pairs,
    collide_window,
    differing,
    event_facts,
    main,
)

DATA = Path(__file__).parent.parent / "data"


def _report(i: str, event: str, hours: float, title: str, day: int = 1) -> StoryExample:
    published = datetime(2026, 3, day, 2, tzinfo=UTC) + timedelta(hours=hours)
    return StoryExample(i, event, f"Outlet {i}", published, title, "", ("missile-test",))


def test_window_keeps_each_events_order_and_spacing() -> None:
    reports = [
        _report("a1", "a", 0, "North Korea fires ballistic missile into the sea"),
        _report("a2", "a", 5, "North Korean missile flew 600 km, Seoul says"),
        _report("b1", "b", 0, "North Korea test-fires cruise missiles off west coast", day=20),
        _report("b2", "b", 2, "Pyongyang says it tested new cruise missiles", day=20),
    ]
    start = datetime(2026, 5, 1, tzinfo=UTC)
    shifted = {r.id: r.published for r in collide_window(reports, start=start, hours=2, seed=3)}
    assert shifted["a2"] - shifted["a1"] == timedelta(hours=5)
    assert shifted["b2"] - shifted["b1"] == timedelta(hours=2)
    firsts = sorted((shifted["a1"], shifted["b1"]))
    assert firsts[0] == start and firsts[1] - start == timedelta(hours=1)
    # the same seed gives the same order
    again = {r.id: r.published for r in collide_window(reports, start=start, hours=2, seed=3)}
    assert again == shifted


def test_differing_facts_name_the_field() -> None:
    cruise = event_facts([_report("x", "x", 0, "North Korea fires two cruise missiles")])
    icbm = event_facts([_report("y", "y", 0, "North Korea fires an ICBM")])
    plain = event_facts([_report("z", "z", 0, "North Korea fires a missile")])
    assert "classes" in differing(cruise, icbm)
    assert differing(cruise, plain) == ()


def test_pairs_on_an_invented_set_runs_on_a_clean_clone() -> None:
    reports = read_set(DATA / "stories_alignment_third.jsonl")
    result = collide_pairs(reports, gap=timedelta(minutes=40))
    events = by_event(reports)
    assert result.pairs > 0 and result.pairs <= len(events) * (len(events) - 1) // 2
    assert len(result.swallowed_equal) + len(result.swallowed_differ) <= result.pairs
    assert result.differ <= result.pairs


def test_window_is_scored_by_the_eval_code(capsys: pytest.CaptureFixture[str]) -> None:
    reports = read_set(DATA / "stories_alignment_third.jsonl")
    shifted = collide_window(reports, start=datetime(2026, 1, 1, tzinfo=UTC), hours=3, seed=0)
    report = score_stories(shifted, assign_stories(shifted))
    assert report.items == len(reports) and report.events == len(by_event(reports))
    assert main(["--dataset", str(DATA / "stories_alignment_third.jsonl"), "--seeds", "2"]) == 0
    out = capsys.readouterr().out
    assert "window 3 h, 2 seeds" in out and "facts equal" in out


# The differing-fact pairs that swallow an event, per real dev set: a floor that may only fall
# (issue 19u figures; pairs 40 min apart, both orders). A set not rebuilt is skipped.
_FLOORS = {
    # of 198 differing-fact pairs (780 same-label pairs); 2 before issue 19x's rule that a
    # satellite's rocket is no short-range or submarine-launched missile
    "stories_real.jsonl": 1,
    "stories_real_2023b.jsonl": 5,  # of 104 (276)
    # of 174 (882) on the rebuild of issue 19w; 15 before its imagery rule
    "stories_real_2022b.jsonl": 13,
}


@pytest.mark.parametrize("name", sorted(_FLOORS))
def test_collision_replay_of_the_real_dev_sets(name: str) -> None:
    path = Path(__file__).parent / name
    if not path.exists():
        pytest.skip(f"real story set {name} not rebuilt (python -m tests.realdata.rebuild_stories)")
    reports = read_set(path)
    result = collide_pairs(reports, gap=timedelta(minutes=40))
    assert result.pairs > 0
    assert len(result.swallowed_differ) <= _FLOORS[name]


def test_ballistic_alone_is_no_differing_class() -> None:
    icbm = event_facts([_report("x", "x", 0, "North Korea fires an ICBM")])
    ballistic = event_facts([_report("y", "y", 0, "North Korea fires a ballistic missile")])
    assert differing(icbm, ballistic) == ()
