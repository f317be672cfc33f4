"""The bootstrap interval of F1 (benchmarks/realnews/interval.py)."""

from __future__ import annotations

from benchmarks.realnews.interval import f1_of, interval


def test_perfect_labels_have_an_interval_of_one_point() -> None:
    pairs = [(True, True)] * 5 + [(False, False)] * 15
    assert f1_of(pairs) == 1.0
    assert interval(pairs, rounds=200) == (1.0, 1.0)


def test_the_interval_is_seeded_and_holds_the_figure() -> None:
    # 8 right, 2 missed, 2 false: F1 0.8
    pairs = [(True, True)] * 8 + [(True, False)] * 2 + [(False, True)] * 2 + [(False, False)] * 28
    assert round(f1_of(pairs), 9) == 0.8
    low, high = interval(pairs, rounds=500, seed=1)
    assert (low, high) == interval(pairs, rounds=500, seed=1)
    assert low < 0.8 < high <= 1.0
