"""Per-event error breakdown of story clustering on a labelled story set.

    python -m tests.realdata.breakdown [--dataset tests/realdata/stories_real.jsonl]
        [--replay] [--slot-hours 24] [--titles]

For each event of the set: how many reports it has, how many stories they fell into (a split),
what share of each report's event is in its story (B-cubed recall, per event) and what share of
its story is its event (B-cubed precision, per event), and which other events share its
stories (a merge). Events are listed worst first, so the next thing to fix is at the top.
`--titles` lists each story's members (id, source, hours from the event's first report,
title) under the events that are split or merged. Prints only what the data set holds.
"""

from __future__ import annotations

import argparse
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bot.tools.evaluate import StoryExample, assign_stories
from tests.realdata import read_set

HERE = Path(__file__).parent


@dataclass(frozen=True)
class EventRow:
    event: str
    reports: int
    stories: int
    precision: float  # mean over the event's reports of (its event in its story / its story)
    recall: float  # mean over the event's reports of (its event in its story / its event)
    merged_with: tuple[tuple[str, int], ...]  # other events in its stories, with report counts


def index_assign(reports: Sequence[StoryExample]) -> dict[str, str]:
    """report id -> story id, the story index alone, reports in publication order."""
    return assign_stories(reports)


def breakdown(reports: Sequence[StoryExample], assigned: dict[str, str]) -> list[EventRow]:
    """One row per event, worst (lowest precision + recall) first."""
    kept = [r for r in reports if r.id in assigned]
    by_event: dict[str, set[str]] = defaultdict(set)
    by_story: dict[str, set[str]] = defaultdict(set)
    event_of = {r.id: r.event for r in kept}
    for r in kept:
        by_event[r.event].add(r.id)
        by_story[assigned[r.id]].add(r.id)
    rows = []
    for event, members in by_event.items():
        p = rc = 0.0
        others: Counter[str] = Counter()
        stories = {assigned[i] for i in members}
        for i in members:
            story = by_story[assigned[i]]
            same = sum(1 for j in story if event_of[j] == event)
            p += same / len(story)
            rc += same / len(members)
        for s in stories:
            others.update(event_of[j] for j in by_story[s] if event_of[j] != event)
        rows.append(
            EventRow(
                event,
                len(members),
                len(stories),
                p / len(members),
                rc / len(members),
                tuple(others.most_common()),
            )
        )
    rows.sort(key=lambda e: (e.precision + e.recall, -e.reports))
    return rows


def format_breakdown(
    reports: Sequence[StoryExample], assigned: dict[str, str], *, titles: bool = False
) -> str:
    rows = breakdown(reports, assigned)
    by_id = {r.id: r for r in reports}
    lines = [f"{'event':34} {'reports':>7} {'stories':>7} {'P':>6} {'R':>6}  merged with"]
    for e in rows:
        merged = ", ".join(f"{name} ({n})" for name, n in e.merged_with)
        lines.append(
            f"{e.event[:34]:34} {e.reports:7d} {e.stories:7d} {e.precision:6.3f} "
            f"{e.recall:6.3f}  {merged}"
        )
        if titles and (e.stories > 1 or e.merged_with):
            members = sorted(
                (r for r in reports if r.event == e.event and r.id in assigned),
                key=lambda r: (r.published, r.id),
            )
            start = members[0].published
            stories: dict[str, list[StoryExample]] = defaultdict(list)
            for r in members:
                stories[assigned[r.id]].append(r)
            for n, (story, rs) in enumerate(stories.items()):
                foreign = [
                    by_id[i]
                    for i, s in assigned.items()
                    if s == story and i in by_id and by_id[i].event != e.event
                ]
                lines.append(
                    f"    story {n + 1}: {len(rs)} reports, {len(foreign)} of other events"
                )
                for r in rs:
                    hours = (r.published - start) / timedelta(hours=1)
                    lines.append(f"      {r.id} {r.source[:24]:24} +{hours:5.1f}h {r.title[:90]}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default=str(HERE / "stories_real.jsonl"))
    parser.add_argument("--replay", action="store_true", help="the whole pipeline, slot by slot")
    parser.add_argument("--slot-hours", type=float, default=24.0)
    parser.add_argument("--titles", action="store_true", help="list the members of bad events")
    args = parser.parse_args()
    reports = read_set(Path(args.dataset))
    if args.replay:
        from bot.tools.replay import replay_stories

        result = replay_stories(reports, rules="northkorea", slot=timedelta(hours=args.slot_hours))
        assigned = result.assigned
    else:
        assigned = index_assign(reports)
    print(format_breakdown(reports, assigned, titles=args.titles))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
