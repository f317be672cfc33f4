"""Start-up cost: `newsbot --version` and `newsbot check-config` against the import baseline.

    python -m benchmarks.bench_startup [--runs 15] [--newsbot PATH] [--json out.json]

The baseline is `python -c "import feedparser, httpx, slack_sdk, apscheduler"` with the same
interpreter: the four libraries the design fixes. Each command runs `--runs` times as a whole
process (wall time and peak RSS); medians are reported, with each command's ratio to the baseline.
Point `--newsbot` at an installed wheel's console script to measure what a user gets.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MINIMAL = '[[feeds]]\nname = "Wire"\nurl = "https://wire.example/feed.xml"\n\n[[channels]]\nchannel = "#alerts"\nlabels = ["missile-test"]\n'


def _time(cmd: list[str], runs: int, cwd: str) -> tuple[float, float]:
    """Median wall seconds and median peak RSS (MB) of `runs` runs of `cmd`."""
    walls, rss = [], []
    for _ in range(runs):
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        walls.append(time.perf_counter() - started)
        rss.append(usage.ru_maxrss / 1024)  # KB on Linux
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"{cmd} failed")
    return statistics.median(walls), statistics.median(rss)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--newsbot", default=str(Path(sys.executable).parent / "newsbot"))
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args()
    python = str(Path(args.newsbot).parent / "python")
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "newsbot.toml"
        config.write_text(MINIMAL)
        commands = {
            "baseline import": [python, "-c", "import feedparser, httpx, slack_sdk, apscheduler"],
            "newsbot --version": [args.newsbot, "--version"],
            "newsbot check-config": [args.newsbot, "check-config", "--config", str(config)],
        }
        results = {name: _time(cmd, args.runs, tmp) for name, cmd in commands.items()}
    base = results["baseline import"][0]
    print(f"{'command':<24} {'median wall':>12} {'ratio':>6} {'peak RSS':>9}")
    for name, (wall, rss) in results.items():
        print(f"{name:<24} {wall * 1000:>9.0f} ms {wall / base:>6.2f} {rss:>6.0f} MB")
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "runs": args.runs,
                    "results": {
                        k: {
                            "wall_s": round(w, 4),
                            "ratio": round(w / base, 3),
                            "rss_mb": round(r, 1),
                        }
                        for k, (w, r) in results.items()
                    },
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
