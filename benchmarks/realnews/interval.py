"""How far a labelled set's F1 can be trusted: a 95% bootstrap interval over its items.

    python -m benchmarks.realnews.interval benchmarks/realnews/data/holdout2.jsonl [--model]

The default pack (rules alone; with `--model`, its learned model switched on) scores the set
once; then the items are resampled with replacement, `--rounds` times with
random.Random(`--seed`), and each label's F1 is taken on every resample. The interval is the
2.5th and 97.5th percentiles of those F1s. It prints figures only, never an item, so it can run
on a blind measurement set.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from bot.tools.evaluate import LabelScore

LABELS = ("missile-test", "diplomacy")


def f1_of(pairs: Sequence[tuple[bool, bool]]) -> float:
    """F1 of (wanted, got) pairs of one label."""
    return LabelScore(
        tp=sum(w and g for w, g in pairs),
        fp=sum(g and not w for w, g in pairs),
        fn=sum(w and not g for w, g in pairs),
    ).f1


def interval(
    pairs: Sequence[tuple[bool, bool]], *, rounds: int = 2000, seed: int = 95
) -> tuple[float, float]:
    """The 95% percentile bootstrap interval of F1 over the items (their (wanted, got) pairs)."""
    rng = random.Random(seed)
    n = len(pairs)
    scores = sorted(f1_of([pairs[rng.randrange(n)] for _ in range(n)]) for _ in range(rounds))
    return scores[int(0.025 * rounds)], scores[min(rounds - 1, int(0.975 * rounds))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset")
    parser.add_argument("--model", action="store_true", help="the pack's learned model on")
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=95)
    args = parser.parse_args(argv)

    from bot.domain.classify import classify
    from bot.domain.classify.model import bundled
    from bot.service.config import load_config

    packs = [
        replace(p, model=p.model or p.name if args.model and bundled(p.model or p.name) else None)
        for p in load_config(None, {}).packs
    ]
    rows = [json.loads(line) for line in Path(args.dataset).read_text("utf-8").splitlines()]
    got = [set(classify(packs, r["title"], r.get("summary", "")).labels) for r in rows]
    how = "rules + model" if args.model else "rules only"
    print(f"{args.dataset}: {len(rows)} items, {how}, {args.rounds} resamples (seed {args.seed})")
    for label in LABELS:
        pairs = [(label in r["labels"], label in g) for r, g in zip(rows, got, strict=True)]
        low, high = interval(pairs, rounds=args.rounds, seed=args.seed)
        print(f"  {label}: F1 {f1_of(pairs):.3f}, 95% interval {low:.3f} to {high:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
