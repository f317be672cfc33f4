"""How far two annotators agree on the real sets, and the classifier against each of them.

    python -m benchmarks.realnews.agreement [--second benchmarks/realnews/labels_second.tsv]

The committed labels (labels.jsonl, in the rebuilt sets under data/) are annotator A's. A second
annotator labelled the 2021 and 2025 measurement sets, the hold-out and the third and fourth
dev rounds (round3, dev-round3.jsonl; round4, dev-round4.jsonl) again, independently: from
GUIDELINES.md and each item's title and summary alone, without A's labels or any classifier
output. Round3 and round4 are dev: the rules were tuned on them after A labelled them, so their
"rules" figures are tuned ones. Set holdout2 is the whole second hold-out (240 items), labelled
by a second annotator in a seeded order (`blind holdout2 --sample 240 --seed 1818 --count 240`)
before seeing A's labels; it replaced an earlier pass on a seeded 80 by A's own session (a
test-retest, which agreed on all 80). Their labels are
labels_second.tsv (set, id, labels, note; "-" for none; a note that starts with UNSURE marks an
item they could not decide).

For each set and label the script prints Cohen's kappa of A and B, B's precision, recall and F1
against A (the F1 two careful readers of the guidelines reach), and the default pack's rules
against A, against B and on the items where A and B agree. It prints figures only, never an
item, so it can run on the blind 2025 set.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from benchmarks.realnews.rebuild import DATA, HERE
from bot.tools.evaluate import LabelScore

LABELS = ("missile-test", "diplomacy")
SETS = {
    "2021": "measure2021.jsonl",
    "2025": "measure2025.jsonl",
    "holdout": "holdout.jsonl",
    "holdout2": "holdout2.jsonl",
    "dev": "dev.jsonl",
    "round3": "dev-round3.jsonl",
    "round4": "dev-round4.jsonl",
}
SECOND = HERE / "labels_second.tsv"


@dataclass
class Pairs(LabelScore):
    """Counts of one label over the same items, `want` the reference, `got` the other; the
    true negatives too, for kappa."""

    tn: int = 0

    @classmethod
    def of(cls, want: Sequence[bool], got: Sequence[bool]) -> Pairs:
        pairs = list(zip(want, got, strict=True))
        return cls(
            tp=sum(w and g for w, g in pairs),
            fp=sum(g and not w for w, g in pairs),
            fn=sum(w and not g for w, g in pairs),
            tn=sum(not w and not g for w, g in pairs),
        )

    @property
    def kappa(self) -> float:
        """Cohen's kappa: agreement beyond what the two rates of "yes" give by chance."""
        n = self.tp + self.fp + self.fn + self.tn
        observed = (self.tp + self.tn) / n
        yes_a, yes_b = (self.tp + self.fn) / n, (self.tp + self.fp) / n
        chance = yes_a * yes_b + (1 - yes_a) * (1 - yes_b)
        return (observed - chance) / (1 - chance) if chance < 1 else 1.0

    def line(self) -> str:
        return f"P {self.precision:.3f} R {self.recall:.3f} F1 {self.f1:.3f}"


def read_second(path: Path) -> dict[tuple[str, str], tuple[frozenset[str], bool]]:
    """(set, id) -> (labels, unsure) of a second annotator's file."""
    out: dict[tuple[str, str], tuple[frozenset[str], bool]] = {}
    for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        cells = line.split("\t")
        if n == 1 and cells[0] == "set":
            continue
        if len(cells) < 3:
            raise SystemExit(f"{path}:{n}: expected set, id, labels[, note] separated by tabs")
        raw = cells[2].strip()
        labels = frozenset() if raw in ("", "-") else frozenset(x.strip() for x in raw.split(","))
        unknown = labels - set(LABELS)
        if unknown:
            raise SystemExit(f"{path}:{n}: unknown label {sorted(unknown)[0]!r}")
        unsure = len(cells) > 3 and cells[3].startswith("UNSURE")
        out[(cells[0], cells[1])] = (labels, unsure)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--second", default=str(SECOND))
    args = parser.parse_args(argv)

    from bot.domain.classify import classify
    from bot.service.config import load_config

    packs = [replace(p, model=None) for p in load_config(None, {}).packs]
    second = read_second(Path(args.second))
    for name, file in SETS.items():
        path = DATA / file
        if not path.exists():
            print(f"{name}: {path.name} not rebuilt (benchmarks/realnews/rebuild.py), skipped")
            continue
        rows = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
        rows = [r for r in rows if (name, r["id"]) in second]
        if not rows:
            continue
        unsure = sum(second[(name, r["id"])][1] for r in rows)
        print(
            f"{name}: {len(rows)} items labelled by both annotators ({unsure} marked unsure by B)"
        )
        rules = [set(classify(packs, r["title"], r.get("summary", "")).labels) for r in rows]
        for label in LABELS:
            a = [label in r["labels"] for r in rows]
            b = [label in second[(name, r["id"])][0] for r in rows]
            c = [label in got for got in rules]
            ab = Pairs.of(a, b)
            same = [i for i in range(len(rows)) if a[i] == b[i]]
            print(
                f"  {label}: A {sum(a)}, B {sum(b)}, differ on {ab.fp + ab.fn}, kappa {ab.kappa:.3f}"
            )
            print(f"    B against A          {ab.line()}")
            print(f"    rules against A      {Pairs.of(a, c).line()}")
            print(f"    rules against B      {Pairs.of(b, c).line()}")
            print(
                f"    rules where A = B    {Pairs.of([a[i] for i in same], [c[i] for i in same]).line()}"
                f" ({len(same)} items)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
