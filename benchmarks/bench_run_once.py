"""`newsbot run --once` over a local feed set, twice: the cold run, then the all-304 run.

    python -m benchmarks.bench_run_once [--feeds 50] [--items 20] [--json out.json]

A local feed server serves generated feeds (a small share of items are North Korea launch or
diplomacy reports, one per feed at most); the Slack stand-in receives the alerts. Reports feeds,
entries, alerts posted and wall time for each run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.tools.feedserver import FeedServer
from tests.conftest import rss
from tests.peers import SlackStandIn

ROOT = Path(__file__).resolve().parent.parent

NEWS = [
    (
        "North Korea fires {n} short-range ballistic missiles into the East Sea",
        "Seoul's Joint Chiefs of Staff said the missiles were launched from near Pyongyang, report {f}.",
    ),
    (
        "US envoy calls on Pyongyang to return to talks",
        "The special representative said Washington is ready for dialogue without preconditions, report {f}.",
    ),
]
NOISE = [
    (
        "City council approves budget for new tram line {n}",
        "The vote passed after a long debate about costs and routes.",
    ),
    ("Local team wins cup final {n}-1", "Supporters celebrated in the main square until late."),
    (
        "Chipmaker shares rise after earnings beat, quarter {n}",
        "Analysts pointed to strong demand for memory chips.",
    ),
    (
        "Storm warning issued for coastal areas, day {n}",
        "Forecasters expect heavy rain and strong winds.",
    ),
]


def build_feed(index: int, items: int, now: datetime) -> str:
    entries = []
    for k in range(items):
        if k == 0 and index % 5 == 0:
            title, summary = NEWS[(index // 5) % len(NEWS)]
        else:
            title, summary = NOISE[k % len(NOISE)]
        entries.append(
            {
                "title": title.format(n=k + index, f=index),
                "summary": summary.format(n=k, f=index),
                "link": f"https://feeds.test/{index}/{k}",
                "guid": f"f{index}-i{k}",
                "published": now - timedelta(minutes=k + 1),
            }
        )
    return rss(*entries, title=f"Feed {index}")


def run(config: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "bot", "run", "--once", "--config", str(config)],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--feeds", type=int, default=50)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--json")
    args = parser.parse_args()
    now = datetime.now(UTC)
    with FeedServer() as server, SlackStandIn() as slack, tempfile.TemporaryDirectory() as tmp:
        feeds_toml = ""
        for i in range(args.feeds):
            url = server.set(f"/feed{i}.xml", build_feed(i, args.items, now))
            feeds_toml += f'[[feeds]]\nname = "Feed {i}"\nurl = "{url}"\n'
        config = Path(tmp) / "newsbot.toml"
        config.write_text(
            f'[bot]\ndatabase = "sqlite:///{tmp}/bench.db"\nrules = ["{ROOT / "config" / "rules" / "northkorea.toml"}"]\n'
            f'[slack]\npace = "0s"\n{feeds_toml}'
            '[[channels]]\nchannel = "C0BENCH"\nlabels = ["missile-test", "diplomacy"]\nstorm_threshold = 100000\n'
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "NEWSBOT_"))}
        env.update(
            SLACK_BOT_TOKEN="xoxb-bench",
            NEWSBOT_SLACK_API_URL=slack.url,
            NEWSBOT_ALLOW_PRIVATE_NETWORKS="1",
        )
        cold = run(config, env)
        cold_posts = len(slack.posts())
        warm = run(config, env)
        result = {
            "benchmark": "run --once",
            "feeds": args.feeds,
            "entries": args.feeds * args.items,
            "cold_run_seconds": round(cold, 2),
            "alerts_posted_cold": cold_posts,
            "expected_alerts": sum(1 for i in range(args.feeds) if i % 5 == 0),
            "warm_run_seconds": round(warm, 2),
            "alerts_posted_warm": len(slack.posts()) - cold_posts,
            "http_304s_warm": sum(1 for r in server.requests[args.feeds :] if r.status == 304),
        }
    print(json.dumps(result, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
