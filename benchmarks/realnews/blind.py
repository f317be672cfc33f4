"""Print a rebuilt real-news set for a blind labelling pass: text only, no labels, no classifier.

    python -m benchmarks.realnews.blind dev --start 0 --count 150

Each line is "N | id | title || summary" (the summary cut at `--chars`), in a fixed order (by
id), so the labeller sees neither the committed labels nor what the classifier says. The labeller
writes a tab-separated file in the form of labels_second.tsv (set, id, labels, note) and
`python -m benchmarks.realnews.agreement --second FILE` compares it with labels.jsonl.
`--sample N` prints N items drawn with random.Random(`--seed`) from the id-sorted set, in the
order drawn (the second hold-out's second annotator: `holdout2 --sample 240 --seed 1818`);
`--start`/`--count` page through either order (without `--count`, to its end).
"""

from __future__ import annotations

import argparse
import json
import random
import sys

from benchmarks.realnews.rebuild import DATA


def ordered(name: str) -> list[dict[str, str]]:
    rows = [json.loads(line) for line in (DATA / f"{name}.jsonl").read_text("utf-8").splitlines()]
    return sorted(
        ({"id": r["id"], "title": r["title"], "summary": r["summary"]} for r in rows),
        key=lambda r: r["id"],
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("set", choices=["dev", "holdout", "holdout2"])
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("--count", type=int, help="this many lines (default: to the end)")
    parser.add_argument("--chars", type=int, default=420)
    parser.add_argument("--sample", type=int, help="N items at random, in the order drawn")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    rows = ordered(args.set)
    if args.sample:
        rows = random.Random(args.seed).sample(rows, min(args.sample, len(rows)))
    end = len(rows) if args.count is None else min(args.start + args.count, len(rows))
    for n in range(args.start, end):
        r = rows[n]
        summary = " ".join(r["summary"].split())[: args.chars]
        print(f"{n} | {r['id']} | {' '.join(r['title'].split())} || {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
