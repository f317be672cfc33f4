"""Parse CPU per feed on real outlets' feeds: newsbot beside feedparser and `reader`'s parser.

    python -m benchmarks.realfeeds                # once: fill the cache of real feeds
    python -m benchmarks.bench_parse [--runs 5] [--out benchmarks/results]

For every cached real feed (benchmarks/realfeeds.toml) and one feed of the project's own
generator (benchmarks/farm.py, 50 items), each run times, in CPU seconds of this process:
  newsbot     bot.poll.parse.parse_feed, as the bot calls it (fast road where it applies)
  feedparser  parse_feed(fast=False): feedparser with newsbot's options (no sanitiser)
  fp-default  feedparser.parse with its defaults (sanitiser and URI resolution on)
  reader      reader's FeedparserParser, the parser `reader` updates feeds with
The report gives the median over the runs, per feed and summed, and which road each feed took.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def _systems() -> dict[str, Callable[[bytes, str], object]]:
    import feedparser

    from bot.errors import FeedParseError
    from bot.poll.parse import parse_feed

    def newsbot(fast: bool) -> Callable[[bytes, str], object]:
        def run(body: bytes, content_type: str) -> object:
            try:
                return parse_feed(
                    body,
                    url="https://outlet.test/feed",
                    feed_name="Outlet",
                    now=NOW,
                    content_type=content_type,
                    fast=fast,
                )
            except FeedParseError:
                return None

        return run

    systems: dict[str, Callable[[bytes, str], object]] = {
        "newsbot": newsbot(True),
        "feedparser": newsbot(False),
        "fp-default": lambda body, ct: feedparser.parse(
            body, response_headers={"content-type": ct}
        ),
    }
    try:
        from reader._parser.feedparser import FeedparserParser
        from reader.exceptions import ParseError

        parser = FeedparserParser()

        def read(body: bytes, content_type: str) -> object:
            try:
                return parser(
                    "https://outlet.test/feed", io.BytesIO(body), {"content-type": content_type}
                )
            except ParseError:
                return None

        systems["reader"] = read
    except ImportError:
        print(
            "reader is not installed (pip install -e '.[bench]'): no reader column", file=sys.stderr
        )
    return systems


def _feeds() -> list[tuple[str, bytes, str]]:
    from benchmarks.farm import _State
    from benchmarks.realfeeds import available

    real = [(f.outlet, f.body(), f.content_type) for f in available()]
    if not real:
        print("no real feeds cached: run `python -m benchmarks.realfeeds` first", file=sys.stderr)
    farm = _State(feeds=1, items=50, slow=0, failing=0)
    return [*real, ("farm generator (50 items)", farm.bodies[0][0], "application/rss+xml")]


def _cpu_ms(run: Callable[[bytes, str], object], body: bytes, ct: str, budget: float) -> float:
    """CPU ms per parse: as many parses as fit in `budget` CPU seconds (at least 2)."""
    n, start = 0, time.process_time()
    while True:
        run(body, ct)
        n += 1
        spent = time.process_time() - start
        if n >= 2 and spent >= budget:
            return 1000 * spent / n


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--budget", type=float, default=0.05, help="CPU s per feed per system")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results"))
    parser.add_argument("--label", default="", help="a name for this report, e.g. a commit")
    args = parser.parse_args()

    from bot.poll import feedxml
    from bot.poll.parse import parse_feed

    systems = _systems()
    feeds = _feeds()
    samples: dict[str, dict[str, list[float]]] = {
        name: {s: [] for s in systems} for name, *_ in feeds
    }
    for run in range(args.runs):
        for name, body, ct in feeds:
            for system, call in systems.items():
                samples[name][system].append(_cpu_ms(call, body, ct, args.budget))
        print(f"run {run + 1} of {args.runs} done", file=sys.stderr)
    rows = []
    for name, body, ct in feeds:
        items = (
            len(
                parse_feed(
                    body, url="https://outlet.test/feed", feed_name="O", now=NOW, content_type=ct
                ).items
            )
            if _parses(body, ct)
            else 0
        )
        rows.append(
            {
                "feed": name,
                "kb": round(len(body) / 1024, 1),
                "items": items,
                "road": "fast" if feedxml.read(body, ct) is not None else "feedparser",
                **{s: round(statistics.median(v), 2) for s, v in samples[name].items()},
            }
        )
    real = [r for r in rows if not r["feed"].startswith("farm generator")]
    totals = {s: round(sum(float(r[s]) for r in real), 1) for s in systems}
    report = {
        "label": args.label,
        "runs": args.runs,
        "unit": "CPU ms per parse, median of the runs",
        "real_feeds": len(real),
        "real_feeds_on_fast_road": sum(r["road"] == "fast" for r in real),
        "sum_over_real_feeds_ms": totals,
        "rows": rows,
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "parse_real.json").write_text(json.dumps(report, indent=2))
    cols = list(systems)
    print(f"{'feed':28} {'KB':>6} {'items':>5} {'road':10} " + " ".join(f"{c:>10}" for c in cols))
    for r in rows:
        print(
            f"{r['feed'][:28]:28} {r['kb']:>6} {r['items']:>5} {r['road']:10} "
            + " ".join(f"{r[c]:>10}" for c in cols)
        )
    print(
        f"{'sum over ' + str(len(real)) + ' real feeds':28} {'':>6} {'':>5} "
        f"{str(report['real_feeds_on_fast_road']) + ' fast':10} "
        + " ".join(f"{totals[c]:>10}" for c in cols)
    )


def _parses(body: bytes, ct: str) -> bool:
    from bot.errors import FeedParseError
    from bot.poll.parse import parse_feed

    try:
        parse_feed(body, url="https://outlet.test/feed", feed_name="O", now=NOW, content_type=ct)
    except FeedParseError:
        return False
    return True


if __name__ == "__main__":
    main()
