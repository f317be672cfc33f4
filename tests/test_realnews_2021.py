"""The blind 2021 measurement set: its rebuild from a git directory, its draw, and that it is
kept apart from every set the rules are written or scored on.

The rebuild runs on small git repositories written here (invented entries, laid out like
rumca-js/RSS-Link-Database-2021: daily files in one commit, the same files zipped in the next).
The checks on the real set skip where it has not been rebuilt. There is no floor on the 2021
figures: a failing floor would show its items (benchmarks/realnews/GUIDELINES.md).
"""

from __future__ import annotations

import filecmp
import json
import re
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest

from benchmarks.realnews.rebuild import (
    DATA,
    MEASURE_GIT,
    NEGATIVES_2021,
    draw_2021,
    entries,
    item_id,
    read_labels,
    rebuild,
)
from tests.realdata.rebuild_stories import LABELS_2021, OUT_2021
from tests.realdata.rebuild_stories import read_labels as read_story_labels
from tests.test_realnews import KINDS


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def _commit(repo: Path, message: str) -> str:
    _git(repo, "add", "-A")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example", "commit", "-qm", message)
    return _git(repo, "rev-parse", "HEAD")


def _entry(link: str, title: str, summary: str, when: str, lang: str = "en-US") -> dict[str, str]:
    return {
        "source": "http://feeds.example/world.rss",
        "title": title,
        "description": summary,
        "link": link,
        "date_published": when,
        "language": lang,
    }


# invented entries of two days of 2021, in the database's layout (a list per daily file)
DAYS_2021 = {
    "2021/03/2021-03-25": [
        _entry(
            "https://news.example/nk-launch",
            "North Korea fires two ballistic missiles into the sea",
            "<p>Seoul's military says the launch came at dawn.</p>",
            "2021-03-25 01:10:00+00:00",
        ),
        _entry(
            "https://news.example/cricket",
            "Hosts take control on day two of the second Test",
            "A century puts the home side ahead.",
            "2021-03-25 09:00:00+00:00",
        ),
        _entry(
            "https://news.example/weather",
            "Spring storms bring floods to the valley",
            "Rivers burst their banks overnight.",
            "2021-03-25 10:00:00+00:00",
        ),
        _entry("https://news.example/pl", "Rakieta wystrzelona", "", "2021-03-25", "pl"),
    ],
    "2021/03/2021-03-26": [
        # the same story saved again the next day: one entry per link, one per title
        _entry(
            "https://news.example/nk-launch",
            "North Korea fires two ballistic missiles into the sea",
            "<p>Seoul's military says the launch came at dawn.</p>",
            "2021-03-25 01:10:00+00:00",
        ),
        _entry(
            "https://news.example/seoul-series",
            "A Seoul drama tops the streaming charts",
            "The South Korean series is watched around the world.",
            "2021-03-26 12:00:00+00:00",
        ),
    ],
}


def _database_2021(root: Path) -> tuple[Path, str]:
    """A git repository of invented 2021 daily files; the newest commit zips them, as the real
    one does. Returns the git directory and the commit that holds the daily files."""
    repo = root / "db2021"
    for folder, rows in DAYS_2021.items():
        (repo / folder).mkdir(parents=True)
        (repo / folder / "http.feeds.examplenewsrss.xml_entries.json").write_text(json.dumps(rows))
    _git(repo, "init", "-q")
    daily = _commit(repo, "2021")
    with zipfile.ZipFile(repo / "2021" / "03.zip", "w") as z:
        for path in sorted((repo / "2021" / "03").rglob("*.json")):
            z.write(path, str(path.relative_to(repo / "2021")))
    subprocess.run(["git", "-C", str(repo), "rm", "-rq", "2021/03"], check=True)
    _commit(repo, "Created zip files")
    return repo / ".git", daily


def _database_2022(root: Path) -> tuple[Path, str]:
    repo = root / "db2022"
    day = repo / "2022" / "05" / "2022-05-04"
    day.mkdir(parents=True)
    rows = [
        _entry(
            "https://news.example/2022-launch",
            "North Korea launches a missile ahead of the inauguration",
            "The JCS reported the launch.",
            "2022-05-04 03:00:00+00:00",
        ),
        _entry(
            "https://news.example/2022-other",
            "Markets rally on earnings",
            "",
            "2022-05-04 14:00:00+00:00",
        ),
    ]
    (day / "http.feeds.examplenewsrss.xml_entries.json").write_text(json.dumps(rows))
    _git(repo, "init", "-q")
    return repo / ".git", _commit(repo, "2022")


def _labels_file(path: Path, rows: list[dict[str, Any]]) -> Path:
    days = {"days": ["2022-05-04"], "note": "whole days"}
    path.write_text("".join(json.dumps(r) + "\n" for r in [days, *rows]), encoding="utf-8")
    return path


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_the_draw_takes_every_korea_entry_and_samples_the_hard_negatives() -> None:
    items = [
        {"id": "rl-a", "title": "North Korea tests a cruise missile", "summary": ""},
        {"id": "rl-b", "title": "Kim Yo-jong says talks are off", "summary": ""},
        {"id": "rl-c", "title": "A drama from Seoul", "summary": "The South Korean series."},
        {"id": "rl-d", "title": "Day two of the Test", "summary": "Cricket."},
        {"id": "rl-e", "title": "Storms in the valley", "summary": "Floods."},
        {"id": "rl-f", "title": "North Korea tests a cruise missile", "summary": "again"},
        {"id": "rl-g", "title": "Rates rise", "summary": "Pyongyang is not named here"},
    ]
    nk, negatives = draw_2021(items)
    # rl-f repeats rl-a's title; rl-g's summary names the capital
    assert nk == ["rl-a", "rl-b", "rl-c", "rl-g"] and negatives == ["rl-d"]
    pool = [{"id": f"rl-{n:04d}", "title": f"launch number {n}", "summary": ""} for n in range(400)]
    first, again = draw_2021(pool)[1], draw_2021(list(reversed(pool)))[1]
    assert len(first) == NEGATIVES_2021 and first == again  # fixed seed, id order


def test_the_2021_rebuild_reads_the_daily_files_of_the_pinned_commit(tmp_path: Path) -> None:
    git_dir, daily = _database_2021(tmp_path)
    got = list(entries(str(git_dir), "2021", daily))
    assert [e["title"] for e in got][:3] == [
        "North Korea fires two ballistic missiles into the sea",
        "Hosts take control on day two of the second Test",
        "Spring storms bring floods to the valley",
    ]
    assert got[0]["summary"] == "Seoul's military says the launch came at dawn."
    assert got[0]["id"] == item_id("https://news.example/nk-launch")
    assert got[0]["date"] == "2021-03-25" and len(got) == 5  # Polish entry left out
    # the newest commit holds zips only: the pin is what finds the daily files
    assert list(entries(str(git_dir), "2021", _git(git_dir.parent, "rev-parse", "HEAD"))) == []


def test_the_2021_set_is_written_alone_and_leaves_every_other_file_as_it_was(
    tmp_path: Path,
) -> None:
    db21, daily = _database_2021(tmp_path)
    db22, commit22 = _database_2022(tmp_path)
    pins = {"2022": commit22, "2021": daily}
    nk = item_id("https://news.example/nk-launch")
    negative = item_id("https://news.example/cricket")
    series = item_id("https://news.example/seoul-series")
    dev = item_id("https://news.example/2022-launch")
    labels = _labels_file(
        tmp_path / "labels.jsonl",
        [
            {"id": dev, "labels": ["missile-test"], "kind": "nk-test", "note": "launch"},
            {"id": nk, "labels": ["missile-test"], "kind": "nk-test", "note": "x", "batch": "2021"},
            {"id": negative, "labels": [], "kind": "hard-negative", "note": "y", "batch": "2021"},
            {"id": series, "labels": [], "kind": "hard-negative", "note": "z", "batch": "2021"},
        ],
    )
    without, with_2021 = tmp_path / "without", tmp_path / "with"
    assert rebuild([f"2022={db22}"], without, labels, pins) == 0
    assert rebuild([f"2022={db22}", f"2021={db21}"], with_2021, labels, pins) == 0
    for name in ("items.jsonl", "dev.jsonl", "holdout.jsonl", "days.jsonl"):
        assert filecmp.cmp(without / name, with_2021 / name, shallow=False), name
    assert not (without / "measure2021.jsonl").exists()
    measured = _jsonl(with_2021 / "measure2021.jsonl")  # by date, then id
    assert [(r["id"], r["labels"], r["batch"]) for r in measured] == [
        *sorted([(nk, ["missile-test"], "2021"), (negative, [], "2021")]),
        (series, [], "2021"),
    ]
    titles = {r["id"]: r["title"] for r in measured}
    assert titles[nk] == "North Korea fires two ballistic missiles into the sea"
    pool = _jsonl(with_2021 / "items2021.jsonl")
    assert len(pool) == 4 and {r["id"] for r in pool} >= {nk, negative, series}
    # the whole year: hand labels where labelled, the rest `general` (not North Korea)
    year = {r["id"]: (r["labels"], r["kind"]) for r in _jsonl(with_2021 / "year2021.jsonl")}
    assert year == {
        nk: (["missile-test"], "nk-test"),
        negative: ([], "hard-negative"),
        series: ([], "hard-negative"),
        item_id("https://news.example/weather"): ([], "general"),
    }
    assert not (without / "year2021.jsonl").exists()
    for name in ("items.jsonl", "dev.jsonl", "holdout.jsonl", "days.jsonl"):
        text = (with_2021 / name).read_text(encoding="utf-8")
        assert not any(i in text for i in (nk, negative, series)), name
    rows_2022 = _jsonl(with_2021 / "dev.jsonl") + _jsonl(with_2021 / "holdout.jsonl")
    assert [r["id"] for r in rows_2022] == [dev]


def test_a_2021_label_outside_the_draw_fails_the_rebuild(tmp_path: Path) -> None:
    """The labelled 2021 ids must be the draw fixed in code: one more or one less fails."""
    db21, daily = _database_2021(tmp_path)
    nk = item_id("https://news.example/nk-launch")
    weather = item_id("https://news.example/weather")  # neither a candidate nor a negative
    rows: list[dict[str, Any]] = [
        {"id": nk, "labels": ["missile-test"], "kind": "nk-test", "note": "x", "batch": "2021"},
        {"id": weather, "labels": [], "kind": "hard-negative", "note": "w", "batch": "2021"},
    ]
    labels = _labels_file(tmp_path / "labels.jsonl", rows)
    assert rebuild([f"2021={db21}"], tmp_path / "out", labels, {"2021": daily}) == 1


def test_the_committed_2021_labels_are_a_blind_set_of_their_own() -> None:
    labels, days = read_labels()
    rows = {i: r for i, r in labels.items() if r.get("batch") == "2021"}
    assert len(rows) >= 300 and not any(d.startswith("2021") for d in days)
    for i, r in rows.items():
        assert re.fullmatch(r"rl-[0-9a-f]{12}", i) and r["kind"] in KINDS and r["note"], r
        assert (r["kind"] == "nk-both") == (len(r["labels"]) == 2), r
        if r["labels"]:
            assert str(r["kind"]).startswith("nk-"), r
    drawn = [r for r in rows.values() if str(r["note"]).startswith("not North Korea (drawn)")]
    assert len(drawn) == NEGATIVES_2021 and not any(r["labels"] for r in drawn)
    assert MEASURE_GIT["2021"] in Path(LABELS_2021).read_text(encoding="utf-8")
    # the story set: every hand-labelled North Korea item of the set, and nothing else
    _commit_id, windows, events = read_story_labels(LABELS_2021)
    assert all(a.year == 2021 and b.year == 2021 for a, b in windows)
    assert {"rl-" + i for i in events} == {i for i, r in rows.items() if r["labels"]}


def test_the_rebuilt_2021_sets_hold_the_labels_and_nothing_leaks() -> None:
    path = DATA / "measure2021.jsonl"
    if not path.exists():
        pytest.skip("the 2021 set is not rebuilt (rebuild --source 2021=PATH)")
    labels, _days = read_labels()
    measured = {i for i, r in labels.items() if r.get("batch") == "2021"}
    rows = _jsonl(path)
    assert {r["id"] for r in rows} == measured and len(rows) == len(measured)
    assert all(r["date"].startswith("2021") and r["batch"] == "2021" for r in rows)
    for name in ("dev.jsonl", "holdout.jsonl", "days.jsonl", "dev-round2.jsonl"):
        if (DATA / name).exists():
            other = (DATA / name).read_text(encoding="utf-8")
            assert not any(i in other for i in measured), name
    if OUT_2021.exists():
        _commit_id, _windows, events = read_story_labels(LABELS_2021)
        reports = _jsonl(OUT_2021)
        assert {r["id"]: r["event"] for r in reports} == events
