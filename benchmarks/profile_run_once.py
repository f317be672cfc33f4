"""One cold `newsbot run --once` on a fresh farm, with the CPU of each process of its tree.

    python -m benchmarks.profile_run_once [--feeds 200] [--farm generated|real] [--set KEY=VALUE]
        [--baseline DIR] [--py-spy out.txt]

The farm and the Slack stand-in run in their own processes (as in bench_farm); the bot's
process tree is sampled every 50 ms with psutil, so the main process and each parsing worker
get their own CPU seconds. `--set parse_processes=0` adds a line to the config's [bot] table.
`--baseline DIR` runs the code in DIR (put first on PYTHONPATH) instead of this checkout's.
`--py-spy out.txt` runs the bot under `py-spy record --subprocesses --gil -f raw` (py-spy is not
a dependency: `pip install py-spy`); the raw stacks, one line per stack with its sample count,
say where the main process and the workers spend the time they hold the GIL.
`--read out.txt [--under NAME]` sums such a file: the functions with the most samples, of the
main process and of the workers, counting each function once per stack (or, with --under, what
the frames right below a function whose name contains NAME take).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.bench_farm import ROOT, SlackPeer, _newsbot_config
from benchmarks.farm import Farm


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--farm", choices=("generated", "real"), default="generated")
    parser.add_argument("--set", action="append", default=[], help="KEY=VALUE for [bot]")
    parser.add_argument("--baseline")
    parser.add_argument("--py-spy", dest="py_spy")
    parser.add_argument("--read")
    parser.add_argument("--under")
    args = parser.parse_args()
    if args.read:
        read(args.read, args.under)
        return
    import psutil

    farm = Farm(feeds=args.feeds, items=args.items, real=args.farm == "real").start()
    try:
        with tempfile.TemporaryDirectory() as tmp, SlackPeer() as slack:
            tree = Path(args.baseline).resolve() if args.baseline else ROOT
            config = _newsbot_config(farm.port, args.feeds, Path(tmp), tree)
            extra = "".join(f"{line}\n" for line in (s.replace("=", " = ", 1) for s in args.set))
            config.write_text(config.read_text().replace("[bot]\n", "[bot]\n" + extra, 1))
            env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "NEWSBOT"))}
            env |= {"SLACK_BOT_TOKEN": "xoxb-bench", "NEWSBOT_SLACK_API_URL": slack.url}
            if args.baseline:
                env["PYTHONPATH"] = str(Path(args.baseline).resolve())
            cmd = [str(Path(sys.executable).parent / "newsbot"), "run", "--once"]
            cmd += ["--config", str(config)]
            if args.py_spy:
                spy = ["py-spy", "record", "--subprocesses", "--gil", "-r", "200", "-f", "raw"]
                cmd = [*spy, "-o", args.py_spy, "--", *cmd]
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            seen: dict[str, float] = {}

            def sample() -> None:
                root = psutil.Process(proc.pid)
                while proc.poll() is None:
                    try:
                        for p in [root, *root.children(recursive=True)]:
                            t = p.cpu_times()
                            role = "worker" if "multiprocessing" in " ".join(p.cmdline()) else ""
                            seen[f"{p.pid} {role or p.name()}"] = round(t.user + t.system, 2)
                    except psutil.Error:
                        pass
                    time.sleep(0.05)

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            _, err = proc.communicate()
            wall = time.perf_counter() - t0
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
                "alerts": slack.posts(),
                "load_average_1min": round(os.getloadavg()[0], 2),
            }
            print(json.dumps(result))
    finally:
        farm.stop()


if __name__ == "__main__":
    main()
