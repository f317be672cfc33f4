"""One cold `newsbot run --once` on a fresh farm, with the CPU of each process of its tree.

    python -m benchmarks.profile_run_once [--feeds 200] [--farm generated|real] [--set KEY=VALUE]
        [--baseline DIR] [--py-spy out.txt] [--warm]

`--warm` first runs the same command once, unmeasured, on the same database and farm, then
measures (and profiles) a second run, in which every feed answers 304.

The farm and the Slack stand-in run in their own processes (as in bench_farm); the bot's
process tree is sampled every 50 ms with psutil, so the main process and each parsing worker
get their own CPU seconds. `--set parse_processes=0` adds a line to the config's [bot] table.
`--baseline DIR` runs the code in DIR (put first on PYTHONPATH) instead of this checkout's.
`--py-spy out.txt` runs the bot under `py-spy record --subprocesses --gil -f raw` (py-spy is not
a dependency: `pip install py-spy`); the raw stacks, one line per stack with its sample count,
say where the main process and the workers spend the time they hold the GIL.
`--timeline [--bin 0.5]` prints where the wall time goes: per bin, the CPU the main process and
the parsing workers used (in cores), the feed requests the farm saw arrive and answered, the
feeds the bot recorded (its "first poll" log lines) and the posts the Slack stand-in got, and
the moments that bound the phases (spawn, first request, last answer, last record, first and
last post, exit); `--timeline-out FILE` also writes them as JSON.
`--read out.txt [--under NAME]` sums such a file: the functions with the most samples, of the
main process and of the workers, counting each function once per stack (or, with --under, what
the frames right below a function whose name contains NAME take).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import os
import re
import resource
import shlex
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.bench_farm import ROOT, SlackPeer, _farm, _newsbot_config


def read(path: str, under: str | None, top: int = 30) -> None:
    """Sample counts of a py-spy raw file, by process role and function."""
    counts: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for line in Path(path).read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        role = "worker" if "multiprocessing-fork" in stack else "main"
        frames = [re.sub(r":\d+\)$", ")", f) for f in stack.split(";")[1:]]
        if under is None:
            for name in dict.fromkeys(frames):
                counts[role][name] += int(n)
            counts[role]["(all)"] += int(n)
            continue
        for i, name in enumerate(frames):
            if under in name:
                counts[role][frames[i + 1] if i + 1 < len(frames) else "(itself)"] += int(n)
                break
    for role, counter in counts.items():
        print(f"== {role}")
        for name, n in counter.most_common(top):
            print(f"{n:7d}  {name}")


def _busy() -> tuple[float, float]:
    """(busy, idle) CPU seconds of the whole machine since boot, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    tick = os.sysconf("SC_CLK_TCK")
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / tick, idle / tick


def _recorded(stderr: str) -> list[float]:
    """When the bot recorded each feed's first poll, from its JSON log lines on stderr."""
    from datetime import datetime

    out = []
    for line in stderr.splitlines():
        if "first poll" not in line or not line.startswith("{"):
            continue
        with contextlib.suppress(ValueError, KeyError):
            out.append(datetime.fromisoformat(json.loads(line)["time"]).timestamp())
    return sorted(out)


def timeline(
    spawned: float,
    exited: float,
    samples: list[tuple[float, float, float]],
    requests: list[tuple[float, float, int]],
    recorded: list[float],
    posts: list[float],
    width: float,
    out: str | None,
) -> None:
    """Print the run's phases and a table of bins of `width` seconds (see the module's doc)."""
    requests = [r for r in requests if r[0] >= spawned - 1]  # this run's only
    events = {
        "spawn": 0.0,
        "first request": min((r[0] for r in requests), default=spawned) - spawned,
        "last answer": max((r[1] for r in requests), default=spawned) - spawned,
        "first record": (recorded[0] - spawned) if recorded else None,
        "last record": (recorded[-1] - spawned) if recorded else None,
        "first post": (posts[0] - spawned) if posts else None,
        "last post": (posts[-1] - spawned) if posts else None,
        "exit": exited - spawned,
    }
    print(
        "phases (s after spawn): "
        + ", ".join(f"{k} {v:.2f}" for k, v in events.items() if v is not None)
    )
    bins = int((exited - spawned) / width) + 1
    rows = []
    cpu = [(t - spawned, m, w) for t, m, w in samples]
    for b in range(bins):
        lo, hi = b * width, (b + 1) * width
        inside = [c for c in cpu if lo <= c[0] < hi]
        before = [c for c in cpu if c[0] < lo]
        start = before[-1] if before else (0.0, 0.0, 0.0)
        end = inside[-1] if inside else start
        span = max(end[0] - start[0], 1e-9)
        rows.append(
            {
                "t": round(lo, 2),
                "main_cores": round((end[1] - start[1]) / span, 2) if inside else 0.0,
                "worker_cores": round((end[2] - start[2]) / span, 2) if inside else 0.0,
                "arrived": sum(lo <= r[0] - spawned < hi for r in requests),
                "answered": sum(lo <= r[1] - spawned < hi for r in requests),
                "in_flight": sum(r[0] - spawned < hi <= r[1] - spawned for r in requests),
                "recorded": sum(lo <= t - spawned < hi for t in recorded),
                "posts": sum(lo <= t - spawned < hi for t in posts),
            }
        )
    print(" ".join(f"{k:>12}" for k in rows[0]))
    for row in rows:
        print(" ".join(f"{v:>12}" for v in row.values()))
    if out:
        Path(out).write_text(json.dumps({"events": events, "bins": rows}, indent=1))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--farm", choices=("generated", "real"), default="generated")
    parser.add_argument("--set", action="append", default=[], help="KEY=VALUE for [bot]")
    parser.add_argument("--baseline")
    parser.add_argument("--py-spy", dest="py_spy")
    parser.add_argument("--idle", action="store_true", help="with --py-spy: every thread, idle too")
    parser.add_argument("--timeline", action="store_true")
    parser.add_argument("--timeline-out", dest="timeline_out")
    parser.add_argument("--bin", type=float, default=0.5)
    parser.add_argument("--prefix", help="a command to run the bot under, e.g. 'strace -f -c'")
    parser.add_argument("--read")
    parser.add_argument("--under")
    parser.add_argument("--warm", action="store_true", help="measure a second run (all 304)")
    parser.add_argument("--no-faults", dest="faults", action="store_false", help="as bench_farm's")
    args = parser.parse_args()
    if args.read:
        read(args.read, args.under)
        return
    import psutil

    farm = _farm(args.feeds, args.items, args.farm == "real", args.faults).start()
    try:
        with tempfile.TemporaryDirectory() as tmp, SlackPeer() as slack:
            tree = Path(args.baseline).resolve() if args.baseline else ROOT
            config = _newsbot_config(farm.port, args.feeds, Path(tmp), tree)
            # a --set key replaces the benchmark's own setting of it
            keys = {s.split("=", 1)[0].strip() for s in args.set}
            text = "".join(
                line
                for line in config.read_text().splitlines(keepends=True)
                if line.split("=", 1)[0].strip() not in keys
            )
            extra = "".join(f"{line}\n" for line in (s.replace("=", " = ", 1) for s in args.set))
            config.write_text(text.replace("[bot]\n", "[bot]\n" + extra, 1))
            env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "NEWSBOT"))}
            env |= {"SLACK_BOT_TOKEN": "xoxb-bench", "NEWSBOT_SLACK_API_URL": slack.url}
            if args.baseline:
                env["PYTHONPATH"] = str(Path(args.baseline).resolve())
            cmd = [str(Path(sys.executable).parent / "newsbot"), "run", "--once"]
            cmd += ["--config", str(config)]
            if args.warm:
                subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, check=True)
            if args.py_spy:
                spy = [
                    "py-spy",
                    "record",
                    "--subprocesses",
                    *(["--idle", "--threads"] if args.idle else ["--gil"]),
                    "-r",
                    "200",
                    "-f",
                    "raw",
                ]
                cmd = [*spy, "-o", args.py_spy, "--", *cmd]
            if args.prefix:
                cmd = [*shlex.split(args.prefix), *cmd]
            peers = {"farm": psutil.Process(farm.pid), "slack": psutil.Process(slack.pid)}
            peers0 = {k: sum(p.cpu_times()[:2]) for k, p in peers.items()}
            machine0 = _busy()
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            farm_seen, posts_seen = len(farm.requests()), slack.posts()  # (--warm) the first run's
            spawned = time.time()
            t0 = time.perf_counter()
            proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            seen: dict[str, float] = {}
            samples: list[tuple[float, float, float]] = []  # (epoch s, main CPU s, workers CPU s)

            def sample() -> None:
                root = psutil.Process(proc.pid)
                while proc.poll() is None:
                    try:
                        main_cpu = workers = 0.0
                        for p in [root, *root.children(recursive=True)]:
                            t = p.cpu_times()
                            role = "worker" if "multiprocessing" in " ".join(p.cmdline()) else ""
                            seen[f"{p.pid} {role or p.name()}"] = round(t.user + t.system, 2)
                            if p.pid == root.pid:
                                main_cpu = t.user + t.system
                            else:
                                workers += t.user + t.system
                        samples.append((time.time(), main_cpu, workers))
                    except psutil.Error:
                        pass
                    time.sleep(0.05)

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            _, err = proc.communicate()
            wall = time.perf_counter() - t0
            exited = time.time()
            machine = _busy()
            peers_cpu = {k: round(sum(p.cpu_times()[:2]) - peers0[k], 2) for k, p in peers.items()}
            sampler.join()
            if proc.returncode:
                sys.exit(err.decode()[-3000:])
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
            result = {
                "feeds": args.feeds,
                "wall_s": round(wall, 2),
                "cpu_s": round(cpu, 2),
                "cpu_s_by_process": seen,
                "alerts": slack.posts() - posts_seen,
                # the peers' CPU in the same minutes (not newsbot's, but on the same cores), and
                # the whole machine's, in cores busy on average over the run (other users too)
                "peers_cpu_s": peers_cpu,
                "machine_busy_cores": round((machine[0] - machine0[0]) / wall, 2),
                "machine_cores": os.cpu_count(),
                "load_average_1min": round(os.getloadavg()[0], 2),
            }
            print(json.dumps(result))
            if args.timeline:
                timeline(
                    spawned,
                    exited,
                    samples,
                    farm.requests()[farm_seen:],
                    _recorded(err.decode()),
                    slack.post_times()[posts_seen:],
                    args.bin,
                    args.timeline_out,
                )
    finally:
        farm.stop()


if __name__ == "__main__":
    main()
