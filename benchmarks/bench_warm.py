"""The warm cycle's cost per unchanged feed, against the floor of a conditional GET on loopback.

    python -m benchmarks.bench_warm [--feeds 1000] [--runs 3] [--cycles 3]

A feed farm (benchmarks/farm.py, no slow or failing feeds) runs in its own process. Each run
starts two fresh processes, one after the other, against it:

  floor  the bot's HTTP stack alone: `FeedClients` with the bot's default settings (20
         connections in pools of 4, each an httpx transport: `FeedClient`), `max_concurrency`
         (20) requests in flight, each a GET with the feed's ETag in If-None-Match, answered
         304. Also timed: the same through
         `bot.poll.fetch.fetch` (URL checks, streaming, the result), to show where the rest goes.
  bot    a running bot (`build_app`) on SQLite with the default settings, after one cold cycle:
         every feed comes due (the bot's clock moves on by an hour) and the scheduler's path
         (`Pipeline.start_due`, slots refilled as polls finish) polls them all; every answer
         is a 304.

Each reports CPU seconds per feed (`time.process_time`: all the process's threads) and wall
seconds per feed, the median of `--cycles` cycles; the report gives the medians over the runs
and the ratio bot / floor. The farm's CPU is not counted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.bench_farm import feed_tables

ROOT = Path(__file__).resolve().parent.parent


def _config(port: int, feeds: int, workdir: Path) -> Path:
    path = workdir / "newsbot.toml"
    body = feed_tables(port, feeds)
    path.write_text(
        f'[bot]\ndatabase = "sqlite:///{workdir}/warm.db"\nallow_private_networks = true\n'
        f'rules = ["{ROOT / "config" / "rules" / "northkorea.toml"}"]\n{body}'
        '[[channels]]\nchannel = "#bench"\nlabels = ["missile-test", "diplomacy"]\n'
    )
    return path


def child_floor(port: int, feeds: int, cycles: int) -> dict[str, float]:
    from bot.poll.fetch import FeedClients, fetch
    from bot.service.config import BotConfig

    bot = BotConfig()
    urls = [f"http://127.0.0.1:{port}/feed{i}.xml" for i in range(feeds)]

    async def main() -> dict[str, float]:
        http = FeedClients(
            connect_timeout=bot.connect_timeout.total_seconds(),
            read_timeout=bot.read_timeout.total_seconds(),
            max_connections=bot.max_concurrency,
        )
        limit = asyncio.Semaphore(bot.max_concurrency)
        etags: dict[str, str] = {}

        async def plain(url: str) -> None:
            async with limit:
                with http.client_for(url) as client:
                    headers = {"If-None-Match": etags[url]} if url in etags else {}
                    async with client.stream(url, headers) as r:
                        await r.aread()
                    if url not in etags:
                        etags[url] = r.headers["ETag"]
                    elif r.status_code != 304:
                        raise SystemExit(f"{url}: {r.status_code}, not 304")

        async def through_fetch(url: str) -> None:
            async with limit:
                with http.client_for(url) as client:
                    got = await fetch(
                        client,
                        url,
                        etag=etags[url],
                        last_modified=None,
                        max_bytes=bot.max_feed_bytes,
                        deadline=40.0,
                        now=_now(),
                        allow_private=True,
                    )
                    if got.status != 304:
                        raise SystemExit(f"{url}: {got.status}, not 304")

        await asyncio.gather(*(plain(u) for u in urls))  # learn the ETags (not timed)
        out: dict[str, list[float]] = {"cpu": [], "wall": [], "fetch_cpu": [], "fetch_wall": []}
        for _ in range(cycles):
            for name, one in (("", plain), ("fetch_", through_fetch)):
                c0, t0 = time.process_time(), time.perf_counter()
                await asyncio.gather(*(one(u) for u in urls))
                out[name + "cpu"].append((time.process_time() - c0) / feeds)
                out[name + "wall"].append((time.perf_counter() - t0) / feeds)
        await http.aclose()
        return {k: statistics.median(v) for k, v in out.items()}

    return asyncio.run(main())


def _now() -> datetime:
    return datetime.now(UTC)


def child_bot(port: int, feeds: int, cycles: int, workdir: Path) -> dict[str, float]:
    from datetime import timedelta

    from bot.service.app import build_app
    from bot.service.config import load_config

    config = load_config(str(_config(port, feeds, workdir)), {})
    moment = [_now()]

    async def main() -> dict[str, float]:
        app = build_app(config, clock=lambda: moment[0])
        pipeline = app.pipeline
        registry = pipeline.metrics.registry

        def answered_304() -> float:
            return sum(
                registry.get_sample_value(
                    "newsbot_polls_total", {"feed": f"Farm {i}", "outcome": "304"}
                )
                or 0.0
                for i in range(feeds)
            )

        try:
            await pipeline.poll_all()  # cold: every feed new (not timed)
            cpu: list[float] = []
            wall: list[float] = []
            for _ in range(cycles):
                moment[0] += timedelta(hours=1)  # every feed is due
                before = answered_304()
                c0, t0 = time.process_time(), time.perf_counter()
                pipeline.start_due()
                while in_flight := pipeline.polls_in_flight():
                    await asyncio.wait(in_flight)
                await asyncio.sleep(0)  # the last refill records the last 304s
                cpu.append((time.process_time() - c0) / feeds)
                wall.append((time.perf_counter() - t0) / feeds)
                after = answered_304()
                if after - before != feeds:
                    raise SystemExit(f"{after - before} of {feeds} feeds answered 304")
            return {"cpu": statistics.median(cpu), "wall": statistics.median(wall)}
        finally:
            await app.aclose()

    return asyncio.run(main())


def _child(kind: str, port: int, feeds: int, cycles: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "benchmarks.bench_warm", "--child", kind]
        cmd += ["--port", str(port), "--feeds", str(feeds), "--cycles", str(cycles)]
        cmd += ["--workdir", tmp]
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=1800)
        if done.returncode != 0:
            raise RuntimeError(done.stderr[-3000:])
        result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cycles", type=int, default=3)
    parser.add_argument("--json", help="write the report here")
    parser.add_argument("--child")
    parser.add_argument("--port", type=int)
    parser.add_argument("--workdir")
    args = parser.parse_args()
    if args.child:
        result = (
            child_floor(args.port, args.feeds, args.cycles)
            if args.child == "floor"
            else child_bot(args.port, args.feeds, args.cycles, Path(args.workdir))
        )
        print(json.dumps(result))
        return
    from benchmarks.farm import Farm

    farm = Farm(feeds=args.feeds, items=5, slow=0, failing=0).start()
    floors, bots = [], []
    load = [os.getloadavg()[0]]
    try:
        for run in range(args.runs):
            floors.append(_child("floor", farm.port, args.feeds, args.cycles))
            bots.append(_child("bot", farm.port, args.feeds, args.cycles))
            print(f"run {run + 1}: floor {floors[-1]}, bot {bots[-1]}", file=sys.stderr)
            load.append(os.getloadavg()[0])
    finally:
        farm.stop()

    def med(rows: list[dict[str, float]], key: str) -> float:
        return statistics.median(r[key] for r in rows)

    report = {
        "feeds": args.feeds,
        "runs": args.runs,
        "cycles_per_run": args.cycles,
        "load_average_1min": [round(x, 2) for x in load],
        "per_feed_ms": {
            "floor: httpx conditional GET": {
                "cpu": round(med(floors, "cpu") * 1000, 3),
                "wall": round(med(floors, "wall") * 1000, 3),
            },
            "floor through bot.poll.fetch.fetch": {
                "cpu": round(med(floors, "fetch_cpu") * 1000, 3),
                "wall": round(med(floors, "fetch_wall") * 1000, 3),
            },
            "bot warm cycle": {
                "cpu": round(med(bots, "cpu") * 1000, 3),
                "wall": round(med(bots, "wall") * 1000, 3),
            },
        },
        "ratio_bot_over_floor": {
            "cpu": round(med(bots, "cpu") / med(floors, "cpu"), 2),
            "wall": round(med(bots, "wall") / med(floors, "wall"), 2),
        },
        "per_run": {"floor": floors, "bot": bots},
    }
    text = json.dumps(report, indent=2)
    if args.json:
        Path(args.json).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
