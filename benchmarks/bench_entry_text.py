"""What keeping every entry's text (for `newsbot replay`, schema 4) costs: bytes per entry in
the database, and the cold `run --once` time, over the feed farm.

    python -m benchmarks.bench_entry_text [--feeds 200] [--items 50]

Bytes are measured on SQLite: the file after the run, then again after the `entries` table is
dropped and the file vacuumed. The farm's entries carry ~1.7 KB summaries (longer than most
outlets' RSS summaries), so the figure is an upper end: the cost is the entries' own text.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.farm import Farm

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument(
        "--code", help="run another checkout's newsbot (its repo root), to compare the time"
    )
    args = parser.parse_args()
    farm = Farm(feeds=args.feeds, items=args.items, slow=0.0, failing=0.0).start()
    try:
        _measure(args, farm)
    finally:
        farm.stop()


def _measure(args: argparse.Namespace, farm: Farm) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bot.db"
        feeds = "".join(
            f'[[feeds]]\nname = "Feed {i}"\nurl = "{farm.url(i)}"\n' for i in range(args.feeds)
        )
        config = Path(tmp) / "newsbot.toml"
        config.write_text(
            f'[bot]\ndatabase = "sqlite:///{db}"\nallow_private_networks = true\n'
            f'rules = ["{ROOT / "config" / "rules" / "northkorea.toml"}"]\n'
            'drain_timeout = "0s"\n' + feeds
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "NEWSBOT_"))}
        started = time.monotonic()
        subprocess.run(
            [sys.executable, "-m", "bot", "run", "--once", "--config", str(config)],
            env={
                **env,
                "NEWSBOT_HTTP_PORT": "0",
                **({"PYTHONPATH": args.code} if args.code else {}),
            },
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        took = time.monotonic() - started
        conn = sqlite3.connect(db)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        if args.code:  # an older schema, without the entries table: the time is the figure
            print(json.dumps({"feeds": args.feeds, "cold_run_seconds": round(took, 2)}))
            conn.close()
            return
        entries = conn.execute("SELECT count(*) FROM entries").fetchone()[0]
        text = conn.execute(
            "SELECT avg(length(title) + length(summary) + length(url)) FROM entries"
        ).fetchone()[0]
        conn.execute("VACUUM")
        full = db.stat().st_size
        conn.execute("DROP TABLE entries")
        conn.commit()
        conn.execute("VACUUM")
        without = db.stat().st_size
        conn.close()
    print(
        json.dumps(
            {
                "feeds": args.feeds,
                "entries": entries,
                "cold_run_seconds": round(took, 2),
                "database_bytes": full,
                "database_bytes_without_entry_text": without,
                "bytes_per_entry": round((full - without) / max(entries, 1)),
                "text_chars_per_entry": round(text or 0),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
