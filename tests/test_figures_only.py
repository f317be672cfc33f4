"""`eval --figures-only` and `eval-stories --figures-only` print figures and never an item: the
blind measurement sets (benchmarks/realnews, tests/realdata) are read this way."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.service.cli import main

# a launch the rules label, and an item labelled missile-test that they do not (a mistake)
ITEMS = [
    {
        "id": "fo-1",
        "title": "North Korea fires ballistic missile into the sea, Seoul says",
        "summary": "",
        "labels": ["missile-test"],
        "kind": "nk-test",
    },
    {
        "id": "fo-2",
        "title": "Quiet harbour festival draws visitors to the coast",
        "summary": "",
        "labels": ["missile-test"],
        "kind": "nk-test",
    },
]
# one event told in two unrelated headlines: the index splits them ("wrongly split")
REPORTS = [
    {
        "id": "fs-1",
        "event": "e1",
        "source": "Wire A",
        "published": "2026-03-02T01:00:00+00:00",
        "title": "North Korea fires ballistic missile into the sea, Seoul says",
        "summary": "",
        "labels": ["missile-test"],
    },
    {
        "id": "fs-2",
        "event": "e1",
        "source": "Wire B",
        "published": "2026-03-05T09:00:00+00:00",
        "title": "Talks on fisheries resume between two island states",
        "summary": "",
        "labels": ["diplomacy"],
    },
]


def _lines(path: Path, rows: list[dict[str, object]]) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return str(path)


def test_eval_lists_a_single_sets_mistakes_unless_figures_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _lines(tmp_path / "set.jsonl", ITEMS)
    assert main(["eval", "--dataset", data], {}) == 0
    assert "harbour festival" in capsys.readouterr().out
    for extra in ([], ["--mistakes"]):
        assert main(["eval", "--dataset", data, "--figures-only", *extra], {}) == 0
        out = capsys.readouterr().out
        assert "missile-test" in out and "precision" in out
        assert "harbour festival" not in out and "misclassified" not in out


def test_eval_stories_lists_merged_and_split_reports_unless_figures_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _lines(tmp_path / "stories.jsonl", REPORTS)
    assert main(["eval-stories", "--dataset", data], {}) == 0
    assert "fisheries" in capsys.readouterr().out
    assert main(["eval-stories", "--dataset", data, "--figures-only"], {}) == 0
    out = capsys.readouterr().out
    assert "B-cubed precision" in out
    assert "fisheries" not in out and "wrongly split (" not in out
