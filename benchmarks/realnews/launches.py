"""Does the default pack catch every launch? Launch days of the CNS test table against the
real feeds of the same days.

    python -m benchmarks.realnews.launches [--cns DIR] [--items FILE] [--window 1]
    python -m benchmarks.realnews.launches --items benchmarks/realnews/data/items2021.jsonl --figures-only

The labelled sets score items; users judge the bot by events: was each launch alerted at all?
The CNS North Korea missile test database (`../shared/data/cns-missile-tests/test.en.json`, read
at run time, never copied) gives every ballistic-missile and satellite-vehicle launch day, a
ground truth nobody here wrote. For each launch day D of the years the items cover, the
script takes the rebuilt feed items (`rebuild.py`; 2022-2023 in `items.jsonl`, 2021 in
`items2021.jsonl`) dated D-1 to D+1 (the pool's dates are its daily files' UTC days; a morning
launch in Korea is the previous evening in UTC) that name North Korea, classifies them with the
shipped config's packs as the pipeline does, and counts the launch caught when at least one of
them gets `missile-test`.

A window with items about North Korea may still hold no report of the launch (the feeds of
that database cover some days thinly). Such windows, read by hand, are listed in
`launch_windows.tsv` (date, what the window holds) and count as not covered, not as missed; a
window that holds a report and gets no label is a miss. "Isolated" launches have no other
launch within three days, so a label in their window cannot come from another launch's
reports. Launches close together share windows, so for them "caught" is weaker.

A caught launch is alerted when its window also holds the head (first report) of a story
labelled `missile-test`: the labelled items go through the story index (`newsbot eval-stories`'s
index mode) in the pool's order, each at noon UTC of its day plus a second per item (the pool
keeps days, not times), so a launch whose reports all joined an older story counts as not
alerted. That is a day-level stand-in for the replay of issue 19's story sets.

Cruise-missile tests are not in the CNS table (it lists ballistic missiles and satellite
vehicles), so labels far from its launch days are not all false alerts; the count of such days
is printed for scale only. `--figures-only` (blind years) prints the counts and no item.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from benchmarks.realnews.rebuild import DATA, in_holdout

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CNS = ROOT.parent / "shared" / "data" / "cns-missile-tests"
WINDOWS = HERE / "launch_windows.tsv"
RESERVED = {2024}  # kept for independent measurement: never read
NAMES_NORTH = re.compile(r"north korea|pyongyang|\bdprk\b|kim jong|\bn\.? ?korea", re.IGNORECASE)
LABEL = "missile-test"


@dataclass(frozen=True)
class Launch:
    day: date
    items: int  # items of the window that name North Korea
    labelled: int  # of those, how many got the label
    alerted: bool  # the window holds the head of a story with the label
    isolated: bool  # no other launch within three days
    uncovered: str | None  # why the window holds no report of it (launch_windows.tsv)

    @property
    def caught(self) -> bool:
        return self.labelled > 0


def launch_days(table: Mapping[str, object], years: Iterable[int]) -> list[date]:
    """The distinct launch days of the CNS test table (its `timeBins` form) in `years`."""
    wanted = set(years) - RESERVED
    days: set[date] = set()
    bins = table.get("timeBins", [])
    assert isinstance(bins, list)
    for time_bin in bins:
        for test in time_bin["data"]:
            text = str(test["date"])  # early years have months only ("1984-09"): not days
            if len(text) == 10 and int(text[:4]) in wanted:
                days.add(date.fromisoformat(text))
    return sorted(days)


def launches(
    days: Sequence[date],
    labels_by_day: Mapping[date, Sequence[bool]],
    uncovered: Mapping[date, str],
    window: int = 1,
    heads: frozenset[date] = frozenset(),
) -> list[Launch]:
    """Each launch day's window: `labels_by_day` holds, per day, whether each item naming
    North Korea got the label; `heads`, the days on which a story with the label began."""
    out = []
    for day in days:
        span = [day + timedelta(days=k) for k in range(-window, window + 1)]
        got = [flag for d in span for flag in labels_by_day.get(d, ())]
        isolated = all(abs((other - day).days) > 3 for other in days if other != day)
        alerted = any(d in heads for d in span)
        out.append(Launch(day, len(got), sum(got), alerted, isolated, uncovered.get(day)))
    return out


def story_heads(reports: Sequence[tuple[date, str, str, str, tuple[str, ...]]]) -> frozenset[date]:
    """The days on which a story labelled LABEL began, the labelled reports (day, feed, title,
    summary, labels) fed through a story index in order, a second apart within a day."""
    from bot.tools.evaluate import StoryExample, assign_stories

    examples = []
    for n, (day, feed, title, text, labels) in enumerate(sorted(reports, key=lambda r: r[0])):
        noon = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
        examples.append(
            StoryExample(f"r{n}", "", feed, noon + timedelta(seconds=n), title, text, labels)
        )
    assigned = assign_stories(examples)
    first: dict[str, StoryExample] = {}
    for example in examples:  # already in publication order
        first.setdefault(assigned[example.id], example)
    return frozenset(e.published.date() for e in first.values() if LABEL in e.labels)


def summary(rows: Sequence[Launch]) -> dict[str, int]:
    covered = [r for r in rows if r.items and (r.caught or r.uncovered is None)]
    isolated = [r for r in covered if r.isolated]
    return {
        "launch days": len(rows),
        "windows with items naming North Korea": sum(1 for r in rows if r.items),
        "windows judged to hold no report of the launch": sum(
            1 for r in rows if r.items and not r.caught and r.uncovered is not None
        ),
        "launches reported in the feeds": len(covered),
        "caught": sum(r.caught for r in covered),
        "isolated launches reported": len(isolated),
        "isolated caught": sum(r.caught for r in isolated),
        "caught and alerted (a new story with the label in the window)": sum(
            r.caught and r.alerted for r in covered
        ),
        "isolated caught and alerted": sum(r.caught and r.alerted for r in isolated),
    }


def read_windows(path: Path) -> dict[date, str]:
    out = {}
    for line in path.read_text("utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            day, note = line.split("\t", 1)
            out[date.fromisoformat(day)] = note
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cns", type=Path, default=CNS, help="the CNS table's directory")
    parser.add_argument("--items", type=Path, default=DATA / "items.jsonl")
    parser.add_argument("--window", type=int, default=1, help="days either side of a launch")
    parser.add_argument("--figures-only", action="store_true", help="counts only (blind years)")
    args = parser.parse_args(argv)
    table_file = args.cns / "test.en.json"
    if not table_file.is_file():
        print(f"no CNS test table at {table_file}: pass --cns DIR", file=sys.stderr)
        return 2
    if not args.items.is_file():
        print(
            f"no {args.items}: rebuild it with python -m benchmarks.realnews.rebuild",
            file=sys.stderr,
        )
        return 2
    from bot.domain.classify import classify
    from bot.service.config import load_config

    packs = load_config(str(ROOT / "config" / "newsbot.toml"), {}).packs
    labels_by_day: dict[date, list[bool]] = defaultdict(list)
    years: set[int] = set()
    reports: list[tuple[date, str, str, str, tuple[str, ...]]] = []
    with args.items.open(encoding="utf-8") as lines:
        for line in lines:
            item = json.loads(line)
            day = date.fromisoformat(item["date"])
            if day.year in RESERVED:
                continue
            years.add(day.year)
            title, text = item.get("title") or "", item.get("summary") or ""
            if not NAMES_NORTH.search(f"{title} {text}"):
                continue
            labels = tuple(classify(packs, title, text, explain=False).labels)
            labelled = LABEL in labels
            labels_by_day[day].append(labelled)
            if labels:
                reports.append((day, str(item.get("feed", "")), title, text, labels))
    days = launch_days(json.loads(table_file.read_text("utf-8")), years)
    rows = launches(days, labels_by_day, read_windows(WINDOWS), args.window, story_heads(reports))
    if not args.figures_only:
        for r in rows:
            side = "hold-out" if in_holdout(r.day.isoformat()) else "dev"
            state = "caught" if r.caught else ("no report" if r.uncovered else "MISSED")
            state += (
                ", alerted" if r.caught and r.alerted else (", NOT ALERTED" if r.caught else "")
            )
            if not r.items:
                state = "no items"
            print(
                f"{r.day}  {side:8}  {'isolated' if r.isolated else '        '}  "
                f"{r.labelled:3d} of {r.items:3d} items labelled  {state}"
            )
    for key, value in summary(rows).items():
        print(f"{key}: {value}")
    quiet = [d for d in labels_by_day if all(abs((d - x).days) > 2 for x in days)]
    print(
        f"days with items naming North Korea and no launch within two days: {len(quiet)}; "
        f"with a {LABEL} label (cruise missiles and other tests included): "
        f"{sum(1 for d in quiet if any(labels_by_day[d]))}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
