"""The second annotator's labels and the agreement figures (benchmarks/realnews/agreement.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.realnews import blind
from benchmarks.realnews.agreement import SECOND, Pairs, read_second
from benchmarks.realnews.rebuild import DATA, read_labels


def test_kappa_and_f1_of_a_small_table() -> None:
    # A says yes to the first two, B to the first only: 3 of 4 agree, chance 0.5
    pairs = Pairs.of([True, True, False, False], [True, False, False, False])
    assert (pairs.tp, pairs.fp, pairs.fn, pairs.tn) == (1, 0, 1, 2)
    assert pairs.kappa == pytest.approx(0.5)
    assert pairs.precision == 1.0
    assert pairs.recall == 0.5
    assert pairs.f1 == pytest.approx(2 / 3)
    assert Pairs.of([True, False], [True, False]).kappa == 1.0


def test_second_labels_name_only_committed_items_and_known_labels() -> None:
    second = read_second(SECOND)
    committed, _ = read_labels()
    labelled_twice = {"2021", "2025", "holdout", "holdout2", "round3", "round4"}
    assert {s for s, _ in second} == labelled_twice
    holdout2 = {i for s, i in second if s == "holdout2"}  # the whole second hold-out
    assert len(holdout2) == 240
    for batch in ("2021", "2025", "holdout2", "round3", "round4"):  # whole sets, whole rounds
        assert {i for s, i in second if s == batch} == {
            i for i, row in committed.items() if row.get("batch") == batch
        }
    missing = [i for _, i in second if i not in committed]
    assert not missing, f"ids in labels_second.tsv that labels.jsonl lacks: {missing[:5]}"


def test_a_bad_line_names_the_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "second.tsv"
    bad.write_text("set\tid\tlabels\tnote\nholdout\trl-1\tmissile\tG2\n", encoding="utf-8")
    with pytest.raises(SystemExit, match=r"second\.tsv:2: unknown label 'missile'"):
        read_second(bad)


def test_a_blind_sample_lists_every_item_drawn_without_a_count(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`blind --sample N` lists N items (it stopped at 150 unless --count was given too)."""
    if not (DATA / "holdout2.jsonl").exists():
        pytest.skip("the real-news set is not rebuilt (python -m benchmarks.realnews.rebuild)")
    assert blind.main(["holdout2", "--sample", "200", "--seed", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 200 and len({line.split(" | ")[1] for line in lines}) == 200
