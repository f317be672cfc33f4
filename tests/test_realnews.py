"""The real-news set: its labels file, its rebuild script, and the classifier's figures on it.

The item text is third-party and stays out of the repository: `benchmarks/realnews/rebuild.py`
rebuilds it from saved public feeds into benchmarks/realnews/data/ (git-ignored). The tests
that need the rebuilt set skip where it is absent.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from benchmarks.realnews.rebuild import (
    DATA,
    HOLDOUT2_NEGATIVES_N,
    ROUND4_NEGATIVES_N,
    ROUND5_NEGATIVES_N,
    ROUND5_NK_N,
    ROUND6_NEGATIVES_N,
    dir_entries,
    draw_holdout2,
    draw_round4,
    draw_round5,
    draw_round6,
    draw_round7,
    entries,
    feed_days,
    from_pool,
    in_holdout,
    item_id,
    read_labels,
    read_pool,
    relabel,
)
from bot.domain.classify import classify
from bot.service.config import load_config
from bot.tools.evaluate import Example, Report, evaluate
from tests.conftest import ROOT

LABEL_NAMES = ("missile-test", "diplomacy")
KINDS = {
    "nk-test",
    "nk-diplomacy",
    "nk-both",
    "nk-other",
    "other-test",
    "other-diplomacy",
    "hard-negative",
}


def test_labels_file_has_ids_labels_and_notes() -> None:
    labels, days = read_labels()
    assert len(labels) >= 1000
    for i, row in labels.items():
        assert re.fullmatch(r"rl-[0-9a-f]{12}", i), i
        assert set(row["labels"]) <= set(LABEL_NAMES), row
        assert row["kind"] in KINDS, row
        assert row["note"], row
        assert (row["kind"] == "nk-both") == (len(row["labels"]) == 2), row
        if "pass1" in row:  # changed by the audit (benchmarks/realnews/GUIDELINES.md)
            assert sorted(row["pass1"]) != sorted(row["labels"]), row
            assert re.search(r"relabelled by G\d+", str(row["note"])), row
    assert days and not any(d.startswith("2024") for d in days)  # 2024 is reserved
    kinds = [r["kind"] for r in labels.values()]
    assert kinds.count("nk-test") >= 200 and kinds.count("nk-diplomacy") >= 100
    assert sum(k in ("other-test", "other-diplomacy", "hard-negative") for k in kinds) >= 400
    # the second to seventh labelling rounds: dev days only, scored alone as
    # data/dev-round2.jsonl to dev-round7.jsonl; the
    # 2025 and 2021 measurement sets: measure2025.jsonl and measure2021.jsonl alone
    # (GUIDELINES.md, "The 2025 measurement set", "The 2021 measurement set")
    batches = [r["batch"] for r in labels.values() if "batch" in r]
    assert set(batches) == {
        "round2",
        "round3",
        "round4",
        "round5",
        "round6",
        "round7",
        "holdout2",
        "2025",
        "2021",
    }
    assert batches.count("round2") >= 500 and batches.count("round3") >= 150
    assert batches.count("round4") >= 200 and batches.count("round5") >= 200
    assert batches.count("round6") == 125
    assert batches.count("round7") == 200
    assert batches.count("holdout2") == 240
    assert all(r["id"].startswith("rl-") for r in labels.values() if r.get("batch") == "2025")


def test_audit_changes_are_recorded_and_can_be_undone(tmp_path: Path) -> None:
    """relabel() re-applies labels.jsonl; with first=True it writes the first pass's labels."""
    labels, _days = read_labels()
    changed = [i for i, r in labels.items() if "pass1" in r]
    assert len(changed) >= 50
    i = changed[0]
    row = {"id": i, "title": "t", "summary": "s", "labels": ["stale"], "kind": "x"}
    for name in ("dev", "holdout", "days"):
        (tmp_path / f"{name}.jsonl").write_text(json.dumps(row) + "\n", encoding="utf-8")
    assert relabel(data=tmp_path) == 0
    now = json.loads((tmp_path / "holdout.jsonl").read_text(encoding="utf-8"))
    assert now["labels"] == labels[i]["labels"] and now["kind"] == labels[i]["kind"]
    assert relabel(first=True, data=tmp_path) == 0
    before = json.loads((tmp_path / "pass1" / "days.jsonl").read_text(encoding="utf-8"))
    assert sorted(before["labels"]) == sorted(labels[i]["pass1"]) != sorted(now["labels"])


def test_split_is_by_day_and_fixed() -> None:
    assert in_holdout("2023-09-13") and not in_holdout("2023-06-15")
    assert item_id("https://example.com/a") == item_id(" https://example.com/a ")


def _draw_pool(
    entry: Callable[..., dict[str, str]], other: str, whole: str
) -> list[dict[str, str]]:
    """Entries for a draw's test, on the draw's own kind of day unless said: `other` is a day
    of the other kind (hold-out for a dev round, dev for the second hold-out)."""
    return [
        entry("rl-a", "North Korea and Russia hold talks"),  # NK with a word of diplomacy
        entry("rl-b", "Kim Jong Un tours a farm"),  # NK, no word of diplomacy
        entry("rl-c", "Pyongyang holds talks", other),  # the other kind of day
        entry("rl-d", "Pyongyang holds more talks", whole),  # a whole day
        entry("rl-e", "North Korea and Russia hold talks", summary="a copy"),  # same title
        entry("rl-f", "A summary names the DPRK", summary="The DPRK"),  # NK in the summary
        entry("rl-g", "Iran missile test"),  # a hard negative
        entry("rl-h", "Iran missile talks", summary="South Korea reacts"),  # names Korea: not drawn
        entry("rl-i", "Kim Yo Jong slams the summit"),  # labelled before
        entry("rl-j", "KIM YO JONG SLAMS THE SUMMIT "),  # repeats a labelled title
        entry("rl-k", "Storms in the valley"),  # neither
    ]


def test_the_fourth_round_draw_is_fixed_and_keeps_to_unlabelled_dev_days() -> None:
    dev, holdout, whole = "2023-06-15", "2023-09-13", "2023-06-16"
    assert not in_holdout(dev) and in_holdout(holdout) and not in_holdout(whole)

    def entry(i: str, title: str, date: str = dev, summary: str = "") -> dict[str, str]:
        return {"id": i, "date": date, "title": title, "summary": summary}

    pool = _draw_pool(entry, holdout, whole)
    labels: dict[str, dict[str, Any]] = {"rl-i": {"labels": []}, "rl-a": {"batch": "round4"}}
    drawn = draw_round4(pool, labels, [whole])
    # rl-a's own round4 label does not take it out of the draw it was labelled from
    assert drawn == ["rl-a", "rl-b", "rl-f", "rl-g"]
    many = [entry(f"rl-{n:04d}", f"Sri Lanka Test day {n}") for n in range(100)]
    first, again = draw_round4(many, {}, []), draw_round4(list(reversed(many)), {}, [])
    assert len(first) == ROUND4_NEGATIVES_N and first == again  # fixed seed, id order


def test_the_second_hold_out_draw_is_fixed_and_keeps_to_unlabelled_hold_out_days() -> None:
    dev, holdout, whole = "2023-06-15", "2023-09-13", "2023-06-14"
    assert not in_holdout(dev) and in_holdout(holdout) and in_holdout(whole)

    def entry(i: str, title: str, date: str = holdout, summary: str = "") -> dict[str, str]:
        return {"id": i, "date": date, "title": title, "summary": summary}

    pool = _draw_pool(entry, dev, whole)
    labels: dict[str, dict[str, Any]] = {"rl-i": {"labels": []}, "rl-a": {"batch": "holdout2"}}
    drawn = draw_holdout2(pool, labels, [whole])
    # rl-a's own holdout2 label does not take it out of the draw it was labelled from
    assert drawn == ["rl-a", "rl-b", "rl-f", "rl-g"]
    many = [entry(f"rl-{n:04d}", f"Sri Lanka Test day {n}") for n in range(100)]
    first, again = draw_holdout2(many, {}, []), draw_holdout2(list(reversed(many)), {}, [])
    assert len(first) == HOLDOUT2_NEGATIVES_N and first == again  # fixed seed, id order
    assert not set(first) & set(draw_round4(many, {}, []))  # hold-out days are never round 4's


def test_the_second_hold_out_is_written_alone(tmp_path: Path) -> None:
    """Its rows go to holdout2.jsonl, never to dev.jsonl or holdout.jsonl."""
    holdout = "2023-09-13"
    pool = [
        {"id": "rl-a", "date": holdout, "title": "North Korea fires a missile", "summary": ""},
        {"id": "rl-b", "date": holdout, "title": "Pyongyang and Moscow sign a pact", "summary": ""},
    ]
    labels = [
        {"days": []},
        {"id": "rl-a", "labels": ["missile-test"], "kind": "nk-test", "note": "launch"},
        {"id": "rl-b", "labels": ["diplomacy"], "kind": "nk-diplomacy", "note": "pact"},
    ]
    labels[2]["batch"] = "holdout2"
    (tmp_path / "items.jsonl").write_text("".join(json.dumps(e) + "\n" for e in pool), "utf-8")
    path = tmp_path / "labels.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in labels), encoding="utf-8")
    assert from_pool(tmp_path, path) == 0

    def ids(name: str) -> list[str]:
        text = (tmp_path / name).read_text(encoding="utf-8")
        return [json.loads(line)["id"] for line in text.splitlines()]

    assert ids("holdout.jsonl") == ["rl-a"] and ids("holdout2.jsonl") == ["rl-b"]
    assert ids("dev.jsonl") == []


def test_the_committed_fourth_round_is_exactly_the_fixed_draw() -> None:
    path = DATA / "items.jsonl"
    if not path.exists():
        pytest.skip("the real-news set is not rebuilt (python -m benchmarks.realnews.rebuild)")
    labels, days = read_labels()
    round4 = {i for i, row in labels.items() if row.get("batch") == "round4"}
    assert set(draw_round4(read_pool(), labels, days)) == round4


def test_the_committed_second_hold_out_is_exactly_the_fixed_draw() -> None:
    path = DATA / "items.jsonl"
    if not path.exists():
        pytest.skip("the real-news set is not rebuilt (python -m benchmarks.realnews.rebuild)")
    labels, days = read_labels()
    holdout2 = {i for i, row in labels.items() if row.get("batch") == "holdout2"}
    assert set(draw_holdout2(read_pool(), labels, days)) == holdout2


# a dev day, a hold-out day and a whole day, and the pool entries the round draws' tests share
_ROUND_DAYS = ("2023-06-15", "2023-09-13", "2023-06-16")


def _round_entry(
    i: str, title: str, date: str = _ROUND_DAYS[0], summary: str = ""
) -> dict[str, str]:
    return {"id": i, "date": date, "title": title, "summary": summary}


def _round_pool() -> list[dict[str, str]]:
    _dev, holdout, whole = _ROUND_DAYS
    entry = _round_entry
    return [
        entry("rl-a", "Kim Jong Un tours a fertiliser plant"),  # NK
        entry("rl-b", "North Korea and China hold talks"),  # NK, a round4 entry: not again
        entry("rl-c", "Pyongyang hosts a marathon", holdout),  # a hold-out day
        entry("rl-d", "Pyongyang opens a hospital", whole),  # a whole day
        entry("rl-e", "Kim Jong Un tours a fertiliser plant", summary="a copy"),  # same title
        entry("rl-f", "Flood season begins", summary="Rain falls in the DPRK"),  # NK in summary
        entry("rl-g", "Chile tests a rocket engine"),  # a hard negative
        entry("rl-h", "Seoul nuclear talks", summary="South Korea hosts"),  # names Korea
    ]


def test_the_fifth_round_draw_is_fixed_and_takes_no_entry_of_an_earlier_round() -> None:
    dev, _holdout, whole = _ROUND_DAYS
    entry = _round_entry
    pool = [
        *_round_pool(),
        entry("rl-i", "KIM JONG UN TOURS A FERTILISER PLANT", dev),  # same title again
        entry("rl-j", "north korea and china hold talks "),  # repeats round4's title
        entry("rl-k", "Storms in the valley"),  # neither
    ]
    labels: dict[str, dict[str, Any]] = {
        "rl-b": {"labels": ["diplomacy"], "batch": "round4"},
        "rl-a": {"labels": [], "batch": "round5"},
    }
    # rl-a's own round5 label does not take it out of the draw it was labelled from, nor out
    # of round 4's, drawn before it
    assert draw_round5(pool, labels, [whole]) == ["rl-a", "rl-f", "rl-g"]
    assert draw_round4(pool, labels, [whole]) == ["rl-a", "rl-b", "rl-f", "rl-g"]
    many = [entry(f"rl-{n:04d}", f"DPRK day {n}") for n in range(300)]
    many += [entry(f"rl-n{n:03d}", f"Sri Lanka Test day {n}") for n in range(100)]
    first, again = draw_round5(many, {}, []), draw_round5(list(reversed(many)), {}, [])
    assert first == again == sorted(first)  # fixed seed, id order
    assert sum(i.startswith("rl-n") for i in first) == ROUND5_NEGATIVES_N
    assert len(first) == ROUND5_NK_N + ROUND5_NEGATIVES_N


def test_the_committed_fifth_round_is_exactly_the_fixed_draw() -> None:
    path = DATA / "items.jsonl"
    if not path.exists():
        pytest.skip("the real-news set is not rebuilt (python -m benchmarks.realnews.rebuild)")
    labels, days = read_labels()
    round5 = {i for i, row in labels.items() if row.get("batch") == "round5"}
    assert len(round5) == 200
    assert set(draw_round5(read_pool(), labels, days)) == round5


def test_the_sixth_round_draw_is_fixed_and_takes_every_north_korea_entry_left() -> None:
    _dev, holdout, whole = _ROUND_DAYS
    entry = _round_entry
    pool = [
        *_round_pool(),
        entry("rl-i", "North Korea fires a missile"),  # NK, a round5 entry: not again
        entry("rl-j", "north korea fires a missile "),  # repeats round5's title
        entry("rl-k", "Storms in the valley"),  # neither
        entry("rl-l", "Pyongyang hails a harvest", holdout),  # a hold-out day, a holdout2 entry
        entry("rl-m", "Kim Yo Jong slams the drills"),  # NK
    ]
    labels: dict[str, dict[str, Any]] = {
        "rl-b": {"labels": ["diplomacy"], "batch": "round4"},
        "rl-i": {"labels": ["missile-test"], "batch": "round5"},
        "rl-l": {"labels": [], "batch": "holdout2"},
        "rl-a": {"labels": [], "batch": "round6"},
    }
    # rl-a's own round6 label does not take it out of the draw it was labelled from, nor out
    # of the draws before it (rounds 4 and 5, the second hold-out)
    assert draw_round6(pool, labels, [whole]) == ["rl-a", "rl-f", "rl-g", "rl-m"]
    assert draw_round5(pool, labels, [whole]) == ["rl-a", "rl-f", "rl-g", "rl-i", "rl-m"]
    assert draw_round4(pool, labels, [whole]) == ["rl-a", "rl-b", "rl-f", "rl-g", "rl-i", "rl-m"]
    assert draw_holdout2(pool, labels, [whole]) == ["rl-c", "rl-l"]
    many = [entry(f"rl-{n:04d}", f"DPRK day {n}") for n in range(300)]
    many += [entry(f"rl-n{n:03d}", f"Sri Lanka Test day {n}") for n in range(100)]
    first, again = draw_round6(many, {}, []), draw_round6(list(reversed(many)), {}, [])
    assert first == again == sorted(first)  # fixed seed, id order
    assert sum(i.startswith("rl-n") for i in first) == ROUND6_NEGATIVES_N
    assert len(first) == 300 + ROUND6_NEGATIVES_N  # every North Korea entry


def test_the_committed_sixth_round_is_exactly_the_fixed_draw() -> None:
    path = DATA / "items.jsonl"
    if not path.exists():
        pytest.skip("the real-news set is not rebuilt (python -m benchmarks.realnews.rebuild)")
    labels, days = read_labels()
    round6 = {i for i, row in labels.items() if row.get("batch") == "round6"}
    assert len(round6) == 125
    assert set(draw_round6(read_pool(), labels, days)) == round6


def test_the_seventh_round_reads_korea_entries_of_unused_feed_days_only() -> None:
    _dev, holdout, whole = _ROUND_DAYS
    day = _dev

    def entry(i: str, title: str, date: str = day, feed: str = "f1") -> dict[str, str]:
        return {"id": i, "date": date, "feed": feed, "title": title, "summary": ""}

    pool = [
        entry("rl-a", "North Korea fires a missile", feed="f0"),  # named: an earlier round's
        entry("rl-b", "Seoul summit on the peninsula", feed="f0"),  # a used feed-day
        entry("rl-c", "South Korea holds talks with Japan"),  # Korea, a word: drawn
        entry("rl-d", "K-pop star tours Korea"),  # Korea, no word: drawn
        entry("rl-e", "India wins the cricket Test"),  # hard negative: drawn
        entry("rl-f", "Storms in the valley"),  # neither
        entry("rl-g", "South Korea talks", holdout),  # a hold-out day
        entry("rl-h", "Korea launches a rocket", whole),  # a whole day
    ]
    labels: dict[str, dict[str, Any]] = {
        "rl-a": {"labels": ["missile-test"], "batch": "round6"},
        "rl-c": {"labels": [], "batch": "round7"},  # its own label does not take it out
    }
    assert draw_round7(pool, labels, [whole]) == ["rl-c", "rl-d", "rl-e"]
    many = [entry(f"rl-{n:04d}", f"Korea summit day {n}") for n in range(300)]
    first, again = draw_round7(many, {}, []), draw_round7(list(reversed(many)), {}, [])
    assert first == again == sorted(first) and len(first) == 120  # fixed seed, id order


def test_the_committed_seventh_round_is_exactly_the_fixed_draw() -> None:
    path = DATA / "items.jsonl"
    if not path.exists():
        pytest.skip("the real-news set is not rebuilt (python -m benchmarks.realnews.rebuild)")
    labels, days = read_labels()
    round7 = {i for i, row in labels.items() if row.get("batch") == "round7"}
    assert len(round7) == 200
    assert set(draw_round7(read_pool(), labels, days)) == round7


def test_the_dev_sets_are_written_again_from_the_pool(tmp_path: Path) -> None:
    dev, holdout = "2023-06-15", "2023-09-13"
    pool = [
        {"id": "rl-a", "date": dev, "title": "North Korea fires a missile", "summary": ""},
        {"id": "rl-b", "date": holdout, "title": "North Korea fires again", "summary": ""},
        {"id": "rl-c", "date": dev, "title": "Kim meets Putin", "summary": ""},
    ]
    (tmp_path / "items.jsonl").write_text("".join(json.dumps(e) + "\n" for e in pool), "utf-8")
    rows = [
        {"id": "rl-a", "labels": ["missile-test"], "kind": "nk-test", "note": "launch"},
        {"id": "rl-b", "labels": ["missile-test"], "kind": "nk-test", "note": "launch"},
        {"id": "rl-c", "labels": ["diplomacy"], "kind": "nk-diplomacy", "note": "summit"},
    ]
    rows[2]["batch"] = "round9"
    labels_path = tmp_path / "labels.jsonl"
    labels_path.write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    assert from_pool(tmp_path, labels_path) == 0
    got = {
        name: [json.loads(x)["id"] for x in (tmp_path / f"{name}.jsonl").read_text().splitlines()]
        for name in ("dev", "holdout", "dev-round9")
    }
    assert got == {"dev": ["rl-a", "rl-c"], "holdout": ["rl-b"], "dev-round9": ["rl-c"]}
    rows.append({"id": "rl-z", "labels": [], "kind": "nk-other", "note": "not in the pool"})
    labels_path.write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    assert from_pool(tmp_path, labels_path) == 1


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def test_rebuild_reads_daily_files_from_a_git_directory(tmp_path: Path) -> None:
    repo = tmp_path / "db"
    day = repo / "2023" / "03" / "2023-03-01"
    day.mkdir(parents=True)
    rows = [
        {
            "link": "https://news.example/1",
            "title": "A <b>bold</b> title",
            "description": "<p>First &amp; only.</p>",
            "date_published": "2023-03-01 08:00:00+00:00",
            "language": "en-US",
        },
        {"link": "https://news.example/2", "title": "Tytuł", "description": "", "language": "pl"},
        {
            "link": "https://news.example/3",
            "title": "Dated next year",
            "date_published": "2024-01-01 00:00:00+00:00",
        },
    ]
    (day / "https.news.examplefeed_entries.json").write_text(json.dumps({"entries": rows}))
    (day / "https.www.youtube.comfeeds_entries.json").write_text(json.dumps({"entries": rows}))
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example", "commit", "-qm", "day")
    got = list(entries(str(repo / ".git"), "2023", _git(repo, "rev-parse", "HEAD")))
    assert [e["title"] for e in got] == ["A bold title", "Dated next year"]
    assert got[0]["summary"] == "First & only." and got[0]["id"] == item_id(rows[0]["link"])
    assert got[1]["date"] == "2023-03-01"  # a 2024 date is replaced by the day it was saved


def test_rebuild_reads_listed_daily_files_from_a_plain_directory(tmp_path: Path) -> None:
    """The 2025 source: a clone's working tree, of which only the listed feed-days are read."""
    day = tmp_path / "2025" / "01" / "2025-01-06"
    day.mkdir(parents=True)
    rows = [
        {
            "link": "https://news.example/k",
            "title": "A <i>launch</i>",
            "description": "<p>Seoul says.</p>",
            "date_published": "2025-01-06T04:49:16+00:00",
            "language": "en-gb",
        },
        {"link": "https://news.example/p", "title": "Tytuł", "language": "pl"},
    ]
    (day / "https...news.example.feed_entries.json").write_text(json.dumps(rows))
    (day / "https...other.example.feed_entries.json").write_text(json.dumps(rows))
    listed = [
        "2025/01/2025-01-06/https...news.example.feed_entries.json",
        "2025/01/2025-01-07/https...news.example.feed_entries.json",  # absent: skipped
    ]
    got = list(dir_entries(str(tmp_path), "2025", listed))
    assert [(e["id"], e["title"], e["summary"]) for e in got] == [
        (item_id(rows[0]["link"]), "A launch", "Seoul says.")
    ]
    assert got[0]["date"] == "2025-01-06" and got[0]["feed"] == "https...news.example.feed"


def test_the_2025_set_is_documented_and_kept_apart() -> None:
    """Every 2025 label is on a listed feed-day of 2025 and never in dev, hold-out or days."""
    labels, days = read_labels()
    files = feed_days()
    assert files and all(re.match(r"2025/\d\d/2025-\d\d-\d\d/.+_entries\.json$", f) for f in files)
    assert not any(d.startswith("2025") for d in days)
    measured = {i for i, r in labels.items() if r.get("batch") == "2025"}
    assert len(measured) >= 40
    path = DATA / "measure2025.jsonl"
    if not path.exists():
        pytest.skip("the 2025 set is not rebuilt (rebuild --source 2025=DIR)")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert {r["id"] for r in rows} == measured
    assert all(r["date"].startswith("2025") for r in rows)
    for name in ("dev.jsonl", "holdout.jsonl", "days.jsonl"):
        if (DATA / name).exists():
            other = (DATA / name).read_text(encoding="utf-8")
            assert not any(i in other for i in measured), name


def _rebuilt(name: str) -> list[dict[str, Any]]:
    path = DATA / name
    if not path.exists():
        pytest.skip("the real-news set is not rebuilt (python -m benchmarks.realnews.rebuild)")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _report(rows: list[dict[str, Any]]) -> Report:
    packs = load_config(str(ROOT / "config" / "newsbot.toml"), {}).packs
    examples = [
        Example(
            str(r["id"]),
            str(r["title"]),
            str(r["summary"]),
            tuple(r["labels"]),
            str(r["kind"]),
        )
        for r in rows
    ]
    return evaluate(examples, LABEL_NAMES, lambda t, s: classify(packs, t, s))


def test_hold_out_figures_stay_above_the_floor() -> None:
    """Floors a little under the measured figures (README, Classification): regressions fail."""
    report = _report(_rebuilt("holdout.jsonl"))
    assert report.labels["missile-test"].f1 >= 0.92, report.labels["missile-test"]
    assert report.labels["diplomacy"].f1 >= 0.82, report.labels["diplomacy"]
    assert report.non_nk_rate <= 0.01


def test_second_hold_out_figures_stay_above_the_floor() -> None:
    """The second hold-out, a measurement set (its first score 0.898 / 0.845, README): floors a
    little under it; its own figures say nothing of tuning, since no rule is written from it."""
    rows = _rebuilt("holdout2.jsonl")
    assert len(rows) == 240 and all(
        r["batch"] == "holdout2" and in_holdout(r["date"]) for r in rows
    )
    report = _report(rows)
    assert report.labels["missile-test"].f1 >= 0.88, report.labels["missile-test"]
    assert report.labels["diplomacy"].f1 >= 0.83, report.labels["diplomacy"]
    assert report.non_nk_rate <= 0.01


def test_dev_figures_stay_above_the_floor() -> None:
    """The set the rules are tuned on (audited labels, the later rounds): floors a little under
    the figures (the third round's launches brought missile-test from 0.946 to 0.940; the fifth
    round's first score brought diplomacy from 0.888 to 0.877, its rules to 0.883; the sixth
    round's first score brought it to 0.876, missile-test to 0.935)."""
    report = _report(_rebuilt("dev.jsonl"))
    assert report.labels["missile-test"].f1 >= 0.925, report.labels["missile-test"]
    assert report.labels["diplomacy"].f1 >= 0.875, report.labels["diplomacy"]
    assert report.non_nk_rate <= 0.01


@pytest.mark.parametrize(
    ("batch", "rows_at_least", "missile_floor", "diplomacy_floor"),
    [
        # each round alone, first scored before any rule saw it, then tuned on; round3's first
        # score was 0.833 / 0.759, round4's 0.865 / 0.776, round5's 0.882 / 0.308 (9 diplomacy),
        # round6's 0.982 / 0.533 (7 diplomacy; not tuned on), round7's one false alert in 197
        ("round2", 500, 0.90, 0.85),
        ("round3", 150, 0.83, 0.80),
        ("round4", 200, 0.88, 0.84),
        ("round5", 200, 0.88, 0.60),
        ("round6", 125, 0.95, 0.50),
        # round7 holds no positive (the South's and the allies' news): its F1 is 1.0 while no
        # label is given and 0.0 after one false alert, so only its false-alert rate is held
        ("round7", 200, 0.0, 0.0),
    ],
)
def test_each_later_labelling_round_stays_above_its_floor(
    batch: str, rows_at_least: int, missile_floor: float, diplomacy_floor: float
) -> None:
    rows = _rebuilt(f"dev-{batch}.jsonl")
    assert len(rows) >= rows_at_least and all(
        r["batch"] == batch and not in_holdout(r["date"]) for r in rows
    )
    report = _report(rows)
    assert report.labels["missile-test"].f1 >= missile_floor, report.labels["missile-test"]
    assert report.labels["diplomacy"].f1 >= diplomacy_floor, report.labels["diplomacy"]
    assert report.non_nk_rate <= 0.01


def test_no_false_alert_on_whole_days_of_world_news() -> None:
    report = _report(_rebuilt("days.jsonl"))
    assert report.non_nk >= 10_000
    wrong = [(ex.id, ex.title) for ex, c in report.mistakes if ex.kind == "general" and c.labels]
    assert wrong == []


def test_training_reproduces_the_shipped_model_byte_for_byte() -> None:
    """`benchmarks/realnews/train.py` rebuilds config/rules/northkorea.model.json exactly from
    the rebuilt dev set (and the project dev set): the file is what the script says it is."""
    _rebuilt("dev.jsonl")
    pytest.importorskip("sklearn", reason="scikit-learn (the bench extra) trains the model")
    from benchmarks.realnews import train

    assert train.main(["--check"]) == 0


def test_dev_figures_with_the_model_stay_above_the_floor() -> None:
    """The model on the set it was trained on (in-sample; the cross-validated figures are in
    the README): a floor a little under them, so a broken scorer or stale file fails. Since the
    sixth round, cross-validation lets the model give diplomacy where it is confident (C=3.0,
    p >= 0.7): in-sample 0.914, missile-test 0.935."""
    packs = [
        replace(p, model="northkorea") if p.name == "northkorea" else p
        for p in load_config(str(ROOT / "config" / "newsbot.toml"), {}).packs
    ]
    rows = _rebuilt("dev.jsonl")
    examples = [
        Example(
            str(r["id"]), str(r["title"]), str(r["summary"]), tuple(r["labels"]), str(r["kind"])
        )
        for r in rows
    ]
    report = evaluate(examples, LABEL_NAMES, lambda t, s: classify(packs, t, s))
    assert report.labels["missile-test"].f1 >= 0.93, report.labels["missile-test"]
    assert report.labels["diplomacy"].f1 >= 0.87, report.labels["diplomacy"]
    assert report.non_nk_rate <= 0.01
