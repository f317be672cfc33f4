"""Launch recall against the CNS table (benchmarks/realnews/launches.py): the window logic on
invented days, and, where the 2022-2023 pool is rebuilt and ../shared holds the CNS table,
that every launch the feeds report is caught."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from benchmarks.realnews.launches import (
    CNS,
    WINDOWS,
    launch_days,
    launches,
    main,
    read_windows,
    story_heads,
    summary,
)
from benchmarks.realnews.rebuild import DATA


def test_launch_days_skip_reserved_years_and_month_only_dates() -> None:
    table = {
        "timeBins": [
            {"data": [{"date": "1984-09"}, {"date": "2022-03-04"}, {"date": "2022-03-04"}]},
            {"data": [{"date": "2024-01-14"}, {"date": "2023-07-12"}]},
        ]
    }
    assert launch_days(table, [1984, 2022, 2023, 2024]) == [date(2022, 3, 4), date(2023, 7, 12)]


def test_windows_count_neighbour_days_and_isolation() -> None:
    days = [date(2022, 5, 1), date(2022, 5, 3), date(2022, 6, 1), date(2022, 7, 1)]
    by_day = {
        date(2022, 4, 30): [False, True],  # the evening before, in UTC
        date(2022, 6, 3): [True],  # outside a one-day window
        date(2022, 7, 1): [False],
    }
    rows = launches(days, by_day, {date(2022, 7, 1): "no report of the launch"})
    assert [(r.items, r.labelled, r.isolated) for r in rows] == [
        (2, 1, False),
        (0, 0, False),
        (0, 0, True),
        (1, 0, True),
    ]
    assert launches(days, by_day, {}, window=2)[2].labelled == 1
    assert [r.alerted for r in launches(days, by_day, {}, heads=frozenset({date(2022, 5, 2)}))] == [
        True,
        True,
        False,
        False,
    ]
    figures = summary(rows)
    assert figures["launches reported in the feeds"] == 1  # the July window was read: no report
    assert figures["caught"] == 1
    assert figures["windows judged to hold no report of the launch"] == 1
    missed = summary(launches(days, by_day, {}))
    assert (missed["launches reported in the feeds"], missed["caught"]) == (2, 1)


def test_a_second_launch_days_later_founds_its_own_story() -> None:
    """Invented reports: a launch, another outlet's copy the same day, a different launch four
    days later; the later one is a story of its own, so its day is a head."""
    launch = ("missile-test",)
    reports = [
        (
            date(2022, 9, 1),
            "wire",
            "North Korea fires ballistic missile into sea",
            "Seoul's JCS said the short-range missile flew 600 km.",
            launch,
        ),
        (
            date(2022, 9, 1),
            "paper",
            "North Korea fires ballistic missile, South says",
            "The short-range missile flew about 600 km, Seoul said.",
            launch,
        ),
        (
            date(2022, 9, 5),
            "wire",
            "North Korea launches cruise missiles off west coast",
            "Two long-range cruise missiles were fired from Onchon, Seoul said.",
            launch,
        ),
    ]
    assert story_heads(reports) == frozenset({date(2022, 9, 1), date(2022, 9, 5)})


def test_the_judged_windows_file_reads() -> None:
    judged = read_windows(WINDOWS)
    assert judged and all(d.year in (2022, 2023) for d in judged)


def test_missing_inputs_name_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--cns", str(tmp_path)]) == 2
    assert "test.en.json" in capsys.readouterr().err


@pytest.mark.skipif(
    not (CNS / "test.en.json").is_file() or not (DATA / "items.jsonl").is_file(),
    reason="needs ../shared's CNS table and the rebuilt 2022-2023 pool",
)
def test_every_reported_launch_of_2022_and_2023_is_caught(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--figures-only"]) == 0
    lines = dict(
        line.split(": ", 1) for line in capsys.readouterr().out.splitlines() if ": " in line
    )
    assert int(lines["launches reported in the feeds"]) >= 45
    assert lines["caught"] == lines["launches reported in the feeds"]
    assert lines["caught and alerted (a new story with the label in the window)"] == lines["caught"]
