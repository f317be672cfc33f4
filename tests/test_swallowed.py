"""`eval-stories` counts swallowed events: an event whose every report sits in a story headed by
another event's report, so the channel never saw it (issue 19's headline failure)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.service.cli import main
from bot.tools.evaluate import StoryExample, score_stories, swallowed_events


def _r(rid: str, event: str, hour: int, title: str = "t") -> StoryExample:
    when = datetime(2026, 3, 2, hour, tzinfo=UTC)
    return StoryExample(rid, event, "Wire A", when, title, "", ("missile-test",))


def test_an_event_is_swallowed_only_when_no_story_holding_it_is_headed_by_it() -> None:
    reports = [
        _r("a1", "a", 1),
        _r("b1", "b", 2),  # joins a's story: b has no story of its own
        _r("b2", "b", 3),  # also in a's story
        _r("c1", "c", 4),
        _r("c2", "c", 5),  # c1 joined a's story, but c2 heads one: c was seen
        _r("d1", "d", 6),
        _r("e1", "e", 7),  # joins d's story
    ]
    assigned = {"a1": "S", "b1": "S", "b2": "S", "c1": "S", "c2": "T", "d1": "U", "e1": "U"}
    assert swallowed_events(reports, assigned) == ["b", "e"]
    report = score_stories(reports, assigned)
    assert report.swallowed == ["b", "e"] and report.events == 5
    # each report alone: nothing swallowed
    assert swallowed_events(reports, {x.id: x.id for x in reports}) == []


def test_the_head_is_the_earliest_report_then_the_smallest_id() -> None:
    # the same time: "x1" heads, so "y" is swallowed whatever the order given
    reports = [_r("y1", "y", 1), _r("x1", "x", 1)]
    assert swallowed_events(reports, {"x1": "S", "y1": "S"}) == ["y"]


# two wires' reports of one launch, and a third wire's report of another launch (invented: the
# labels say two launches an hour apart) told in the same words, which joins the first story
REPORTS = [
    {
        "id": "sw-1",
        "event": "launch-first",
        "source": "Wire A",
        "published": "2026-03-02T01:00:00+00:00",
        "title": "North Korea fires ballistic missile into the sea, Seoul says",
    },
    {
        "id": "sw-2",
        "event": "launch-first",
        "source": "Wire B",
        "published": "2026-03-02T01:20:00+00:00",
        "title": "North Korea fires ballistic missile into the sea: Seoul",
    },
    {
        "id": "sw-3",
        "event": "launch-second",
        "source": "Wire C",
        "published": "2026-03-02T02:00:00+00:00",
        "title": "North Korea fires a ballistic missile into the sea, Seoul says",
    },
    {
        "id": "sw-4",
        "event": "talks",
        "source": "Wire B",
        "published": "2026-03-04T09:00:00+00:00",
        "title": "Seoul and Tokyo hold talks on North Korea policy in Tokyo",
    },
]


@pytest.mark.parametrize("replay", [[], ["--replay"]])
def test_eval_stories_prints_the_count_and_the_ids_unless_figures_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], replay: list[str]
) -> None:
    path = tmp_path / "stories.jsonl"
    rows = [
        {**r, "summary": "", "labels": ["diplomacy" if r["event"] == "talks" else "missile-test"]}
        for r in REPORTS
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert main(["eval-stories", "--dataset", str(path), *replay], {}) == 0
    assert "events swallowed: 1 of 3 (launch-second)\n" in capsys.readouterr().out
    assert main(["eval-stories", "--dataset", str(path), "--figures-only", *replay], {}) == 0
    out = capsys.readouterr().out
    assert "events swallowed: 1 of 3\n" in out and "launch-second" not in out
