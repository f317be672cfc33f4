"""Classification speed: items per second on one core for ~100-word items.

    python -m benchmarks.bench_classify [--items 20000] [--bulk] [--json out.json]

Items are generated from a fixed seed: a mix of North Korea launch and diplomacy reports and
look-alike noise, each a title plus a summary of about 100 words.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import time
from pathlib import Path

from bot.classify import classify
from bot.config import load_config

ROOT = Path(__file__).resolve().parent.parent

SUBJECTS = [
    "North Korea",
    "Pyongyang",
    "the DPRK",
    "Kim Jong Un's military",
    "Iran",
    "Russia",
    "SpaceX",
    "Samsung",
    "the union",
]
VERBS = [
    "fired",
    "launched",
    "test-fired",
    "unveiled",
    "announced",
    "resumed",
    "rejected",
    "signed",
    "discussed",
]
OBJECTS = [
    "a ballistic missile",
    "two cruise missiles",
    "a new ICBM",
    "a satellite",
    "talks",
    "a summit",
    "sanctions",
    "a phone",
    "wage talks",
    "a rocket",
]
FILLER = [
    "officials",
    "said",
    "on",
    "Tuesday",
    "that",
    "the",
    "move",
    "was",
    "closely",
    "watched",
    "by",
    "neighbours",
    "and",
    "analysts",
    "who",
    "track",
    "the",
    "region,",
    "adding",
    "that",
    "further",
    "details",
    "would",
    "follow",
    "after",
    "a",
    "review",
    "of",
    "data",
    "gathered",
    "by",
    "radar",
    "and",
    "satellites",
    "as",
    "well",
    "as",
    "statements",
    "from",
    "the",
    "government",
    "and",
    "its",
    "partners",
    "abroad",
]


def make_items(n: int, seed: int = 7) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    items = []
    for _ in range(n):
        title = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}"
        words = [rng.choice(SUBJECTS), rng.choice(VERBS), rng.choice(OBJECTS)]
        while len(words) < 100:
            words.append(rng.choice(FILLER))
            if rng.random() < 0.08:
                words.append(".")
                words.extend([rng.choice(SUBJECTS), rng.choice(VERBS), rng.choice(OBJECTS)])
        items.append((title, " ".join(words).replace(" .", ".")))
    return items


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json")
    parser.add_argument(
        "--bulk",
        action="store_true",
        help="the pipeline's way (explain=False: evidence only where a pack can label)",
    )
    parser.add_argument(
        "--dataset",
        help="JSON lines {title, summary} to classify instead of the generated items (for "
        "example the real-news whole days, benchmarks/realnews/data/days.jsonl)",
    )
    args = parser.parse_args()
    explain = not args.bulk
    packs = load_config(str(ROOT / "config" / "newsbot.toml"), {}).packs
    if args.dataset:
        rows = [json.loads(line) for line in Path(args.dataset).read_text().splitlines() if line]
        items = [(r["title"], r.get("summary", "")) for r in rows]
    else:
        items = make_items(args.items)
    words = statistics.mean(len((t + " " + s).split()) for t, s in items)
    for t, s in items[:500]:  # warm the stem cache the way a running bot has it warm
        classify(packs, t, s)
    rates = []
    labelled = 0
    for _ in range(args.runs):
        start = time.process_time()
        labelled = sum(bool(classify(packs, t, s, explain=explain).labels) for t, s in items)
        rates.append(len(items) / (time.process_time() - start))
    result = {
        "benchmark": "classify (bulk)" if args.bulk else "classify",
        "items": len(items),
        "mean_words_per_item": round(words, 1),
        "labelled_share": round(labelled / len(items), 3),
        "items_per_cpu_second_median": round(statistics.median(rates)),
        "items_per_cpu_second_runs": [round(r) for r in rates],
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {platform.processor() or 'cpu'}",
    }
    print(json.dumps(result, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
