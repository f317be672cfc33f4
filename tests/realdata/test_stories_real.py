"""Stories on real feeds: the rebuilt set (see rebuild_stories.py) replayed through the pipeline.

Skips where a set has not been rebuilt (its text is not in the repository). The 2023 set
(stories_labels.tsv) is the one the stories code is tuned on; the 2022 set
(stories_labels_2022.tsv) is for measurement only. The floors are a margin under today's
figures, so that a change that makes them clearly worse fails; the targets (B-cubed precision
0.98, recall 0.95) are not reached yet: see the README, "Stories".
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.tools.evaluate import StoryExample, evaluate_stories
from bot.tools.replay import replay_stories
from tests.conftest import RULES
from tests.realdata import read_set
from tests.realdata.rebuild_stories import (
    LABELS,
    LABELS_2022,
    LABELS_2022B,
    LABELS_2023B,
    LABELS_2023C,
    LABELS_2023D,
    LABELS_2025,
    OUT,
    OUT_2022,
    OUT_2022B,
    OUT_2023B,
    OUT_2023C,
    OUT_2023D,
    OUT_2025,
    read_labels,
    rebuild,
)


def _examples(path: Path) -> list[StoryExample]:
    if not path.exists():
        pytest.skip(
            f"real story set not rebuilt (python -m tests.realdata.rebuild_stories): {path.name}"
        )
    return read_set(path)


def test_story_index_on_real_feeds() -> None:
    """The story index alone, reports in publication order: no poll, no run-to-run spread."""
    report = evaluate_stories(_examples(OUT))
    # today P 0.955, R 0.795 on a fresh rebuild from stories_labels.tsv (before issue 19's
    # fourth round: P 0.920, R 0.749); the 0.969 / 0.813 first written here were measured on a
    # copy rebuilt before one event id of the labels file changed. Issue 19 relabelled 12 lines
    # to tests/realdata/LABELLING.md (other sides' statements their own events): 0.981 / 0.851,
    # 1 of 40 swallowed, became 0.936 / 0.868, 6 of 49, the code unchanged; the rules that
    # followed (other sides' words, programme analyses) took it to 0.979 / 0.882, 0 of 49
    assert report.bcubed_precision >= 0.96
    assert report.bcubed_recall >= 0.86
    assert len(report.swallowed) == 0


def test_day_by_day_replay_of_real_feeds() -> None:
    examples = _examples(OUT)
    result = replay_stories(examples, rules=str(RULES))
    # Reports the classifier does not label get no story. The set's labels are the ones the
    # classifier gave before salience (issue 18), which now withholds some of them as mentioned
    # in passing (14 of 323: explainers, a Crimea strike, South Korea's own measures); that is
    # the classifier's measure, not the stories'. A classifier change that drops many more fails.
    assert len(result.unassigned) <= len(examples) // 20, [u.title for u in result.unassigned]
    # feeds of one poll cycle are fetched concurrently, so the order reports reach the story
    # index varies from run to run: the figures move by a few hundredths, hence the margin
    # (today P 0.936-0.942, R 0.70-0.72, and 0.926 / 0.690 on a fresh rebuild; before the fourth round of issue 19, P 0.91-0.93,
    # R 0.67-0.71; before statements, measures and notices were told apart, P 0.89,
    # R 0.60-0.62; before follow-ups joined for 72 h, P 0.88, R 0.50). A day
    # slot brings each feed's whole day in one poll, where the same-source rule keeps one
    # outlet's reports apart unless one follows up or updates the other: the hour-by-hour
    # replay (R 0.80-0.82) is nearer to live polling
    assert result.report.bcubed_precision >= 0.90
    assert result.report.bcubed_recall >= 0.66


def test_day_by_day_replay_of_the_measurement_set() -> None:
    """The 2022 set, on which nothing was tuned: 133 reports of 43 events, all labelled."""
    examples = _examples(OUT_2022)
    result = replay_stories(examples, rules=str(RULES))
    assert len(result.unassigned) <= len(examples) // 20, [u.title for u in result.unassigned]
    # today P 0.91-0.95, R 0.73-0.74 over three runs (before the fourth round of issue 19:
    # P 0.92-0.96, R 0.75 over six; the code before that: P 0.92-0.94, R 0.69-0.72 over five)
    assert result.report.bcubed_precision >= 0.87
    assert result.report.bcubed_recall >= 0.71


def test_the_second_2023_set_not_tuned_on() -> None:
    """The second 2023 set (stories_labels_2023b.tsv), labelled at stop 29 before any story rule
    was scored on it (first figures: index P 0.893, R 0.642, 3 of 33 events swallowed), a dev
    set since: its reports as labelled, and floors a margin under its figures after the first
    rules tuned on it (index P 0.964, R 0.674, none swallowed); the README's "Stories" has the
    figures."""
    _commit, windows, events = read_labels(LABELS_2023B)
    # 34 events since issue 19 relabelled 3 lines to tests/realdata/LABELLING.md (33 before)
    assert len(events) == 184 and len(set(events.values())) == 34
    assert all(a.year == 2023 for a, _b in windows)
    examples = _examples(OUT_2023B)
    assert {e.id for e in examples} <= set(events) and len(examples) >= 170
    assert all(e.event == events[e.id] for e in examples)
    report = evaluate_stories(examples)
    assert report.bcubed_precision >= 0.94
    assert report.bcubed_recall >= 0.64
    assert len(report.swallowed) == 0


@dataclass(frozen=True)
class LaterSet:
    """A real story set built from the days the earlier sets of its year leave out: its size
    as labelled and rebuilt (repeated titles left out), and floors a margin under its figures."""

    labels: Path
    out: Path
    earlier: tuple[Path, ...]
    year: int
    reports: int
    events: int
    rebuilt: int
    precision: float
    recall: float
    swallowed: int


LATER_SETS = {
    # the third set: first measured P 0.938, R 0.837, 3 of 57 swallowed; after the rules tuned
    # on it (a dev set since) P 0.975, R 0.846, 1 of 57 (satellite images of the test site, two
    # days apart)
    "2022b": LaterSet(LABELS_2022B, OUT_2022B, (LABELS_2022,), 2022, 105, 57, 103, 0.95, 0.82, 1),
    # the fourth, a measurement set, measured once with nothing tuned on it: P 0.899, R 0.815,
    # 12 of 90 events swallowed (day by day 0.909 / 0.811 and hour by hour 0.899 / 0.815, 12 of
    # 90 in both)
    "2023c": LaterSet(
        LABELS_2023C, OUT_2023C, (LABELS, LABELS_2023B), 2023, 205, 90, 199, 0.88, 0.79, 14
    ),
    # the fifth, the last free days of 2023, a measurement set. First measured with the late
    # reports of events begun before its windows labelled solos: P 0.768, R 0.777, 57 of 164
    # swallowed (day by day 0.782 / 0.764, 55). Those 36 reports were then given the event ids
    # the labelling rules give them (one event per earlier event: Kim's trip, the Nov 21 and
    # May 31 satellites' aftermath, the Jul 12 ICBM's reactions), by their notes, with no rule
    # changed and nothing else relabelled: P 0.816, R 0.725, 30 of 132 swallowed (day by day
    # 0.825 / 0.703, 28; hour by hour 0.816 / 0.725). The rebuild of issue 19w (the day's
    # classifier labels, the code of main unchanged) scores R 0.698 on it, under the 0.70 that
    # held before it: the floor moved to 0.69 with nothing tuned on the set
    "2023d": LaterSet(
        LABELS_2023D,
        OUT_2023D,
        (LABELS, LABELS_2023B, LABELS_2023C),
        2023,
        373,
        133,
        363,
        0.80,
        0.69,
        32,
    ),
}


@pytest.mark.parametrize("name", sorted(LATER_SETS))
def test_a_later_set_is_rebuilt_as_labelled(name: str) -> None:
    """The 2022b, 2023c and 2023d sets: none of their days shared with the earlier sets of the
    year, their reports as labelled, and their figures above the floors."""
    spec = LATER_SETS[name]
    _commit, windows, events = read_labels(spec.labels)
    others = [w for path in spec.earlier for w in read_labels(path)[1]]
    assert len(events) == spec.reports and len(set(events.values())) == spec.events
    assert all(a.year == b.year == spec.year for a, b in windows)
    assert not any(a <= d and c <= b for a, b in windows for c, d in others)
    examples = _examples(spec.out)
    assert len(examples) == spec.rebuilt and all(e.event == events[e.id] for e in examples)
    report = evaluate_stories(examples)
    assert report.bcubed_precision >= spec.precision
    assert report.bcubed_recall >= spec.recall
    assert len(report.swallowed) <= spec.swallowed


def test_a_labels_file_rebuilds_from_a_plain_directory(tmp_path: Path) -> None:
    """--dir: a clone's working tree of daily files (the 2025 database), no git needed."""
    day = tmp_path / "db" / "2025" / "01" / "2025-01-06"
    day.mkdir(parents=True)
    entry = {
        "link": "https://news.example/launch",
        "title": "North Korea fires a ballistic missile",
        "description": "<p>Seoul says the launch came at dawn.</p>",
        "date_published": "2025-01-06T04:49:16+00:00",
        "source_url": "https://news.example/world/rss.xml",
    }
    other = {**entry, "link": "https://news.example/other", "title": "Unlisted report"}
    (day / "https...news.example.world.rss.xml_entries.json").write_text(json.dumps([entry, other]))
    ident = hashlib.sha1(entry["link"].encode()).hexdigest()[:12]
    labels = tmp_path / "labels.tsv"
    labels.write_text(
        "# repo rumca-js/RSS-Link-Database-2025 directory\n# window 2025-01-06 2025-01-07\n"
        f"id\tevent\tnote\n{ident}\t2025-01-06-launch\t\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    assert rebuild(str(tmp_path / "db"), out, labels, plain=True) == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(r["id"], r["event"], r["source"]) for r in rows] == [
        (ident, "2025-01-06-launch", "news.example/world/rss.xml")
    ]
    assert rows[0]["summary"] == "Seoul says the launch came at dawn."


def test_a_window_day_missing_from_the_git_copy_has_no_entries(tmp_path: Path) -> None:
    """The 2023 copy has no folder for some days (2023-10-10 and 2023-10-18 among them): a
    window over such a day rebuilds (and lists) the days that are there instead of failing."""
    repo = tmp_path / "db"
    day = repo / "2023" / "10" / "2023-10-09"
    day.mkdir(parents=True)
    entry = {
        "link": "https://news.example/envoy",
        "title": "North Korea says envoy will visit Moscow",
        "description": "State media names the delegation.",
        "date_published": "2023-10-09T06:00:00+00:00",
        "source": "https://news.example/world/rss.xml",
    }
    (day / "news.example_entries.json").write_text(json.dumps([entry]), encoding="utf-8")

    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)
        return done.stdout.decode().strip()

    git("init", "-q")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "day")
    ident = hashlib.sha1(entry["link"].encode()).hexdigest()[:12]
    labels = tmp_path / "labels.tsv"
    labels.write_text(
        f"# repo rumca-js/RSS-Link-Database-2023 {git('rev-parse', 'HEAD')}\n"
        f"# window 2023-10-09 2023-10-10\nid\tevent\tnote\n{ident}\t2023-10-09-envoy\t\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    assert rebuild(str(repo), out, labels) == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(r["id"], r["event"]) for r in rows] == [(ident, "2023-10-09-envoy")]


def test_the_2025_set_is_rebuilt_as_labelled() -> None:
    """The 2025 measurement set: its reports and event ids as the labels file has them.

    No floor on its figures: it is for measurement only (README, "Stories").
    """
    _commit, windows, events = read_labels(LABELS_2025)
    assert len(events) == 50 and len(set(events.values())) == 27
    assert all(a.year == 2025 for a, _b in windows)
    examples = _examples(OUT_2025)
    assert {e.id: e.event for e in examples} == events
