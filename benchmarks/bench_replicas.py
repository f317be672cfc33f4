"""Scale-out: feeds polled per second by 1, 2 and 3 replicas sharing one PostgreSQL database.

    bash .ci/postgres                      # a local server; prints its URL
    python benchmarks/bench_replicas.py --database postgresql://postgres@127.0.0.1:55432/postgres

Every replica is a real `newsbot run` process (parsing in a thread, so one replica is one
process) against the benchmark feed farm (benchmarks/farm.py, its own process). Feeds are due
every second, so the replicas are saturated; every 2 s 10% of the feeds change (1-3 new items).
After a warm-up (the first, cold cycle), polls are counted for `--seconds` from the replicas' own
/metrics (newsbot_polls_total). PostgreSQL's cost is the CPU time of the server's processes over
the same window, per polled feed, and the time of one claim (`claim_due` of 200 due feeds) from
a separate client. Writes benchmarks/results/replicas.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from statistics import median
from urllib.request import urlopen

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.farm import Farm  # noqa: E402
from bot.store import Store  # noqa: E402
from tests.replicas import fresh_database  # noqa: E402

RULES = ROOT / "config" / "rules" / "northkorea.toml"


def postgres_cpu() -> float:
    """CPU seconds used so far by the PostgreSQL server's processes (all of them)."""
    total = 0.0
    for p in psutil.process_iter(["name", "cmdline"]):
        try:
            if p.info["name"] == "postgres" or "postgres:" in " ".join(p.info["cmdline"] or []):
                t = p.cpu_times()
                total += t.user + t.system
        except psutil.Error:
            pass
    return total


def polls(ports: list[int]) -> int:
    total = 0
    for port in ports:
        try:
            with urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
                text = r.read().decode()
        except OSError:
            continue
        total += int(
            sum(float(v) for v in re.findall(r"^newsbot_polls_total\{[^}]*\} (\S+)$", text, re.M))
        )
    return total


def one(farm: Farm, server: str, replicas: int, seconds: float, workdir: Path) -> dict[str, float]:
    database = fresh_database(server, "newsbot_bench")
    feeds = "".join(
        f'[[feeds]]\nname = "Farm {i}"\nurl = "{farm.url(i)}"\n' for i in range(farm.feeds)
    )
    config = workdir / f"replicas{replicas}.toml"
    config.write_text(
        f'[bot]\ndatabase = "{database}"\npoll_interval = "1s"\ntick = "1s"\njitter = 0.0\n'
        f'rules = ["{RULES}"]\nallow_private_networks = true\nbackfill = "0s"\n'
        "parse_processes = 0\nmax_concurrency = 32\nper_host_concurrency = 32\n"
        'claim_batch = 100\n[slack]\npace = "0s"\n\n' + feeds,
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "NEWSBOT_"))}
    ports = [18600 + n for n in range(replicas)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--config", str(config)],
            env={**env, "NEWSBOT_HTTP_PORT": str(port)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=ROOT,
        )
        for port in ports
    ]
    try:
        # warm-up: every feed's first (cold) poll, then two more seconds
        deadline = time.monotonic() + 600
        while polls(ports) < farm.feeds and time.monotonic() < deadline:
            time.sleep(0.5)
        time.sleep(2)
        mutations = 0
        cpu0, pg0, n0, t0 = _cpu(procs), postgres_cpu(), polls(ports), time.monotonic()
        next_mutation = t0
        while time.monotonic() - t0 < seconds:
            if time.monotonic() >= next_mutation:
                farm.mutate(0.1, seed=mutations)
                mutations += 1
                next_mutation += 2
            time.sleep(0.1)
        cpu1, pg1, n1, t1 = _cpu(procs), postgres_cpu(), polls(ports), time.monotonic()
        polled = n1 - n0
        claim_ms = _claim_time(database, farm)
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
    return {
        "replicas": replicas,
        "feeds_per_s": round(polled / (t1 - t0), 1),
        "newsbot_cpu_s_per_s": round((cpu1 - cpu0) / (t1 - t0), 2),
        "postgres_cpu_ms_per_feed": round(1000 * (pg1 - pg0) / max(polled, 1), 3),
        "claim_200_ms": claim_ms,
    }


def _cpu(procs: list[subprocess.Popen[bytes]]) -> float:
    total = 0.0
    for p in procs:
        try:
            t = psutil.Process(p.pid).cpu_times()
            total += t.user + t.system
        except psutil.Error:
            pass
    return total


def _claim_time(database: str, farm: Farm) -> float:
    """Median time of claiming 200 due feeds (of all of them) in one transaction, in ms."""
    store = Store.open(database)
    urls = [farm.url(i) for i in range(farm.feeds)]
    times = []
    try:
        for n in range(5):
            future = datetime.now(UTC) + timedelta(days=1 + n)
            t0 = time.perf_counter()
            store.claim_due(urls, future, future + timedelta(minutes=5), "bench", limit=200)
            times.append((time.perf_counter() - t0) * 1000)
    finally:
        store.close()
    return round(median(times), 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default=os.environ.get("NEWSBOT_TEST_POSTGRES", ""))
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--replicas", default="1,2,3")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "replicas.json"))
    args = parser.parse_args()
    if not args.database:
        parser.error("give --database (a PostgreSQL server URL; `bash .ci/postgres` starts one)")
    farm = Farm(feeds=args.feeds, items=args.items, slow=0.0, failing=0.0).start()
    results = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for n in (int(x) for x in args.replicas.split(",")):
                result = one(farm, args.database, n, args.seconds, Path(tmp))
                print(json.dumps(result), flush=True)
                results.append(result)
    finally:
        farm.stop()
    base = results[0]["feeds_per_s"] or 1
    for r in results:
        r["speed_up"] = round(r["feeds_per_s"] / base, 2)
    report = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "feeds": args.feeds,
        "items_per_feed": args.items,
        "seconds": args.seconds,
        "results": results,
    }
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
