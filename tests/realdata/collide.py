"""Collision replay of a labelled story set: distinct events moved so that they overlap in time.

    python -m tests.realdata.collide --dataset tests/realdata/stories_real.jsonl
        [--mode window|pairs|both] [--window-hours 3] [--seeds 5] [--list]

A real story set's events are mostly days apart, so two of them seldom compete for one story.
This replay keeps every event's reports in their order and spacing but moves each event's first
report into one common window (window mode: all events, in a seeded random order) or next to one
other event's first report (pairs mode: every pair of events that share a label, one at a time).
The shifted reports go through the same story index as `newsbot eval-stories` (assign_stories)
and are scored by the same code (score_stories): B-cubed precision and recall, and the events
swallowed (none of their reports heads a story: the channel never hears of them).

A collided pair whose events state no differing fact (weapon class or name, count, site, sea,
distance, apogee, diplomatic act, kind of headline) is expected to join: nothing in the text
tells them apart. Pairs mode counts those apart ("facts equal") from those with a differing
fact, where a join is a fault of the rules. The weekday a lead gives is left out of that test:
the replay moves the publication time, so the text's own weekday no longer says anything.

Run it on dev sets only (tests/realdata/LABELLING.md, README "Stories"): `--list` prints
titles of the events it swallows, and in window mode the headline each one sits under (the
swallowing event, how many minutes after that story's first report the event's first report
came, and both sources).
"""

from __future__ import annotations

import argparse
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

from bot.domain.stories import Facts, extract_facts
from bot.tools.evaluate import StoryExample, StoryReport, assign_stories, score_stories
from tests.realdata import read_set

# Fact fields that tell two events apart when both state them and they share no value.
_DIFFERING = ("classes", "names", "counts", "venues", "seas", "distances", "apogees", "acts")


def by_event(reports: Sequence[StoryExample]) -> dict[str, list[StoryExample]]:
    """event -> its reports in publication order (then id)."""
    out: dict[str, list[StoryExample]] = defaultdict(list)
    for r in sorted(reports, key=lambda r: (r.published, r.id)):
        out[r.event].append(r)
    return dict(out)


def moved(reports: Sequence[StoryExample], first: datetime) -> list[StoryExample]:
    """The reports of one event (publication order) shifted so the first is at `first`."""
    delta = first - reports[0].published
    return [replace(r, published=r.published + delta) for r in reports]


def collide_window(
    reports: Sequence[StoryExample], *, start: datetime, hours: float, seed: int
) -> list[StoryExample]:
    """Every event's first report moved into [start, start + hours), evenly spaced, the events
    in a random order drawn from `seed`; each event keeps its reports' spacing."""
    events = by_event(reports)
    order = sorted(events)
    random.Random(seed).shuffle(order)
    step = timedelta(hours=hours) / max(len(order), 1)
    out: list[StoryExample] = []
    for i, event in enumerate(order):
        out.extend(moved(events[event], start + i * step))
    return out


def event_facts(reports: Sequence[StoryExample]) -> dict[str, frozenset[object]]:
    """What the event's reports state, field by field, over all of them."""
    seen: dict[str, set[object]] = {f: set() for f in _DIFFERING}
    for r in reports:
        facts: Facts = extract_facts(r.title, r.summary)
        for f in _DIFFERING:
            seen[f].update(getattr(facts, f))
    return {f: frozenset(v) for f, v in seen.items()}


def differing(a: dict[str, frozenset[object]], b: dict[str, frozenset[object]]) -> tuple[str, ...]:
    """The fields both events state with no value in common."""
    return tuple(f for f in _DIFFERING if _apart(f, a[f], b[f]))


def _apart(name: str, a: frozenset[object], b: frozenset[object]) -> bool:
    if name == "classes":  # an ICBM is a ballistic missile: "ballistic" alone says no class
        a, b = a - {"ballistic"}, b - {"ballistic"}
    return bool(a and b and not a & b)


@dataclass
class PairResult:
    pairs: int = 0
    differ: int = 0  # pairs with a differing fact
    swallowed_equal: list[tuple[str, str]] = field(default_factory=list)
    swallowed_differ: list[tuple[str, str, tuple[str, ...]]] = field(default_factory=list)
    merged_equal: int = 0  # pairs with a report of one event in a story of the other
    merged_differ: int = 0


def collide_pairs(reports: Sequence[StoryExample], *, gap: timedelta) -> PairResult:
    """Each pair of events sharing a label of their first report: the second event's first
    report moved to `gap` after the first event's (both orders), scored on their own."""
    events = by_event(reports)
    facts = {e: event_facts(rs) for e, rs in events.items()}
    names = sorted(events)
    result = PairResult()
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            if not set(events[a][0].labels) & set(events[b][0].labels):
                continue
            diff = differing(facts[a], facts[b])
            result.pairs += 1
            result.differ += bool(diff)
            lost: set[str] = set()
            merged = False
            for x, y in ((a, b), (b, a)):
                first = events[x][0].published
                shifted = events[x] + moved(events[y], first + gap)
                report = score_stories(shifted, assign_stories(shifted))
                lost.update(report.swallowed)
                merged = merged or bool(report.merged)
            if merged:
                if diff:
                    result.merged_differ += 1
                else:
                    result.merged_equal += 1
            if lost:
                if diff:
                    result.swallowed_differ.append((a, b, diff))
                else:
                    result.swallowed_equal.append((a, b))
    return result


def swallowers(
    shifted: Sequence[StoryExample], assigned: dict[str, str], events: Sequence[str]
) -> list[tuple[str, StoryExample, StoryExample]]:
    """For each swallowed event: its first report and the first report of the story holding it
    (the event whose headline the channel showed instead)."""
    ordered = sorted(shifted, key=lambda r: (r.published, r.id))
    heads: dict[str, StoryExample] = {}
    for x in ordered:
        heads.setdefault(assigned[x.id], x)
    out = []
    for event in events:
        first = next(x for x in ordered if x.event == event)
        out.append((event, first, heads[assigned[first.id]]))
    return out


def window_reports(
    reports: Sequence[StoryExample], *, hours: float, seeds: int
) -> list[tuple[int, StoryReport, list[StoryExample], dict[str, str]]]:
    """Per seed: the score, the shifted reports and their story assignment (for `--list`)."""
    start = min(r.published for r in reports)
    out = []
    for seed in range(seeds):
        shifted = collide_window(reports, start=start, hours=hours, seed=seed)
        assigned = assign_stories(shifted)
        out.append((seed, score_stories(shifted, assigned), shifted, assigned))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", default=str(Path(__file__).parent / "stories_real.jsonl"))
    ap.add_argument("--mode", choices=("window", "pairs", "both"), default="both")
    ap.add_argument("--window-hours", type=float, default=3.0)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--gap-minutes", type=float, default=40.0)
    ap.add_argument("--list", action="store_true", help="name the swallowed events (dev sets)")
    args = ap.parse_args(argv)
    reports = read_set(Path(args.dataset))
    events = by_event(reports)
    title = {e: rs[0].title for e, rs in events.items()}
    if args.mode in ("window", "both"):
        runs = window_reports(reports, hours=args.window_hours, seeds=args.seeds)
        p = sum(r.bcubed_precision for _, r, _, _ in runs) / len(runs)
        rc = sum(r.bcubed_recall for _, r, _, _ in runs) / len(runs)
        lost = sum(len(r.swallowed) for _, r, _, _ in runs) / len(runs)
        print(
            f"window {args.window_hours:g} h, {len(runs)} seeds, {len(events)} events: "
            f"B-cubed precision {p:.3f}  recall {rc:.3f}  events swallowed {lost:.1f} (mean)"
        )
        for seed, r, shifted, assigned in runs:
            print(
                f"  seed {seed}: P {r.bcubed_precision:.3f}  R {r.bcubed_recall:.3f}  "
                f"swallowed {len(r.swallowed)}"
            )
            if args.list:
                for e, first, head in swallowers(shifted, assigned, r.swallowed):
                    late = (first.published - head.published).total_seconds() / 60
                    print(
                        f"    {e}: {first.title}\n      under {head.event} "
                        f"({late:+.0f} min, {first.source} / {head.source}): {head.title}"
                    )
    if args.mode in ("pairs", "both"):
        pr = collide_pairs(reports, gap=timedelta(minutes=args.gap_minutes))
        equal = pr.pairs - pr.differ
        print(
            f"pairs ({args.gap_minutes:g} min apart, both orders): {pr.pairs} same-label pairs, "
            f"{pr.differ} with a differing fact, {equal} facts equal"
        )
        print(
            f"  differing facts: {len(pr.swallowed_differ)} pairs swallow an event, "
            f"{pr.merged_differ} merge reports"
        )
        print(
            f"  facts equal:     {len(pr.swallowed_equal)} pairs swallow an event, "
            f"{pr.merged_equal} merge reports"
        )
        if args.list:
            for a, b, diff in pr.swallowed_differ:
                print(f"    {a} / {b} [{', '.join(diff)}]\n      {title[a]}\n      {title[b]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
