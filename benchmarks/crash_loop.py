"""The full crash-safety run: 30 SIGKILLs at random moments while alerts are delivered.

    python -m benchmarks.crash_loop [--kills 30] [--runs 1]

Prints, per run, how many alerts reached Slack, duplicates (must be none), and how often the
bot had to look an interrupted message up in the channel before deciding not to repost it.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from tests.crashloop import run


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kills", type=int, default=30)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--alerts", type=int, default=40)
    args = parser.parse_args()
    ok = True
    for r in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            result = run(args.kills, Path(tmp), alerts=args.alerts, seed=100 + r, slack_delay=0.3)
        result.pop("stderr")
        print(json.dumps(result))
        ok = (
            ok
            and result["returncode"] == 0
            and not result["duplicates"]
            and result["distinct_posted"] == result["alerts"]
        )
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
