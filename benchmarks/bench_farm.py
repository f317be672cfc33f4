"""Feed-farm benchmark: newsbot and `reader` updating the same local farm, side by side.

    python -m benchmarks.bench_farm [--feeds 1000] [--items 50] [--runs 3] [--out benchmarks/results]
    python -m benchmarks.bench_farm --farm real [--feeds 300]   # real outlets' feeds (see below)

For each run and each system a fresh farm process is started, and the system runs in its own
process through three scenarios:
  cold       every feed new: every entry parsed, classified, deduplicated (newsbot: backfill off,
             so the whole pipe runs and alerts reach a local Slack stand-in)
  warm       nothing changed: every feed answers 304
  realistic  10% of feeds changed, with 1-3 new entries each
Each is reported as wall time, CPU time (the process and its children), peak RSS, feeds/s.
These are steady-state cycles of one running process (`--mode cycles`). `--mode processes`
measures whole processes instead, as a cron job or a restart runs them: `newsbot run --once`
(the real command line, Slack stand-in included) and a `reader` script (make_reader,
add_feed on the first run, update_feeds), once cold (a new database) and once warm (the same
database, every feed answering 304), wall and CPU from spawn to exit, peak RSS summed over the
process tree (sampled every 20 ms with psutil). `--mode both` (the default) does both.
The report (median of the runs, newsbot/reader ratios) goes to out/farm.json and out/farm.png.
`--baseline DIR --mode processes` also runs newsbot from the code in DIR (say, `git archive
<commit> | tar -x -C DIR`) as the system "baseline", alternating with the others in each run,
for before/after figures from the same minutes. Each scenario reports the alerts it posted.
`--systems newsbot,reader,floor --mode processes` adds the floor (benchmarks/floor_client.py:
an httpx poller that fetches every feed and keeps its validators, nothing more), the best
ratio to `reader` any bot on this HTTP stack could reach on the farm.
`--farm real` serves real outlets' saved feeds (benchmarks/realfeeds.py, cached by
`python -m benchmarks.realfeeds`) instead of generated ones; its report is out/farm-real.json.
`--no-faults` serves the farm without its 1% slow (1.5 s) and 1% failing feeds, so a run is
judged on the feeds themselves (out/farm-nofaults.json, farm-real-nofaults.json); the default
farm keeps them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing as mp
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from benchmarks.farm import Farm

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ("cold", "warm", "realistic")
_PEERS: set[int] = set()  # pids of peer processes, not counted as newsbot's CPU or memory


def _usage() -> tuple[float, float]:
    """CPU seconds of this process and all its children, live ones included (the parsing
    workers stay alive), and peak RSS in MB of this process plus its live children."""
    import psutil

    me = psutil.Process()
    t = me.cpu_times()
    cpu = t.user + t.system + t.children_user + t.children_system
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for child in me.children(recursive=True):
        if child.pid in _PEERS:
            continue  # the Slack stand-in: a peer, like the feed farm
        try:
            ct = child.cpu_times()
            cpu += ct.user + ct.system
            rss += child.memory_info().rss / 2**20
        except psutil.Error:
            pass
    return cpu, rss


@contextmanager
def _measured(out: dict[str, dict[str, float]], name: str, feeds: int) -> Iterator[None]:
    """Record the block's wall time, CPU (children included), peak RSS and feeds/s."""
    cpu0, _ = _usage()
    t0 = time.perf_counter()
    yield
    wall = time.perf_counter() - t0
    cpu1, rss = _usage()
    out[name] = {
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu1 - cpu0, 3),
        "peak_rss_mb": round(rss, 1),
        "feeds_per_s": round(feeds / wall, 1),
    }


def _slack_peer(conn: Connection) -> None:
    from tests.peers import SlackStandIn

    with SlackStandIn() as slack:
        conn.send(slack.url)
        while (ask := conn.recv()) in ("posts", "times"):
            calls = slack.posts()
            conn.send(len(calls) if ask == "posts" else [c.at for c in calls])


class SlackPeer:
    """The Slack stand-in in its own process, like the feed farm: its CPU is the peer's, not
    newsbot's (newsbot's side, the slack-sdk client, stays in the measured process)."""

    def __enter__(self) -> SlackPeer:
        self._conn, theirs = mp.Pipe()
        self._proc = mp.Process(target=_slack_peer, args=(theirs,), daemon=True)
        self._proc.start()
        if self._proc.pid is not None:
            _PEERS.add(self._proc.pid)
        self.url = str(self._conn.recv())
        return self

    @property
    def pid(self) -> int:
        return self._proc.pid or 0

    def posts(self) -> int:
        self._conn.send("posts")
        return int(self._conn.recv())

    def post_times(self) -> list[float]:
        """When each post so far reached the stand-in (epoch seconds)."""
        self._conn.send("times")
        return list(self._conn.recv())

    def __exit__(self, *exc: object) -> None:
        self._conn.send("stop")
        self._proc.join(timeout=10)


def feed_tables(port: int, feeds: int) -> str:
    """The [[feeds]] of a farm served on `port`, as config text."""
    return "".join(
        f'[[feeds]]\nname = "Farm {i}"\nurl = "http://127.0.0.1:{port}/feed{i}.xml"\n'
        for i in range(feeds)
    )


def _newsbot_config(port: int, feeds: int, workdir: Path, root: Path = ROOT) -> Path:
    """The bot's config for a farm; `root`: the tree whose rule pack it reads (a baseline's
    own, since an older pack or engine may not know a newer key)."""
    config = workdir / "newsbot.toml"
    body = feed_tables(port, feeds)
    config.write_text(
        f'[bot]\ndatabase = "sqlite:///{workdir}/bench.db"\nbackfill = "3650d"\nretention = "4000d"\n'
        f'rules = ["{root / "config" / "rules" / "northkorea.toml"}"]\nallow_private_networks = true\n'
        'max_concurrency = 20\nper_host_concurrency = 20\nread_timeout = "30s"\n'
        'drain_timeout = "300s"\n'
        f'[slack]\npace = "0s"\n{body}'
        '[[channels]]\nchannel = "C0BENCH"\nlabels = ["missile-test", "diplomacy"]\nstorm_threshold = 100000\n'
    )
    return config


def child_newsbot(port: int, feeds: int, workdir: Path) -> dict[str, dict[str, float]]:
    import asyncio
    from datetime import timedelta
    from urllib.request import urlopen

    from bot.service.app import build_app
    from bot.service.config import load_config

    config = _newsbot_config(port, feeds, workdir)
    out: dict[str, dict[str, float]] = {}
    with SlackPeer() as slack:
        env = {"SLACK_BOT_TOKEN": "xoxb-bench", "NEWSBOT_SLACK_API_URL": slack.url}

        async def scenario() -> None:
            app = build_app(load_config(str(config), env))
            loop = asyncio.get_running_loop()
            try:

                async def cycle() -> None:
                    await app.pipeline.poll_all()
                    await app.deliverer.drain(timedelta(seconds=60))

                for name in SCENARIOS:
                    if name == "realistic":
                        await loop.run_in_executor(
                            None,
                            lambda: urlopen(
                                f"http://127.0.0.1:{port}/_mutate?share=0.1&seed=5", timeout=120
                            ).read(),
                        )
                    registry = app.pipeline.metrics.registry
                    before = [
                        registry.get_sample_value(f"newsbot_record_batch_feeds_{k}") or 0.0
                        for k in ("sum", "count")
                    ]
                    posted = await loop.run_in_executor(None, slack.posts)
                    with _measured(out, name, feeds):
                        await cycle()
                    # alerts this scenario posted (the realistic one's new entries bring a few)
                    out[name]["alerts"] = await loop.run_in_executor(None, slack.posts) - posted
                    total, batches = (
                        (registry.get_sample_value(f"newsbot_record_batch_feeds_{k}") or 0.0) - b
                        for k, b in zip(("sum", "count"), before, strict=True)
                    )
                    # feeds recorded per database transaction (group commit)
                    out[name]["feeds_per_write"] = round(total / batches, 1) if batches else 0.0
            finally:
                await app.aclose()

        asyncio.run(scenario())
        out["alerts_posted"] = {"count": slack.posts()}  # type: ignore[dict-item]
    return out


def child_reader(port: int, feeds: int, workdir: Path, workers: int) -> dict[str, dict[str, float]]:
    from urllib.request import urlopen

    from reader import make_reader

    r = make_reader(str(workdir / "reader.sqlite"))
    for i in range(feeds):
        r.add_feed(f"http://127.0.0.1:{port}/feed{i}.xml")
    out: dict[str, dict[str, float]] = {}
    for name in SCENARIOS:
        if name == "realistic":
            urlopen(f"http://127.0.0.1:{port}/_mutate?share=0.1&seed=5", timeout=120).read()
        with _measured(out, name, feeds):
            r.update_feeds(workers=workers, scheduled=False)
    r.close()
    return out


PROCESS_SCENARIOS = ("cold", "warm")


def _whole(
    cmd: list[str], env: dict[str, str], cwd: Path, feeds: int, server: int
) -> dict[str, float]:
    """Wall and CPU seconds from spawn to exit, and peak RSS (MB) of the process tree; and the
    CPU seconds the farm's server process (pid `server`) spent meanwhile, answering it."""
    import threading

    import psutil

    farm = psutil.Process(server)
    farm_before = sum(farm.cpu_times()[:2])
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    peak = [0.0]

    def sample() -> None:
        try:
            root = psutil.Process(proc.pid)
            while proc.poll() is None:
                total = root.memory_info().rss
                for child in root.children(recursive=True):
                    with contextlib.suppress(psutil.Error):
                        total += child.memory_info().rss
                peak[0] = max(peak[0], total / 2**20)
                time.sleep(0.02)
        except psutil.Error:
            pass

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate(timeout=3600)
    wall = time.perf_counter() - t0
    sampler.join()
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[:3]} exited {proc.returncode}: {err[-3000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu, 3),
        "farm_cpu_s": round(sum(farm.cpu_times()[:2]) - farm_before, 3),
        "peak_rss_mb": round(peak[0], 1),
        "feeds_per_s": round(feeds / wall, 1),
    }


READER_SCRIPT = """
import sys
from reader import make_reader
db, port, feeds, workers, add = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
r = make_reader(db)
if add == "add":
    for i in range(feeds):
        r.add_feed(f"http://127.0.0.1:{port}/feed{i}.xml")
r.update_feeds(workers=workers, scheduled=False)
r.close()
"""


def run_processes(
    system: str,
    feeds: int,
    items: int,
    workers: int,
    real: bool = False,
    baseline: str | None = None,
    faults: bool = True,
) -> dict[str, dict[str, float]]:
    """One fresh farm; the system as whole processes, cold then warm. The system "baseline" is
    newsbot run from the code at `baseline` (put first on PYTHONPATH: an unpacked archive of
    another commit), for before/after figures taken in the same minutes."""

    farm = _farm(feeds, items, real, faults).start()
    out: dict[str, dict[str, float]] = {}
    try:
        with tempfile.TemporaryDirectory() as tmp, SlackPeer() as slack:
            work = Path(tmp)
            env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "NEWSBOT"))}
            bot = system in ("newsbot", "baseline")
            if system == "baseline" and baseline:
                env["PYTHONPATH"] = os.pathsep.join(
                    p for p in (str(Path(baseline).resolve()), env.get("PYTHONPATH")) if p
                )
            if bot:
                root = Path(baseline).resolve() if system == "baseline" and baseline else ROOT
                config = _newsbot_config(farm.port, feeds, work, root)
                env |= {"SLACK_BOT_TOKEN": "xoxb-bench", "NEWSBOT_SLACK_API_URL": slack.url}
                newsbot = str(Path(sys.executable).parent / "newsbot")
                cmd = [newsbot, "run", "--once", "--config", str(config)]
            for name in PROCESS_SCENARIOS:
                if system == "reader":
                    add = "add" if name == "cold" else "no"
                    cmd = [sys.executable, "-c", READER_SCRIPT, str(work / "reader.sqlite")]
                    cmd += [str(farm.port), str(feeds), str(workers), add]
                elif system == "floor":  # benchmarks/floor_client.py: fetch and keep, no more
                    cmd = [sys.executable, "-m", "benchmarks.floor_client", str(work / "floor.db")]
                    cmd += [str(farm.port), str(feeds), name]
                posted = slack.posts()
                out[name] = _whole(cmd, env, ROOT, feeds, farm.pid)
                if bot:
                    out[name]["alerts"] = slack.posts() - posted
            if bot:
                out["alerts_posted"] = {"count": slack.posts()}
    finally:
        farm.stop()
    return out


def _farm(feeds: int, items: int, real: bool, faults: bool) -> Farm:
    """The farm; without `faults`, none of its feeds is slow (1.5 s) or failing (HTTP 500)."""
    from benchmarks.farm import Farm

    if faults:
        return Farm(feeds=feeds, items=items, real=real)
    return Farm(feeds=feeds, items=items, real=real, slow=0.0, failing=0.0)


def run_child(
    system: str, feeds: int, items: int, workers: int, real: bool = False, faults: bool = True
) -> dict[str, dict[str, float]]:
    farm = _farm(feeds, items, real, faults).start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            cmd = [
                sys.executable,
                "-m",
                "benchmarks.bench_farm",
                "--child",
                system,
                "--port",
                str(farm.port),
                "--feeds",
                str(feeds),
                "--workdir",
                tmp,
                "--workers",
                str(workers),
            ]
            done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=3600)
            if done.returncode != 0:
                raise RuntimeError(done.stderr[-3000:])
            return json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        farm.stop()


def _summary(
    results_by: dict[str, list[dict[str, dict[str, float]]]],
    scenarios: tuple[str, ...],
    system: str = "newsbot",
) -> tuple[
    dict[str, dict[str, dict[str, float]]], dict[str, dict[str, float]], dict[str, list[float]]
]:
    """Medians per system and scenario, the `system`/reader ratios of the medians, and each
    run's wall ratio (how much the runs spread)."""
    median = {
        system: {
            sc: {k: round(statistics.median(r[sc][k] for r in results), 3) for k in results[0][sc]}
            for sc in scenarios
        }
        for system, results in results_by.items()
        if results
    }
    ratios: dict[str, dict[str, float]] = {}
    spread: dict[str, list[float]] = {}
    if system in median and "reader" in median:
        ratios = {
            sc: {
                k: round(median[system][sc][k] / median["reader"][sc][k], 3)
                for k in ("wall_s", "cpu_s")
                if median["reader"][sc][k]
            }
            for sc in scenarios
        }
        pairs = zip(results_by[system], results_by["reader"], strict=True)
        spread = {sc: [] for sc in scenarios}
        for nb, rd in pairs:
            for sc in scenarios:
                spread[sc].append(round(nb[sc]["wall_s"] / rd[sc]["wall_s"], 3))
    return median, ratios, spread


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--workers", type=int, default=20, help="reader's update_feeds(workers=...)"
    )
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results"))
    parser.add_argument(
        "--systems",
        default="newsbot,reader",
        help="any of newsbot, reader, floor (benchmarks/floor_client.py: an httpx poller that "
        "fetches and keeps validators and nothing else, processes mode only)",
    )
    parser.add_argument("--farm", choices=("generated", "real"), default="generated")
    parser.add_argument("--mode", choices=("cycles", "processes", "both"), default="both")
    parser.add_argument(
        "--baseline",
        help="also run newsbot from this folder's code (e.g. `git archive <commit>` unpacked) as "
        "the system 'baseline', alternating with the others (processes mode only)",
    )
    parser.add_argument(
        "--no-faults",
        dest="faults",
        action="store_false",
        help="a farm without its 1%% slow and 1%% failing feeds (the default keeps them); the "
        "report goes to farm-nofaults.json / farm-real-nofaults.json",
    )
    parser.add_argument("--child")
    parser.add_argument("--port", type=int)
    parser.add_argument("--workdir")
    args = parser.parse_args()
    if args.child:
        work = Path(args.workdir)
        result = (
            child_newsbot(args.port, args.feeds, work)
            if args.child == "newsbot"
            else child_reader(args.port, args.feeds, work, args.workers)
        )
        print(json.dumps(result))
        return
    systems = args.systems.split(",")
    if args.baseline:
        if args.mode != "processes":
            parser.error("--baseline needs --mode processes")
        systems = ["baseline", *(s for s in systems if s != "baseline")]
    runs: dict[str, list[dict[str, dict[str, float]]]] = {s: [] for s in systems}
    whole: dict[str, list[dict[str, dict[str, float]]]] = {s: [] for s in systems}
    load = [os.getloadavg()[0]]
    real = args.farm == "real"
    for r in range(args.runs):
        for system in systems:  # newsbot and reader alternate, in both modes
            if args.mode in ("cycles", "both") and system != "floor":  # floor: processes only
                result = run_child(
                    system, args.feeds, args.items, args.workers, real=real, faults=args.faults
                )
                runs[system].append(result)
                print(f"run {r + 1} {system} cycles: {json.dumps(result)}", file=sys.stderr)
            if args.mode in ("processes", "both"):
                result = run_processes(
                    system,
                    args.feeds,
                    args.items,
                    args.workers,
                    real=real,
                    baseline=args.baseline,
                    faults=args.faults,
                )
                whole[system].append(result)
                print(f"run {r + 1} {system} processes: {json.dumps(result)}", file=sys.stderr)
        load.append(os.getloadavg()[0])
    report: dict[str, object] = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "farm": args.farm,
        "slow_and_failing_feeds": "1% and 1%" if args.faults else "none",
        "feeds": args.feeds,
        "items_per_feed": args.items if args.farm == "generated" else "as the outlets' feeds",
        "runs": args.runs,
        "reader_workers": args.workers,
        "load_average_1min": [round(x, 2) for x in load],
    }
    median: dict[str, dict[str, dict[str, float]]] = {}
    for key, results_by, scenarios in (
        ("", runs, SCENARIOS),
        ("process_", whole, PROCESS_SCENARIOS),
    ):
        med, ratios, spread = _summary(results_by, scenarios)
        if med:
            report[key + "median"] = med
            report[key + "ratios_newsbot_over_reader"] = ratios
            report[key + "per_run_wall_ratios"] = spread
        for other in ("baseline", "floor"):
            if results_by.get(other):
                _, other_ratios, other_spread = _summary(results_by, scenarios, other)
                report[key + f"ratios_{other}_over_reader"] = other_ratios
                report[key + f"{other}_per_run_wall_ratios"] = other_spread
        if not key:
            median = med
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    name = ("farm" if args.farm == "generated" else "farm-real") + (
        "" if args.faults else "-nofaults"
    )
    if not median:  # processes only: no cycles to plot
        (out / f"{name}.json").write_text(json.dumps(report, indent=2))
        print(json.dumps(report, indent=2))
        return
    (out / f"{name}.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(7, 4))
        width = 0.8 / len(median)
        for n, (system, data) in enumerate(median.items()):
            ax.bar(
                [i + n * width for i in range(len(SCENARIOS))],
                [data[sc]["wall_s"] for sc in SCENARIOS],
                width,
                label=system,
            )
        ax.set_xticks([i + width * (len(median) - 1) / 2 for i in range(len(SCENARIOS))], SCENARIOS)
        ax.set_ylabel("wall time, s (median)")
        shape = f"{args.items} items" if args.farm == "generated" else "real outlets' feeds"
        ax.set_title(f"{args.feeds} feeds x {shape}, {os.cpu_count()} cores")
        ax.legend()
        fig.tight_layout()
        fig.savefig(out / f"{name}.png", dpi=100)
    except ImportError:
        print("matplotlib not installed: no plot", file=sys.stderr)


if __name__ == "__main__":
    main()
