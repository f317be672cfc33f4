"""Story assignment cost with 100,000 items in the window, and the index's memory.

    python -m benchmarks.bench_stories [--items 100000] [--queries 2000] [--memory-items 10000]
                                       [--json out.json]

Generated reports (fixed seed) spread over 36 hours: most are unrelated news with a varied
vocabulary, a share are North Korea launch or diplomacy reports. The index is filled, then new
reports are assigned one at a time; the time of each `assign` (candidates + decision) is
recorded. Memory is the traced allocation growth while filling a second index with the first
`--memory-items` reports (tracing slows the fill tenfold, so it is not done at full size), per
item.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.domain.stories import StoryIndex, fingerprint
from bot.models import Classification, Item

SYLLABLES = "ba ko ri sen ta mu lo vi ne dra pel gon tur has mi qua ze fo lin rat".split()
# a news-sized vocabulary of made-up words: unrelated reports share few of them
WORDS = sorted({a + b + c for a in SYLLABLES for b in SYLLABLES for c in SYLLABLES})[:8000]
NK = [
    (
        "North Korea fires {c} ballistic missiles into East Sea",
        "Seoul said the launch came from near {p}.",
    ),
    (
        "Pyongyang test-fires {c} cruise missiles",
        "The missiles flew over the Yellow Sea, {p} officials said.",
    ),
    (
        "US envoy urges North Korea to resume talks",
        "The envoy met officials in {p} and called for dialogue.",
    ),
]
PLACES = ["Pyongyang", "Wonsan", "Sinpo", "Kusong", "Seoul", "Tokyo", "Beijing", "Hamhung"]
COUNTS = ["two", "three", "four", "several"]


def make(
    rng: random.Random, i: int, start: datetime
) -> tuple[str, str, tuple[str, ...], datetime, str]:
    when = start + timedelta(seconds=rng.uniform(0, 36 * 3600))
    if rng.random() < 0.05:
        title, lead = rng.choice(NK)
        labels = ("diplomacy",) if "talks" in title else ("missile-test",)
        return (
            title.format(c=rng.choice(COUNTS)),
            lead.format(p=rng.choice(PLACES)),
            labels,
            when,
            f"src{i % 40}",
        )
    words = rng.sample(WORDS, 14)
    labels = (rng.choice(["missile-test", "diplomacy"]),)  # worst case: every item is alertable
    return (
        " ".join(words[:7]).capitalize(),
        " ".join(words[7:]) + f" {i}.",
        labels,
        when,
        f"src{i % 40}",
    )


def fill(index: StoryIndex, items: int, rng: random.Random, start: datetime) -> None:
    for i in range(items):
        title, lead, labels, when, source = make(rng, i, start)
        fp = fingerprint(f"k{i}", title, lead, labels, when, source)
        item = Item(source, "", f"k{i}", "", title, lead, when)
        match = index.assign(fp)
        if match is None:
            index.create(fp, item, Classification(labels, {}, {}), when)
        else:
            index.join(match.story_id, fp, item, when)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--memory-items", type=int, default=10_000)
    parser.add_argument("--json")
    args = parser.parse_args()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    small = StoryIndex()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    fill(small, args.memory_items, random.Random(3), start)
    index_bytes = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    del small
    rng = random.Random(3)
    index = StoryIndex()
    fill_start = time.perf_counter()
    fill(index, args.items, rng, start)
    fill_seconds = time.perf_counter() - fill_start
    times = []
    for q in range(args.queries):
        title, lead, labels, when, source = make(rng, args.items + q, start)
        fp = fingerprint(f"q{q}", title, lead, labels, when, source)
        t0 = time.perf_counter()
        index.assign(fp)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    result = {
        "benchmark": "story assignment",
        "items_in_window": len(index),
        "stories": len(index.stories),
        "assign_ms_median": round(statistics.median(times), 3),
        "assign_ms_p95": round(times[int(0.95 * len(times))], 3),
        "fill_items_per_second": round(args.items / fill_seconds),
        "memory_items": args.memory_items,
        "index_bytes_per_item": round(index_bytes / max(args.memory_items, 1)),
        "python": platform.python_version(),
    }
    print(json.dumps(result, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
