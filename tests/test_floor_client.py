"""The farm benchmark's floor (benchmarks/floor_client.py) against a real local farm: its cold run
fetches every feed and keeps the validators, its warm run sends them back and every feed answers
304. If it sent no validators, the warm run would be a second cold one and the floor beside
newsbot and `reader` would be no floor at all."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from benchmarks.farm import Farm

ROOT = Path(__file__).resolve().parent.parent


def _run(db: Path, port: int, feeds: int, mode: str) -> None:
    cmd = [sys.executable, "-m", "benchmarks.floor_client", str(db), str(port), str(feeds), mode]
    subprocess.run(cmd, cwd=ROOT, check=True, timeout=120)


def test_cold_keeps_the_bodies_and_warm_gets_304s(tmp_path: Path) -> None:
    farm = Farm(feeds=6, items=3, slow=0.0, failing=0.0).start()
    try:
        db = tmp_path / "floor.db"
        _run(db, farm.port, 6, "cold")
        with sqlite3.connect(db) as conn:
            rows = conn.execute("SELECT url, etag, length(body) FROM feeds ORDER BY url").fetchall()
        assert [r[0] for r in rows] == sorted(farm.url(i) for i in range(6))
        assert all(etag and size > 0 for _, etag, size in rows)
        cold = farm.requests()
        assert [status for *_, status in cold] == [200] * 6
        _run(db, farm.port, 6, "warm")
        warm = farm.requests()[len(cold) :]
        assert [status for *_, status in warm] == [304] * 6
        with sqlite3.connect(db) as conn:  # a 304 keeps the body of the last 200
            assert conn.execute("SELECT count(*) FROM feeds WHERE body IS NULL").fetchone() == (0,)
    finally:
        farm.stop()
