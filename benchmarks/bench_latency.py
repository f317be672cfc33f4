"""Latency: from a news item's appearance in a feed to its Slack post, with `newsbot run`.

    python -m benchmarks.bench_latency [--interval 2m] [--items 250] [--duration 1800]
                                       [--mode polled|hot|pushed|all] [--hot-interval 10s]
                                       [--out benchmarks/results]
    python -m benchmarks.bench_latency --short      # CI-sized: every mode, about 3 minutes

A local feed server serves one feed per item, empty at first; at random moments (uniform over
the duration) item n appears in feed n. Each is a missile-launch report from its own outlet, so
it is either a new story (a post) or a new source for an earlier one (a thread reply): a message
either way. `newsbot run` (a real process, the real scheduler, default tick and poll interval
unless --interval says otherwise) polls it and posts to the Slack stand-in. The delay of each
item is the time of its first message minus the time it appeared. Modes:
- polled: plain polling (hot mode off); target median <= interval/2 + 2 s;
- hot: the feeds are `hot = true` and a critical story is fresh (a seed feed reports one
  first), so they are polled every --hot-interval; target median <= hot interval/2 + 2 s;
- pushed: the feeds name a local WebSub hub (tests/hub.py), the bot subscribes through its
  public_url, and the hub pushes each item as it appears; target median <= 5 s.
The report gives median, p90, p95 and max per mode. Keep reports well below the channel's pace
(1 message a second by default; a report is a post, or a reply plus its parent's edit), or the
pace is what gets measured: 500 reports in 15 minutes gave a median of 75 s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bot.tools.feedserver import FeedServer
from bot.validate import parse_duration
from tests.conftest import rss
from tests.hub import LocalHub
from tests.peers import SlackStandIn

ROOT = Path(__file__).resolve().parent.parent
PLACES = ["Sunan", "Wonsan", "Sinpo", "Tongchang-ri", "Kusong", "Hamhung", "Sukchon", "Jangyon"]
KINDS = ["short-range ballistic missile", "cruise missiles", "an ICBM", "a hypersonic missile"]


SEED = {
    "title": "North Korea fires an ICBM that flew over Japan, J-Alert issued",
    "summary": "The intercontinental ballistic missile flew over Japan; residents told to take shelter.",
    "link": "https://wire.test/latency/seed",
    "guid": "latency-seed",
    "published": datetime.now(UTC),
}


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


MODES = ("polled", "hot", "pushed")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _with_hub(body: str, hub: str, topic: str) -> str:
    """The feed naming its WebSub hub and itself (atom:link rel=hub, rel=self)."""
    return body.replace(
        '<rss version="2.0">', '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">'
    ).replace(
        "<description>test</description>",
        f'<description>test</description><atom:link rel="hub" href="{hub}"/>'
        f'<atom:link rel="self" href="{topic}"/>',
        1,
    )


def _wait_for(done: Callable[[], bool], seconds: float) -> bool:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if done():
            return True
        time.sleep(0.2)
    return done()


def run(
    interval: str,
    items: int,
    duration: float,
    seed: int,
    mode: str = "polled",
    hot_interval: str = "10s",
) -> dict[str, object]:
    """One run of `newsbot run` in one mode:
    - polled: plain polling at `interval` (hot mode off);
    - hot: every feed has hot = true and a critical story is fresh first, so they are polled at
      `hot_interval`;
    - pushed: every feed names a local WebSub hub, which pushes each item as it appears
      (polling goes on at `interval`)."""
    rng = random.Random(seed)
    moments = sorted(rng.uniform(0, duration) for _ in range(items))
    published: dict[int, float] = {}
    with (
        FeedServer() as feeds,
        SlackStandIn() as slack,
        LocalHub() as hub,
        tempfile.TemporaryDirectory() as tmp,
    ):
        urls = [feeds.url(f"/wire{n}.xml") for n in range(items)]

        def body(n: int, *entries: dict[str, object]) -> str:
            text = rss(*entries, title=f"Wire {n}")
            return _with_hub(text, hub.url, urls[n]) if mode == "pushed" else text

        for n in range(items):
            feeds.set(f"/wire{n}.xml", body(n))
        seed_url = feeds.set("/seed.xml", rss(title="Seed"))
        config = Path(tmp) / "newsbot.toml"
        bot_keys = f'poll_interval = "{interval}"\n' if interval else ""
        port = _free_port() if mode == "pushed" else 0
        if mode == "polled":
            bot_keys += 'hot_window = "0s"\n'
        if mode == "hot":
            bot_keys += f'hot_interval = "{hot_interval}"\n'
        if mode == "pushed":
            bot_keys += f'public_url = "http://127.0.0.1:{port}"\n'
        hot = "hot = true\n" if mode == "hot" else ""
        config.write_text(
            f'[bot]\ndatabase = "sqlite:///{tmp}/newsbot.db"\nbackfill = "0s"\n{bot_keys}'
            f'rules = ["{ROOT / "config" / "rules" / "northkorea.toml"}"]\n'
            f"allow_private_networks = true\nhttp_port = {port}\n"
            + "".join(
                f'[[feeds]]\nname = "Wire {n}"\nurl = "{u}"\n{hot}' for n, u in enumerate(urls)
            )
            + f'[[feeds]]\nname = "Seed"\nurl = "{seed_url}"\n'
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
            time.sleep(5)  # the first poll: empty feeds, recorded
            if mode == "hot":  # a critical story, so that the hot feeds are polled fast
                feeds.set("/seed.xml", rss(SEED, title="Seed"))
                if not _wait_for(lambda: bool(slack.posts()), _seconds(interval) + 30):
                    raise SystemExit("the seed story was never posted")
            if mode == "pushed" and not _wait_for(
                lambda: (
                    len(hub.subscriptions) == items
                    and all(s.verified.is_set() for s in hub.subscriptions.values())
                ),
                60,
            ):
                raise SystemExit("not every feed subscribed to the hub")
            start = time.time()
            for n, moment in enumerate(moments):
                time.sleep(max(0.0, start + moment - time.time()))
                text = body(n, _item(n, rng))
                feeds.set(f"/wire{n}.xml", text)
                published[n] = time.time()
                if mode == "pushed":
                    hub.push(urls[n], text.encode())
            deadline = time.time() + _seconds(interval) * 2 + 30
            while time.time() < deadline and len(_posted(slack)) < items:
                time.sleep(0.5)
        finally:
            bot.send_signal(signal.SIGTERM)
            bot.wait(timeout=60)
        posted = _posted(slack)
    delays = sorted(posted[n] - published[n] for n in published if n in posted)
    seconds = _seconds(interval)
    period = _seconds(hot_interval) if mode == "hot" else seconds

    def pct(q: float) -> float | None:
        return (
            round(delays[min(len(delays) - 1, round(q * (len(delays) - 1)))], 2) if delays else None
        )

    target = 5.0 if mode == "pushed" else period / 2 + 2
    median = round(statistics.median(delays), 2) if delays else None
    return {
        "mode": mode,
        "interval_s": seconds,
        "hot_interval_s": _seconds(hot_interval) if mode == "hot" else None,
        "items": items,
        "posted": len(delays),
        "median_s": median,
        "p90_s": pct(0.90),
        "p95_s": pct(0.95),
        "max_s": round(delays[-1], 2) if delays else None,
        "delays_s": [round(d, 2) for d in delays],
        "targets": {"median_s": target, "p95_s": period + 5},
        "median_met": median is not None and median <= target,
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
    parser.add_argument("--mode", default="polled", help="polled, hot, pushed or all")
    parser.add_argument("--hot-interval", default="10s", help="bot.hot_interval in hot mode")
    parser.add_argument(
        "--short",
        action="store_true",
        help="CI-sized: every mode, 20s interval, 8 items over 40s each (about 3 minutes)",
    )
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results"))
    args = parser.parse_args()
    if args.short:
        args.interval, args.items, args.duration, args.mode = "20s", 8, 40.0, "all"
    modes = MODES if args.mode == "all" else tuple(args.mode.split(","))
    reports = [
        run(args.interval, args.items, args.duration, args.seed, mode, args.hot_interval)
        for mode in modes
    ]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    report: object = reports[0] if len(reports) == 1 else reports
    name = "latency.json" if len(reports) == 1 else "latency-modes.json"
    (out / name).write_text(json.dumps(report, indent=2))
    for r in reports:
        print(
            f"{r['mode']:>7}: {r['posted']}/{r['items']} posted, median {r['median_s']} s, "
            f"p90 {r['p90_s']} s, max {r['max_s']} s (target median <= "
            f"{r['targets']['median_s']:.1f} s: {'met' if r['median_met'] else 'NOT met'})"  # type: ignore[index]
        )


if __name__ == "__main__":
    main()
