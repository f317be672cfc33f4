"""Latency: from a news item's appearance in a feed to its Slack post, with `newsbot run`.

    python -m benchmarks.bench_latency [--interval 2m] [--items 250] [--duration 1800]
                                       [--out benchmarks/results]

A local feed server serves one feed per item, empty at first; at random moments (uniform over
the duration) item n appears in feed n. Each is a missile-launch report from its own outlet, so
it is either a new story (a post) or a new source for an earlier one (a thread reply): a message
either way. `newsbot run` (a real process, the real scheduler,
default tick and poll interval unless --interval says otherwise) polls it and posts to the Slack
stand-in. The delay of each item is the time of its post minus the time it was published. The
report gives median, p95 and max, and the targets: median <= interval/2 + 2 s, p95 <= interval + 5 s.
A CI-sized run: --interval 5s --items 5 --duration 30. Keep reports well below the channel's
pace (1 message a second by default; a report is a post, or a reply plus its parent's edit), or
the pace is what gets measured: 500 reports in 15 minutes gave a median of 75 s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bot.tools.feedserver import FeedServer
from bot.validate import parse_duration
from tests.conftest import rss
from tests.peers import SlackStandIn

ROOT = Path(__file__).resolve().parent.parent
PLACES = ["Sunan", "Wonsan", "Sinpo", "Tongchang-ri", "Kusong", "Hamhung", "Sukchon", "Jangyon"]
KINDS = ["short-range ballistic missile", "cruise missiles", "an ICBM", "a hypersonic missile"]


def _item(n: int, rng: random.Random) -> dict[str, object]:
    place, kind = rng.choice(PLACES), rng.choice(KINDS)
    return {
        "title": f"North Korea fires {kind} from {place}, military says [probe {n}]",
        "summary": f"South Korea's Joint Chiefs of Staff said the launch from {place} was "
        f"detected in the morning; Japan's coast guard issued a warning. Probe {n}.",
        "link": f"https://wire.test/latency/{n}",
        "guid": f"latency-{n}",
        "published": datetime.now(UTC),
    }


def _seconds(interval: str) -> float:
    parsed = parse_duration(interval or "2m")
    if parsed is None:
        raise SystemExit(f"--interval {interval!r} is not a duration like 2m or 5s")
    return parsed.total_seconds()


def run(interval: str, items: int, duration: float, seed: int) -> dict[str, object]:
    rng = random.Random(seed)
    moments = sorted(rng.uniform(0, duration) for _ in range(items))
    published: dict[int, float] = {}
    with FeedServer() as feeds, SlackStandIn() as slack, tempfile.TemporaryDirectory() as tmp:
        urls = [feeds.set(f"/wire{n}.xml", rss(title=f"Wire {n}")) for n in range(items)]
        config = Path(tmp) / "newsbot.toml"
        poll = f'poll_interval = "{interval}"\n' if interval else ""
        config.write_text(
            f'[bot]\ndatabase = "sqlite:///{tmp}/newsbot.db"\nbackfill = "0s"\n{poll}'
            f'rules = ["{ROOT / "config" / "rules" / "northkorea.toml"}"]\n'
            f"allow_private_networks = true\nhttp_port = 0\n"
            + "".join(f'[[feeds]]\nname = "Wire {n}"\nurl = "{u}"\n' for n, u in enumerate(urls))
            + '[[channels]]\nchannel = "C0LATENCY"\nlabels = ["missile-test"]\nstorm_threshold = 1000\n'
        )
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "NEWSBOT_"))},
            "SLACK_BOT_TOKEN": "xoxb-latency",
            "NEWSBOT_SLACK_API_URL": slack.url,
        }
        bot = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--config", str(config)],
            env=env,
            cwd=tmp,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            time.sleep(5)  # the first poll: an empty feed, recorded
            start = time.time()
            for n, moment in enumerate(moments):
                time.sleep(max(0.0, start + moment - time.time()))
                feeds.set(f"/wire{n}.xml", rss(_item(n, rng), title=f"Wire {n}"))
                published[n] = time.time()
            deadline = time.time() + _seconds(interval) * 2 + 30
            while time.time() < deadline and len(_posted(slack)) < items:
                time.sleep(0.5)
        finally:
            bot.send_signal(signal.SIGTERM)
            bot.wait(timeout=60)
        posted = _posted(slack)
    delays = sorted(posted[n] - published[n] for n in published if n in posted)
    seconds = _seconds(interval)
    p95 = delays[min(len(delays) - 1, round(0.95 * (len(delays) - 1)))] if delays else None
    return {
        "interval_s": seconds,
        "items": items,
        "posted": len(delays),
        "median_s": round(statistics.median(delays), 2) if delays else None,
        "p95_s": round(p95, 2) if p95 is not None else None,
        "max_s": round(delays[-1], 2) if delays else None,
        "delays_s": [round(d, 2) for d in delays],
        "targets": {"median_s": seconds / 2 + 2, "p95_s": seconds + 5},
    }


def _posted(slack: SlackStandIn) -> dict[int, float]:
    """Probe number -> when its first message reached the stand-in."""
    first: dict[int, float] = {}
    for call in slack.posts():
        text = json.dumps(call.args)
        for part in text.split("probe ")[1:]:
            digits = part.split("]")[0].split(".")[0].strip()
            if digits.isdigit():
                first.setdefault(int(digits), call.at)
    return first


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--interval", default="", help="poll interval; default: the bot's own")
    parser.add_argument("--items", type=int, default=250)
    parser.add_argument("--duration", type=float, default=1800.0)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results"))
    args = parser.parse_args()
    report = run(args.interval, args.items, args.duration, args.seed)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "latency.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
